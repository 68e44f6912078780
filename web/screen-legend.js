// The map's legend, over its bottom left: what the case layer's colours
// mean, in the screen's words and at its reading size. The cells and
// points are drawn with the very classes and colours listed here
// (screen-map.js), so the legend cannot say other than the map. Below z14
// the tiles hold the density cells, from z14 the case points (/tiles
// catalog): the legend says whichever the map shows. The cells' classes
// grow with the cells' size (their H3 resolution, which follows the zoom):
// the legend gives those of the cells on screen.
import { t } from './i18n.js';
import { el } from './dom.js';
import { hexClassesAt, hexResolutionAt, hexClosed, caseColours } from './screen-map.js';

const pointsFrom = 14; // the report layer's first zoom, past report_hex's last (13)

// rgba is a #rrggbb colour at opacity a: the swatch is painted as the map
// paints the cell, over the same land colour (screen.css).
function rgba(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

const row = (swatch, words, data = {}) => el('li', data, swatch, el('span', {}, words));
const cell = (k) => {
  const c = rgba(k.colour, k.opacity);
  return el('i', { class: 'cell', style: `background-image: linear-gradient(${c}, ${c})` });
};
const cellRow = (k, words) => row(cell(k), words, { 'data-from': String(k.from), 'data-colour': k.colour, 'data-opacity': String(k.opacity) });
const dot = (colour, ring = false) => el('i', { class: ring ? 'dot ring' : 'dot', style: `background-color: ${colour}` });

// shownRes is the H3 resolution of the density cells map draws: that of
// most of the cells on screen once its tiles are in (after a zoom a few may
// still be of the last zoom's tiles), else the one its zoom asks for.
function shownRes(map) {
  const by = new Map();
  if (map.isStyleLoaded() && map.getLayer('report_hex-fill')) {
    for (const f of map.queryRenderedFeatures({ layers: ['report_hex-fill'] })) {
      const r = Number(f.properties.res);
      by.set(r, (by.get(r) ?? 0) + 1);
    }
  }
  const [top] = [...by].sort((a, b) => b[1] - a[1]);
  return top ? top[0] : hexResolutionAt(map.getZoom());
}

/**
 * legend draws the legend of map into box and keeps it to the layer on
 * screen, and to its cells' size, as the zoom changes (a drill-down, the
 * tour); it returns draw, to write it again in another language.
 */
export function legend(box, map) {
  let shown = ''; // what the legend says: cases, or cells of a resolution
  function draw() {
    const points = Math.floor(map.getZoom()) >= pointsFrom;
    const res = points ? null : shownRes(map);
    shown = points ? 'cases' : `cells${res}`;
    const c = caseColours;
    const rows = points
      ? [row(dot(c.overdue, true), t('evOverdue'), { 'data-key': 'overdue' }),
        ...[4, 3, 2, 1].map((n) => row(dot(c.severity[n]), t(`sev${n}`), { 'data-key': `sev${n}` })),
        row(dot(rgba(c.closed, c.opacity.closed)), t('closedOf'), { 'data-key': 'closed' }),
        row(dot(rgba(c.rejected, c.opacity.rejected)), t('st.rejected'), { 'data-key': 'rejected' })]
      : [...hexClassesAt(res).map((k) => cellRow(k, k.label)), cellRow({ ...hexClosed, from: 0 }, t('legendAllClosed'))];
    box.dataset.kind = points ? 'cases' : 'cells';
    if (points) delete box.dataset.res;
    else box.dataset.res = String(res);
    box.replaceChildren(el('h3', {}, t(points ? 'legendCases' : 'legendCells')), el('ul', {}, ...rows));
  }
  // Written again only when what it says changes: idle follows every
  // reload of the case tiles too.
  const update = () => {
    const points = Math.floor(map.getZoom()) >= pointsFrom;
    if ((points ? 'cases' : `cells${shownRes(map)}`) !== shown) draw();
  };
  map.on('zoomend', update);
  map.on('idle', update);
  draw();
  return draw;
}
