// My cases: the open cases of the token's units (a worker's grid, a
// street's command centre), with their history and photos, those past
// their deadline marked (超期) and listed alone on demand, and the steps the
// token may take on one (steps.js), queued like reports and sent when the
// network allows.
import { fetchJSON, isAuthRefusal, unansweredKey } from './net.js';
import { kvGet, kvSet } from './store.js';
import { t, onLangChange, duration } from './i18n.js';
import { dateTime } from './time.js';
import { nameOf, fullNameOf, LEVELS } from './categories.js';
import { serverNow } from './clock.js';
import { initSteps, clearSteps, showSteps, offerAssignees } from './steps.js';
import { thumb } from './photos.js';
import { collapsible } from './text.js';
import { PAGE, readPages, unique } from './pages.js';

const $ = (id) => document.getElementById(id);
const OPEN = 'reported,accepted,dispatched,handled,verified,reopened';
// FINISHED cases stay listed (below the open ones) for FINISHED_DAYS after
// they were observed: a worker must learn that a report was rejected, and why.
const FINISHED = 'closed,rejected';
const FINISHED_DAYS = 14;
const LIST_TEXT = 60; // characters of a description the list shows
const KINDS = 'kind=hazard,event';
// AUTO_PAGES is how many pages a refresh reads, and 加载更多 adds: a
// street's duty officer with 300 overdue cases sees them all at once, the
// most overdue first (the server's pages come newest first). Past that the
// list says it holds the newest only, and offers the rest.
const AUTO_PAGES = 5;
// desk is the list shown: its cases, what it was read with (the listing's
// path, which of its cases it keeps, how many pages), the cursor of what
// lies beyond (null: nothing), whether a kept copy said there was more
// (offline), and a number each read takes, so that an older read that
// answers late does not draw over a newer one.
const desk = { list: [], path: '', keep: () => true, pages: AUTO_PAGES, next: null, more: false, only: false, unknown: false, seq: 0 };
let shown = null; // the case whose detail is open, as last fetched
let place = () => {}; // shows a case's place on the map (null: none)
let overdueOnly = false; // the list shows the overdue cases alone
let showDescription = () => {}; // writes the open case's description, collapsed when long (text.js)

/**
 * initCases wires the case list and its detail view; who is /v1/me's
 * answer; showPlace puts the map beside an open case, marking where it was
 * reported (null: away).
 */
export function initCases(who, showPlace) {
  place = showPlace ?? place;
  $('c-refresh').onclick = loadCases;
  $('c-back').onclick = () => { $('c-detail').hidden = true; $('c-list-box').hidden = false; shown = null; place(null); };
  $('c-overdue-only').onchange = (e) => { overdueOnly = e.target.checked; loadCases(); };
  $('c-more').onclick = loadMore;
  // The open case is redrawn in the new language; the note and photos being added stay.
  onLangChange(() => { if (shown) drawCase(shown); });
  showDescription = collapsible($('c-description'), $('c-description-more'));
  // redraw: the outbox changed (a step sent or refused meanwhile): the open case's steps say so.
  initSteps(who, { reread, reload: loadCases, redraw: () => shown && showSteps(shown, unitName(shown, shown.assigned_code)) });
  offerAssignees();
}

/**
 * overdueBy is how long ago an open case's deadline (due_at) passed, in ms
 * by the server's clock (clock.js); 0 when it has not, or the case is done.
 */
export function overdueBy(r) {
  if (!r.due_at || finished(r)) return 0;
  return Math.max(0, serverNow().getTime() - Date.parse(r.due_at));
}

// finished tells whether a case is done with (closed, or rejected).
const finished = (r) => r.state === 'closed' || r.state === 'rejected';

// fetchList fetches the open cases (pages of them) and those finished
// lately (kept for offline use), or, overdue only, the open cases past
// their deadline: the server's overdue filter finds them wherever they lie
// among the open ones. It is { list, next, copy, path, keep }: next the
// cursor of the open (overdue) cases beyond those read, copy when the
// service worker answered with the list as last fetched (the server was
// not reached), path and keep what 加载更多 goes on with.
async function fetchList(pages) {
  const open = `v1/reports?state=${OPEN}&${KINDS}&limit=${PAGE}`;
  if (overdueOnly) {
    let [path, keep] = [`v1/reports?overdue=true&${KINDS}&limit=${PAGE}`, () => true];
    let got;
    try {
      got = await readPages(path, null, pages);
    } catch (e) {
      if (e.status !== 400 || e.field !== 'overdue') throw e;
      // A server without the filter: its open cases, sorted out here.
      [path, keep] = [open, (r) => overdueBy(r) > 0];
      got = await readPages(path, null, pages);
    }
    return { list: got.reports.filter(keep), next: got.next, copy: got.copy, path, keep };
  }
  const since = new Date(Date.now() - FINISHED_DAYS * 86400e3).toISOString();
  const [got, done] = await Promise.all([readPages(open, null, pages),
    fetchJSON(`v1/reports?state=${FINISHED}&${KINDS}&from=${encodeURIComponent(since)}&limit=30`)]);
  const list = unique([...got.reports, ...done.body.reports]);
  const copy = got.copy || done.copy;
  if (!copy) await keepList(list, got.next);
  return { list, next: got.next, copy, path: open, keep: () => true };
}

// keepList keeps the desk list for offline use, and whether the server had more.
async function keepList(list, next) {
  await kvSet('cases', list);
  await kvSet('cases-more', !!next);
}

/** loadCases fetches the cases (as many pages as the list showed), or shows those kept from the last fetch. */
export async function loadCases() {
  const only = overdueOnly;
  const seq = ++desk.seq;
  if (desk.only !== only) desk.pages = AUTO_PAGES; // another filter: its first pages
  let got;
  try {
    got = await fetchList(desk.pages);
    // A copy is the list as last fetched: said so, as when the phone's own one is shown.
    $('c-status').textContent = got.copy ? t(unansweredKey('cases.offline', 'cases.fault', 0, 'cases.unreach')) : '';
  } catch (e) {
    const kept = await kvGet('cases'); // null: never fetched, so "no cases" is not known
    got = { list: (kept ?? []).filter((r) => !only || overdueBy(r)), next: null, more: !!(await kvGet('cases-more')), unknown: kept == null };
    // Offline, or the server refused the token: the phone is online then.
    $('c-status').textContent = t(isAuthRefusal(e.status, e.field) ? 'auth.refused' : unansweredKey('cases.offline', 'cases.fault', e.status, 'cases.unreach'));
  }
  if (seq !== desk.seq) return; // a newer read (the filter changed, a refresh) draws
  Object.assign(desk, { more: false, unknown: false, path: '', keep: () => true }, got, { only });
  drawList();
}

// loadMore reads the next pages of the list shown and adds them to it.
async function loadMore() {
  const seq = desk.seq;
  $('c-more').disabled = true;
  try {
    const got = await readPages(desk.path, desk.next, AUTO_PAGES);
    if (seq !== desk.seq) return;
    Object.assign(desk, { list: unique([...desk.list, ...got.reports.filter(desk.keep)]), next: got.next, pages: desk.pages + AUTO_PAGES });
    if (!desk.only && !got.copy) await keepList(desk.list, got.next);
    drawList();
  } catch (e) {
    if (seq === desk.seq) $('c-status').textContent = t(isAuthRefusal(e.status, e.field) ? 'auth.refused' : unansweredKey('cases.offline', 'cases.fault', e.status, 'cases.unreach'));
  } finally {
    $('c-more').disabled = false;
  }
}

// drawList writes the desk list, most urgent first, with how many cases it
// holds: all of them, or, when the server has more, the newest so many.
function drawList() {
  const { list, only } = desk;
  $('c-list').replaceChildren(...byUrgency(list).map(caseLine));
  $('c-empty').hidden = list.length > 0 || desk.unknown;
  $('c-empty').textContent = t(only ? 'cases.nooverdue' : 'cases.none');
  const n = list.filter((r) => !finished(r)).length;
  const partial = !!desk.next || desk.more;
  $('c-count').hidden = !n && !partial;
  $('c-count').textContent = t(`cases.${partial ? 'partial' : 'count'}${only ? 'overdue' : 'open'}`, { n });
  $('c-more').hidden = !desk.next;
}

// byUrgency orders a desk's cases: the open ones first, the most overdue
// first, then by deadline; the finished ones after, as listed (newest
// first). A duty officer found an overdue case seventh of 26, among cases
// that had time left.
function byUrgency(list) {
  const due = (r) => (r.due_at ? Date.parse(r.due_at) : Infinity);
  const open = list.filter((r) => !finished(r));
  open.sort((a, b) => overdueBy(b) - overdueBy(a) || Math.sign(due(a) - due(b)) || 0);
  return [...open, ...list.filter((r) => !open.includes(r))];
}

// caseLine is a case in the list: its category, state, a red 超期 tag with
// how long overdue, and the start of its description with when it was seen.
function caseLine(r) {
  const li = document.createElement('li');
  li.className = `case sev${r.severity}`;
  li.dataset.id = r.id;
  li.innerHTML = '<div class="row"><strong></strong><span class="tags"><span class="state"></span></span></div><div class="muted"></div>';
  li.querySelector('strong').textContent = nameOf(r.category, r.category_name?.split('/').pop());
  li.querySelector('.state').textContent = t(`state.${r.state}`);
  li.querySelector('.state').classList.add(r.state);
  const late = overdueBy(r);
  if (late) {
    li.classList.add('late');
    li.querySelector('.tags').prepend(Object.assign(document.createElement('span'), { className: 'tag overdue',
      textContent: t('cases.overdue', { d: duration(late) }) }));
  }
  li.querySelector('.muted').textContent = `${clip(r.description) || '—'} · ${dateTime(r.observed_at)}`;
  li.onclick = () => openCase(r);
  return li;
}

// clip is the start of a text, for a list (the case shows it whole).
function clip(text = '') {
  const chars = [...text];
  return chars.length > LIST_TEXT ? `${chars.slice(0, LIST_TEXT).join('')}…` : text;
}

// fetchCase reads a case again; offline, the newest of the service
// worker's copy (the case as last opened) and the copy given (the list's
// entry, or the case as shown): a case is never shown in a state older
// than the list showed it in — a step would be queued against it (expect)
// and refused. One the token may no longer read (it went up a level, out
// of the scope) is the copy given, marked outside: it may be looked at,
// not acted on.
async function fetchCase(r) {
  try {
    const { body, copy } = await fetchJSON(`v1/reports/${r.id}`);
    return copy ? newest(body, r) : body;
  } catch (e) {
    if (e.status === 403 && e.field) return { ...r, outside: true };
    return r.history ? r : { ...r, history: [], stale: true }; // a list's entry: its steps are not known here
  }
}

// newer tells whether case a is a later version than b: updated later, or
// with more steps (a list's entry counts them in events, a case lists them).
function newer(a, b) {
  const steps = (r) => r.events ?? r.history?.length ?? 0;
  const d = Date.parse(a.updated_at ?? 0) - Date.parse(b.updated_at ?? 0);
  return d ? d > 0 : steps(a) > steps(b);
}

// newest is the later of a kept case (detail) and a later summary of it:
// a list's entry, which has no history, keeps the detail's, marked as
// short of the steps it lacks (stale).
function newest(detail, summary) {
  if (!newer(summary, detail)) return detail;
  return summary.history ? summary : { ...detail, ...summary, history: detail.history, stale: true };
}

async function openCase(summary) {
  const r = await fetchCase(summary);
  $('c-list-box').hidden = true;
  $('c-detail').hidden = false;
  shown = r;
  clearSteps();
  await drawCase(r);
  showCasePlace();
}

// reread reads the open case again after a step and draws it, keeping
// what is being entered (a note a refused step carried).
async function reread(r) {
  const now = await fetchCase(r);
  if (shown?.id !== r.id) return; // the person went back, or on to another case, meanwhile
  shown = now;
  await drawCase(now);
}

/** showCasePlace puts the map beside the open case, if one is open (the cases tab shown again). */
export function showCasePlace() {
  place(shown?.point_wgs84 ?? null);
}

// unitName is the name of the unit of code as the case's resolution gives
// it (its responsible chain, or where the point lies), else the code: a
// worker knows 新华路社区, not 120104001001.
function unitName(r, code) {
  const res = r.resolution ?? {};
  const refs = [res.responsible, ...LEVELS.flatMap((l) => [res[l], res.geographic?.[l]])];
  return refs.find((u) => u?.code === code && u.name)?.name ?? code;
}

// drawn is the case drawCase drew last.
let drawn = null;

// drawCase writes an open case: its state, severity, due time, photos,
// history and the steps the worker may take.
async function drawCase(r) {
  $('c-title').textContent = fullNameOf(r.category, r.category_name);
  $('c-meta').textContent = `${t(`state.${r.state}`)} · ${t(`sev.${r.severity}`)} · ${unitName(r, r.assigned_code)}` +
    (r.due_at ? ` · ${t('cases.due', { t: dateTime(r.due_at) })}` : '');
  const late = overdueBy(r);
  $('c-overdue').hidden = !late;
  $('c-overdue').textContent = late ? t('cases.overduefor', { d: duration(late), t: dateTime(r.due_at) }) : '';
  showDescription(r.description || '—', drawn === r.id); // unfolded stays so while the same case is redrawn
  drawn = r.id;
  $('c-report-photos').replaceChildren(...photosOf(r.attachments));
  $('c-history').replaceChildren(...(r.history ?? []).map((h) => step(h, r)));
  if (r.stale) {
    $('c-history').append(Object.assign(document.createElement('li'), { className: 'stale muted', textContent: t('cases.stale', { n: r.events }) }));
  }
  await showSteps(r, unitName(r, r.assigned_code));
}

function step(h, r) {
  const li = document.createElement('li');
  li.innerHTML = '<div><strong></strong> <span class="muted"></span></div><div class="assignee"></div><div class="note"></div><div class="photos"></div>';
  li.querySelector('strong').textContent = t(`action.${h.action}`);
  li.querySelector('.muted').textContent = `${h.actor} · ${dateTime(h.at)}`;
  // Whom a dispatch sent the case to (a department, a person: their own words).
  li.querySelector('.assignee').textContent = h.action === 'dispatch' && h.assignee ? t('cases.assigned', { who: h.assignee }) : '';
  li.querySelector('.note').textContent = stepNote(h, r);
  li.querySelector('.photos').append(...photosOf(h.attachments));
  return li;
}

// stepNote is what a history step says. The server's own sentences (an
// escalation's, a severe report's start) are English, for the API's readers:
// those are said here from the step's fields. An escalation someone asked
// for keeps their words: the server adds its sentence as the last line.
function stepNote(h, r) {
  const d = h.detail ?? {};
  const unit = (level, code) => `${t(`level.${level}`)} ${unitName(r, code)}`;
  if (h.action === 'escalate' && d.reason && d.from) {
    const said = d.reason === 'overdue at the top' ? t('step.top', { unit: unit(h.level, h.code) })
      : t('step.raised', { from: unit(d.from.level, d.from.code), to: unit(h.level, h.code), why: t(`why.${d.reason}`) });
    return [...(h.note ?? '').split('\n').slice(0, -1), said].join('\n');
  }
  if (h.action === 'report' && d.floor) return t('step.floor', { sev: t(`sev.${r.severity}`), level: t(`level.${d.floor}`) });
  return h.note ?? '';
}

// photosOf is the thumbnails of a list of attachments; the server leaves
// out the checksums of photos this token may not read.
const photosOf = (as) => (as ?? []).filter((a) => a.checksum).map((a) => thumb(a.checksum));
