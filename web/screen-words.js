// The big screen's own words, beside the pages' shared ones (i18n.js): those
// of the figures' sub-lines, the charts' empty states and the feed's state
// tags. Chinese first, then English, as in i18n.js.
import { lang } from './i18n.js';

const words = {
  // Patrol coverage is two measures: the share of the area walked (the
  // figure, so labelled) and how many grids were entered at all (the sub-line).
  patrolLabel: ['今日巡查面积覆盖', 'area patrolled today'],
  patrolSub: ['已巡网格 {n}/{of}', 'grids visited {n}/{of}'],
  patrolNoGrids: ['未划分网格', 'no grids here'],
  noData: ['暂无数据', 'no data'],
  noCases30: ['暂无数据 · 近30日无案件', 'no data · no cases in 30 days'],
  noChildren: ['暂无数据 · 无下级单元', 'no data · no units below this one'],
  noChildCases: ['暂无数据 · 下级单元均无案件', 'no data · no cases in the units below'],
  // The current state of a case, as a feed line's tag: what its latest step made it.
  'now.closed': ['已结案', 'closed'], 'now.rejected': ['不予立案', 'rejected'],
  dispatchedTo: ['→ {who}', '→ {who}'],
};

/** sw is the screen's word name in the current language, with {vars} filled in. */
export function sw(name, vars = {}) {
  const pair = words[name];
  const s = pair ? pair[lang() === 'en' ? 1 : 0] : name;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}
