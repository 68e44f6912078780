// The big screen's live part: it follows GET /v1/events (Server-Sent
// Events) for the unit on screen and folds each event into the figures,
// the charts' data and the feed, without asking the server again. A
// reconnect resumes from the last event id (EventSource sends it), and
// events seen twice are recognised by their event_id.
import { t } from './i18n.js';

const open = (state) => state !== 'closed' && state !== 'rejected';
const childLength = { district: 9, street: 12, community: 15, grid: 18 };

/** chinaDay is the YYYY-MM-DD of an instant in China time. */
export function chinaDay(ts) {
  return new Date(ts).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

/** follow opens the stream of unit's events and calls onEvent for each new one. */
export function follow({ url, onEvent, onStatus, onReset }) {
  const seen = new Set();
  const es = new EventSource(url);
  es.onopen = () => onStatus(true);
  es.onerror = () => onStatus(false); // EventSource reconnects by itself
  es.onmessage = (m) => {
    const e = JSON.parse(m.data);
    if (seen.has(e.event_id)) return;
    seen.add(e.event_id);
    if (seen.size > 5000) seen.delete(seen.values().next().value);
    onEvent(e);
  };
  es.addEventListener('reset', () => onReset());
  return es;
}

/** childOf is the code a report's unit counts under in the ranking. */
function childOf(s, code) {
  const n = s.unit ? childLength[s.unit.level] : 6;
  return n && code.length >= n ? code.slice(0, n) : code;
}

function rankRow(s, code) {
  let r = s.ranking.find((x) => x.code === code);
  if (!r) {
    r = { code, name: s.children[code] ?? code, open: 0, overdue: 0 };
    s.ranking.push(r);
  }
  return r;
}

function bump(s, d, delta) {
  if (d.kind === 'patrol_log') return;
  const f = s.figures;
  f.open += delta;
  f.open_by_severity[d.severity] = (f.open_by_severity[d.severity] ?? 0) + delta;
  rankRow(s, childOf(s, d.unit_code)).open += delta;
}

/** apply folds one event into the screen's state; it returns what changed. */
export function apply(s, e) {
  const d = e.data ?? {};
  switch (e.kind) {
    case 'report.created': {
      if (d.kind === 'patrol_log') return 'feed';
      const day = chinaDay(d.observed_at);
      if (day === s.today) s.figures.reports_today += 1;
      const row = s.trend.find((x) => x.day === day);
      if (row) row.reports += 1;
      const cat = s.byCategory.find((c) => c.code === d.category);
      if (cat) cat.count += 1; else s.byCategory.push({ code: d.category, name: s.categoryNames[d.category] ?? d.category, count: 1 });
      s.byCategory.sort((a, b) => b.count - a.count);
      if (open(d.state)) bump(s, d, 1);
      return 'figures';
    }
    case 'report.updated': {
      const was = open(d.from_state), is = open(d.state);
      if (was !== is) bump(s, d, is ? 1 : -1);
      if (was && !is && d.due_at && new Date(d.due_at) < new Date()) overdue(s, d, -1);
      if (d.state === 'closed') {
        const row = s.trend.find((x) => x.day === chinaDay(d.observed_at));
        if (row) row.closed += 1;
        s.figures.closed += 1;
        if (!d.due_at || new Date(d.due_at) >= new Date()) s.figures.closed_on_time += 1;
      }
      return 'figures';
    }
    case 'case.overdue':
      overdue(s, d, 1);
      return 'figures';
    case 'import.finished': case 'audit.changed':
      return 'reload';
    case 'unit.changed': case 'enclave.changed':
      return 'tiles';
  }
  return 'feed';
}

function overdue(s, d, delta) {
  s.figures.overdue_open += delta;
  rankRow(s, childOf(s, d.unit_code)).overdue += delta;
}

const kindWords = {
  'report.created': 'evCreated', 'report.updated': 'evUpdated', 'report.moved': 'evMoved',
  'case.escalated': 'evEscalated', 'case.overdue': 'evOverdue', 'unit.changed': 'evUnit',
  'enclave.changed': 'evEnclave', 'import.finished': 'evImport', 'audit.changed': 'evAudit',
};

/** feedItem is the feed's line for an event. */
export function feedItem(s, e, el) {
  const d = e.data ?? {};
  const at = new Date(e.at).toLocaleTimeString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
  let what = '';
  let where = (e.codes ?? []).map((c) => s.children[c] ?? c).join(' · ');
  const classes = [];
  if (d.category) {
    what = `${s.categoryNames[d.category] ?? d.category}${d.severity ? ` · ${t(`sev${d.severity}`)}` : ''}`;
    where = s.children[childOf(s, d.unit_code)] ?? d.unit_code;
    classes.push(`sev-${d.severity}`);
    if (d.state === 'closed') classes.push('closed');
  } else if (e.kind === 'audit.changed') {
    what = `${d.gaps_before} → ${d.gaps}`;
  } else if (e.kind === 'import.finished') {
    what = `${d.source ?? ''} ${d.status ?? ''}`;
  } else if (d.count) {
    what = `${d.count} · ${(d.codes ?? []).slice(0, 3).join(', ')}`;
  }
  if (e.kind === 'case.overdue') classes.push('overdue');
  return el('li', { class: classes.join(' '), 'data-event': String(e.event_id), 'data-report': d.id ?? '' },
    el('time', {}, at), el('span', { class: 'what' }, el('span', { class: 'tag' }, t(kindWords[e.kind] ?? e.kind)), what),
    el('span', { class: 'where' }, where));
}
