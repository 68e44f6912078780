// One line of the big screen's live feed: when, what (a tag naming the step,
// then the case), and where. The tag and the line's colour both come from the
// state the step left the case in (state-<state> on the line, screen.css), so
// they cannot disagree: a case closed since it was reported is listed by its
// closing (结案, green), not as a 新上报 painted green.
import { t } from './i18n.js';
import { chinaDay, inChina } from './chinatime.js';
import { childOf, categoryName } from './screen-live.js';
import { serverNow } from './screen-api.js';

const kindWords = {
  'report.created': 'evCreated', 'report.updated': 'evUpdated', 'report.moved': 'evMoved',
  'case.escalated': 'evEscalated', 'case.overdue': 'evOverdue', 'unit.changed': 'evUnit',
  'enclave.changed': 'evEnclave', 'import.finished': 'evImport', 'audit.changed': 'evAudit',
};

// stepWord names a workflow step by where it went (and, for a return to
// accepted, where it came from): 立案, 派遣, 处置, 核查, 结案, 回退, 重新办理…
function stepWord(d) {
  if (d.from_state === 'dispatched' && d.state === 'accepted') return 'stReturned';
  return d.state ? `st.${d.state}` : 'evUpdated';
}

function tagWord(e) {
  return e.kind === 'report.updated' ? stepWord(e.data ?? {}) : kindWords[e.kind] ?? e.kind;
}

/**
 * reportEvents are the feed's lines for reports listed (GET /v1/reports),
 * newest first: each as its latest step — a report still waiting as its
 * report (新上报, dated when observed), any other as the step that brought
 * it to its state now (dated when it was taken, with the assignee of a
 * dispatch when the caller may see it).
 */
export function reportEvents(reports) {
  return reports.map((r) => {
    const data = { id: r.id, category: r.category, severity: r.severity, unit_code: r.unit_code, state: r.state,
      observed_at: r.observed_at, assignee: r.assignee || undefined };
    return r.state === 'reported'
      ? { event_id: `report-${r.id}`, kind: 'report.created', at: r.observed_at, codes: [], data }
      : { event_id: `report-${r.id}`, kind: 'report.updated', at: r.updated_at ?? r.observed_at, codes: [], data };
  }).sort((a, b) => Date.parse(b.kind === 'report.created' ? b.data.observed_at : b.at)
    - Date.parse(a.kind === 'report.created' ? a.data.observed_at : a.at));
}

/** stateOfLine is the state a feed line's event left its case in ('' for events of no case). */
function stateOfLine(e) {
  const d = e.data ?? {};
  if (e.kind === 'case.overdue') return 'overdue';
  if (e.kind === 'case.escalated') return 'escalated';
  return d.category ? (d.state ?? 'reported') : '';
}

/** whereOf is a feed line's third part: the unit, and for a dispatch whom it went to. */
export function whereOf(s, e) {
  const d = e.data ?? {};
  let where = (e.codes ?? []).map((c) => s.children[c] ?? c).join(' · ');
  if (d.category) where = s.children[childOf(s, d.unit_code)] ?? d.unit_code ?? '';
  if (e.kind === 'case.escalated' && d.level) {
    // Where the case went, not where it was reported: "→ 街道 · 学府街道".
    const name = d.assigned_code === s.unit?.code ? s.unit.name : s.children[d.assigned_code];
    where = `→ ${t(`level.${d.level}`)}${name ? ` · ${name}` : ''}`;
  }
  if (e.kind === 'report.updated' && d.state === 'dispatched' && d.assignee) {
    where = [t('dispatchedTo', { who: d.assignee }), where].filter(Boolean).join(' · ');
  }
  return where;
}

/** feedItem is the feed's line for an event. */
export function feedItem(s, e, el) {
  const d = e.data ?? {};
  // A new report is dated when it was observed, as the figures count it and
  // as the feed a reload starts from dates it: one sent late by a phone that
  // was offline last night reads as last night's, not as arriving now.
  const when = e.kind === 'report.created' && d.observed_at ? d.observed_at : e.at;
  // An earlier day's says its date above the time: "12/1", "23:26".
  const hm = { hour: '2-digit', minute: '2-digit', hour12: false };
  const at = chinaDay(when) === chinaDay(serverNow())
    ? inChina('zh-CN', { ...hm, second: '2-digit' }).format(new Date(when))
    : inChina('zh-CN', { ...hm, month: 'numeric', day: 'numeric' }).format(new Date(when)).replace(' ', '\n');
  let what = '';
  const state = stateOfLine(e);
  const classes = state ? [`state-${state}`] : [];
  if (d.category) {
    what = `${categoryName(s, d.category)}${d.severity ? ` · ${t(`sev${d.severity}`)}` : ''}`;
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
  if (e.kind === 'report.updated') classes.push(`step-${d.state}`);
  // The full line as a tooltip: a long category or unit name is cut on the wall.
  const where = whereOf(s, e);
  const tag = t(tagWord(e));
  return el('li', { class: classes.join(' '), 'data-event': String(e.event_id), 'data-report': d.id ?? '',
    title: [tag, what, where].filter(Boolean).join(' · ') },
  el('time', {}, at), el('span', { class: 'what' }, el('span', { class: 'tag' }, tag), what),
  el('span', { class: 'where' }, where));
}
