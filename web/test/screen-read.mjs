// Reading the big screen, for screen.test.mjs: its figures as text and as
// numbers, the server's as the screen would write them, how large the map
// draws its words and lines, whether a room can read the page, and the
// "now" the map's overdue cases are measured by.

const fmt = (n) => n.toLocaleString('zh-CN');

/** chinaDay is the China day (UTC+8) of an instant: the day the server calls today. */
export const chinaDay = (t = Date.now()) => new Date(t + 8 * 3600e3).toISOString().slice(0, 10);

/** shown reads every figure the screen shows, as text, to compare with the server's. */
export const shown = (page) => page.evaluate(() => Object.fromEntries(['fig-today', 'fig-open', 'fig-overdue', 'fig-ontime-sub']
  .map((id) => [id, document.querySelector(`#${id} b`)?.textContent ?? document.getElementById(id).textContent])));

/** serverShown is what shown should read for the server's figures f. */
export const serverShown = (f) => ({ 'fig-today': fmt(f.reports_today), 'fig-open': fmt(f.open), 'fig-overdue': fmt(f.overdue_open),
  'fig-ontime-sub': `${fmt(f.closed_on_time)} / ${fmt(f.closed)}` });

/** figures reads the key figures as numbers. */
export const figures = (page) => page.evaluate(() => {
  const n = (id) => Number(document.querySelector(`#${id} b`).textContent.replace(/[^\d.]/g, ''));
  return { today: n('fig-today'), open: n('fig-open'), overdue: n('fig-overdue') };
});

/**
 * mapLook is how large the map draws its words and lines, in page pixels:
 * a style's size times the scale the map's frame is drawn at, its zoom,
 * and the attribution's font size.
 */
export const mapLook = (page) => page.evaluate(() => {
  const { map } = window.screenApp;
  const box = map.getContainer();
  const scale = box.getBoundingClientRect().width / box.offsetWidth;
  const layer = (id) => map.queryRenderedFeatures({ layers: [id] })[0]?.layer;
  const attrib = document.querySelector('.maplibregl-ctrl-attrib');
  return { zoom: Math.round(map.getZoom() * 100) / 100, scale,
    label: (layer('street-label')?.layout['text-size'] ?? 0) * scale,
    line: (layer('district-line')?.paint['line-width'] ?? 0) * scale,
    attribution: parseFloat(getComputedStyle(attrib).fontSize) * scale };
});

/** overdueNow reads the instant the map's case points take as now (the literal their paint compares due_at with), in ms. */
export const overdueNow = (page) => page.evaluate(() => Date.parse(JSON.stringify(window.screenApp.map
  .getPaintProperty('report-circle', 'circle-color')).match(/\d{4}-\d\d-\d\dT[\d:]+Z/)?.[0]));

/**
 * readableBy makes readable(page, min, name): it measures the words a room
 * reads (the feed, the figures' labels and sub-lines, the panels' titles,
 * the map's legend, the charts' axes) and checks none is under min px, that
 * nothing overflows its box or the page, and that the legend lies on the
 * map, clear of its attribution.
 */
export function readableBy({ check, findings }) {
  return async function readable(page, min, name) {
    const r = await page.evaluate(() => {
      const px = (sel) => Math.min(...[...document.querySelectorAll(sel)].map((e) => parseFloat(getComputedStyle(e).fontSize)));
      const sizes = Object.fromEntries(['#feed li .what', '#feed li .where', '#feed .tag', '.fig label', '.fig small', 'h2', '#crumbs',
        '#legend h3', '#legend li'].map((sel) => [sel, px(sel)]));
      const { charts } = window.screenApp;
      sizes.axis = Math.min(...Object.values(charts).map((c) => c.getOption().yAxis[0].axisLabel.fontSize));
      const over = [...document.querySelectorAll('.fig, .fig *, .panel, h2, header > *, #figures, #legend, #legend *')]
        .filter((e) => (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1) && getComputedStyle(e).overflow !== 'hidden')
        .map((e) => e.id || e.className || e.tagName);
      const out = [...document.querySelectorAll('#left > *, #right > *')].filter((e) => e.getBoundingClientRect().bottom > innerHeight + 1)
        .map((e) => e.querySelector('h2')?.textContent ?? e.id);
      const rect = (sel) => document.querySelector(sel)?.getBoundingClientRect();
      const [legend, map, attrib] = [rect('#legend'), rect('#centre'), rect('.maplibregl-ctrl-attrib')];
      const inside = legend && legend.left >= map.left && legend.right <= map.right && legend.top >= map.top && legend.bottom <= map.bottom;
      const clear = !attrib || legend.right <= attrib.left || legend.bottom <= attrib.top;
      return { sizes, over, out, page: [document.documentElement.scrollWidth, innerWidth], legend: { inside, clear, rows: legend && document.querySelectorAll('#legend li').length } };
    });
    findings[`readable ${name}`] = r;
    const axisMin = Math.max(14, Math.round(min * 0.8));
    check(Object.entries(r.sizes).every(([k, v]) => v >= (k === 'axis' ? axisMin : min)), `words under ${min} px at ${name}: ${JSON.stringify(r.sizes)}`);
    check(!r.over.length && !r.out.length && r.page[0] <= r.page[1], `overflow at ${name}: ${JSON.stringify(r)}`);
    check(r.legend.inside && r.legend.clear && r.legend.rows > 0, `the map's legend at ${name}: ${JSON.stringify(r.legend)}`);
  };
}
