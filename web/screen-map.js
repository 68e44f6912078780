// The big screen's map is the style of /style.json repainted dark: deep blue
// land, glowing boundaries, light labels with a dark halo and a fifth
// larger, hazard density by open cases and case points by state. Only paint
// properties and label sizes change, so every layer, its zoom range and its
// data stay those of the dashboard. Also here: the map drawn at the page's
// scale, the flashes of new reports (capped) and fitting a unit.
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
  'gap-fill': { 'fill-color': '#ff8f00', 'fill-opacity': 0.6 },
  'enclave-fill': { 'fill-color': '#ff4fa3', 'fill-opacity': 0.45 },
  // A cell is coloured by its open cases, not by every report it ever had:
  // once its cases are closed it fades to a dim teal, so the wall shows where
  // work is waiting (the tiles are reloaded on each report event: screen.js).
  'report_hex-fill': { 'fill-outline-color': 'rgba(0,0,0,0)',
    'fill-opacity': ['case', ['>', ['get', 'open'], 0], 0.4, 0.16],
    'fill-color': ['case', ['>', ['get', 'open'], 0],
      ['interpolate', ['linear'], ['get', 'open'], 1, '#ffb020', 5, '#ff6a3d', 20, '#ff2d55'], '#1f9e7a'] },
  // Points (zoom 14 and in) follow the case's state: open ones by severity,
  // closed ones green and dimmer, rejected ones grey.
  'report-circle': { 'circle-stroke-color': '#050d1f',
    'circle-color': ['match', ['get', 'state'], 'closed', '#34d399', 'rejected', '#6b7f9e',
      ['match', ['get', 'severity'], 1, '#7fd6ff', 2, '#ffd166', 3, '#ff8c42', 4, '#ff3b47', '#9fb3d1']],
    'circle-opacity': ['match', ['get', 'state'], 'closed', 0.6, 'rejected', 0.45, 1] },
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

/** darken repaints the loaded style of map, and enlarges its labels. */
export function darken(map) {
  for (const layer of map.getStyle().layers) {
    const p = paint[layer.id] ?? (layer.type === 'symbol' ? labelPaint : null);
    if (!p) continue;
    for (const [k, v] of Object.entries(p)) map.setPaintProperty(layer.id, k, v);
    const size = layer.type === 'symbol' && layer.layout?.['text-size'];
    if (size) map.setLayoutProperty(layer.id, 'text-size', scaled(size));
  }
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

/** fit moves map onto unit (its boundary read with getJSON). */
export async function fit(map, unit, getJSON) {
  if (!unit) {
    map.flyTo({ center: [117.3, 39.25], zoom: 8.4 });
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

