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
  return charts;
}

function rem() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize);
}

/** drawCharts redraws every chart from the screen's state. */
export function drawCharts(charts, s) {
  const fs = Math.round(rem() * 0.8);
  const axis = axisOf(fs);
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
      { name: t('reported'), type: 'line', smooth: true, symbol: 'none', data: s.trend.map((d) => d.reports),
        itemStyle: { color: '#27d3ff' }, lineStyle: { color: '#27d3ff', width: 2 }, areaStyle: { color: 'rgba(39,211,255,0.18)' } },
      { name: t('closedOf'), type: 'line', smooth: true, symbol: 'none', data: s.trend.map((d) => d.closed),
        itemStyle: { color: '#34d399' }, lineStyle: { color: '#34d399', width: 2 } },
    ],
  });
  const cats = s.byCategory.slice(0, 8);
  charts.category.setOption({
    ...base,
    grid: { left: 8, right: fs * 2.5, top: 4, bottom: 4, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axis },
    yAxis: { type: 'category', inverse: true, data: cats.map((c) => categoryName(s, c.code, c.name)), ...axis,
      axisLabel: { ...axis.axisLabel, width: rem() * 8, overflow: 'truncate' } },
    series: [{ type: 'bar', barWidth: '55%', data: cats.map((c) => c.count), itemStyle: { color: '#4f8cff' },
      label: { show: true, position: 'right', color: text, fontSize: fs } }],
  });
  const rank = s.ranking.slice(0, 8);
  charts.ranking.setOption({
    ...base,
    legend: { top: 0, right: 0, itemWidth: fs * 1.6, itemHeight: fs * 0.9, textStyle: { color: muted, fontSize: fs }, data: [t('openCases'), t('overdueNow')] },
    grid: { left: 8, right: fs * 2.5, top: fs * 2.1, bottom: 4, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axis },
    yAxis: { type: 'category', inverse: true, data: rank.map((r) => r.name || r.code), ...axis,
      axisLabel: { ...axis.axisLabel, width: rem() * 8, overflow: 'truncate' } },
    series: [
      { name: t('openCases'), type: 'bar', data: rank.map((r) => r.open), itemStyle: { color: '#27d3ff' } },
      { name: t('overdueNow'), type: 'bar', data: rank.map((r) => r.overdue), itemStyle: { color: '#ff5a5f' } },
    ],
  });
}
