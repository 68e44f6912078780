// gridmap's big screen (指挥大屏) at /screen?unit=CODE: the map of the unit in
// the centre (gridmap's own tiles, dark), its key figures and charts from
// GET /v1/stats/overview, and a live feed from GET /v1/events that also
// moves the figures and flashes each new report on the map. Clicking a unit
// drills down; the auto tour (?tour=SECONDS or the button) cycles through
// the child units. Everything comes from this server.
import { MapLibreMap, Marker } from './vendor/maplibre-gl/maplibre-gl.mjs';
import { t, applyWords, langButton } from './i18n.js';
import { initCharts, drawCharts } from './screen-charts.js';
import { follow, apply, feedItem } from './screen-live.js';
import { darken } from './screen-map.js';

const root = new URL('.', document.baseURI);
const api = (path) => new URL(path, root).href;
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.has('token')) { // as on the dashboard: kept for the session, not in the URL
  sessionStorage.setItem('gridmap.token', params.get('token'));
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
}
const token = () => sessionStorage.getItem('gridmap.token');
const clickLayer = { '': 'district-fill', district: 'street-fill', street: 'community-fill', community: 'grid-fill' };

// status is the stream's state (connecting, live); problem, when set, is why
// no unit is shown (its unknownUnit names a code the server does not know).
// feed keeps the events the feed shows, to write them again in another language.
const app = { state: null, ready: false, events: 0, stream: null, map: null, charts: null, root: params.get('unit') ?? '',
  status: 'connecting', problem: null, feed: [] };
window.screenApp = app; // for operators' consoles and the browser test

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

// getJSON fetches a JSON answer; a non-2xx answer throws an Error with its
// status and, from a problem+json answer, its detail and field.
async function getJSON(path) {
  const res = await fetch(api(path), { headers: token() ? { Authorization: `Bearer ${token()}` } : {} });
  if (!res.ok) {
    const p = await res.json().catch(() => ({}));
    throw Object.assign(new Error(p.detail || `${path}: ${res.status}`), { status: res.status, field: p.field });
  }
  return res.json();
}

// unknownUnit marks err as the server's "no such unit" for code.
function unknownUnit(code, err) {
  if (err.status === 404 && err.field === 'unit') err.unknownUnit = code;
  return err;
}

const fmt = (n) => (n ?? 0).toLocaleString('zh-CN');

function renderFigures() {
  const f = app.state.figures;
  const set = (id, v) => {
    const b = $(id).querySelector('b');
    if (b.textContent !== v && b.textContent !== '—') {
      b.classList.add('bump');
      setTimeout(() => b.classList.remove('bump'), 1200);
    }
    b.textContent = v;
  };
  set('fig-today', fmt(f.reports_today));
  set('fig-open', fmt(f.open));
  $('fig-open-sev').textContent = [4, 3].map((n) => `${t(`sev${n}`)} ${f.open_by_severity[n] ?? 0}`).join(' · ');
  set('fig-overdue', fmt(f.overdue_open));
  const share = f.closed ? f.closed_on_time / f.closed : null;
  set('fig-ontime', share === null ? '—' : `${(share * 100).toFixed(1)}%`);
  $('fig-ontime-sub').textContent = `${fmt(f.closed_on_time)} / ${fmt(f.closed)}`;
  set('fig-gaps', fmt(f.unmanaged.count));
  $('fig-gaps-area').textContent = `${(f.unmanaged.area_m2 / 1e4).toFixed(2)} ha`;
  set('fig-patrol', `${((f.patrol_today.coverage ?? 0) * 100).toFixed(1)}%`);
  $('fig-patrol-sub').textContent = `${f.patrol_today.grids_patrolled}/${f.patrol_today.grids} ${t('gridsPatrolled')}`;
}

function render() {
  renderFigures();
  drawCharts(app.charts, app.state);
}

// load shows unit (a code, or "" for the whole city): its figures, its
// place on the map and its events.
async function load(unit) {
  app.ready = false;
  const q = unit ? `?unit=${encodeURIComponent(unit)}` : '';
  const [o, cats] = await Promise.all([getJSON(`v1/stats/overview${q}`).catch((err) => { throw unknownUnit(unit, err); }),
    app.categories ?? getJSON('v1/categories')]);
  // A server from before the 404 answered an unknown unit with zeros and no name.
  if (unit && !o.unit?.name) throw unknownUnit(unit, Object.assign(new Error(`unit ${unit} does not exist`), { status: 404, field: 'unit' }));
  app.categories = cats;
  showProblem(null);
  const categoryNames = Object.fromEntries(cats.categories.map((c) => [c.code, c.name]));
  app.state = { unit: o.unit, today: o.today, figures: o.figures, trend: o.trend, byCategory: o.by_category,
    ranking: o.ranking, children: o.children ?? {}, categoryNames };
  $('unit-title').textContent = o.unit?.name ?? t('city');
  document.title = `${o.unit?.name ?? t('city')} · gridmap`;
  render();
  await Promise.all([crumbs(unit), fit(unit)]);
  listen(unit);
  app.ready = true;
}

async function crumbs(unit) {
  const nav = $('crumbs');
  const codes = [6, 9, 12, 15].filter((n) => n <= unit.length).map((n) => unit.slice(0, n));
  const names = await Promise.all(codes.map((c) => getJSON(`v1/units/${c}`).then((u) => u.properties.name).catch(() => c)));
  nav.replaceChildren(link('', t('city')), ...codes.map((c, i) => (c === unit ? el('span', {}, names[i]) : link(c, names[i]))));
}

function link(code, name) {
  const a = el('a', { 'data-unit': code }, name);
  a.addEventListener('click', () => show(code));
  return a;
}

// fit moves the map onto the unit.
async function fit(unit) {
  if (!unit) {
    app.map.flyTo({ center: [117.3, 39.25], zoom: 8.4 });
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
  app.map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 40, duration: 800 });
}

function listen(unit) {
  app.stream?.close();
  const q = new URLSearchParams();
  if (unit) q.set('unit', unit);
  if (token()) q.set('access_token', token());
  setStatus('connecting');
  app.stream = follow({
    url: api(`v1/events?${q}`),
    onStatus: (on) => setStatus(on ? 'live' : 'connecting'),
    onReset: () => load(unit).catch((err) => showProblem(err)),
    onEvent: (e) => onEvent(e),
  });
}

function onEvent(e) {
  app.events += 1;
  const change = apply(app.state, e);
  const feed = $('feed');
  feed.prepend(feedItem(app.state, e, el));
  app.feed.unshift(e);
  app.feed.length = Math.min(app.feed.length, 30);
  while (feed.children.length > 30) feed.lastChild.remove();
  if (e.kind === 'report.created' && e.data?.point) flash(e.data);
  if (change === 'figures') render();
  if (change === 'reload') load(app.state.unit?.code ?? '').catch((err) => showProblem(err));
  if (change === 'tiles') reloadTiles();
}

// renderFeed writes the feed again (in the language now chosen), without
// the arrival highlight: these events are not new.
function renderFeed() {
  if (!app.state) return;
  $('feed').replaceChildren(...app.feed.map((e) => {
    const li = feedItem(app.state, e, el);
    li.classList.add('settled');
    return li;
  }));
}

// setStatus records the stream's state and shows it.
function setStatus(kind) {
  app.status = kind;
  renderStatus();
}

// renderStatus writes #live in the current language: the stream's state,
// or, when no unit could be shown, why. data-state names it for tests.
function renderStatus() {
  const p = app.problem;
  const kind = p ? (p.unknownUnit !== undefined ? 'noSuchUnit' : 'loadFailed') : app.status;
  const live = $('live');
  live.className = `live ${{ live: 'on', connecting: 'off' }[kind] ?? 'err'}`;
  live.dataset.state = kind;
  live.textContent = t(kind);
}

// showProblem shows why the screen has no unit to show (err), or, with
// null, takes the message away. Figures and charts are blanked rather than
// left at zero: zeros would read as a quiet unit.
function showProblem(err) {
  app.problem = err;
  $('problem').hidden = !err;
  renderStatus();
  if (!err) return;
  console.warn('overview', err);
  app.ready = true; // settled, on the message
  app.state = null;
  app.stream?.close();
  app.stream = null;
  for (const b of document.querySelectorAll('.fig b')) b.textContent = '—';
  for (const id of ['fig-open-sev', 'fig-ontime-sub', 'fig-gaps-area', 'fig-patrol-sub']) $(id).textContent = '';
  Object.values(app.charts).forEach((c) => c.clear());
  renderProblem();
  const code = err.unknownUnit;
  if (code !== undefined) crumbs(code).catch(() => {});
}

// renderProblem writes the message and the title in the current language.
function renderProblem() {
  const err = app.problem;
  if (!err) return;
  const code = err.unknownUnit;
  const unknown = code !== undefined;
  $('problem-text').textContent = t(unknown ? 'noSuchUnitLong' : 'loadFailedLong', { code });
  $('problem-hint').textContent = unknown ? t('noSuchUnitHint') : err.message; // the server's own words for other failures
  $('unit-title').textContent = code ?? t('city');
  document.title = `${t(unknown ? 'noSuchUnit' : 'loadFailed')} · gridmap`;
}

// flash marks a new report on the map for a while.
function flash(d) {
  const dot = el('div', { class: 'flash', 'data-report': d.id, title: d.category });
  const m = new Marker({ element: dot }).setLngLat(d.point).addTo(app.map);
  setTimeout(() => m.remove(), 60_000);
}

function reloadTiles() {
  const src = app.map.getSource('gridmap');
  if (!src?.tiles) return;
  src.setTiles(src.tiles.map((u) => {
    const url = new URL(u);
    url.searchParams.set('v', Date.now().toString(36));
    return decodeURI(url.href);
  }));
}

// show drills to unit (history keeps the way back).
function show(unit) {
  const q = new URLSearchParams(location.search);
  if (unit) q.set('unit', unit); else q.delete('unit');
  history.pushState(null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
  return load(unit).catch((err) => showProblem(err));
}

// The auto tour: every few seconds the next child of the root unit, then
// the root again.
let tourTimer = null;
function toggleTour(seconds) {
  clearInterval(tourTimer);
  tourTimer = null;
  $('tour').classList.toggle('on', !!seconds);
  if (!seconds) return;
  const stops = [app.root, ...(app.state?.ranking ?? []).map((r) => r.code).filter((c) => c.length > app.root.length)];
  let i = 0;
  tourTimer = setInterval(() => { i = (i + 1) % stops.length; show(stops[i]); }, seconds * 1000);
}

function clock() {
  $('clock').textContent = new Date().toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

function start() {
  applyWords(document);
  renderStatus();
  langButton($('lang'), () => {
    renderStatus();
    renderProblem();
    if (app.state) {
      render();
      renderFeed();
      if (!app.state.unit) $('unit-title').textContent = t('city');
    }
    // The breadcrumb's first step is a word; the others are names.
    $('crumbs').querySelector('a[data-unit=""]')?.replaceChildren(t('city'));
  });
  $('problem-city').addEventListener('click', () => show(''));
  clock();
  setInterval(clock, 1000);
  app.charts = initCharts();
  app.map = new MapLibreMap({ container: 'map', style: api('style.json'), center: [117.17, 39.12], zoom: 10,
    attributionControl: { compact: true },
    transformRequest: (url) => (url.startsWith(root.origin) && token() ? { url, headers: { Authorization: `Bearer ${token()}` } } : { url }) });
  app.map.on('load', async () => {
    darken(app.map);
    try {
      await load(app.root);
      const seconds = Number(params.get('tour'));
      if (seconds > 0) toggleTour(seconds);
    } catch (err) {
      showProblem(err);
    }
  });
  app.map.on('click', (ev) => {
    const level = app.state?.unit?.level ?? '';
    const id = clickLayer[level];
    const f = id && app.map.getLayer(id) && app.map.queryRenderedFeatures(ev.point, { layers: [id] })[0];
    if (f?.properties?.code) show(String(f.properties.code));
  });
  $('tour').addEventListener('click', () => toggleTour(tourTimer ? 0 : 20));
  window.addEventListener('popstate', () => load(new URLSearchParams(location.search).get('unit') ?? '').catch((err) => showProblem(err)));
}

start();
