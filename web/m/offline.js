// What the map needs offline, kept by the phone's first visit. That visit
// installs the service worker, but the map loads its style, TileJSON and
// tiles before the worker controls the page, so none of them pass through
// its caches: offline, the next start would find no style and draw nothing.
// Once the worker takes control (clients.claim()), the page asks for them
// again, through it: the style, each source's TileJSON, and the tiles of the
// view and of the worker's own area (the first view of every start, and
// the report form's zoom).
import { url, authHeaders, root } from './net.js';

// Whether the page was controlled from its start: then the map's own
// requests went through the service worker and nothing needs asking again.
const controlledAtStart = !!navigator.serviceWorker?.controller;
// Tiles asked for one zoom level of the worker's area at most: a street's
// box at the highest zoom would be hundreds.
const MAX_TILES = 64;
// The report form shows its pin at this zoom at least (report.js).
const FORM_ZOOM = 16;

/**
 * keepForOffline resolves, once the service worker controls the page, to
 * the number of files asked for again through it (0 when there was no need:
 * the page was controlled from its start, or has no service worker).
 */
export function keepForOffline(map, me) {
  const sw = navigator.serviceWorker;
  if (!sw || controlledAtStart) return Promise.resolve(0);
  const controlled = sw.controller ? Promise.resolve()
    : new Promise((resolve) => sw.addEventListener('controllerchange', resolve, { once: true }));
  return controlled.then(() => refetch(map, me)).catch(() => 0);
}

async function refetch(map, me) {
  const style = await (await get(url('style.json'))).json();
  let n = 1;
  for (const source of Object.values(style.sources ?? {})) {
    if (source.type !== 'vector' || !source.url) continue;
    const tilejson = await (await get(source.url)).json();
    const urls = [...tilesToKeep(map, me, tilejson)];
    await Promise.all(urls.map((u) => get(u).catch(() => null)));
    n += 1 + urls.length;
  }
  return n;
}

// get fetches a file of the server with the token, as the map does (home.js).
async function get(u) {
  const res = await fetch(u, { headers: u.startsWith(root.origin) ? authHeaders() : {} });
  if (!res.ok) throw new Error(`${res.status} ${u}`);
  return res;
}

// tilesToKeep is the set of tile URLs of the view now, of the worker's
// unit as the map first shows it, and of the unit at the form's zoom.
function tilesToKeep(map, me, tilejson) {
  const out = new Set();
  const add = (box, zoom) => {
    const z = Math.min(Math.max(Math.floor(zoom), tilejson.minzoom ?? 0), tilejson.maxzoom ?? 22);
    for (const [x, y] of cover(box, z)) for (const tpl of tilejson.tiles) out.add(tpl.replace('{z}', z).replace('{x}', x).replace('{y}', y));
  };
  const v = map.getBounds();
  add([v.getWest(), v.getSouth(), v.getEast(), v.getNorth()], map.getZoom());
  const b = me?.unit?.bbox;
  if (b) {
    const first = map.cameraForBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30 });
    if (first) add(viewAround(first.center.toArray(), first.zoom, map.getContainer()), first.zoom);
    add(b, Math.max(first?.zoom ?? 0, FORM_ZOOM));
  }
  return out;
}

// viewAround is the box [w, s, e, n] a map of box's size shows at center and zoom.
function viewAround([lng, lat], zoom, box) {
  const size = 512 * 2 ** zoom; // the world in pixels (MapLibre's 512 px tiles)
  const x = ((lng + 180) / 360) * size;
  const y = mercatorY(lat) * size;
  const dx = box.clientWidth / 2, dy = box.clientHeight / 2;
  return [((x - dx) / size) * 360 - 180, latOf((y + dy) / size), ((x + dx) / size) * 360 - 180, latOf((y - dy) / size)];
}

// cover is the [x, y] of every tile of zoom z over box [w, s, e, n]; none
// when they are more than MAX_TILES.
function cover([w, s, e, n], z) {
  const k = 2 ** z;
  const col = (lng) => Math.min(k - 1, Math.max(0, Math.floor(((lng + 180) / 360) * k)));
  const row = (lat) => Math.min(k - 1, Math.max(0, Math.floor(mercatorY(lat) * k)));
  const [x0, x1, y0, y1] = [col(w), col(e), row(n), row(s)];
  if ((x1 - x0 + 1) * (y1 - y0 + 1) > MAX_TILES) return [];
  const tiles = [];
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) tiles.push([x, y]);
  return tiles;
}

// mercatorY is a latitude's place from the top of the Web Mercator world (0 to 1).
function mercatorY(lat) {
  const r = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  return (1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2;
}

const latOf = (y) => (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;
