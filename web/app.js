// gridmap dashboard (GIS console): the vector tiles of /style.json on MapLibre
// GL JS, with layer toggles, a legend, the unit under a click in the panel
// (panel.js: its chain, each unit of it a link that selects it, its version
// and properties, read again after an edit) and in a popup on the map, the
// resolver's answer for the clicked point, and the open hazards per unit.
// Chinese by default, English with the EN button (i18n.js). Everything
// comes from this server; no base map. Editing boundaries (edit mode) lives
// in edit.js; this file only hooks it in. The big screen is /screen.
import { MapLibreMap, NavigationControl, ScaleControl, Popup } from './vendor/maplibre-gl/maplibre-gl.mjs';
import { initEdit } from './edit.js';
import { initAudit } from './audit.js';
import { initImport } from './import.js';
import { initPanel, levelNames, enclaveStatus, word } from './panel.js';
import { t, lang, locale, applyWords, langButton } from './i18n.js';
import { tileReloader } from './retile.js';
import { el } from './dom.js';
import { initView, addressed } from './view.js';
import { refusalText } from './refusal.js';
import { inChina } from './chinatime.js';
import { whoami } from './me.js';

const root = new URL('.', document.baseURI);
const api = (path) => new URL(path, root).href;
const $ = (id) => document.getElementById(id);

// Click priority: the finest unit under the pointer answers.
const clickable = ['enclave-fill', 'grid-fill', 'community-fill', 'street-fill', 'district-fill'];
// Words of the map, each [Chinese, English] (the rest is in i18n.js and panel.js).
const statusNames = { managed: ['有网格管理', 'managed'], unmanaged: ['失管（无网格）', 'unmanaged (no grid)'],
  enclave: ['飞地', 'enclave'], outside: ['辖区外', 'outside'] };
const legend = [
  ['swatch', '#f6f1e3', '#1f2d3a', ['区（底图）', 'district (base)']],
  ['swatch', 'transparent', '#35506b', ['街道', 'street']],
  ['swatch', 'transparent', '#4f6f8f', ['社区（虚线）', 'community (dashed)']],
  ['swatch', 'transparent', '#7b8fa3', ['网格', 'grid']],
  ['swatch', 'rgba(216,27,96,.35)', '#ad1457', ['飞地', 'enclave']],
  ['swatch', 'rgba(126,87,194,.6)', '#4527a0', ['失管区域', 'unmanaged gap'], 'gap'],
  ['swatch', 'rgba(251,140,0,.72)', '#bf360c', ['隐患密度（z≤13，每格件数）', 'hazards per cell (z≤13)'], 'report_hex'],
  ['swatch', 'transparent', '#1e88e5', ['巡查轨迹', 'patrol track'], 'patrol'],
  ['dot', '#43a047', null, ['隐患 · 简易', 'hazard · severity 1'], 'report'],
  ['dot', '#fbc02d', null, ['一般', 'severity 2'], 'report'],
  ['dot', '#f4511e', null, ['突出', 'severity 3'], 'report'],
  ['dot', '#b71c1c', null, ['重大（淡色：已结案）', 'severity 4 (faded: closed)'], 'report'],
];
// Catalog titles are "中文 English": the part in the chosen language.
const half = (title) => {
  const i = title.search(/[A-Za-z]/);
  if (i <= 0) return title;
  return lang() === 'en' ? title.slice(i) : title.slice(0, i).trim();
};

const state = { catalog: null, selected: null, hovered: null, versions: '' };
let editor = null; // edit mode (edit.js), once the map has loaded
let importer = null; // importing files (import.js), likewise

// A server that does not serve reads publicly needs a token: open the page
// once as /?token=… and it is kept for the browser session (not in the URL).
// Edit mode's token field sets the same entry.
const params = new URLSearchParams(location.search);
if (params.has('token')) {
  sessionStorage.setItem('gridmap.token', params.get('token'));
  params.delete('token');
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
}
function authHeaders() {
  const token = sessionStorage.getItem('gridmap.token');
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function getJSON(path) {
  const res = await fetch(api(path), { headers: { Accept: 'application/json', ...authHeaders() } });
  if (res.status === 401) { // which token problem it is, when the server says (refusal.js)
    const why = refusalText(await res.json().catch(() => null));
    throw Object.assign(new Error(why || t('needToken')), { status: 401 });
  }
  if (!res.ok) throw Object.assign(new Error(`${path}: ${res.status}`), { status: res.status });
  return res.json();
}

function setStatus(text, error = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', error);
}

// A narrow screen (app.css has the same width): see setPanel.
const narrow = matchMedia('(max-width: 700px)');
// Where it opens is the data's (view.js): the style's view until then.
const there = addressed();
const map = new MapLibreMap({
  container: 'map',
  style: api('style.json'),
  hash: true,
  attributionControl: { compact: narrow.matches }, // on a phone the full line would cover the bottom of the map
  // The token goes with every request to this server (tiles, TileJSON), never elsewhere.
  transformRequest: (url) => (url.startsWith(root.origin) ? { url, headers: authHeaders() } : { url }),
});
map.addControl(new NavigationControl(), 'top-right');
map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-right');
const view = initView({ map, api, getJSON, token: () => sessionStorage.getItem('gridmap.token'), there });
const audit = initAudit({ map, getJSON, el });
const panel = initPanel({ el, api, getJSON, audit, signedIn: () => signedIn(), select, loadHazards });
window.gridmap = { map, state, loadHazards, select, panel, view }; // for operators' consoles and the browser test
const signedIn = () => !!sessionStorage.getItem('gridmap.token');
let popup = null;
applyWords(document);
setStatus(t('loading'));
renderCoarseNote();
langButton($('lang'), () => {
  renderCoarseNote();
  editor?.relabel();
  importer?.relabel();
  relabelPanelToggle();
  if (!state.catalog) return;
  renderLayerToggles();
  renderLegend();
  setStatus(t('ready'));
  if (state.clicked) showClick(state.clicked);
  loadHazards(state.hazardUnit ?? null);
});

// On a narrow screen (a phone) the panel is a drawer over the map, closed
// at first: the ☰ button opens it, the button or a tap on the map closes
// it. On a wide screen it is always open and the button is hidden (CSS).
function setPanel(open) {
  document.body.classList.toggle('panel-open', open);
  $('panel-toggle').setAttribute('aria-expanded', String(open));
  relabelPanelToggle();
}
function relabelPanelToggle() {
  const open = document.body.classList.contains('panel-open');
  $('panel-toggle').textContent = open ? '✕' : '☰';
  $('panel-toggle').title = t(open ? 'panelClose' : 'panelOpen');
  $('panel-toggle').setAttribute('aria-label', $('panel-toggle').title);
}
$('panel-toggle').addEventListener('click', () => setPanel(!document.body.classList.contains('panel-open')));
map.on('click', () => { if (narrow.matches) setPanel(false); });
setPanel(false);

map.on('load', async () => {
  try {
    await view.placed; // the first view is set before the catalog says the console is ready
    state.catalog = await getJSON('tiles/catalog');
    state.versions = JSON.stringify(state.catalog.versions);
    renderLayerToggles();
    renderLegend();
    setStatus(t('ready'));
    loadHazards(null);
    setInterval(() => refreshIfChanged(), 10000);
    editor = initEdit({ map, api, el, authHeaders, reloadTiles: edited,
      onToken: () => { refreshPanel(); reloadTiles(); importer?.refresh(); renderCoarseNote(); }, // report dots: rounded for an anonymous reader, exact with a token
      clearHighlight: () => {
        mark(state.selected, 'selected', false);
        mark(state.hovered, 'hover', false);
        state.selected = state.hovered = null;
      } });
    window.gridmap.editor = editor;
    importer = initImport({ map, api, el, authHeaders, reloadTiles: edited });
    window.gridmap.importer = importer;
  } catch (err) {
    setStatus(`${t('catalogFailed')}: ${err.message}`, true);
  }
});
map.on('error', (e) => setStatus(`${t('mapError')}: ${e.error?.message ?? e}`, true));

function styleLayersOf(tileLayer) {
  return map.getStyle().layers.filter((l) => l.metadata?.['gridmap:layer'] === tileLayer).map((l) => l.id);
}

// Layers off until ticked: the hazard density's cells would cover the
// boundaries of the first view, which GIS staff come for (the wall screen
// draws them; here the hazards are the points from z14, and the list).
const offAtFirst = new Set(['report_hex']);

function renderLayerToggles() {
  const ul = $('layers');
  ul.replaceChildren();
  for (const layer of state.catalog.layers) {
    const ids = styleLayersOf(layer.name);
    if (ids.length === 0) continue;
    const box = el('input', { type: 'checkbox', 'data-layer': layer.name });
    const show = () => { for (const id of ids) map.setLayoutProperty(id, 'visibility', box.checked ? 'visible' : 'none'); };
    state.shown ??= Object.fromEntries(state.catalog.layers.map((l) => [l.name, !offAtFirst.has(l.name)]));
    box.checked = state.shown[layer.name] ?? true;
    show();
    box.addEventListener('change', () => { state.shown[layer.name] = box.checked; show(); });
    ul.append(el('li', {}, el('label', { title: layer.description }, box, half(layer.title),
      el('span', { class: 'muted' }, ` z${layer.minzoom}+`))));
  }
}

function renderLegend() {
  const have = new Set(state.catalog.layers.map((l) => l.name));
  const ul = $('legend');
  ul.replaceChildren();
  for (const [kind, fill, stroke, label, needs] of legend) {
    if (needs && !have.has(needs)) continue;
    const style = kind === 'dot' ? `background:${fill}` : `background:${fill};border:2px solid ${stroke}`;
    ul.append(el('li', {}, el('span', { class: kind, style }), word(label)));
  }
}

// Feature-state highlights the selected and hovered units.
function mark(target, key, on) {
  if (target) map.setFeatureState(target, { [key]: on });
}

function targetOf(f) {
  return { source: f.source, sourceLayer: f.sourceLayer, id: f.id };
}

map.on('mousemove', (e) => {
  if (editor?.busy()) return; // the drawing control owns the pointer
  const f = map.queryRenderedFeatures(e.point, { layers: ['grid-fill'].filter((id) => map.getLayer(id)) })[0];
  mark(state.hovered, 'hover', false);
  state.hovered = f ? targetOf(f) : null;
  mark(state.hovered, 'hover', true);
  map.getCanvas().style.cursor = f ? 'pointer' : '';
});

map.on('click', async (e) => {
  if (editor?.busy()) return;
  const layers = clickable.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
  const hits = map.queryRenderedFeatures(e.point, { layers });
  const f = layers.map((id) => hits.find((h) => h.layer.id === id)).find(Boolean);
  mark(state.selected, 'selected', false);
  state.selected = f ? targetOf(f) : null;
  mark(state.selected, 'selected', true);
  state.clicked = { f, lngLat: e.lngLat };
  await showClick(state.clicked);
});

// showClick fills the panel and the popup for a click: the unit under it
// and who answers for the point. A unit picked by code (a link of the
// chain) has no point: no popup, no answer.
async function showClick({ f, lngLat }) {
  popup?.remove();
  popup = null;
  $('answer').hidden = !lngLat;
  if (!lngLat) return panel.show(f);
  const body = el('div', { class: 'popup' }, f ? el('strong', {}, f.properties.name) : null,
    f ? el('span', { class: 'muted' }, ` · ${f.sourceLayer === 'enclave' ? t('enclave') : word(levelNames[f.properties.level], f.properties.level)}`) : null);
  popup = new Popup({ closeButton: true, maxWidth: '320px' }).setLngLat(lngLat).setDOMContent(body).addTo(map);
  const [, r] = await Promise.all([panel.show(f), showResolution(lngLat)]);
  if (r) {
    body.append(el('div', { class: 'who' }, `${t('responsible')}${t('colon')}${r.responsible?.name ?? '—'}`,
      el('span', { class: `badge ${r.status}` }, word(statusNames[r.status], r.status))));
  }
}

// select selects a unit known by its code (a link of the panel's chain),
// as a click on it would: its panel, and its highlight on the map — the
// tiles' feature id, which is the code of a unit without leading zeros
// (gridmap_tile_fid, migration 022) when none of it is loaded yet.
function select({ code, name, level }) {
  const layer = level === 'microgrid' ? 'grid' : level;
  const loaded = map.getSource('gridmap') ? map.querySourceFeatures('gridmap', { sourceLayer: layer, filter: ['==', ['get', 'code'], code] })[0] : null;
  const id = loaded?.id ?? (/^[1-9]\d{0,14}$/.test(code) ? Number(code) : null);
  const f = { source: 'gridmap', sourceLayer: layer, id, properties: { ...loaded?.properties, code, name: name ?? loaded?.properties.name, level } };
  mark(state.selected, 'selected', false);
  state.selected = id === null ? null : targetOf(f);
  mark(state.selected, 'selected', true);
  state.clicked = { f, lngLat: null };
  return showClick(state.clicked);
}

// refreshPanel fetches the clicked unit and the hazards again: what they
// show depends on the token (phone numbers, a scoped token's cases), so a
// token set or forgotten in edit mode must not leave the last answer up.
// (The tiles depend on it too: onToken reloads them.)
function refreshPanel() {
  if (state.clicked?.f) panel.show(state.clicked.f, { quiet: true });
  else if (state.catalog) loadHazards(state.hazardUnit ?? null);
}

// renderCoarseNote says, under the status line, how exact the hazards and
// patrols drawn are: without a token the server rounds report points to
// 0.002° (about 200 m) and snaps patrol tracks to the same grid
// (tiles/filter.go, access.Coarse); a scoped token sees its own units'
// exact, and others' rounded.
async function renderCoarseNote() {
  const box = $('coarse-note');
  const tok = sessionStorage.getItem('gridmap.token');
  const me = tok ? (await whoami(api, tok)).me : null;
  if (tok !== sessionStorage.getItem('gridmap.token')) return; // another token since
  box.hidden = Boolean(tok) && !me?.scope;
  box.dataset.kind = tok ? 'scoped' : 'anonymous';
  box.textContent = tok ? t('coarseNoteScoped', { scope: me?.unit?.name ?? me?.scope ?? '' }) : t('coarseNote');
}

function dl(rows) {
  const d = el('dl');
  for (const [k, v] of rows) {
    if (v === undefined || v === null || v === '') continue;
    d.append(el('dt', {}, k), el('dd', {}, String(v)));
  }
  return d;
}

async function showResolution(ll) {
  $('answer').hidden = false;
  const box = $('resolve');
  try {
    const r = await getJSON(`v1/resolve?lng=${ll.lng.toFixed(6)}&lat=${ll.lat.toFixed(6)}`);
    const who = r.responsible ? `${r.responsible.name} (${word(levelNames[r.responsible.level], r.responsible.level)} ${r.responsible.code})` : '—';
    const chain = ['district', 'street', 'community', 'grid'].map((k) => r[k]).filter(Boolean);
    box.replaceChildren(
      el('p', {}, el('span', { class: `badge ${r.status}` }, word(statusNames[r.status], r.status)), ` ${ll.lng.toFixed(5)}, ${ll.lat.toFixed(5)}`),
      dl([[t('responsible'), who], [t('enclave'), r.enclave ? `${r.enclave.name} (${word(enclaveStatus[r.enclave.status], r.enclave.status)})` : ''],
        [t('conflicts'), (r.conflicts ?? []).map((c) => c.name).join(', ')]]),
      el('ul', { class: 'chain' }, ...chain.map((u) => el('li', {}, panel.link(u)))));
    return r;
  } catch (err) {
    box.replaceChildren(el('p', { class: 'muted' }, `${t('noAnswer')}: ${err.message}`));
    return null;
  }
}

// Open hazards of the units below code (before any click, below the unit
// the console opened on: a scoped token's own, else the data's district —
// view.js — else the whole city), over the longest period the statistics
// allow; note introduces the unit (an enclave's managing unit).
async function loadHazards(code, note = '') {
  state.hazardUnit = code;
  const box = $('hazards');
  const from = new Date(Date.now() - 1090 * 86400e3).toISOString().slice(0, 10);
  const stats = (unit) => getJSON(`v1/stats?${unit ? `unit=${unit}&` : ''}from=${from}`);
  try {
    const unit = code ?? (await view.home())?.code ?? '';
    if (state.hazardUnit !== code) return; // a later click won
    const s = await stats(unit).catch((err) => {
      if (code == null && err.status === 403) return stats(''); // the server answers the token's scope
      throw err;
    });
    if (state.hazardUnit !== code) return; // a later click won
    const rows = (s.units ?? []).filter((u) => u.open > 0).sort((a, b) => b.open - a.open).slice(0, 12);
    box.replaceChildren(
      el('p', { 'data-unit': s.unit?.code ?? '' }, note, `${s.unit?.name ?? t('city')}${t('colon')}`, el('strong', {}, String(s.totals?.open ?? 0)), ` ${t('open')}`,
        s.totals?.overdue_open ? `${t('comma')}${s.totals.overdue_open} ${t('overdue')}` : ''),
      el('table', {}, ...rows.map((u) => el('tr', {}, el('td', {}, u.name || u.code), el('td', { class: 'n' }, String(u.open))))));
  } catch (err) {
    if (state.hazardUnit !== code) return;
    const why = { 401: err.message, 403: t('statsForbidden') }[err.status] ?? t('noStats');
    box.replaceChildren(el('p', { class: 'muted' }, why));
  }
}

// edited follows an edit or an import made here (edit mode and the import
// panel call it once the server has made it, with the data version it
// answered): the tiles are reloaded, and the unit shown is read again — the
// edit may have changed it, as its own edit or as a neighbour of a vertex
// moved, a merge or a split.
function edited(minVersion) {
  refreshIfChanged(true, minVersion);
  panel.reread();
}

// The tiles are cached by data version on the server; when the catalog's
// versions move (someone edited), reload them; force reloads them anyway
// (edit mode, after a save, passing the version the save made).
async function refreshIfChanged(force = false, minVersion = null) {
  if (force) reloadTiles(minVersion);
  try {
    const cat = await getJSON('tiles/catalog');
    const v = JSON.stringify(cat.versions);
    if (v === state.versions) return;
    const seen = state.versions;
    state.versions = v;
    if (seen === undefined || force) return; // first look, or reloaded above
    reloadTiles();
    panel.reread(); // someone else's edit may have changed the unit shown
    setStatus(`${t('dataChanged')} ${inChina(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date())}`);
  } catch (err) {
    setStatus(`${t('unreachable')}: ${err.message}`, true);
  }
}

// reloadTiles makes MapLibre request every tile again (after an edit saved
// here, with the version it answered, or one seen in the catalog). Both
// sources: the boundaries (cached by the server) and the layers it draws
// fresh (reports, whose dots a token makes exact).
function reloadTiles(minVersion = null) {
  reloadBoth(map, minVersion);
}
const reloadBoth = tileReloader(['gridmap', 'gridmap-live']);
