// The big screen's case card: one case, opened by a click on its point on
// the map (or its flash) or on a feed line that names it. It says the case
// in the feed's and the legend's words and colours — category, severity,
// state (red once overdue by the server's clock) —, where it is (the
// responsible chain), when it was observed and is due (China time), its
// history (each step: when, what, who when the caller may see names) and
// the photos of the report and of its steps. Photos are never public: they
// are fetched with the screen's token and shown through object URLs, which
// are revoked when the card closes; a photo the caller may not read is a
// muted placeholder, and an anonymous screen is told to sign in. One card
// at a time; it is read again when an event names its case, and every 30 s
// (the screen's stream follows only the unit on screen).
import { t, locale } from './i18n.js';
import { chinaDay, inChina } from './chinatime.js';
import './screen-case-words.js';
import { el } from './dom.js';
import { token, getJSON, getBlob, serverNow } from './screen-api.js';
import { categoryName, isOpen } from './screen-live.js';
import { caseColours } from './screen-map.js';

const rereadMs = 30_000;
const checksum = /^sha256:[0-9a-f]{64}$/;
// A step's own events: these name the case and may have changed it.
const caseKinds = new Set(['report.updated', 'report.moved', 'case.escalated', 'case.overdue']);

// The word for a step, as the feed names the state it led to.
const stepWords = { report: 'st.reported', accept: 'st.accepted', reject: 'st.rejected', dispatch: 'st.dispatched',
  return: 'stReturned', handle: 'st.handled', verify: 'st.verified', close: 'st.closed', reopen: 'st.reopened',
  escalate: 'evEscalated', reresolve: 'card.reresolve' };
// noteOf is what someone wrote on a step: the server's own sentences (a
// report's start, a re-attribution, the last line of an escalation) are
// English, for the API's readers, and the card says those steps otherwise.
function noteOf(h) {
  if (!h.note || h.action === 'report' || h.action === 'reresolve') return '';
  return h.action === 'escalate' ? h.note.split('\n').slice(0, -1).join('\n') : h.note;
}

/** when writes an instant in China time in the screen's language: 12/6 15:03 (with the year when not this one's). */
function when(ts) {
  const opts = { month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false };
  if (chinaDay(ts).slice(0, 4) !== chinaDay(serverNow()).slice(0, 4)) opts.year = 'numeric';
  return inChina(locale(), opts).format(new Date(ts));
}

/** span says a length of time (ms) in minutes, hours or days. */
function span(ms) {
  const min = Math.max(1, Math.round(ms / 60_000));
  if (min < 120) return t('card.min', { n: min });
  const h = Math.round(min / 60);
  return h < 48 ? t('card.hour', { n: h }) : t('card.day', { n: Math.round(h / 24) });
}

/** lateBy is how long an open case has been overdue by the server's clock (ms), or 0. */
export function lateBy(r, now = serverNow()) {
  if (!r.due_at || !isOpen(r.state)) return 0;
  return Math.max(0, now - Date.parse(r.due_at));
}

/**
 * caseCard makes the screen's case card (app: the screen's state,
 * screen.js): show(id) shows a case, openAt(ev) one under a map click
 * (true when there was one), follow(events) reads it again when an event
 * names it, relabel() writes it in the language chosen, close() closes it.
 */
export function caseCard(app) {
  const c = { id: null, report: null, problem: null, n: 0, urls: new Map(), full: null, photoN: 0, timer: null };
  const back = el('div', { id: 'case-back', hidden: '' });
  const card = el('section', { id: 'case-card', role: 'dialog', 'aria-modal': 'true' });
  const box = el('div', { id: 'case-photo', hidden: '' });
  back.append(card);
  document.body.append(back, box);
  back.addEventListener('click', (ev) => { if (ev.target === back) close(); });
  box.addEventListener('click', closePhoto);
  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape') return;
    if (!box.hidden) closePhoto(); else if (c.id) close();
  });
  document.getElementById('feed').addEventListener('click', (ev) => {
    const id = ev.target.closest?.('li[data-report]')?.dataset.report;
    if (id) show(id);
  });
  app.map.on('mouseenter', 'report-circle', () => { app.map.getCanvas().style.cursor = 'pointer'; });
  app.map.on('mouseleave', 'report-circle', () => { app.map.getCanvas().style.cursor = ''; });

  // show opens the card on case id (another open one gives way).
  function show(id) {
    if (c.id !== id) {
      close();
      c.id = id;
      c.timer = setInterval(reread, rereadMs);
    }
    back.hidden = false;
    render();
    return reread();
  }

  // reread fetches the case again (a poll that finds nothing changed is a
  // 304 the browser answers from its copy) and draws it.
  async function reread() {
    const id = c.id;
    const n = ++c.n;
    let r = null, problem = null;
    try {
      r = await getJSON(`v1/reports/${encodeURIComponent(id)}`);
    } catch (err) {
      problem = err;
    }
    if (id !== c.id || n !== c.n) return; // closed, or another read since
    if (problem?.status === 401) return close(); // a refused token: the screen's message, not a card over it
    if (r) c.report = r;
    c.problem = r ? null : problem;
    render();
  }

  function close() {
    closePhoto();
    clearInterval(c.timer);
    for (const u of c.urls.values()) if (u.url) URL.revokeObjectURL(u.url);
    c.urls.clear();
    Object.assign(c, { id: null, report: null, problem: null, timer: null });
    c.n += 1; // a read on its way is for a card no longer open
    back.hidden = true;
    card.replaceChildren();
  }

  // render draws the card from the last answer (or why there is none),
  // keeping where its history was scrolled to.
  function render() {
    if (!c.id) return;
    const scrolled = card.querySelector('.case-history')?.scrollTop ?? 0;
    const r = c.report?.id === c.id ? c.report : null;
    const x = el('button', { type: 'button', class: 'case-x', 'aria-label': t('card.close'), title: t('card.close') }, '×');
    x.addEventListener('click', close);
    card.dataset.report = c.id;
    card.dataset.state = r ? 'shown' : c.problem ? 'failed' : 'loading';
    if (!r) {
      const why = c.problem ? t(c.problem.status === 403 ? 'card.forbidden' : 'card.failed') : t('loading');
      card.replaceChildren(x, el('p', { class: 'case-note' }, why));
      return;
    }
    card.replaceChildren(x, head(r), el('div', { class: 'case-body' },
      el('div', { class: 'case-facts' }, facts(r), el('h3', {}, t('card.photos')), photos(r.attachments, 'case-photos')),
      el('div', { class: 'case-steps' }, el('h3', {}, t('card.history')), history(r))));
    card.querySelector('.case-history').scrollTop = scrolled;
  }

  // head: the state, the severity, the category, the case's number.
  function head(r) {
    const late = lateBy(r) > 0;
    // The state as the feed's tags colour it (open ones cyan, a reopened one
    // red), overdue and closed as the legend's points; the severity as the points.
    const colour = late ? caseColours.overdue : { closed: caseColours.closed, rejected: caseColours.rejected, reopened: '#ff5a5f' }[r.state]
      ?? '#27d3ff';
    const state = el('span', { class: `case-state state-${r.state}${late ? ' late' : ''}`, style: `--c: ${colour}` },
      late ? `${t(`st.${r.state}`)} · ${t('evOverdue')}` : t(`st.${r.state}`));
    const sev = r.severity ? el('span', { class: 'case-sev', style: `--c: ${caseColours.severity[r.severity]}` }, t(`sev${r.severity}`)) : null;
    return el('div', { class: 'case-head' }, state, sev,
      el('h2', { class: 'case-title' }, categoryName(app.state ?? {}, r.category, lastPart(r.category_name) ?? r.category)),
      el('span', { class: 'case-no', title: r.id }, t('card.id', { id: r.id.slice(0, 8) })));
  }

  // facts: where, when observed, when due, who handles it, who reported it, what was seen.
  function facts(r) {
    const res = r.resolution ?? {};
    const chain = ['district', 'street', 'community', 'grid'].map((k) => res[k]?.name).filter(Boolean);
    const flags = (r.flags ?? []).map((f) => el('span', { class: 'case-flag' }, t(`card.flag.${f}`)));
    const late = lateBy(r);
    let due = r.due_at ? when(r.due_at) : t('card.noDue');
    if (r.state === 'closed' && r.closed_at) due = t('card.closedAt', { t: when(r.closed_at) });
    else if (late) due += ` · ${t('card.overdueBy', { d: span(late) })}`;
    else if (r.due_at && isOpen(r.state)) due += ` · ${t('card.left', { d: span(Date.parse(r.due_at) - serverNow()) })}`;
    const handling = [r.level && t(`level.${r.level}`), unitName(app, r, r.assigned_code)].filter(Boolean).join(' · ')
      + (r.assignee ? ` ${t('dispatchedTo', { who: r.assignee })}` : '');
    const row = (word, ...v) => [el('dt', {}, t(word)), el('dd', {}, ...v)];
    const where = chain.length ? chain.flatMap((n, i) => [i ? ' › ' : null, el('span', { class: 'case-unit' }, n)]) : [r.unit_code || '—'];
    return el('dl', {}, ...row('card.where', ...where, ...flags),
      ...row('card.observed', when(r.observed_at)),
      ...row('card.due', el('span', { class: late ? 'case-late' : '' }, due)),
      ...row('card.handling', handling || '—'),
      ...(r.reporter ? row('card.reporter', r.reporter) : []),
      ...(r.description ? row('card.description', el('span', { class: 'case-desc', title: r.description }, r.description)) : []));
  }

  function history(r) {
    const steps = [...(r.history ?? [])].reverse(); // the latest first, as the feed
    return el('ol', { class: 'case-history' }, ...steps.map((h) => {
      const to = h.action === 'escalate' ? 'escalated' : h.to ?? '';
      const what = [];
      if (h.action === 'escalate' && h.level) what.push(`→ ${t(`level.${h.level}`)}${unitName(app, r, h.code) ? ` · ${unitName(app, r, h.code)}` : ''}`);
      if (h.action === 'dispatch' && h.assignee) what.push(t('dispatchedTo', { who: h.assignee }));
      if (h.actor) what.push(h.actor);
      const said = noteOf(h);
      const note = said ? el('div', { class: 'step-note', title: said }, said) : null;
      return el('li', { class: `state-${to}`, 'data-action': h.action },
        el('time', {}, when(h.at)),
        el('div', {}, el('span', { class: 'tag' }, t(stepWords[h.action] ?? h.action)),
          what.length ? el('span', { class: 'step-who' }, what.join(' · ')) : null),
        note, h.attachments?.length ? photos(h.attachments, 'step-photos') : null);
    }));
  }

  // photos draws a list of a report's or a step's photos: a thumbnail for
  // each the caller may read, a muted placeholder for the others.
  function photos(list, cls) {
    if (!list?.length) return el('p', { class: `${cls} case-none` }, t('card.noPhotos'));
    return el('div', { class: cls }, ...list.map((a, i) => {
      const sum = a?.checksum;
      if (!token()) return placeholder('card.signIn');
      if (!sum || !checksum.test(sum)) return placeholder('card.photoDenied');
      const got = thumb(sum);
      if (got.failed) return placeholder(got.failed);
      const img = el('img', { alt: t('card.photoAlt', { n: i + 1 }), 'data-checksum': sum });
      if (got.url) img.src = got.url; else got.waiting.push(img);
      const b = el('button', { type: 'button', class: 'thumb', title: t('card.photoAlt', { n: i + 1 }) }, img);
      b.addEventListener('click', () => showPhoto(sum));
      return b;
    }));
  }

  const placeholder = (word) => el('span', { class: 'thumb none', 'data-why': word }, t(word));

  // thumb fetches a thumbnail once per open card, with the token.
  function thumb(sum) {
    let u = c.urls.get(sum);
    if (u) return u;
    u = { url: null, failed: null, waiting: [] };
    c.urls.set(sum, u);
    const id = c.id;
    getBlob(`v1/attachments/${sum}?size=thumb`).then((b) => {
      if (c.id !== id || c.urls.get(sum) !== u) return; // the card closed meanwhile
      u.url = URL.createObjectURL(b);
      for (const img of u.waiting.splice(0)) img.src = u.url;
    }, (err) => {
      if (c.id !== id || c.urls.get(sum) !== u) return;
      u.failed = err.status === 403 || err.status === 404 ? 'card.photoDenied' : 'card.photoFailed';
      render();
    });
    return u;
  }

  // showPhoto shows the full photo, large, over the card.
  async function showPhoto(sum) {
    closePhoto();
    const id = c.id;
    const n = ++c.photoN; // a photo closed, and another opened, before this one came is not shown
    const current = () => c.id === id && c.photoN === n && !box.hidden;
    const img = el('img', { alt: '' });
    box.replaceChildren(img, el('p', {}, t('card.photoClose')));
    box.hidden = false;
    box.dataset.state = 'loading';
    try {
      const b = await getBlob(`v1/attachments/${sum}`);
      if (!current()) return;
      c.full = URL.createObjectURL(b);
      img.src = c.full;
      box.dataset.state = 'shown';
    } catch (err) {
      if (!current()) return;
      box.dataset.state = 'failed';
      box.replaceChildren(el('p', { class: 'thumb none' }, t(err.status === 403 ? 'card.photoDenied' : 'card.photoFailed')));
    }
  }

  function closePhoto() {
    c.photoN += 1;
    if (c.full) URL.revokeObjectURL(c.full);
    c.full = null;
    box.hidden = true;
    box.replaceChildren();
  }

  // openAt opens the case under a map click: a flashing new report, or a
  // case point (drawn from zoom 14) the click fell on — within its circle,
  // even where a unit's name is drawn over it; anywhere else the click is
  // the unit's.
  function openAt(ev) {
    let id = ev.originalEvent?.target?.closest?.('.flash[data-report]')?.dataset.report;
    if (!id && app.map.getLayer('report-circle')) id = app.map.queryRenderedFeatures(ev.point, { layers: ['report-circle'] })[0]?.properties.id;
    if (!id) return false;
    show(String(id));
    return true;
  }

  function follow(events) {
    if (c.id && events.some((e) => caseKinds.has(e.kind) && e.data?.id === c.id)) reread();
  }

  return { show, openAt, follow, close, relabel: () => { render(); if (box.dataset.state !== 'failed') box.querySelector('p')?.replaceChildren(t('card.photoClose')); },
    get id() { return c.id; }, get urls() { return [...c.urls.values()].map((u) => u.url).filter(Boolean); } };
}

// lastPart is a category's own name from its full name (事件/街面秩序/消防通道堵塞).
const lastPart = (name) => name?.split('/').at(-1);

// unitName names a unit of the report's chain (its resolution names them),
// else as the screen knows it (its breadcrumb's and its children's names).
function unitName(app, r, code) {
  if (!code) return '';
  const res = r.resolution ?? {};
  const u = ['grid', 'community', 'street', 'district', 'enclave'].map((k) => res[k]).find((x) => x?.code === code);
  return u?.name ?? app.names?.[code] ?? app.state?.children?.[code] ?? (code === app.state?.unit?.code ? app.state.unit.name : code);
}

