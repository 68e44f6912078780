// The home screen: the worker's grid on gridmap's own tiles, the phone's
// position with its accuracy (the map follows it), and the resolver's live
// answer "who is responsible here", with a warning when the worker leaves
// their area (the unit of the token's scope: a grid, a community, …).
import { MapLibreMap, NavigationControl, Marker, setWorkerUrl } from '../web/vendor/maplibre-gl/maplibre-gl.mjs';
import { url, authHeaders, getJSON, root, recheckToken, unansweredKey } from './net.js';
import { kvGet, kvSet } from './store.js';
import { t, onLangChange } from './i18n.js';
import { fixTime, clockOffset } from './clock.js';

const $ = (id) => document.getElementById(id);
// follow: whether the map keeps the position in view (app.js turns it off
// while the report form shows, whose map keeps to the form's pin).
export const here = { fix: null, answer: null, stale: false, failed: 0, follow: true, listeners: new Set() };

// The map leaves a worker who moved it by hand alone this long: they are
// looking at something else.
const HANDS_OFF_MS = 30_000;
let touched = 0;

// POOR_M: a fix less accurate than this may put the worker in the next grid: the app says so.
const POOR_M = 100;

/** showPoorFix warns in el of a poor fix (worse than POOR_M), unless the warning does not apply. */
export function showPoorFix(el, applies = true) {
  const poor = applies && here.fix && here.fix.accuracy > POOR_M;
  el.hidden = !poor;
  if (poor) el.textContent = t('where.poor', { m: Math.round(here.fix.accuracy) });
}

/** initMap makes the one map the app has; views move it where they need it. */
export function initMap(me) {
  // MapLibre's worker from inside /m/, where the service worker serves it offline.
  setWorkerUrl(new URL('maplibre-gl-worker.mjs', document.baseURI).href);
  const map = new MapLibreMap({
    container: 'map',
    style: url('style.json'), // which opens on the data's districts until the worker's unit or fix moves it
    attributionControl: false,
    // The token goes with every request to this server (tiles, TileJSON), never elsewhere.
    transformRequest: (u) => (u.startsWith(root.origin) ? { url: u, headers: authHeaders() } : { url: u }),
  });
  map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
  // Moves made by hand (drag, pinch, the zoom buttons) carry the event that made them.
  for (const ev of ['dragstart', 'zoomstart', 'rotatestart', 'pitchstart']) {
    map.on(ev, (e) => { if (e.originalEvent) touched = Date.now(); });
  }
  const b = me?.unit?.bbox;
  if (b) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, duration: 0 });
  map.on('load', () => addOwnLayers(map, me));
  // Tiles refused with the token: the server is asked why, and the app signs out (net.js) rather than log each tile.
  // Offline, tiles fail as they must (the kept ones show): that is no error to log. Nor is a 429: a
  // refused token's tiles spend the address's budget of token lookups (a flaky browser test logged
  // MapLibre's AJAXError there), and the map asks again as it moves.
  map.on('error', (e) => {
    const status = e.error?.status;
    if (status === 401) recheckToken();
    else if (navigator.onLine && status !== 429) console.error(e.error?.message ?? e.error ?? e);
  });
  return map;
}

function addOwnLayers(map, me) {
  const empty = { type: 'FeatureCollection', features: [] };
  map.addSource('me', { type: 'geojson', data: empty });
  map.addSource('track', { type: 'geojson', data: empty });
  if (me?.unit && map.getSource('gridmap')) {
    const level = me.unit.level === 'microgrid' ? 'grid' : me.unit.level;
    map.addLayer({ id: 'my-unit', type: 'line', source: 'gridmap', 'source-layer': level,
      filter: ['==', ['get', 'code'], me.unit.code], paint: { 'line-color': '#1565c0', 'line-width': 4 } });
  }
  map.addLayer({ id: 'track', type: 'line', source: 'track', paint: { 'line-color': '#8e24aa', 'line-width': 4 } });
  map.addLayer({ id: 'me-accuracy', type: 'fill', source: 'me', filter: ['==', ['geometry-type'], 'Polygon'],
    paint: { 'fill-color': '#1e88e5', 'fill-opacity': 0.15, 'fill-outline-color': '#1e88e5' } });
  map.addLayer({ id: 'me-dot', type: 'circle', source: 'me', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 7, 'circle-color': '#1e88e5', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  drawFix(map); // a fix that came before the map was ready
}

// drawFix draws the last position with its accuracy circle.
function drawFix(map) {
  const f = here.fix;
  if (!f) return;
  map.getSource('me')?.setData({ type: 'FeatureCollection', features: [
    { type: 'Feature', geometry: { type: 'Polygon', coordinates: [circle(f.point, f.accuracy)] }, properties: {} },
    { type: 'Feature', geometry: { type: 'Point', coordinates: f.point }, properties: {} }] });
}

/**
 * keepInView moves the map to the position when it has left the middle of
 * the view (a margin of 15 % on every side), unless following is off, the
 * worker moved the map by hand lately, or the map is not on screen.
 */
export function keepInView(map) {
  const f = here.fix;
  const box = map.getContainer();
  const w = box.clientWidth, h = box.clientHeight;
  if (!f || !here.follow || !w || !h || Date.now() - touched < HANDS_OFF_MS) return;
  const p = map.project(f.point);
  const m = Math.min(w, h) * 0.15;
  if (p.x >= m && p.y >= m && p.x <= w - m && p.y <= h - m) return;
  map.easeTo({ center: f.point, duration: 600 });
}

/** circle is a polygon of radius r metres around [lng, lat]. */
function circle([lng, lat], r) {
  const ring = [];
  for (let i = 0; i <= 48; i++) {
    const a = (i / 48) * 2 * Math.PI;
    ring.push([lng + (r * Math.cos(a)) / (111_320 * Math.cos((lat * Math.PI) / 180)), lat + (r * Math.sin(a)) / 110_540]);
  }
  return ring;
}

// onPosition takes a position from the watch or from askPosition: the
// map and the worker it is for (watchPosition), and where the resolver was
// asked last.
let onPosition = () => {};

/** watchPosition follows the phone's position, draws it and asks who answers for it. */
export function watchPosition(map, me) {
  if (!navigator.geolocation) return noFix(true);
  let asked = null;
  onPosition = (pos) => {
    const p = [pos.coords.longitude, pos.coords.latitude];
    // By the server's clock (patrols send it), with the offset it is by: a patrol re-dates it if the offset is corrected.
    here.fix = { point: p, accuracy: pos.coords.accuracy, at: fixTime(pos.timestamp), clock: clockOffset() };
    drawFix(map);
    keepInView(map);
    renderWhere(me);
    here.listeners.forEach((fn) => fn(here.fix));
    // Ask again once the worker has moved 10 m (or every 15 s).
    if (!asked || distance(asked.p, p) > 10 || Date.now() - asked.at > 15_000) {
      asked = { p, at: Date.now() };
      resolveHere(p, me);
    }
  };
  navigator.geolocation.watchPosition((pos) => onPosition(pos), (err) => noFix(err.code === err.PERMISSION_DENIED),
    { enableHighAccuracy: true, maximumAge: 5_000, timeout: 30_000 });
  onLangChange(() => renderWhere(me));
}

/**
 * askPosition asks for a fix at most maxAge ms old, which goes where the
 * watch's go (the listeners of here). A watch reports a position when it
 * changes: a worker who has stood still may get none however long they
 * wait, so whoever needs a recent one (a patrol's start) must ask.
 */
export function askPosition(maxAge) {
  navigator.geolocation?.getCurrentPosition((pos) => onPosition(pos), () => {},
    { enableHighAccuracy: true, maximumAge: maxAge, timeout: 30_000 });
}

// noFix says why there is no position; "finding your position…" goes, as
// nothing is being found while location is denied.
function noFix(denied) {
  if (!here.answer) $('where-answer').replaceChildren();
  $('where-status').textContent = t(denied ? 'where.denied' : 'where.nofix');
}

/** distance in metres between two [lng, lat] points (flat Earth: fine within a grid). */
export function distance(a, b) {
  const dx = (b[0] - a[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180);
  return Math.hypot(dx, (b[1] - a[1]) * 110_540);
}

/**
 * resolve asks the server who answers for a point: { answer }, or, when it
 * cannot tell, a null answer and the status of the server's failing answer
 * (none when nothing answered).
 */
export async function resolve(p) {
  try {
    return { answer: await getJSON(`v1/resolve?lng=${p[0].toFixed(7)}&lat=${p[1].toFixed(7)}`) };
  } catch (e) {
    return { answer: null, status: e.status };
  }
}

// resolveHere asks who answers for the worker's position; offline, it
// shows the last answer the phone kept, marked as such.
async function resolveHere(p, me) {
  const { answer, status } = await resolve(p);
  Object.assign(here, { stale: !answer, failed: status });
  if (answer) await kvSet('answer', answer);
  here.answer = answer ?? here.answer ?? (await kvGet('answer'));
  renderWhere(me);
}

// renderWhere writes the position card: accuracy, the answer, and the
// warning when the worker is outside their area.
function renderWhere(me) {
  if (here.fix) $('where-accuracy').textContent = t('where.accuracy', { m: Math.round(here.fix.accuracy) });
  showPoorFix($('where-poor'));
  $('where-status').textContent = here.stale ? t(unansweredKey('where.offline', 'where.fault', here.failed, 'where.unreach')) : '';
  const res = here.answer;
  if (!res) return;
  showAnswer($('where-answer'), res);
  const left = me?.scope && me.unit && !inScope(res, me.scope);
  $('warn').hidden = !left;
  if (left) $('warn').textContent = t('warn.left', { level: t(`level.${me.unit.level}`), name: me.unit.name });
}

// inScope tells whether an answer's place is the worker's: it lies in the
// unit of their scope, or a unit in it answers for it (an enclave it
// manages). Codes nest: a unit's code begins with its parent's (as the
// server's scope check has it). Outside every district nothing is theirs.
function inScope(res, scope) {
  const geo = res.geographic ?? res;
  return [geo.microgrid, geo.grid, geo.community, geo.street, geo.district, res.responsible]
    .some((u) => u?.code?.startsWith(scope));
}

/** showAnswer writes a resolver answer into el: the status and who is responsible. */
export function showAnswer(el, res) {
  el.replaceChildren();
  const badge = document.createElement('span');
  badge.className = `badge ${res.status}`;
  badge.textContent = t(`status.${res.status}`);
  const who = document.createElement('div');
  who.className = 'who-answers';
  const r = res.responsible;
  who.textContent = r ? `${r.name} (${r.code})` : '—';
  el.append(badge, who);
  const chain = [res.street, res.community, res.grid].filter(Boolean).map((u) => u.name).join(' › ');
  if (chain) el.append(Object.assign(document.createElement('div'), { className: 'muted', textContent: chain }));
  if (res.status === 'enclave' && res.enclave) {
    el.append(Object.assign(document.createElement('div'), {
      textContent: `${res.enclave.name}: ${t('where.managedby', { name: r?.name ?? '' })}` }));
  }
  if (res.conflicts?.length) {
    // Boundaries overlap here: the rules chose the unit above, but the
    // worker standing on the spot should know another claims it too.
    const names = res.conflicts.map((u) => u.name || u.code).join('、');
    el.append(Object.assign(document.createElement('div'), { className: 'conflict', textContent: t('where.conflict', { names }) }));
  }
  if (res.status === 'unmanaged') {
    // Said with the unit that answers for the gap: a street, or a district where no street covers it.
    const flag = r ? t('where.flag', { level: t(`level.${r.level}`), name: r.name }) : t('where.flagnone');
    el.append(Object.assign(document.createElement('div'), { className: 'muted', textContent: flag }));
  }
}

/** pin is a draggable marker for the report form's point. */
export function pin(map, at, onMove) {
  const m = new Marker({ draggable: true, color: '#f4511e' }).setLngLat(at).addTo(map);
  m.on('dragend', () => { const l = m.getLngLat(); onMove([l.lng, l.lat]); });
  return m;
}

let mark = null; // the one place marked on the map (an open case's)

/** placeMark marks at on the map (not draggable), or takes the mark away when at is null. */
export function placeMark(map, at) {
  if (!at) {
    mark?.remove();
    mark = null;
    return;
  }
  mark ??= new Marker({ color: '#e53935' });
  mark.setLngLat(at).addTo(map);
}
