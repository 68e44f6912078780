// gridmap's big screen (指挥大屏) at /screen?unit=CODE: the map of the unit in
// the centre (gridmap's own tiles, dark), its key figures and charts from
// GET /v1/stats/overview, and a live feed from GET /v1/events that also
// moves the figures and flashes each new report on the map. Clicking a unit
// drills down; the auto tour (?tour=SECONDS or the button) cycles through
// the child units. Everything comes from this server.
import { MapLibreMap, Marker } from './vendor/maplibre-gl/maplibre-gl.mjs';
import { t, applyWords, langButton } from './i18n.js';
import { initCharts, drawCharts, clearCharts } from './screen-charts.js';
import { follow, apply, rank } from './screen-live.js';
import { reportEvents } from './screen-feed-item.js';
import { linkWatch } from './screen-link.js';
import { addToFeed, clearFeed, renderFeed } from './screen-feed.js';
import { darken, flasher, fit, scaleMap, markOverdue } from './screen-map.js';
import { legend } from './screen-legend.js';
import { drawCrumbs, relabelCrumbs } from './screen-crumbs.js';
import { tileReloader, atMostEvery } from './retile.js';
import { renderFigures, labelFigures } from './screen-figures.js';
import { caseCard } from './screen-case.js';
import { inChina, dateAndTime } from './chinatime.js';
import { api, origin, takeToken, token, askToken, getJSON, serverNow, refused, unknownUnit, overviewPath, scopeOf, problemKind }
  from './screen-api.js';
import { renderProblem } from './screen-problem.js';

const $ = (id) => document.getElementById(id);
const params = takeToken();
const clickLayer = { '': 'district-fill', district: 'street-fill', street: 'community-fill', community: 'grid-fill' };
const resyncMs = 60_000; // the server's figures replace the folded ones this often
const flushMs = 250; // events are folded and drawn at most this often
const seedCount = 8; // the latest reports a fresh feed starts with
const reloadCasesMs = 4000; // the case tiles are reloaded at most this often
const overdueMs = 30_000; // the map's "now", that cases due before are overdue by, is renewed this often

// status is the stream's state (connecting, live, reconnecting); problem,
// when set, is why no unit is shown. unit is the code on screen ("" for the
// city). scope is the unit a scoped token sees instead of the city (asked
// at start, or adopted from an overview: see load). feed keeps the events the feed shows, to write them
// again in another language; pending are the events not yet drawn.
const app = { state: null, ready: false, events: 0, stream: null, map: null, charts: null, root: params.get('unit') ?? '',
  unit: null, scope: null, status: 'connecting', problem: null, feed: [], pending: [], flashes: null, loads: 0, retries: 0,
  names: {} }; // names: the units' names the breadcrumb read, by code
window.screenApp = app; // for operators' consoles and the browser test
const link = linkWatch($('link-banner'), document.body);
app.link = link;

function render() {
  if (!app.state) return;
  renderFigures(app.state);
  drawCharts(app.charts, app.state);
}

// stateOf is the screen's state from an overview: the ranking in the
// server's order, without the unit itself (a grid is not its own child).
function stateOf(o, cats) {
  const categories = Object.fromEntries(cats.categories.map((c) => [c.code, c])); // named by categoryName (screen-live.js)
  const ranking = rank((o.ranking ?? []).filter((r) => r.code !== o.unit?.code));
  return { unit: o.unit, today: o.today, figures: o.figures, trend: o.trend, byCategory: o.by_category,
    ranking, children: o.children ?? {}, categories };
}

// load shows unit (a code, or "" for the whole city): its figures, its
// events and its place on the map. The figures do not wait for the map: a
// map that cannot load (a refused token) must not leave them blank.
async function load(want) {
  let unit = want || app.scope || ''; // a scoped token's "city" is its scope
  const n = ++app.loads; // a later load (a click, the tour) wins
  app.ready = false;
  if (unit !== app.unit) clearFeed(app);
  app.unit = unit;
  let o, cats;
  try {
    [o, cats] = await Promise.all([getJSON(overviewPath(unit)), app.categories ?? getJSON('v1/categories')]);
  } catch (err) {
    if (n === app.loads) throw unknownUnit(unit, err);
    return; // another unit is being shown by now
  }
  if (n !== app.loads) return;
  // A server from before the 404 answered an unknown unit with zeros and no name.
  if (unit && !o.unit?.name) throw unknownUnit(unit, Object.assign(new Error(`unit ${unit} does not exist`), { status: 404, field: 'unit' }));
  if (!unit && o.unit?.code) unit = adoptScope(o.unit.code);
  app.categories = cats;
  showProblem(null);
  app.mapReady.then(() => markOverdue(app.map)); // by the server's clock, now that an answer told it
  app.state = stateOf(o, cats);
  $('unit-title').textContent = o.unit?.name ?? t('city');
  document.title = `${o.unit?.name ?? t('city')} · gridmap`;
  render();
  listen(unit);
  await Promise.all([app.scopeKnown.then(() => crumbs(unit)), app.mapReady.then(() => fit(app.map, unit, getJSON)), seedFeed(unit, n)]);
  if (n === app.loads && !app.problem) app.ready = true;
}

// adoptScope takes code, the unit the server answered an overview without
// a unit for (a scoped token's scope), as the unit on screen: the map, the
// breadcrumb, the stream and the clicks must follow the figures, not show
// the city around them. It returns code.
function adoptScope(code) {
  app.scope = code;
  app.unit = code;
  if (!app.root) app.root = code; // the tour's first stop
  return code;
}

// resync replaces the folded figures with the server's, quietly (no
// blanking): time makes cases overdue and patrols send no event, so the
// fold alone drifts. A refused token shows why; other failures wait for
// the next try.
async function resync() {
  if (refused(app.problem) || app.problem?.unknownUnit !== undefined) return;
  if (app.problem || !app.state) return load(app.unit ?? app.root).catch((err) => showProblem(err));
  const unit = app.unit;
  const n = app.loads;
  try {
    const o = await getJSON(overviewPath(unit));
    if (n !== app.loads || unit !== app.unit || !app.state) return;
    app.state = stateOf(o, app.categories);
    render();
  } catch (err) {
    if (refused(err)) showProblem(err); else console.warn('resync', err);
  }
}

async function crumbs(unit) {
  await drawCrumbs($('crumbs'), app, unit, show);
  // A unit the screen may not show (outside a scoped token's area) still has
  // a name the server gives anyone: the title says it, as the breadcrumb does.
  if (app.problem?.unknownUnit === unit) renderProblem(app);
}

// listen follows the unit's events. After a reconnect the server's figures
// are read again (what happened meanwhile may not all be events).
function listen(unit) {
  stopStream();
  const q = new URLSearchParams();
  if (unit) q.set('unit', unit);
  if (token()) q.set('access_token', token());
  setStatus('connecting');
  let opened = false;
  app.stream = follow({
    url: api(`v1/events?${q}`),
    onStatus: (on) => {
      setStatus(on ? 'live' : 'connecting');
      if (!on) {
        if (opened) link.lost();
        return;
      }
      // "Reconnected, up to date" once the figures have been read again
      // (a stream opened anew by reconnect has them read there).
      const read = opened ? resync() : Promise.resolve();
      opened = true;
      app.retries = 0;
      read.then(() => { if (app.status === 'live') link.back(); });
    },
    onReset: () => load(unit).catch((err) => showProblem(err)),
    onClosed: () => reconnect(unit),
    onEvent: (e) => queue(e),
  });
}

function stopStream() {
  clearTimeout(app.retryTimer);
  app.stream?.close();
  app.stream = null;
}

// reconnect follows the stream again after EventSource gave up on it
// (readyState 2: a 401 or 403, or an answer that is not a stream), waiting
// longer each time. The overview says why: a refused token is shown.
function reconnect(unit) {
  const wait = Math.min(30_000, 1000 * 2 ** app.retries++);
  setStatus('reconnecting');
  clearTimeout(app.retryTimer);
  app.retryTimer = setTimeout(async () => {
    if (unit !== app.unit || app.problem) return;
    try {
      await getJSON(overviewPath(unit));
    } catch (err) {
      if (refused(err)) showProblem(err); else reconnect(unit);
      return;
    }
    listen(unit);
    resync();
  }, wait);
}

// queue keeps an event for the next flush: a burst (a batch upload of a
// thousand reports) is folded and drawn once, not a thousand times.
function queue(e) {
  app.events += 1;
  app.pending.push(e);
  app.flushTimer ??= setTimeout(flush, flushMs);
}

// reloadTiles reloads the boundaries' tiles (screen-map's style names them gridmap).
const reloadTiles = tileReloader(['gridmap']);
// reloadCases reloads the tiles drawn fresh (gridmap-live: the reports, their
// density and the patrols), which no data version announces: without it a
// new report was on the map only while it flashed, and a closed case kept
// its colour until the page was opened again. At most once every few
// seconds, however many reports arrive; MapLibre keeps drawing a tile until
// its new one has come, so the map does not flicker.
const reloadCases = atMostEvery(tileReloader(['gridmap-live']), reloadCasesMs);
const caseEvent = (e) => e.kind === 'report.created' || e.kind === 'report.updated' || e.kind === 'report.moved';

function flush() {
  app.flushTimer = null;
  const events = app.pending.splice(0);
  if (!app.state) return;
  const changes = new Set(events.map((e) => apply(app.state, e)));
  addToFeed(app, events);
  if (changes.has('figures')) render();
  // At the version the change was stamped with (the event's data): the
  // event may reach this screen before the node serving its tiles has
  // applied the change, and a tile drawn before it would stay.
  if (changes.has('tiles')) reloadTiles(app.map, Math.max(0, ...events.map((e) => Number(e.data?.version) || 0)));
  if (events.some(caseEvent)) reloadCases(app.map);
  app.card.follow(events); // an open case card reads its case again
  if (events.some((e) => e.kind === 'case.overdue')) markOverdue(app.map); // the map agrees with the feed at once
  if (changes.has('reload')) load(app.unit).catch((err) => showProblem(err));
  else if (changes.has('patrol')) setTimeout(resync, 2000); // patrol coverage is the server's to count
}

// seedFeed fills an empty feed with the unit's latest reports, so that a
// screen just switched on shows what happened lately instead of waiting for
// the next report; live events go on above them. They are not folded into
// the figures (the overview counted them). Without an answer the feed
// waits for live events.
async function seedFeed(unit, n) {
  const q = new URLSearchParams({ kind: 'hazard,event', limit: String(seedCount) });
  if (unit) q.set('unit', unit);
  const list = await getJSON(`v1/reports?${q}`).catch(() => null);
  if (!list || n !== app.loads || app.feed.length) return;
  app.feed = reportEvents(list.reports ?? []);
  renderFeed(app);
}

// setStatus records the stream's state and shows it.
function setStatus(kind) {
  app.status = kind;
  renderStatus();
}

// renderStatus writes #live in the current language: the stream's state,
// or, when no unit could be shown, why. data-state names it for tests.
function renderStatus() {
  const kind = app.problem ? problemKind(app.problem) : app.status;
  const live = $('live');
  live.className = `live ${{ live: 'on', connecting: 'off', reconnecting: 'off' }[kind] ?? 'err'}`;
  live.dataset.state = kind;
  live.textContent = t(kind);
}

// showProblem shows why the screen has no unit to show (err), or, with
// null, takes the message away. Figures and charts are blanked rather than
// left at zero or stale: zeros would read as a quiet unit.
function showProblem(err) {
  app.problem = err;
  $('problem').hidden = !err;
  document.body.classList.toggle('refused', refused(err));
  renderStatus();
  renderProblem(app); // also the empty feed's line, with or without a problem
  if (!err) return;
  console.warn('overview', err);
  app.ready = true; // settled, on the message
  app.state = null;
  stopStream();
  link.reset();
  clearFeed(app);
  for (const b of document.querySelectorAll('.fig b')) b.textContent = '—';
  for (const id of ['fig-open-sev', 'fig-ontime-sub', 'fig-gaps-area', 'fig-patrol-sub']) $(id).textContent = '';
  clearCharts(app.charts);
  if (refused(err)) $('token-input').focus();
  const code = err.unknownUnit;
  if (code === undefined) return;
  // The map frames what the message's button leads to: a scoped token's
  // area, not the city around it.
  app.scopeKnown.then(() => Promise.all([crumbs(code), app.scope && app.mapReady.then(() => fit(app.map, app.scope, getJSON))]))
    .catch(() => {});
}

// show drills to unit: history keeps the way back, except for the tour's
// stops (replace), which would fill it with hundreds of entries a day.
function show(unit, replace = false) {
  const q = new URLSearchParams(location.search);
  if (unit) q.set('unit', unit); else q.delete('unit');
  history[replace ? 'replaceState' : 'pushState'](null, '', `${location.pathname}${q.size ? `?${q}` : ''}`);
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
  tourTimer = setInterval(() => { i = (i + 1) % stops.length; show(stops[i], true); }, seconds * 1000);
}

function clock() {
  $('clock').textContent = inChina('zh-CN', dateAndTime).format(serverNow());
}

// startMap makes the map, drawn at the page's scale (scaleMap). Its style
// and tiles need the token too: a 401 or 403 on them shows the same message
// as one on the figures.
function startMap() {
  // The style's view until the unit is fitted (fit: its box, or the city's data).
  app.map = new MapLibreMap({ container: 'map', style: api('style.json'),
    attributionControl: { compact: true }, pixelRatio: scaleMap(null),
    transformRequest: (url) => (url.startsWith(origin) && token() ? { url, headers: { Authorization: `Bearer ${token()}` } } : { url }) });
  window.addEventListener('resize', () => scaleMap(app.map)); // a new width is a new scale
  app.flashes = flasher(app.map, Marker);
  app.mapReady = new Promise((resolve) => app.map.on('load', () => { darken(app.map); resolve(); }));
  app.legend = legend($('legend'), app.map);
  app.map.on('error', (ev) => {
    const status = ev.error?.status;
    if (status === 401 && token()) {
      // A tile's answer cannot be read: the server is asked about the
      // token, which getJSON forgets if the server says it is invalid.
      app.recheck ??= getJSON('v1/me').then(() => {}, (err) => { if (refused(err) && !refused(app.problem)) showProblem(err); })
        .finally(() => { app.recheck = null; });
    } else if ((status === 401 || status === 403) && !refused(app.problem)) {
      showProblem(Object.assign(new Error(ev.error.message ?? String(status)), { status }));
    }
  });
  app.card = caseCard(app);
  app.map.on('click', (ev) => {
    if (app.card.openAt(ev)) return; // a case point opens its card, not the unit under it
    const level = app.state?.unit?.level ?? '';
    const id = clickLayer[level];
    const f = id && app.map.getLayer(id) && app.map.queryRenderedFeatures(ev.point, { layers: [id] })[0];
    if (f?.properties?.code) show(String(f.properties.code));
  });
}

function relabel() {
  labelFigures();
  renderStatus();
  link.relabel();
  renderProblem(app);
  app.legend();
  if (app.state) {
    render();
    renderFeed(app);
    if (!app.state.unit) $('unit-title').textContent = t('city');
  }
  relabelCrumbs($('crumbs'));
  app.card.relabel();
}

async function start() {
  applyWords(document);
  labelFigures();
  renderStatus();
  langButton($('lang'), relabel);
  $('problem-city').addEventListener('click', () => show(''));
  askToken($('token-form'), $('token-input'));
  clock();
  setInterval(clock, 1000);
  app.charts = initCharts(() => render()); // a new width is a new font size
  startMap();
  $('tour').addEventListener('click', () => toggleTour(tourTimer ? 0 : 20));
  window.addEventListener('popstate', () => load(new URLSearchParams(location.search).get('unit') ?? '').catch((err) => showProblem(err)));
  setInterval(resync, resyncMs);
  setInterval(() => markOverdue(app.map), overdueMs);
  // The scope is asked beside the first overview, not before it: the
  // overview does not need it (without a unit the server answers the
  // scope's), only the breadcrumb does (the units above it are not links).
  app.scopeKnown = scopeOf().then((scope) => {
    if (scope) app.scope = scope;
    renderProblem(app); // its button says where it leads: the city or the scope
  });
  try {
    await load(app.root);
    const seconds = Number(params.get('tour'));
    if (seconds > 0) toggleTour(seconds);
  } catch (err) {
    showProblem(err);
  }
}

start();
