// My cases: the open cases of the worker's grid (the token's scope), with
// their history and photos, and the steps a worker takes on a case sent to
// them: handle it with a photo of the fixed spot (处置后), or return it with
// a note (回退). A step is queued like a report, with a client_id that
// makes its upload idempotent.
import { api, getJSON, uuid, tokenRefused, isAuthRefusal, unansweredKey } from './net.js';
import { kvGet, kvSet, enqueue, outbox } from './store.js';
import { t, onLangChange, dateTime } from './i18n.js';
import { addPhotos, photoItems, photoBlobs } from './photos.js';
import { syncNow, notify, refusalText } from './sync.js';
import { nameOf, fullNameOf } from './categories.js';

const $ = (id) => document.getElementById(id);
const OPEN = 'reported,accepted,dispatched,handled,verified,reopened';
// FINISHED cases stay listed (below the open ones) for FINISHED_DAYS after
// they were observed: a worker must learn that a report was rejected, and why.
const FINISHED = 'closed,rejected';
const FINISHED_DAYS = 14;
const LIST_TEXT = 60; // characters of a description the list shows
const NOTE_MAX = 2000; // characters: the server's limit of a step's note
let me = null;
let afterPhotos = [];
let shown = null; // the case whose detail is open, as last fetched
let place = () => {}; // shows a case's place on the map (null: none)

/**
 * initCases wires the case list and its detail view; showPlace puts the
 * map beside an open case, marking where it was reported (null: away).
 */
export function initCases(who, showPlace) {
  me = who;
  place = showPlace ?? place;
  $('c-refresh').onclick = loadCases;
  $('c-back').onclick = () => { $('c-detail').hidden = true; $('c-list-box').hidden = false; shown = null; place(null); };
  // The open case is redrawn in the new language; the note and photos being added stay.
  onLangChange(() => { if (shown) drawCase(shown); });
  $('c-photo').onchange = async (e) => {
    await addPhotos(e.target, afterPhotos, $('c-message'));
    $('c-photos').replaceChildren(...afterPhotos.map((p) => Object.assign(document.createElement('img'), { src: p.preview, alt: '' })));
  };
}

/** loadCases fetches the open cases and those finished lately, or shows those kept from the last fetch. */
export async function loadCases() {
  let list;
  let kept = []; // the list kept from the last fetch (null: never fetched, so "no cases" is not known)
  try {
    const since = new Date(Date.now() - FINISHED_DAYS * 86400e3).toISOString();
    const [open, finished] = await Promise.all([getJSON(`v1/reports?state=${OPEN}&kind=hazard,event&limit=100`),
      getJSON(`v1/reports?state=${FINISHED}&kind=hazard,event&from=${encodeURIComponent(since)}&limit=30`)]);
    list = [...open.reports, ...finished.reports];
    await kvSet('cases', list);
    $('c-status').textContent = '';
  } catch (e) {
    kept = await kvGet('cases');
    list = kept ?? [];
    // Offline, or the server refused the token: the phone is online then.
    $('c-status').textContent = t(isAuthRefusal(e.status, e.field) ? 'auth.refused' : unansweredKey('cases.offline', 'cases.fault', e.status));
  }
  const ul = $('c-list');
  ul.replaceChildren(...list.map((r) => {
    const li = document.createElement('li');
    li.className = `case sev${r.severity}`;
    li.dataset.id = r.id;
    li.innerHTML = '<div class="row"><strong></strong><span class="state"></span></div><div class="muted"></div>';
    li.querySelector('strong').textContent = nameOf(r.category, r.category_name?.split('/').pop());
    li.querySelector('.state').textContent = t(`state.${r.state}`);
    li.querySelector('.state').classList.add(r.state);
    li.querySelector('.muted').textContent = `${clip(r.description) || '—'} · ${dateTime(r.observed_at)}`;
    li.onclick = () => openCase(r);
    return li;
  }));
  $('c-empty').hidden = list.length > 0 || kept == null;
}

// clip is the start of a text, for a list (the case shows it whole).
function clip(text = '') {
  const chars = [...text];
  return chars.length > LIST_TEXT ? `${chars.slice(0, LIST_TEXT).join('')}…` : text;
}

async function openCase(summary) {
  let r = summary;
  try { r = await getJSON(`v1/reports/${summary.id}`); } catch { /* offline: the summary */ }
  $('c-list-box').hidden = true;
  $('c-detail').hidden = false;
  shown = r;
  clearStep();
  await drawCase(r);
  showCasePlace();
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
  const refs = [res.responsible, ...['microgrid', 'grid', 'community', 'street', 'district']
    .flatMap((l) => [res[l], res.geographic?.[l]])];
  return refs.find((u) => u?.code === code && u.name)?.name ?? code;
}

// drawCase writes an open case: its state, severity, due time, photos,
// history and the steps the worker may take.
async function drawCase(r) {
  $('c-title').textContent = fullNameOf(r.category, r.category_name);
  $('c-meta').textContent = `${t(`state.${r.state}`)} · ${t(`sev.${r.severity}`)} · ${unitName(r, r.assigned_code)}` +
    (r.due_at ? ` · ${t('cases.due', { t: dateTime(r.due_at) })}` : '');
  $('c-description').textContent = r.description || '—';
  $('c-report-photos').replaceChildren(...photosOf(r.attachments));
  $('c-history').replaceChildren(...(r.history ?? []).map((h) => step(h, r)));
  await showActions(r);
}

// clearStep empties the form of a step (note, after-photos) for a case just opened.
function clearStep() {
  afterPhotos = [];
  $('c-photos').replaceChildren();
  $('c-note').value = '';
}

function step(h, r) {
  const li = document.createElement('li');
  li.innerHTML = '<div><strong></strong> <span class="muted"></span></div><div class="note"></div><div class="photos"></div>';
  li.querySelector('strong').textContent = t(`action.${h.action}`);
  li.querySelector('.muted').textContent = `${h.actor} · ${dateTime(h.at)}`;
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

/** thumb is an image of a stored photo's thumbnail, fetched with the token (an img cannot send it). */
function thumb(checksum) {
  const img = Object.assign(document.createElement('img'), { alt: checksum.slice(7, 15), className: 'thumb' });
  api(`v1/attachments/${checksum}?size=thumb`).then(async (res) => {
    if (res.ok) img.src = URL.createObjectURL(await res.blob());
  }).catch(() => {});
  return img;
}

// showActions offers the steps a worker may take on a dispatched case
// (handle, return), unless one waits to be sent. A step the server
// refused is said, with why, and the steps are offered again: the case
// may have moved on meanwhile (the street took it back, sent it again).
async function showActions(r) {
  const box = $('c-actions');
  const steps = (await outbox()).filter((it) => it.kind === 'transition' && it.report === r.id);
  const waiting = steps.filter((it) => it.state !== 'failed');
  const refused = steps.find((it) => it.state === 'failed');
  const mine = !me?.scope || r.assigned_code.startsWith(me.scope);
  const open = r.state === 'dispatched';
  box.hidden = !open && steps.length === 0;
  $('c-readonly').hidden = mine || !open;
  $('c-readonly').textContent = t('cases.readonly', { code: unitName(r, r.assigned_code) });
  $('c-waiting').hidden = waiting.length === 0 && !refused;
  $('c-waiting').textContent = waiting.length ? t('cases.queued') : refused ? `${t('cases.refused')}: ${refusalText(refused)}` : '';
  $('c-buttons').hidden = !mine || !open || waiting.length > 0;
  $('c-handle').hidden = r.state !== 'dispatched';
  $('c-handle').onclick = () => act(r, 'handle');
  $('c-return').hidden = r.state !== 'dispatched';
  $('c-return').onclick = () => act(r, 'return');
}

async function act(r, action) {
  const note = $('c-note').value.trim();
  const msg = $('c-message');
  if (action === 'handle' && afterPhotos.length === 0) { msg.textContent = t('cases.needphoto'); return; }
  if (action === 'return' && !note) { msg.textContent = t('cases.neednote'); return; }
  // The server's limit, in characters (an emoji is one, not two as maxlength counts).
  if ([...note].length > NOTE_MAX) { msg.textContent = t('text.toolong', { n: [...note].length, max: NOTE_MAX }); return; }
  const clientID = uuid();
  const body = { action, client_id: clientID, note, expect: r.state, attachments: afterPhotos.map((p) => p.checksum) };
  // Named by its category's code in the language it is shown in (app.js); name is the Chinese one, for an older version.
  const label = { key: `label.${action}`, vars: { name: r.category_name?.split('/').pop() ?? r.category, category: r.category } };
  await enqueue([...photoItems(afterPhotos, label), { id: clientID, kind: 'transition', report: r.id, label, body }],
    photoBlobs(afterPhotos));
  notify();
  msg.textContent = t('cases.queued');
  await syncNow();
  if (!(await outbox()).some((it) => it.id === clientID)) msg.textContent = '';
  else if (tokenRefused()) msg.textContent = t('auth.refused');
  await openCase(r);
  loadCases();
}
