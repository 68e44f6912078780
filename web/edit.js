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
// This file holds the phases and the panel; beside it are the drawing
// control and its exact coordinates (edit-draw.js), the new boundary's form
// (edit-new.js), loading and saving a boundary (edit-save.js), what a save's
// answer shows (edit-outcome.js) and the token field, checked with the
// server as it is entered (edit-token.js). The topology-keeping edits live
// there too: a vertex other units share is moved in all of them at once
// (edit-shared.js: POST /v1/boundaries:move-vertex), and the split and
// merge tools (edit-tools.js) cut a unit along a line or merge touching
// siblings.
//
// app.js calls initEdit once the map and its style have loaded, and asks
// busy() before handling a click itself: while a boundary is being edited
// or drawn, the map's pointer belongs to the drawing control; onToken is
// called when the token field sets or forgets a token. Its words are
// i18n.js's: fixed labels carry data-i18n (the language switch relabels
// them), the rest is written again by relabel().
import './edit-words.js'; // first: what it adds is read as the modules below load
import { newDraw, key, forDraw, drawnGeometry, fitTo } from './edit-draw.js';
import { initNewForm } from './edit-new.js';
import { initOutcome } from './edit-outcome.js';
import { initSave } from './edit-save.js';
import { initShared } from './edit-shared.js';
import { initTools } from './edit-tools.js';
import { initToken } from './edit-token.js';
import { t, said } from './i18n.js';

const pickLayers = ['enclave-fill', 'enclave-marker', 'grid-fill'];

export function initEdit({ map, api, el, authHeaders, reloadTiles, onToken = () => {}, clearHighlight = () => {} }) {
  // phase: off (edit mode closed) · idle (pick something) · loading ·
  // drawing (a new polygon) · editing · saving · splitting (drawing the
  // line) · split-confirm · merging (picking the siblings).
  const ed = { phase: 'off', target: null, exact: new Map(), holes: [], baseline: '', retryUntil: 0 };
  const draw = newDraw(map);
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
  shared.option.addEventListener('change', () => render()); // the hint says what a ringed vertex does
  const tools = initTools({ map, api, el, word, authHeaders, draw, say: (...a) => say(...a), reloadTiles, phase: () => ed.phase, setPhase,
    target: () => ed.target, reset: () => reset(), loadUnit: (code) => load('unit', code, { fit: true }),
    showWarnings: (w) => showWarnings(w), dirty: () => dirty() });
  const creating = initNewForm({ map, api, el, word, authHeaders });
  const outcome = initOutcome({ map, el, word, say: (...a) => say(...a), target: () => ed.target,
    load: (cur, etag) => edit(ed.target.kind, cur, etag), saveOver: (etag) => save({ over: etag }),
    focusToken: () => token.input.focus(), holdSaves: (secs) => holdSaves(secs) });
  const { showTheirs, showWarnings, focusOn } = outcome;
  // The token field, checked with the server as it is entered (edit-token.js).
  const token = initToken({ api, el, word, say: (...a) => say(...a), onChange: () => { onToken(); refreshTarget(); } });
  // Loading and saving the boundary (edit-save.js).
  const { load, refreshTarget, save, holdSaves } = initSave({ ed, api, authHeaders, token, creating, outcome, say, render, edit, reset,
    geometry, reloadTiles });

  const codeInput = el('input', { id: 'edit-code', placeholder: '120104001001001 · E120110001', spellcheck: 'false' });
  const saveBtn = el('button', { type: 'button', id: 'edit-save', class: 'primary' }, t('ed.save'));
  const discardBtn = word('button', { type: 'button', id: 'edit-discard' }, 'ed.discard');
  section.replaceChildren(
    word('h2', {}, 'ed.title'),
    token.form,
    token.state,
    el('div', { id: 'edit-pick' },
      word('p', { class: 'small' }, 'ed.pickHelp'),
      el('form', { id: 'edit-load', class: 'edit-row' }, codeInput, word('button', { type: 'submit' }, 'ed.load')),
      el('p', { class: 'edit-row' }, word('button', { type: 'button', id: 'edit-new-grid' }, 'ed.newGrid'),
        word('button', { type: 'button', id: 'edit-new-enclave' }, 'ed.newEnclave'))),
    creating.form,
    el('div', { id: 'edit-target', hidden: '' },
      el('p', { id: 'edit-title' }), el('p', { id: 'edit-help', class: 'muted small' }),
      el('p', { class: 'edit-row', id: 'edit-save-row' }, saveBtn, discardBtn), shared.option, tools.buttons),
    tools.splitForm, tools.mergeForm,
    el('div', { id: 'edit-message', role: 'status', 'aria-live': 'polite' }),
    outcome.conflictBox,
    outcome.warningsBox);

  toggle.addEventListener('click', () => (ed.phase === 'off' ? open() : close()));
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

  // ---- phases ----------------------------------------------------------
  function open() {
    if (!draw.enabled) draw.start();
    draw.setMode('select');
    ed.phase = 'idle';
    section.hidden = false;
    toggle.setAttribute('aria-pressed', 'true');
    say('', '');
    render();
    token.check(); // a token set before (/?token=…) is told of when edit mode opens
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

  // edit puts a stored version into the drawing control, ready to change.
  function edit(kind, feature, etag, { fit = false } = {}) {
    draw.clear();
    draw.setMode('select');
    const g = feature.geometry;
    const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
    ed.exact = new Map();
    ed.holes = polygons.map((rings) => rings.slice(1)); // kept as they are; terra-draw edits outer rings
    const results = draw.addFeatures(polygons.map((rings, part) => ({
      type: 'Feature', geometry: { type: 'Polygon', coordinates: [forDraw(rings[0], ed.exact)] }, properties: { mode: 'polygon', part },
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
    if (fit) fitTo(map, g);
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

  // geometry is the boundary as drawn now, with the exact coordinates of
  // every vertex that was not moved.
  function geometry() {
    return drawnGeometry(draw, ed.exact, ed.holes);
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
    creating.show(kind);
    draw.setMode('polygon');
    say('info', () => t('ed.drawHelp'));
    render();
    if (kind === 'unit') creating.suggest();
  }

  // ---- rendering -----------------------------------------------------------
  function render() {
    const on = ed.phase !== 'off';
    section.hidden = !on;
    toggle.textContent = t(on ? 'ed.close' : 'ed.open');
    $('edit-pick').hidden = !(ed.phase === 'idle' || ed.phase === 'loading');
    creating.form.hidden = !(ed.target?.isNew && ['drawing', 'editing', 'saving'].includes(ed.phase));
    $('edit-target').hidden = !ed.target || !['drawing', 'editing', 'saving'].includes(ed.phase);
    token.render();
    renderTarget();
    tools.render();
    hint.hidden = !['drawing', 'editing', 'splitting', 'split-confirm', 'merging'].includes(ed.phase);
    const editHint = shared.together ? 'ed.hintEdit' : 'ed.hintEditAlone'; // the box decides what a ringed vertex does
    hint.textContent = tools.hint(ed.phase) ?? t(ed.phase === 'drawing' ? 'ed.hintDraw' : editHint);
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
    outcome.relabel();
    if (ed.said) say(ed.said.kind, ed.said.text, ed.said.loc);
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
