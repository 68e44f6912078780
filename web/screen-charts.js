// The big screen's charts (Apache ECharts, the global "echarts" of the
// vendored UMD build): open cases by severity, the trend by day, cases by
// category, and the ranking of the child units. Each is redrawn from the
// screen's state, which the events keep current.
import { t } from './i18n.js';
import { categoryName } from './screen-live.js';

const text = '#dbe8ff';
const muted = '#7f9cc6';
const grid = 'rgba(39,130,255,0.18)';
const sevColours = ['#34d399', '#ffd166', '#ff8c42', '#ff5a5f'];
// axisOf is the axes' look at font size fs (px): the labels grow with the
// page, as every other word on it does (a 4K wall at scale 1 doubles them).
const axisOf = (fs) => ({
  axisLine: { lineStyle: { color: grid } }, axisTick: { show: false },
  axisLabel: { color: muted, fontSize: fs }, splitLine: { lineStyle: { color: grid } },
});

/**
 * initCharts makes the four charts and keeps them sized to their boxes;
 * onResize is called after a resize, to draw them again at the new
 * font size.
 */
export function initCharts(onResize) {
  const make = (id) => echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
  const charts = { severity: make('chart-severity'), trend: make('chart-trend'),
    category: make('chart-category'), ranking: make('chart-ranking') };
  let width = 0;
  new ResizeObserver(() => {
    Object.values(charts).forEach((c) => c.resize());
    if (window.innerWidth !== width) onResize?.(); // the root font follows the width only
    width = window.innerWidth;
  }).observe(document.body);
  // Each box also changes size without the page doing so (the figures above
  // a chart grow once they are filled in): its chart follows it.
  const boxes = new ResizeObserver((entries) => entries.forEach((e) => echarts.getInstanceByDom(e.target)?.resize()));
  Object.values(charts).forEach((c) => boxes.observe(c.getDom()));
  return charts;
}

function rem() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize);
}

/** drawCharts redraws every chart from the screen's state. */
export function drawCharts(charts, s) {
  // Axis and legend words at the page's reading size, never under 14 px
  // (16 px at 1920×1080, 32 px on a 4K wall): read across a room.
  const fs = Math.max(14, Math.round(rem()));
  const axis = axisOf(fs);
  // Names get a third of the chart and wrap past it, rather than being cut
  // ("Unsafe e-bike char…"); the tooltip says them whole.
  const names = { ...axis.axisLabel, width: Math.round(rem() * 13), overflow: 'break', lineHeight: Math.round(fs * 1.1), interval: 0 };
  const base = { backgroundColor: 'transparent', textStyle: { color: text, fontSize: fs }, animationDurationUpdate: 400 };
  charts.severity.setOption({
    ...base,
    grid: { left: 8, right: fs * 2, top: 8, bottom: 4, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axis },
    yAxis: { type: 'category', inverse: true, data: [1, 2, 3, 4].map((n) => t(`sev${n}`)), ...axis },
    series: [{ type: 'bar', barWidth: '55%', label: { show: true, position: 'right', color: text, fontSize: fs },
      data: [1, 2, 3, 4].map((n, i) => ({ value: s.figures.open_by_severity[n] ?? 0, itemStyle: { color: sevColours[i] } })) }],
  });
  charts.trend.setOption({
    ...base,
    legend: { top: 0, right: 0, itemWidth: fs * 1.6, itemHeight: fs * 0.9, textStyle: { color: muted, fontSize: fs }, data: [t('reported'), t('closedOf')] },
    grid: { left: 8, right: 12, top: fs * 2.3, bottom: 4, containLabel: true },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', boundaryGap: false, data: s.trend.map((d) => d.day.slice(5)), ...axis },
    yAxis: { type: 'value', minInterval: 1, ...axis },
    series: [
      // Straight segments between the days: a smoothed line bends where the
      // data do not (below zero, bumps between days).
      { name: t('reported'), type: 'line', smooth: false, symbol: 'none', data: s.trend.map((d) => d.reports),
        itemStyle: { color: '#27d3ff' }, lineStyle: { color: '#27d3ff', width: 2 }, areaStyle: { color: 'rgba(39,211,255,0.18)' } },
      { name: t('closedOf'), type: 'line', smooth: false, symbol: 'none', data: s.trend.map((d) => d.closed),
        itemStyle: { color: '#34d399' }, lineStyle: { color: '#34d399', width: 2 } },
    ],
  });
  const cats = s.byCategory.slice(0, 8);
  charts.category.setOption({
    ...base,
    grid: { left: 8, right: fs * 2.5, top: 4, bottom: 4, containLabel: true },
    // No value axis: each bar says its count, and the rows get its height.
    xAxis: { type: 'value', minInterval: 1, ...axis, axisLabel: { show: false } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, textStyle: { fontSize: fs } },
    yAxis: { type: 'category', inverse: true, data: cats.map((c) => categoryName(s, c.code, c.name)), ...axis, axisLabel: names },
    series: [{ type: 'bar', barWidth: '55%', data: cats.map((c) => c.count), itemStyle: { color: '#4f8cff' },
      label: { show: true, position: 'right', color: text, fontSize: fs } }],
  });
  const rank = s.ranking.slice(0, 8);
  charts.ranking.setOption({
    ...base,
    legend: { top: 0, right: 0, itemWidth: fs * 1.6, itemHeight: fs * 0.9, textStyle: { color: muted, fontSize: fs }, data: [t('openCases'), t('overdueNow')] },
    grid: { left: 8, right: fs * 2.5, top: fs * 2.1, bottom: 4, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, splitNumber: 3, ...axis },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' }, textStyle: { fontSize: fs } },
    yAxis: { type: 'category', inverse: true, data: rank.map((r) => r.name || r.code), ...axis, axisLabel: names },
    series: [
      { name: t('openCases'), type: 'bar', data: rank.map((r) => r.open), itemStyle: { color: '#27d3ff' } },
      { name: t('overdueNow'), type: 'bar', data: rank.map((r) => r.overdue), itemStyle: { color: '#ff5a5f' } },
    ],
  });
  // An empty chart says so (a street with no cases, a unit not divided
  // further), instead of a blank box that reads as still loading.
  noData('chart-category', cats.length ? null : t('noCases30'));
  const children = Object.keys(s.children ?? {}).some((c) => c.length > (s.unit?.code.length ?? 0));
  noData('chart-ranking', rank.some((r) => r.open || r.overdue) ? null : t(children ? 'noChildCases' : 'noChildren'));
}

// noData shows why the chart id is empty (words), or, with null, hides the note.
function noData(id, words) {
  const box = document.getElementById(id);
  let note = box.parentElement.querySelector('.nodata');
  if (!note) {
    note = document.createElement('p');
    note.className = 'nodata';
    box.after(note);
  }
  note.hidden = !words;
  note.textContent = words ?? '';
  box.style.visibility = words ? 'hidden' : '';
}

/** clearCharts empties every chart and its note (no unit is shown: a message says why). */
export function clearCharts(charts) {
  Object.values(charts).forEach((c) => c.clear());
  for (const note of document.querySelectorAll('.nodata')) note.hidden = true;
  for (const box of document.querySelectorAll('.chart')) box.style.visibility = '';
}
