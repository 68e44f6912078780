// The big screen's map is the style of /style.json repainted dark: deep blue
// land, glowing boundaries, light labels with a dark halo and a fifth
// larger, hazard density by open cases and case points by state. Only paint
// properties and labels' layout change, so every layer and its data stay
// those of the dashboard. Also here: the map drawn at the page's scale, the
// flashes of new reports (capped) and fitting a unit.
import { serverNow } from './screen-api.js';

// The density cells' classes by open cases (the legend draws these very
// classes: screen-legend.js). Light for the first, so that a district with
// a case in most cells stays a map, strong only where cases pile up — but
// warm enough to tell from the district's fill: at 0.18 the first class
// over the navy land read as the same grey (a newcomer could not tell the
// cells from the district). A cell whose cases are all closed is a dim
// teal; a cell without reports is not in the tiles at all, so it has no
// fill.
export const hexClasses = [
  { colour: '#ffc233', opacity: 0.3 },
  { colour: '#ff9f1c', opacity: 0.42 },
  { colour: '#ff6a3d', opacity: 0.54 },
  { colour: '#ff2d55', opacity: 0.68 },
];
export const hexClosed = { colour: '#1f9e7a', opacity: 0.14 };

// The classes' lower bounds (open cases a cell) by the cell's H3
// resolution, for the cells tiles/hex.go draws (res 4 at z≤6 … res 9 at
// z13). A cell is ~7× the area of one a resolution finer, so fixed bounds
// left the city's and a district's views (res 6–7) one red sheet. Scaled by
// the full 7 they would ask a uniform density of the whole cell, which
// clustered cases never have there (a coarse cell averages a hotspot with
// fields and river), and everything would sit in the first class. So the
// bounds grow by √7 ≈ 2.65 a step — the geometric mean of "same count" and
// "same density" — from res 9's 2 / 4 / 10, rounded to 1-2-2.5-5 numbers
// (res 8: 5.3 / 10.6 / 26 → 5 / 10 / 25; res 7: 14 / 28 / 70 → 15 / 30 / 70;
// res 6: 37 / 74 / 185 → 40 / 80 / 200; res 5: 98 / 196 / 490 → 100 / 200 /
// 500; res 4: 259 / 518 / 1296 → 250 / 500 / 1500), each class about twice
// the one before, the last 2–3×. The first class stays 1: a cell with any
// open case is always seen.
export const hexBounds = {
  4: [1, 250, 500, 1500],
  5: [1, 100, 200, 500],
  6: [1, 40, 80, 200],
  7: [1, 15, 30, 70],
  8: [1, 5, 10, 25],
  9: [1, 2, 4, 10],
};
const finestRes = 9; // a cell of a resolution not listed is classed as the finest

/** hexResolution is the H3 resolution of report_hex tiles at a tile zoom (as tiles/hex.go chooses it). */
export function hexResolution(z) {
  if (z <= 6) return 4;
  if (z === 7) return 5;
  if (z <= 9) return 6;
  if (z <= 11) return 7;
  if (z === 12) return 8;
  return 9;
}

// hexMaxZoom is report_hex's last tile zoom (/tiles catalog): deeper,
// the map draws z13's cells, and from z14 the case points instead.
const hexMaxZoom = 13;

/** hexResolutionAt is the resolution of the cells the map draws at zoom (its 512-pixel tiles are of the zoom's floor). */
export const hexResolutionAt = (zoom) => hexResolution(Math.min(Math.floor(zoom), hexMaxZoom));

/**
 * hexClassesAt is the classes of cells of H3 resolution res: each of
 * hexClasses with from (its lower bound) and label ("2–3", "≥10").
 */
export function hexClassesAt(res) {
  const b = hexBounds[res] ?? hexBounds[finestRes];
  return hexClasses.map((k, i) => {
    const to = i + 1 < b.length ? b[i + 1] - 1 : Infinity;
    const label = to === Infinity ? `≥${b[i]}` : to === b[i] ? String(b[i]) : `${b[i]}–${to}`;
    return { ...k, from: b[i], label };
  });
}

// byOpen chooses a cell's key (colour or opacity) by its own resolution,
// then by its open cases: while tiles of two zooms are on screen (a zoom,
// a reload) each cell is classed by its own size.
const stepOf = (res, key, none) => ['step', ['get', 'open'], none, ...hexClassesAt(res).flatMap((c) => [c.from, c[key]])];
const byOpen = (key, none) => ['match', ['get', 'res'],
  ...Object.keys(hexBounds).filter((r) => Number(r) !== finestRes).flatMap((r) => [Number(r), stepOf(Number(r), key, none)]),
  stepOf(finestRes, key, none)];

// Case points (zoom 14 and in) by state: open ones by severity, an overdue
// one red in a white ring and larger, closed ones green and dimmer,
// rejected ones grey. The legend draws these colours.
export const caseColours = { overdue: '#ff2d55', closed: '#34d399', rejected: '#6b7f9e',
  severity: { 1: '#7fd6ff', 2: '#ffd166', 3: '#ff8c42', 4: '#ff3b47' }, opacity: { closed: 0.6, rejected: 0.45 } };

const paint = {
  background: { 'background-color': '#050d1f' },
  'district-fill': { 'fill-color': '#0b2347' },
  'street-fill': { 'fill-color': ['case', ['boolean', ['feature-state', 'hover'], false], 'rgba(39,211,255,0.18)', 'rgba(0,0,0,0)'] },
  'community-fill': { 'fill-color': 'rgba(0,0,0,0)' },
  'grid-fill': { 'fill-color': 'rgba(0,0,0,0)' },
  'grid-line': { 'line-color': '#1d4f7a' },
  'community-line': { 'line-color': '#2a6fa8' },
  'street-line': { 'line-color': '#3fa9f5' },
  'district-line': { 'line-color': '#27d3ff' },
  // Violet, as the base style draws gaps: an orange one was lost among the
  // density cells' oranges.
  'gap-fill': { 'fill-color': '#b388ff', 'fill-opacity': 0.6 },
  'enclave-fill': { 'fill-color': '#ff4fa3', 'fill-opacity': 0.45 },
  // A cell is coloured by its open cases, not by every report it ever had:
  // the wall shows where work is waiting (the tiles are reloaded on each
  // report event: screen.js).
  'report_hex-fill': { 'fill-outline-color': 'rgba(0,0,0,0)',
    'fill-opacity': byOpen('opacity', hexClosed.opacity), 'fill-color': byOpen('colour', hexClosed.colour) },
};
const labelPaint = { 'text-color': '#dbe8ff', 'text-halo-color': 'rgba(5,13,31,0.9)', 'text-halo-width': 1.5 };

// The map's names are read from across the room too: a fifth larger than
// the console's (whose sizes suit a desk); more would crowd out names.
const labelScale = 1.2;

// scaled is a text-size times labelScale: a number, or a zoom curve
// (["interpolate", kind, ["zoom"], z1, size1, z2, size2, …]) whose sizes
// are scaled (a zoom expression may not be wrapped in another).
function scaled(size) {
  if (typeof size === 'number') return size * labelScale;
  if (Array.isArray(size) && size[0] === 'interpolate') return size.map((x, i) => (i >= 4 && i % 2 === 0 ? x * labelScale : x));
  return size;
}

// Labels never break inside a word: MapLibre breaks a name wider than
// text-max-width between any two Chinese characters (东王台社 / 区第1网格),
// so the width is set past any unit's name and names stay on one line (an
// English one could break only at a space). More room around each, and
// the grids' names only from a community's view in (a street's view is
// framed near z14.5, a community's near z17), leave a street's view to its
// communities' names instead of a hundred crowded ones.
const labelLayout = { 'text-max-width': 40, 'text-padding': 8 };
const labelMinZoom = { 'grid-label': 15.5 };

/** darken repaints the loaded style of map, enlarges its labels and spaces them out. */
export function darken(map) {
  for (const layer of map.getStyle().layers) {
    const p = paint[layer.id] ?? (layer.type === 'symbol' ? labelPaint : null);
    if (!p) continue;
    for (const [k, v] of Object.entries(p)) map.setPaintProperty(layer.id, k, v);
    if (layer.type !== 'symbol') continue;
    const size = layer.layout?.['text-size'];
    if (size) map.setLayoutProperty(layer.id, 'text-size', scaled(size));
    for (const [k, v] of Object.entries(labelLayout)) map.setLayoutProperty(layer.id, k, v);
    if (labelMinZoom[layer.id]) map.setLayerZoomRange(layer.id, labelMinZoom[layer.id], layer.maxzoom ?? 24);
  }
  markOverdue(map);
}

// Time, not a change of its tile, makes a case overdue. A point's due_at
// (RFC 3339 UTC, on open cases that have a time limit) is compared, as a
// string, with now written the same way: MapLibre has no clock, so now is
// a literal that markOverdue renews. Without due_at (closed, rejected, no
// time limit, or tiles from a server that sends none) a case is not overdue.
export const isoNow = (d = serverNow()) => `${d.toISOString().slice(0, 19)}Z`;
const overdueBy = (now) => ['all', ['has', 'due_at'], ['!', ['in', ['get', 'state'], ['literal', ['closed', 'rejected']]]],
  ['<', ['to-string', ['get', 'due_at']], now]];

function casePaint(now) {
  const late = overdueBy(now);
  const c = caseColours;
  const sev = ['match', ['get', 'severity'], 1, c.severity[1], 2, c.severity[2], 3, c.severity[3], 4, c.severity[4], '#9fb3d1'];
  return { 'circle-color': ['case', late, c.overdue, ['match', ['get', 'state'], 'closed', c.closed, 'rejected', c.rejected, sev]],
    'circle-stroke-color': ['case', late, '#ffffff', '#050d1f'],
    'circle-stroke-width': ['case', late, 2.5, 1],
    'circle-radius': ['interpolate', ['linear'], ['zoom'], 14, ['case', late, 6.5, 4], 18, ['case', late, 13, 9]],
    'circle-opacity': ['match', ['get', 'state'], 'closed', c.opacity.closed, 'rejected', c.opacity.rejected, 1] };
}

/**
 * markOverdue paints map's case points as of now (a Date): those due
 * before it red in a white ring. It returns now as the literal compared.
 */
export function markOverdue(map, now = serverNow()) {
  const at = isoNow(now);
  if (!map.getLayer('report-circle')) return at;
  for (const [k, v] of Object.entries(casePaint(at))) map.setPaintProperty('report-circle', k, v);
  return at;
}

/**
 * pageScale is the factor the page's words are drawn at: the root font
 * size (100vw / 120, screen.css) over its 16 px on a 1920-wide screen.
 */
export function pageScale() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) / 16;
}

/**
 * scaleMap makes the map follow the page's scale (map is null before it
 * exists). Its frame is laid out as on a 1920-wide screen and drawn that
 * many times larger (--map-scale in screen.css), with that many more
 * pixels: a 4K wall at device scale 1 shows the 1080p map — its zoom, and
 * so which labels show, its labels, lines, attribution and flashes — at
 * twice the size and sharp, as it shows the page's words. Laid out at full
 * size the map would frame a unit a level deeper, in labels half the size
 * of the page's. It returns the pixel ratio to draw at.
 */
export function scaleMap(map) {
  const s = pageScale();
  document.documentElement.style.setProperty('--map-scale', String(s));
  const ratio = devicePixelRatio * s;
  map?.setPixelRatio(ratio); // also resizes the map to its new frame
  return ratio;
}

// At most this many reports flash at once, the oldest going first: each
// flash is a DOM marker with listeners on the map, and a burst of reports
// (a batch upload, 15 a second) must not pile up hundreds of them.
const maxFlashes = 30;
const flashMs = 30_000;

/**
 * flasher keeps the flashing markers of new reports on map: add(data)
 * flashes one, clear() takes them all away (another unit is shown), count
 * says how many are up. Marker is MapLibre's.
 */
export function flasher(map, Marker) {
  const up = []; // { marker, timer }, oldest first
  const drop = (f) => {
    clearTimeout(f.timer);
    f.marker.remove(); // also takes its listeners off the map
  };
  return {
    add(d) {
      const dot = document.createElement('div');
      Object.assign(dot, { className: 'flash', title: d.category ?? '' });
      dot.dataset.report = d.id;
      const f = { marker: new Marker({ element: dot }).setLngLat(d.point).addTo(map) };
      f.timer = setTimeout(() => {
        const i = up.indexOf(f);
        if (i >= 0) drop(up.splice(i, 1)[0]);
      }, flashMs);
      up.push(f);
      while (up.length > maxFlashes) drop(up.shift());
    },
    clear() { up.splice(0).forEach(drop); },
    get count() { return up.length; },
  };
}

/**
 * fit moves map onto unit (its boundary read with getJSON); the whole city
 * ("") onto the extent of the server's boundaries (their TileJSON bounds),
 * whatever city it serves.
 */
export async function fit(map, unit, getJSON) {
  if (!unit) {
    const b = (await getJSON('tiles/district.json').catch(() => null))?.bounds;
    if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, duration: 800 });
    return;
  }
  const u = await getJSON(`v1/units/${unit}`).catch((err) => {
    console.warn('no boundary to fit', unit, err); // a retired unit has figures but no current boundary
    return null;
  });
  if (!u) return;
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]),
    b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
  walk(u.geometry.coordinates);
  map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, duration: 800 });
}

