// Edit mode of the gridmap dashboard (编辑边界): an editor, with a token, picks
// a grid or an enclave on the map (or types any unit's or enclave's code), and
// its boundary becomes editable with terra-draw (vendor/terra-draw, MIT):
// drag a vertex to move it, drag a midpoint to add one, right-click a vertex
// to delete it. "New grid" and "New enclave" draw a polygon and ask for the
// code, name and parent (or managing unit). Saving sends the GeoJSON Feature:
// PUT with If-Match (the ETag of the version loaded) for an edit, POST for a
// new boundary. The answer's validation warnings are listed (click one to fly
// to it); a 412 means someone else saved meanwhile: their version is drawn as
// a dashed outline, with who, when and which version, and can be reloaded;
// 401, 403 and 429 get plain messages. After a save the tiles are reloaded
// (with min_version: the data version the save answered in).
//
// The topology-keeping edits live beside it: a vertex other units share is
// moved in all of them at once (edit-shared.js: POST
// /v1/boundaries:move-vertex), and the split and merge tools
// (edit-tools.js) cut a unit along a line or merge touching siblings.
//
// app.js calls initEdit once the map and its style have loaded, and asks
// busy() before handling a click itself: while a boundary is being edited
// or drawn, the map's pointer belongs to the drawing control; onToken is
// called when the token field sets or forgets a token. Its words are
// i18n.js's: fixed labels carry data-i18n (the language switch relabels
// them), the rest is written again by relabel().
import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode, TerraDrawSelectMode, ValidateNotSelfIntersecting } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from './vendor/terra-draw/terra-draw-maplibre-gl-adapter.modern.js';
import { initShared } from './edit-shared.js';
import { initTools } from './edit-tools.js';
import { t, said } from './i18n.js';

// terra-draw keeps coordinates to 9 decimals (0.1 mm). Vertices the editor
// did not move are sent back with the full precision they were loaded with,
// so shared edges with the neighbours stay exactly shared.
const PRECISION = 9;
const round = (x) => Math.round(x * 10 ** PRECISION) / 10 ** PRECISION;
const key = (c) => `${c[0]},${c[1]}`;

const enclaveStatuses = ['custodial', 'unmanaged', 'transferred'];
const writable = {
  unit: ['code', 'level', 'name', 'parent_code', 'properties'],
  enclave: ['code', 'name', 'managing_code', 'status', 'reason', 'properties'],
};
const pickLayers = ['enclave-fill', 'enclave-marker', 'grid-fill'];

export function initEdit({ map, api, el, authHeaders, reloadTiles, onToken = () => {}, clearHighlight = () => {} }) {
  // phase: off (edit mode closed) · idle (pick something) · loading ·
  // drawing (a new polygon) · editing · saving · splitting (drawing the
  // line) · split-confirm · merging (picking the siblings).
  const ed = { phase: 'off', target: null, exact: new Map(), holes: [], baseline: '', retryUntil: 0, spots: [] };
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: PRECISION, prefixId: 'gridmap-edit' }),
    modes: [
      new TerraDrawPolygonMode({
        validation: (f, { updateType }) => (updateType === 'provisional' ? { valid: true } : ValidateNotSelfIntersecting(f)),
        styles: { fillColor: '#1e88e5', fillOpacity: 0.15, outlineColor: '#1565c0', outlineWidth: 2.5,
          closingPointColor: '#ffffff', closingPointOutlineColor: '#1565c0', closingPointWidth: 6, closingPointOutlineWidth: 2.5 },
      }),
      new TerraDrawLineStringMode({ styles: { lineStringColor: '#c62828', lineStringWidth: 3, closingPointColor: '#ffffff',
        closingPointOutlineColor: '#c62828', closingPointWidth: 6, closingPointOutlineWidth: 2.5 } }),
      new TerraDrawSelectMode({
        allowManualDeselection: false,
        keyEvents: { deselect: null, delete: null, rotate: null, scale: null }, // no whole-feature delete by key
        flags: {
          polygon: {
            feature: {
              draggable: false, // vertices move, the whole boundary does not slide by accident
              validation: (f) => ValidateNotSelfIntersecting(f),
              coordinates: { draggable: true, midpoints: true, deletable: true },
            },
          },
        },
        styles: { selectedPolygonColor: '#1e88e5', selectedPolygonFillOpacity: 0.2, selectedPolygonOutlineColor: '#0d47a1',
          selectedPolygonOutlineWidth: 3, selectionPointColor: '#ffffff', selectionPointOutlineColor: '#0d47a1',
          selectionPointWidth: 6, selectionPointOutlineWidth: 2.5, midPointColor: '#bbdefb', midPointOutlineColor: '#0d47a1',
          midPointWidth: 4, midPointOutlineWidth: 1.5 },
      }),
    ],
  });
  draw.on('change', () => {
    if (ed.phase !== 'editing') return;
    renderTarget();
    shared.changing();
  });
  draw.on('finish', (id, ctx) => {
    if (ctx?.mode === 'select' && ed.phase === 'editing' && !ed.target?.isNew) shared.finished(ctx.action);
    if (ctx?.mode === 'linestring') tools.lineFinished(id);
    if (ctx?.mode !== 'polygon' || ed.phase !== 'drawing') return;
    draw.setMode('select');
    draw.selectFeature(id);
    ed.phase = 'editing';
    say('info', () => t('ed.polygonClosed'));
    render();
  });

  // ---- the panel -------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const section = $('edit');
  // word makes an element whose text is the word for name, relabelled on a language switch.
  const word = (tag, attrs, name, vars) => el(tag, { ...attrs, ...said(name, vars) }, t(name, vars));
  const toggle = el('button', { type: 'button', id: 'edit-toggle', class: 'edit-toggle', 'aria-pressed': 'false' }, t('ed.open'));
  document.querySelector('#panel header h1')?.after(toggle);
  const hint = el('div', { id: 'edit-hint', hidden: '' });
  map.getContainer().append(hint);
  const setPhase = (p) => {
    if (p === 'merging') shared.clear(); // the boundary leaves the drawing control while siblings are picked
    ed.phase = p;
    render();
  };
  const shared = initShared({ map, api, el, word, authHeaders, draw, say: (...a) => say(...a), phase: () => ed.phase, setPhase,
    exactOf: (c) => (c ? ed.exact.get(key(c)) ?? c : null), onMoved: (m) => moved(m) });
  const tools = initTools({ map, api, el, word, authHeaders, draw, say: (...a) => say(...a), reloadTiles, phase: () => ed.phase, setPhase,
    target: () => ed.target, reset: () => reset(), loadUnit: (code) => load('unit', code, { fit: true }),
    showWarnings: (w) => showWarnings(w), dirty: () => dirty() });

  const tokenInput = el('input', { type: 'password', id: 'edit-token', autocomplete: 'off', placeholder: t('ed.tokenPh'), spellcheck: 'false' });
  const codeInput = el('input', { id: 'edit-code', placeholder: '120104001001001 · E120110001', spellcheck: 'false' });
  const newForm = el('form', { id: 'edit-new', class: 'edit-form', hidden: '' });
  const saveBtn = el('button', { type: 'button', id: 'edit-save', class: 'primary' }, t('ed.save'));
  const discardBtn = word('button', { type: 'button', id: 'edit-discard' }, 'ed.discard');
  section.replaceChildren(
    word('h2', {}, 'ed.title'),
    el('form', { id: 'edit-token-form', class: 'edit-row' }, word('label', { for: 'edit-token' }, 'ed.token'), tokenInput,
      word('button', { type: 'submit' }, 'ed.use')),
    el('p', { id: 'edit-token-state', class: 'muted small' }),
    el('div', { id: 'edit-pick' },
      word('p', { class: 'small' }, 'ed.pickHelp'),
      el('form', { id: 'edit-load', class: 'edit-row' }, codeInput, word('button', { type: 'submit' }, 'ed.load')),
      el('p', { class: 'edit-row' }, word('button', { type: 'button', id: 'edit-new-grid' }, 'ed.newGrid'),
        word('button', { type: 'button', id: 'edit-new-enclave' }, 'ed.newEnclave'))),
    newForm,
    el('div', { id: 'edit-target', hidden: '' },
      el('p', { id: 'edit-title' }), el('p', { id: 'edit-help', class: 'muted small' }),
      el('p', { class: 'edit-row', id: 'edit-save-row' }, saveBtn, discardBtn), shared.option, tools.buttons),
    tools.splitForm, tools.mergeForm,
    el('div', { id: 'edit-message', role: 'status', 'aria-live': 'polite' }),
    el('div', { id: 'edit-conflict', class: 'edit-conflict', hidden: '' }),
    el('div', { id: 'edit-warnings', hidden: '' }, word('h3', {}, 'ed.warnings'), el('ul', {})));

  toggle.addEventListener('click', () => (ed.phase === 'off' ? open() : close()));
  $('edit-token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = tokenInput.value.trim();
    if (tok) sessionStorage.setItem('gridmap.token', tok); else sessionStorage.removeItem('gridmap.token');
    tokenInput.value = '';
    say(tok ? 'ok' : 'info', () => t(tok ? 'ed.tokenSet' : 'ed.tokenForgotten'));
    renderToken();
    onToken(); // the page's panels were read with the previous token
    refreshTarget();
  });
  $('edit-load').addEventListener('submit', (e) => {
    e.preventDefault();
    const code = codeInput.value.trim();
    if (code) load(/^\d+$/.test(code) ? 'unit' : 'enclave', code, { fit: true });
  });
  $('edit-new-grid').addEventListener('click', () => startNew('unit'));
  $('edit-new-enclave').addEventListener('click', () => startNew('enclave'));
  saveBtn.addEventListener('click', () => save());
  discardBtn.addEventListener('click', () => {
    if (dirty() && !confirm(t('ed.confirmDiscard'))) return;
    reset();
    say('info', () => t('ed.discarded'));
  });

  map.on('click', (e) => {
    if (ed.phase === 'merging') tools.click(e);
    if (ed.phase !== 'idle') return;
    const layers = pickLayers.filter((id) => map.getLayer(id) && map.getLayoutProperty(id, 'visibility') !== 'none');
    const hits = map.queryRenderedFeatures(e.point, { layers });
    const hit = layers.map((id) => hits.find((h) => h.layer.id === id)).find(Boolean);
    if (!hit) {
      say('info', () => t(map.getZoom() < 13 ? 'ed.zoomIn' : 'ed.nothingHere'));
      return;
    }
    const enclave = hit.sourceLayer.startsWith('enclave');
    load(enclave ? 'enclave' : 'unit', hit.properties.code, { fit: true });
  });

  // Overlays of our own: the other person's version (dashed) and the spots
  // of the warnings. terra-draw's layers go above them.
  map.addSource('edit-theirs', { type: 'geojson', data: empty() });
  map.addSource('edit-issues', { type: 'geojson', data: empty() });
  map.addLayer({ id: 'edit-theirs-fill', type: 'fill', source: 'edit-theirs', paint: { 'fill-color': '#ef6c00', 'fill-opacity': 0.08 } });
  map.addLayer({ id: 'edit-theirs-line', type: 'line', source: 'edit-theirs',
    paint: { 'line-color': '#e65100', 'line-width': 3, 'line-dasharray': [2, 1.5] } });
  map.addLayer({ id: 'edit-issues-ring', type: 'circle', source: 'edit-issues', filter: ['==', ['get', 'focus'], true],
    paint: { 'circle-radius': 18, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#d84315', 'circle-stroke-width': 3 } });
  map.addLayer({ id: 'edit-issues-dot', type: 'circle', source: 'edit-issues',
    paint: { 'circle-radius': 7, 'circle-color': '#f57c00', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });

  // ---- phases ----------------------------------------------------------
  function open() {
    if (!draw.enabled) draw.start();
    draw.setMode('select');
    ed.phase = 'idle';
    section.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    say('', '');
    render();
  }

  function close() {
    if (dirty() && !confirm(t('ed.confirmLeave'))) return;
    reset();
    if (draw.enabled) draw.stop();
    ed.phase = 'off';
    section.hidden = true;
    toggle.setAttribute('aria-pressed', 'false');
    render();
  }

  // reset drops whatever is being edited and returns to picking.
  function reset() {
    shared.clear();
    tools.clear();
    draw.clear();
    draw.setMode('select');
    Object.assign(ed, { phase: 'idle', target: null, exact: new Map(), holes: [], baseline: '' });
    showTheirs(null);
    showWarnings([]);
    render();
  }

  // getBoundary asks for the current version of a unit or an enclave, as
  // the token now set may see it.
  const getBoundary = (kind, code) => fetch(api(`v1/${kind === 'unit' ? 'units' : 'enclaves'}/${encodeURIComponent(code)}`),
    { headers: { Accept: 'application/geo+json', ...authHeaders() }, cache: 'no-store' });

  async function load(kind, code, { fit = false } = {}) {
    ed.phase = 'loading';
    say('info', () => t('ed.loading', { code }));
    render();
    try {
      const res = await getBoundary(kind, code);
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error(res.status === 404 ? t('ed.noCurrent', { kind: t(`ed.kind.${kind}`), code }) : problemText(res, body));
      edit(kind, body, res.headers.get('ETag'), { fit });
      say('info', '');
    } catch (err) {
      ed.phase = 'idle';
      say('error', () => t('ed.cannotLoad', { code, why: err.message }));
      render();
    }
  }

  // refreshTarget reads the boundary being edited again with the token now
  // set: the copy read without one lacks the personal properties (a grid
  // worker's phone), which a save sends back and would erase — the server
  // marks such a copy's ETag "-partial" and refuses it in If-Match. The
  // drawing stays; only the same version's properties and ETag are taken
  // (another version is the save's 412 to show).
  async function refreshTarget() {
    const tg = ed.target;
    if (!tg || tg.isNew) return;
    const res = await getBoundary(tg.kind, tg.code).catch(() => null);
    const version = (tag) => String(tag).replace('-partial', '');
    const tag = res?.ok ? res.headers.get('ETag') : null;
    const body = tag && version(tag) === version(tg.etag) ? await res.json().catch(() => null) : null;
    if (body && ed.target === tg) {
      tg.feature.properties = body.properties;
      tg.etag = tag;
    }
  }

  // edit puts a stored version into the drawing control, ready to change.
  function edit(kind, feature, etag, { fit = false } = {}) {
    draw.clear();
    draw.setMode('select');
    const g = feature.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    ed.exact = new Map();
    ed.holes = polygons.map((rings) => rings.slice(1)); // kept as they are; terra-draw edits outer rings
    const results = draw.addFeatures(polygons.map((rings, part) => ({
      type: 'Feature', geometry: { type: 'Polygon', coordinates: [forDraw(rings[0])] }, properties: { mode: 'polygon', part },
    })));
    const bad = results.find((r) => !r.valid);
    if (bad) throw new Error(t('ed.cannotDraw', { why: bad.reason }));
    draw.selectFeature(results[0].id);
    clearHighlight(); // the dashboard's selected/hover tint would colour the boundary being edited
    ed.target = { kind, code: feature.properties.code ?? feature.id, etag: etag ?? `"v${feature.properties.version}"`, feature, isNew: false };
    ed.baseline = JSON.stringify(geometry());
    ed.phase = 'editing';
    showTheirs(null);
    showWarnings([]);
    if (fit) fitTo(g);
    render();
    shared.load(kind, feature);
  }

  // moved takes a shared vertex's move (edit-shared.js) into the boundary
  // being edited: its new version, and the vertex at its new place in the
  // baseline, so only changes made besides it count as unsaved. null: the
  // move was refused.
  function moved(m) {
    if (!m) {
      render();
      return;
    }
    const tg = ed.target;
    const at = (c) => (c[0] === m.from[0] && c[1] === m.from[1] ? m.to : c);
    const moveIn = (g) => ({ ...g, coordinates: JSON.parse(JSON.stringify(g.coordinates), (k, v) => (Array.isArray(v) && typeof v[0] === 'number' ? at(v) : v)) });
    ed.exact.set(key(m.to), m.to);
    ed.baseline = JSON.stringify(moveIn(JSON.parse(ed.baseline)));
    const mine = m.result.units.concat(m.result.enclaves).find((x) => x.kind === tg.kind && x.code === tg.code);
    if (mine?.version) {
      tg.etag = `"v${mine.version}"`;
      tg.feature = { ...tg.feature, geometry: moveIn(tg.feature.geometry), properties: { ...tg.feature.properties, version: mine.version } };
      shared.retarget(tg.feature);
    }
    showWarnings(m.result.warnings);
    reloadTiles(m.version);
    render();
  }

  // forDraw rounds a ring for terra-draw and remembers the exact vertices.
  function forDraw(ring) {
    const out = [];
    for (const c of ring) {
      const r = [round(c[0]), round(c[1])];
      ed.exact.set(key(r), [c[0], c[1]]);
      const last = out[out.length - 1];
      if (!last || last[0] !== r[0] || last[1] !== r[1]) out.push(r);
    }
    return out;
  }

  // geometry is the boundary as drawn now, a MultiPolygon with the exact
  // coordinates of every vertex that was not moved.
  function geometry() {
    const parts = draw.getSnapshot()
      .filter((f) => f.geometry.type === 'Polygon' && f.properties.mode === 'polygon' && !f.properties.currentlyDrawing)
      .sort((a, b) => (a.properties.part ?? Infinity) - (b.properties.part ?? Infinity))
      .map((f) => [f.geometry.coordinates[0].map((c) => ed.exact.get(key(c)) ?? c),
        ...(Number.isInteger(f.properties.part) ? ed.holes[f.properties.part] ?? [] : [])]);
    return { type: 'MultiPolygon', coordinates: parts };
  }

  function dirty() {
    if (ed.phase === 'drawing') return draw.getSnapshot().some((f) => f.properties.mode === 'polygon');
    if (ed.phase !== 'editing' && ed.phase !== 'saving') return false;
    return ed.target?.isNew || JSON.stringify(geometry()) !== ed.baseline;
  }

  // ---- new boundaries --------------------------------------------------
  async function startNew(kind) {
    draw.clear();
    showTheirs(null);
    showWarnings([]);
    ed.target = { kind, code: '', etag: null, isNew: true, feature: null };
    ed.exact = new Map();
    ed.holes = [];
    ed.phase = 'drawing';
    clearHighlight();
    renderNewForm(kind);
    draw.setMode('polygon');
    say('info', () => t('ed.drawHelp'));
    render();
    if (kind === 'unit') suggestGridCode();
  }

  function renderNewForm(kind) {
    // label and placeholder are names of words; a placeholder without a word is kept as it is.
    const field = (name, label, { ph, ...attrs } = {}) => el('label', {}, word('span', {}, label),
      el('input', { name, spellcheck: 'false', ...attrs, ...(ph ? { placeholder: t(ph), 'data-i18n-ph': ph } : {}) }));
    newForm.replaceChildren(word('h3', {}, kind === 'unit' ? 'ed.newGridTitle' : 'ed.newEnclaveTitle'));
    if (kind === 'unit') {
      newForm.append(
        field('parent_code', 'ed.communityCode', { ph: 'ed.ph12digits', inputmode: 'numeric' }),
        field('code', 'ed.gridCode', { ph: 'ed.phGridCode', inputmode: 'numeric' }),
        field('name', 'ed.name', { placeholder: '…社区第N网格' }));
      newForm.elements.parent_code.addEventListener('change', () => suggestGridCode(newForm.elements.parent_code.value.trim()));
      newForm.elements.code.addEventListener('input', () => { newForm.elements.code.dataset.suggested = 'no'; });
    } else {
      const status = el('select', { name: 'status' }, ...enclaveStatuses.map((v) => word('option', { value: v }, `ed.status.${v}`)));
      newForm.append(
        field('code', 'ed.enclaveCode', { placeholder: 'E120104001' }),
        field('name', 'ed.name', {}),
        field('managing_code', 'ed.managingCode', { ph: 'ed.phManaging', inputmode: 'numeric' }),
        el('label', {}, word('span', {}, 'ed.status'), status),
        field('reason', 'ed.reason', { ph: 'ed.phReason' }));
    }
  }

  // suggestGridCode fills the community (the one under the map's centre
  // unless given) and the next free grid code in it.
  async function suggestGridCode(parent) {
    const f = newForm.elements;
    try {
      if (!parent) {
        const c = map.getCenter();
        const r = await getJSON(`v1/resolve?lng=${c.lng.toFixed(6)}&lat=${c.lat.toFixed(6)}`);
        parent = r.geographic?.community?.code ?? r.community?.code;
        if (!parent || f.parent_code.value) return;
        f.parent_code.value = parent;
      }
      const fc = await getJSON(`v1/units?level=grid&parent=${encodeURIComponent(parent)}&limit=1000`);
      const used = new Set(fc.features.map((u) => u.properties.code));
      let n = fc.features.length + 1;
      while (used.has(`${parent}${String(n).padStart(3, '0')}`)) n += 1;
      if (!f.code.value || f.code.dataset.suggested === 'yes') {
        f.code.value = `${parent}${String(n).padStart(3, '0')}`;
        f.code.dataset.suggested = 'yes';
      }
    } catch {
      // a suggestion only; the editor types the codes
    }
  }

  function newProperties() {
    const f = newForm.elements;
    const v = (name) => f[name]?.value.trim() ?? '';
    if (ed.target.kind === 'unit') return { code: v('code'), level: 'grid', name: v('name'), parent_code: v('parent_code'), properties: {} };
    return { code: v('code'), name: v('name'), managing_code: v('managing_code'), status: v('status'), reason: v('reason'), properties: {} };
  }

  // ---- saving ------------------------------------------------------------
  async function save({ over = null } = {}) {
    const tg = ed.target;
    if (!tg || ed.phase !== 'editing') return;
    if (Date.now() < ed.retryUntil) return;
    const g = geometry();
    if (g.coordinates.length === 0) {
      say('error', () => t('ed.noPolygon'));
      return;
    }
    let props;
    if (tg.isNew) {
      props = newProperties();
      if (!props.code) {
        say('error', () => t('ed.needCode'));
        newForm.elements.code.focus();
        return;
      }
      tg.code = props.code;
    } else {
      props = Object.fromEntries(writable[tg.kind].filter((k) => k in tg.feature.properties).map((k) => [k, tg.feature.properties[k]]));
    }
    const collection = tg.kind === 'unit' ? 'units' : 'enclaves';
    const headers = { 'Content-Type': 'application/geo+json', Accept: 'application/geo+json, application/problem+json', ...authHeaders() };
    if (!tg.isNew) headers['If-Match'] = over ?? tg.etag;
    const code = tg.code;
    ed.phase = 'saving';
    say('info', () => t('ed.saving', { code }));
    render();
    let res;
    let body;
    try {
      res = await fetch(api(tg.isNew ? `v1/${collection}` : `v1/${collection}/${encodeURIComponent(code)}`), {
        method: tg.isNew ? 'POST' : 'PUT', headers, body: JSON.stringify({ type: 'Feature', id: code, geometry: g, properties: props }) });
      body = await res.json().catch(() => null);
    } catch (err) {
      ed.phase = 'editing';
      say('error', () => t('ed.unreachable', { why: err.message }));
      render();
      return;
    }
    ed.phase = 'editing';
    if (res.ok) {
      const warnings = body.warnings ?? [];
      const created = tg.isNew;
      try {
        edit(tg.kind, body, res.headers.get('ETag'));
      } catch (err) {
        reset();
        say('error', () => t('ed.savedNoShow', { why: err.message }));
        reloadTiles(res.headers.get('Gridmap-Index-Version'));
        return;
      }
      showWarnings(warnings);
      const n = warnings.length;
      say('ok', () => t(created ? 'ed.created' : 'ed.saved', { code, version: body.properties.version,
        warnings: n ? t('ed.withWarnings', { n, s: n > 1 ? 's' : '' }) : '' }));
      reloadTiles(res.headers.get('Gridmap-Index-Version'));
      return;
    }
    failed(res, body);
    render();
  }

  function failed(res, body) {
    const code = ed.target.code;
    const detail = body?.detail ?? body?.title ?? `HTTP ${res.status}`;
    switch (res.status) {
      case 401:
        say('error', () => t('ed.e401', { detail }));
        tokenInput.focus();
        return;
      case 403:
        say('error', () => t('ed.e403', { code, detail }));
        return;
      case 429: {
        const secs = Math.max(1, parseInt(res.headers.get('Retry-After') ?? '1', 10) || 1);
        ed.retryUntil = Date.now() + secs * 1000;
        say('error', () => t('ed.e429', { secs }));
        setTimeout(() => { ed.retryUntil = 0; render(); }, secs * 1000);
        return;
      }
      case 412:
      case 409:
        if (body?.current) {
          showConflict(res, body);
          return;
        }
        say('error', () => (res.status === 412 ? t('ed.gone', { code, detail }) : t('ed.notSaved', { detail })));
        return;
      default:
        say('error', () => t('ed.notSaved', { detail: problemText(res, body) }), locationIn(body?.detail));
    }
  }

  // showConflict draws the version that won and offers to continue from it.
  function showConflict(res, body) {
    const cur = body.current;
    const p = cur.properties ?? {};
    const when = p.valid_from ? new Date(p.valid_from).toLocaleString() : t('ed.unknown');
    const theirEtag = res.headers.get('ETag') ?? `"v${p.version}"`;
    showTheirs(cur);
    const box = $('edit-conflict');
    const reloadBtn = word('button', { type: 'button', id: 'edit-reload-theirs', class: 'primary' }, 'ed.reloadTheirs');
    const overBtn = word('button', { type: 'button', id: 'edit-save-over' }, 'ed.saveOver');
    reloadBtn.addEventListener('click', () => {
      try {
        edit(ed.target.kind, cur, theirEtag);
        say('info', () => t('ed.loadedTheirs', { version: p.version, code: p.code }));
      } catch (err) {
        say('error', err.message);
      }
    });
    overBtn.addEventListener('click', () => save({ over: theirEtag }));
    box.replaceChildren(
      el('p', {}, res.status === 412 ? word('strong', {}, 'ed.someoneElse') : el('strong', {}, `⚠ ${body.detail ?? t('ed.conflict')}`)),
      dl([['ed.theirVersion', `v${p.version}`], ['ed.savedBy', p.created_by || t('ed.unknown')], ['ed.savedAt', when],
        ['ed.youEdited', res.status === 412 ? `v${String(ed.target.etag).replace(/\D/g, '')}` : '—']]),
      word('p', { class: 'small' }, 'ed.theirsDrawn'),
      el('p', { class: 'edit-row' }, reloadBtn, overBtn));
    box.hidden = false;
    say('error', () => t('ed.nowAt', { code: p.code, version: p.version }));
  }

  function showTheirs(feature) {
    map.getSource('edit-theirs')?.setData(feature ? { type: 'FeatureCollection', features: [feature] } : empty());
    if (!feature) {
      $('edit-conflict').hidden = true;
      $('edit-conflict').replaceChildren();
    }
  }

  function showWarnings(warnings) {
    const box = $('edit-warnings');
    const ul = box.querySelector('ul');
    ul.replaceChildren();
    const points = [];
    warnings.forEach((w, i) => {
      const loc = w.location;
      if (loc) points.push({ type: 'Feature', id: i, geometry: { type: 'Point', coordinates: loc }, properties: { i, focus: false } });
      const btn = el('button', { type: 'button', class: 'edit-warning', 'data-kind': w.kind }, el('span', { class: 'badge warn' }, w.kind), ' ', w.message);
      if (loc) btn.addEventListener('click', () => focusOn(loc, i));
      else btn.disabled = true;
      ul.append(el('li', {}, btn));
    });
    ed.spots = points;
    map.getSource('edit-issues')?.setData({ type: 'FeatureCollection', features: points });
    box.hidden = warnings.length === 0;
  }

  // focusOn flies to a spot (warning number index, or an error's) and rings it.
  function focusOn(loc, index = -1) {
    const features = ed.spots.map((f) => ({ ...f, properties: { ...f.properties, focus: f.properties.i === index } }));
    if (index < 0) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: loc }, properties: { i: -1, focus: true } });
    map.getSource('edit-issues')?.setData({ type: 'FeatureCollection', features });
    map.flyTo({ center: loc, zoom: Math.max(map.getZoom(), 16), duration: 600 });
    document.querySelectorAll('.edit-warning').forEach((b, i) => b.classList.toggle('focused', i === index));
  }

  function fitTo(g) {
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const poly of g.type === 'Polygon' ? [g.coordinates] : g.coordinates) {
      for (const [x, y] of poly[0]) { w = Math.min(w, x); s = Math.min(s, y); e = Math.max(e, x); n = Math.max(n, y); }
    }
    if (w <= e) map.fitBounds([[w, s], [e, n]], { padding: 90, maxZoom: 17, duration: 500 });
  }

  // ---- rendering -----------------------------------------------------------
  function render() {
    const on = ed.phase !== 'off';
    section.hidden = !on;
    toggle.textContent = t(on ? 'ed.close' : 'ed.open');
    $('edit-pick').hidden = !(ed.phase === 'idle' || ed.phase === 'loading');
    newForm.hidden = !(ed.target?.isNew && ['drawing', 'editing', 'saving'].includes(ed.phase));
    $('edit-target').hidden = !ed.target || !['drawing', 'editing', 'saving'].includes(ed.phase);
    renderToken();
    renderTarget();
    tools.render();
    hint.hidden = !['drawing', 'editing', 'splitting', 'split-confirm', 'merging'].includes(ed.phase);
    hint.textContent = tools.hint(ed.phase) ?? t(ed.phase === 'drawing' ? 'ed.hintDraw' : 'ed.hintEdit');
  }

  function renderToken() {
    const set = Boolean(authHeaders().Authorization);
    $('edit-token-state').replaceChildren(...(set ? [t('ed.tokenIsSet')]
      : [t('ed.tokenNeeded'), ' ', el('code', {}, 'gridmap token create --role editor …')]));
    tokenInput.placeholder = t(set ? 'ed.tokenSetPh' : 'ed.tokenPh');
  }

  function renderTarget() {
    const tg = ed.target;
    if (!tg) return;
    const p = tg.feature?.properties ?? {};
    const what = tg.kind === 'enclave' ? t('ed.kind.enclave') : t(`level.${p.level ?? 'grid'}`);
    $('edit-title').hidden = tg.isNew; // the form above names it
    $('edit-title').replaceChildren(el('strong', {}, p.name ?? tg.code), ` · ${what} · ${tg.code} · `,
      el('span', { class: 'badge', id: 'edit-version' }, `v${p.version}`));
    const parts = ed.holes.length;
    $('edit-help').textContent = ed.phase === 'drawing'
      ? t('ed.helpDraw')
      : `${t('ed.helpEdit')}${parts > 1 ? t('ed.parts', { n: parts }) : ''}`;
    const changed = dirty();
    saveBtn.disabled = ed.phase !== 'editing' || !changed || Date.now() < ed.retryUntil;
    discardBtn.disabled = ed.phase === 'saving';
    saveBtn.textContent = t(ed.phase === 'saving' ? 'ed.savingBtn' : (tg.isNew ? 'ed.create' : 'ed.save'));
    $('edit-target').dataset.dirty = String(changed);
  }

  // say shows a message. text is a string, or a function that writes it
  // in the current language: such a message is written again on a
  // language switch (relabel).
  function say(kind, text, loc = null) {
    ed.said = { kind, text, loc };
    const box = $('edit-message');
    box.className = kind ? `edit-msg ${kind}` : '';
    box.replaceChildren(typeof text === 'function' ? text() : text);
    if (loc) {
      const btn = word('button', { type: 'button', class: 'linklike' }, 'ed.showWhere');
      btn.addEventListener('click', () => focusOn(loc));
      box.append(' ', btn);
    }
  }

  // relabel writes what edit mode wrote itself again in the language now
  // chosen (the data-i18n labels are already done by then).
  function relabel() {
    render();
    if (ed.said) say(ed.said.kind, ed.said.text, ed.said.loc);
  }

  // dl lists [word name, value] rows.
  function dl(rows) {
    const d = el('dl');
    for (const [k, v] of rows) d.append(word('dt', {}, k), el('dd', {}, String(v)));
    return d;
  }

  async function getJSON(path) {
    const res = await fetch(api(path), { headers: { Accept: 'application/json', ...authHeaders() } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  }

  render();
  return {
    busy: () => ['drawing', 'editing', 'saving', 'splitting', 'split-confirm', 'merging'].includes(ed.phase),
    relabel,
    // For the browser test and operators' consoles.
    get phase() { return ed.phase; },
    get target() { return ed.target && { ...ed.target }; },
    geometry,
    draw,
    shared,
  };
}

function empty() {
  return { type: 'FeatureCollection', features: [] };
}

function problemText(res, body) {
  if (!body) return `HTTP ${res.status}`;
  return `${[body.title, body.detail].filter(Boolean).join(': ')}${body.field ? t('ed.fieldNote', { field: body.field }) : ''}`;
}

// locationIn finds "at LNG,LAT" in a problem's detail (an invalid boundary
// names the spot of the self-intersection).
function locationIn(detail) {
  const m = /at (-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)/.exec(detail ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}
