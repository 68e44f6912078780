// The big screen's live part: it follows GET /v1/events (Server-Sent
// Events) for the unit on screen and folds each event into the figures,
// the charts' data and the feed, without asking the server again. A
// reconnect resumes from the last event id (EventSource sends it), and
// events seen twice are recognised by their event_id. The fold is a close
// guess, not the truth (time makes cases overdue; patrols send no event):
// screen.js re-reads the overview now and then and replaces it.
import { lang } from './i18n.js';
import { chinaDay } from './chinatime.js';
import { serverNow } from './screen-api.js';

/** isOpen tells whether a case in state is still to be worked: not closed, not rejected. */
export const isOpen = (state) => state !== 'closed' && state !== 'rejected';
const childLength = { district: 9, street: 12, community: 15, grid: 18 };
const past = (ts) => !!ts && new Date(ts) < serverNow();

/**
 * follow opens the stream of unit's events and calls onEvent for each new
 * one. EventSource reconnects by itself after a dropped connection, but
 * gives up for good (readyState 2) on an answer it cannot use, a 401 or
 * 403 among them: onClosed is told then, so the screen can find out why.
 */
export function follow({ url, onEvent, onStatus, onReset, onClosed }) {
  const seen = new Set();
  const es = new EventSource(url);
  es.onopen = () => onStatus(true);
  es.onerror = () => {
    onStatus(false);
    if (es.readyState === EventSource.CLOSED) onClosed();
  };
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

/**
 * childOf is the code a report's unit counts under in the ranking, or null
 * when it counts under none (a grid's own cases on the grid's screen: the
 * grid is not its own child).
 */
export function childOf(s, code) {
  if (!code) return null;
  const n = s.unit ? childLength[s.unit.level] : 6;
  const c = n && code.length >= n ? code.slice(0, n) : code;
  return c === s.unit?.code ? null : c;
}

/** rank sorts the ranking as the server does: open, then overdue, both most first, then code. */
export function rank(rows) {
  return rows.sort((a, b) => b.open - a.open || b.overdue - a.overdue || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

function rankRow(s, code) {
  const c = childOf(s, code);
  if (!c) return { open: 0, overdue: 0 }; // counted nowhere
  let r = s.ranking.find((x) => x.code === c);
  if (!r) {
    r = { code: c, name: s.children[c] ?? c, open: 0, overdue: 0 };
    s.ranking.push(r);
  }
  return r;
}

// bump counts a case in or out of the open ones (at unit) and, when past
// its deadline, of the overdue ones, as the server does (due_at < now).
function bump(s, d, delta, unit = d.unit_code) {
  if (d.kind === 'patrol_log') return;
  const f = s.figures;
  f.open += delta;
  f.open_by_severity[d.severity] = (f.open_by_severity[d.severity] ?? 0) + delta;
  rankRow(s, unit).open += delta;
  if (past(d.due_at)) overdue(s, unit, delta);
}

function overdue(s, unit, delta) {
  s.figures.overdue_open += delta;
  rankRow(s, unit).overdue += delta;
}

// closure counts a case in (+1) or out (-1, reopened) of the period's
// closures. Only cases observed within the period count. Whether a reopened
// case had been closed on time is not in the event: a deadline still ahead
// says it was; a passed one is left to the next overview.
function closure(s, d, delta) {
  const row = s.trend.find((x) => x.day === chinaDay(d.observed_at));
  if (!row || d.kind === 'patrol_log') return;
  row.closed += delta;
  s.figures.closed += delta;
  if (!d.due_at || !past(d.due_at)) s.figures.closed_on_time += delta;
}

/**
 * categoryName is the name of the category of code in the screen's language
 * (s.categories: the code list, which names each in Chinese and English);
 * fallback, else the code, for a code the list does not know.
 */
export function categoryName(s, code, fallback) {
  const c = s.categories?.[code];
  return c ? (lang() === 'en' && c.name_en) || c.name : (fallback ?? code);
}

function created(s, d) {
  const day = chinaDay(d.observed_at);
  if (day === s.today) s.figures.reports_today += 1;
  const row = s.trend.find((x) => x.day === day);
  if (row) row.reports += 1;
  const cat = s.byCategory.find((c) => c.code === d.category);
  if (cat) cat.count += 1; else s.byCategory.push({ code: d.category, name: s.categories[d.category]?.name ?? d.category, count: 1 });
  s.byCategory.sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
  if (isOpen(d.state)) bump(s, d, 1);
}

function updated(s, d) {
  const was = isOpen(d.from_state), is = isOpen(d.state);
  if (was !== is) bump(s, d, is ? 1 : -1);
  if (d.state === 'closed') closure(s, d, 1);
  if (d.from_state === 'closed') closure(s, d, -1);
}

// moved re-counts an open case under its new unit.
function moved(s, d) {
  if (!isOpen(d.state) || !d.from_unit_code || d.from_unit_code === d.unit_code) return;
  bump(s, d, -1, d.from_unit_code);
  bump(s, d, 1);
}

/** apply folds one event into the screen's state; it returns what changed. */
export function apply(s, e) {
  const d = e.data ?? {};
  switch (e.kind) {
    case 'report.created':
      if (d.kind === 'patrol_log') return 'patrol';
      created(s, d);
      break;
    case 'report.updated': updated(s, d); break;
    case 'report.moved': moved(s, d); break;
    case 'case.overdue': overdue(s, d.unit_code, 1); break;
    case 'import.finished': case 'audit.changed':
      return 'reload';
    case 'unit.changed': case 'enclave.changed':
      return 'tiles';
    default:
      return 'feed';
  }
  rank(s.ranking);
  return 'figures';
}
