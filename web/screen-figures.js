// The big screen's key figures (the boxes above the charts), written from
// the screen's state: each number bumps (flashes white) when it changes.
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);
const fmt = (n) => (n ?? 0).toLocaleString('zh-CN');

// set writes figure id's number, flashing it when it changed (not on the
// first drawing, from "—").
function set(id, v) {
  const b = $(id).querySelector('b');
  if (b.textContent !== v && b.textContent !== '—') {
    b.classList.add('bump');
    setTimeout(() => b.classList.remove('bump'), 1200);
  }
  b.textContent = v;
}

/** labelFigures writes the figures' labels that are the screen's own words, in the current language. */
export function labelFigures() {
  $('fig-patrol-label').textContent = t('patrolLabel');
}

/** renderFigures writes every key figure from the screen's state s. */
export function renderFigures(s) {
  labelFigures();
  const f = s.figures;
  set('fig-today', fmt(f.reports_today));
  set('fig-open', fmt(f.open));
  $('fig-open-sev').textContent = [4, 3].map((n) => `${t(`sev${n}`)} ${f.open_by_severity[n] ?? 0}`).join(' · ');
  set('fig-overdue', fmt(f.overdue_open));
  const share = f.closed ? f.closed_on_time / f.closed : null;
  set('fig-ontime', share === null ? '—' : `${(share * 100).toFixed(1)}%`);
  $('fig-ontime-sub').textContent = `${fmt(f.closed_on_time)} / ${fmt(f.closed)}`;
  set('fig-gaps', fmt(f.unmanaged.count));
  $('fig-gaps-area').textContent = `${(f.unmanaged.area_m2 / 1e4).toFixed(2)} ha`;
  // A unit with no grids has no coverage to speak of: "—" and why, not a
  // "0.0%" that reads as nobody having patrolled.
  const p = f.patrol_today;
  const grids = p?.grids ?? 0;
  set('fig-patrol', grids ? `${((p.coverage ?? 0) * 100).toFixed(1)}%` : '—');
  $('fig-patrol-sub').textContent = grids ? t('patrolSub', { n: fmt(p.grids_patrolled), of: fmt(grids) }) : t('patrolNoGrids');
}
