// Split and merge tools of edit mode (edit.js). With a unit loaded:
//
//   ✂ Split: draw a line across the unit (click to place points; click the
//   last point again or press Enter to finish), check the codes and names
//   of the two parts (empty: the server keeps the code for the larger part
//   and gives the other the next free one), confirm: POST
//   /v1/units/{code}:split. Children go to the part that covers most of them.
//
//   ⊕ Merge: click the siblings to merge with it on the map (the same level,
//   the same parent; a second click drops one) or add them by code, pick the
//   code the merged unit keeps (or give a new one), confirm: POST
//   /v1/units:merge. The server refuses units that do not touch.
//
// Each is one transaction on the server; the answer's problem+json is said
// in plain words, and after a success the map reloads its tiles at least as
// fresh as the write (min_version). Each confirmed edit carries a client_id,
// made once for it: confirming the same edit again after a lost answer (the
// network dropped, a 503) sends the same id, and the server answers what the
// first attempt did instead of refusing a split already made.
import { postJSON, problemMessage, changed, versionsText, uuid } from './edit-problem.js';
import { t } from './i18n.js';

const empty = () => ({ type: 'FeatureCollection', features: [] });

export function initTools({ map, api, el, word, authHeaders, draw, say, reloadTiles, phase, setPhase, target, reset, loadUnit, showWarnings, dirty }) {
  // sent is the edit last sent and not yet done, { key, id }: its request
  // and the client_id it went with.
  const tl = { picked: [], line: null, level: null, parent: null, sent: null };
  const splitBtn = word('button', { type: 'button', id: 'edit-split' }, 'ed.split');
  const mergeBtn = word('button', { type: 'button', id: 'edit-merge' }, 'ed.merge');
  const level = () => t(`level.${tl.level}`);
  const buttons = el('p', { class: 'edit-row', id: 'edit-tools' }, splitBtn, mergeBtn);
  const splitForm = el('form', { id: 'edit-split-form', class: 'edit-form', hidden: '' });
  const mergeForm = el('form', { id: 'edit-merge-form', class: 'edit-form', hidden: '' });

  map.addSource('edit-merge', { type: 'geojson', data: empty() });
  map.addLayer({ id: 'edit-merge-fill', type: 'fill', source: 'edit-merge', paint: { 'fill-color': '#2e7d32', 'fill-opacity': 0.25 } });
  map.addLayer({ id: 'edit-merge-line', type: 'line', source: 'edit-merge', paint: { 'line-color': '#1b5e20', 'line-width': 2.5 } });

  splitBtn.addEventListener('click', () => startSplit());
  mergeBtn.addEventListener('click', () => startMerge());
  splitForm.addEventListener('submit', (e) => { e.preventDefault(); split(); });
  mergeForm.addEventListener('submit', (e) => { e.preventDefault(); merge(); });

  // ---- split -----------------------------------------------------------
  function startSplit() {
    if (phase() !== 'split-confirm' && !ready('split')) return; // split-confirm: the line is drawn again
    tl.line = null;
    setPhase('splitting');
    draw.setMode('linestring');
    renderSplit();
    const code = target().code;
    say('info', () => t('ed.splitDraw', { code }));
  }

  // lineFinished is called when terra-draw finishes the split line.
  function lineFinished(id) {
    if (phase() !== 'splitting') return;
    const f = draw.getSnapshot().find((x) => x.id === id);
    tl.line = f?.geometry?.coordinates ?? null;
    draw.setMode('select');
    setPhase('split-confirm');
    renderSplit();
    const code = target().code;
    say('info', () => t('ed.splitCheck', { code }));
  }

  // input is a text box with a placeholder word (ph).
  const input = (name, ph, attrs = {}) => el('input', { name, placeholder: t(ph), 'data-i18n-ph': ph, spellcheck: 'false', ...attrs });

  function renderSplit() {
    const field = (name, label, ph) => el('label', {}, word('span', {}, label), input(name, ph));
    const go = word('button', { type: 'submit', id: 'edit-split-go', class: 'primary' }, 'ed.splitGo');
    if (phase() !== 'split-confirm') go.disabled = true;
    const redraw = word('button', { type: 'button', id: 'edit-split-redraw' }, 'ed.redraw');
    redraw.addEventListener('click', () => { removeLines(); startSplit(); });
    splitForm.replaceChildren(word('h3', {}, 'ed.splitTitle', { code: target()?.code ?? '' }),
      word('p', { class: 'small muted' }, 'ed.splitHelp'),
      field('left_code', 'ed.leftCode', 'ed.phNextFree'),
      field('left_name', 'ed.leftName', 'ed.phAsUnit'),
      field('right_code', 'ed.rightCode', 'ed.phNextFree'),
      field('right_name', 'ed.rightName', 'ed.phAsUnit'),
      el('p', { class: 'edit-row' }, go, redraw, cancelButton()));
  }

  async function split() {
    const tg = target();
    if (phase() !== 'split-confirm' || !tl.line || !tg) return;
    const v = (name) => splitForm.elements[name].value.trim();
    const payload = { line: { type: 'LineString', coordinates: tl.line } };
    if (v('left_code') || v('right_code')) payload.codes = [v('left_code'), v('right_code')];
    if (v('left_name') || v('right_name')) payload.names = [v('left_name'), v('right_name')];
    await send('split', `v1/units/${encodeURIComponent(tg.code)}:split`, payload, (c) => {
      const parts = c.units.filter((u) => u.level === tg.feature?.properties?.level || String(u.code).length === tg.code.length);
      return { text: () => t('ed.splitDone', { code: tg.code, parts: parts.map((u) => `${u.code} v${u.version}`).join(t('ed.and')),
        retired: retired(c), versions: versionsText(c) }), show: parts[0]?.code };
    });
  }

  // ---- merge -----------------------------------------------------------
  async function startMerge() {
    if (!ready('merge')) return;
    const tg = target();
    tl.picked = [tg.feature];
    tl.level = tg.feature.properties.level;
    tl.parent = tg.feature.properties.parent_code;
    setPhase('merging');
    draw.clear();
    renderMerge();
    say('info', () => t('ed.mergeStart', { level: level(), code: tg.code, parent: tl.parent ?? t('ed.sameParent') }));
  }

  // click picks (or drops) the unit under a click while merging.
  async function click(e) {
    const layer = `${tl.level}-fill`;
    if (!map.getLayer(layer)) {
      say('error', () => t('ed.mapNoLevel', { level: level() }));
      return;
    }
    const hit = map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    if (!hit) {
      say('info', () => t('ed.noLevelHere', { level: level() }));
      return;
    }
    await toggle(String(hit.properties.code));
  }

  async function toggle(code) {
    const i = tl.picked.findIndex((f) => f.properties.code === code);
    if (i === 0) {
      say('info', () => t('ed.startedFrom', { code }));
      return;
    }
    if (i > 0) {
      tl.picked.splice(i, 1);
      renderMerge();
      say('info', () => t('ed.dropped', { code }));
      return;
    }
    try {
      const res = await fetch(api(`v1/units/${encodeURIComponent(code)}`), { headers: { Accept: 'application/geo+json', ...authHeaders() }, cache: 'no-store' });
      const f = await res.json().catch(() => null);
      if (!res.ok) throw new Error(res.status === 404 ? t('ed.noCurrent', { kind: t('ed.kind.unit'), code }) : (f?.detail ?? `HTTP ${res.status}`));
      if (f.properties.level !== tl.level || f.properties.parent_code !== tl.parent) {
        const other = tl.picked[0].properties.code;
        say('error', () => t('ed.notSibling', { code, other, level: level(), parent: tl.parent,
          hisLevel: t(`level.${f.properties.level}`), hisParent: f.properties.parent_code ?? t('ed.noParent') }));
        return;
      }
      if (phase() !== 'merging') return;
      tl.picked.push(f);
      renderMerge();
      const n = tl.picked.length;
      say('info', () => t('ed.picked', { n }));
    } catch (err) {
      say('error', () => t('ed.cannotAdd', { code, why: err.message }));
    }
  }

  function renderMerge() {
    map.getSource('edit-merge')?.setData({ type: 'FeatureCollection', features: tl.picked });
    if (phase() !== 'merging') {
      mergeForm.replaceChildren();
      return;
    }
    const codes = tl.picked.map((f) => f.properties.code);
    const keep = el('select', { name: 'code', id: 'edit-merge-code' },
      ...[...codes].sort().map((c) => word('option', { value: c }, 'ed.keep', { code: c })), word('option', { value: '' }, 'ed.newCode'));
    const newCode = input('new_code', 'ed.phNewCode', { hidden: '' });
    keep.addEventListener('change', () => { newCode.hidden = keep.value !== ''; });
    const add = input('add', 'ed.phAdd');
    const addBtn = word('button', { type: 'button', id: 'edit-merge-add' }, 'ed.add');
    addBtn.addEventListener('click', () => { if (add.value.trim()) toggle(add.value.trim()); });
    const go = word('button', { type: 'submit', id: 'edit-merge-go', class: 'primary' }, 'ed.mergeGo', { n: codes.length });
    go.disabled = codes.length < 2;
    mergeForm.replaceChildren(word('h3', {}, 'ed.mergeTitle'),
      el('ul', { id: 'edit-merge-list', class: 'small' }, ...tl.picked.map((f) => el('li', {}, `${f.properties.code} · ${f.properties.name ?? ''}`))),
      el('p', { class: 'edit-row' }, add, addBtn),
      el('label', {}, word('span', {}, 'ed.mergedCode'), keep), newCode,
      el('label', {}, word('span', {}, 'ed.name'), input('name', 'ed.phKeepName')),
      el('p', { class: 'edit-row' }, go, cancelButton()));
  }

  async function merge() {
    if (phase() !== 'merging' || tl.picked.length < 2) return;
    const f = mergeForm.elements;
    const codes = tl.picked.map((u) => u.properties.code);
    const code = f.code.value || f.new_code.value.trim();
    if (!code) {
      say('error', () => t('ed.mergeNeedCode'));
      return;
    }
    const payload = { codes, code };
    if (f.name.value.trim()) payload.name = f.name.value.trim();
    await send('merge', 'v1/units:merge', payload, (c) => ({
      text: () => t('ed.mergeDone', { codes: codes.join(', '), code, retired: retired(c), versions: versionsText(c) }),
      show: code }));
  }

  // retired names the codes an edit retired, as a clause ("" for none).
  const retired = (c) => (c.retired.length ? t('ed.retired', { codes: c.retired.map((r) => r.code).join(', ') }) : '');

  // ---- both ------------------------------------------------------------
  // clientID is the client_id of an edit: the one it was sent with before
  // if it is the edit last sent (a retry), else a new one.
  function clientID(path, payload) {
    const key = JSON.stringify([path, payload]);
    if (tl.sent?.key !== key) tl.sent = { key, id: uuid() };
    return tl.sent.id;
  }

  // send posts an edit of tool ("split", "merge") and, on success, reloads
  // the tiles, leaves the tool and loads the unit to show. describe says
  // what was done: a function writing it, and the unit to show.
  async function send(tool, path, payload, describe) {
    const what = tool === 'split' ? 'ed.notSplit' : 'ed.notMerged';
    const back = phase();
    setPhase('saving');
    say('info', () => t(tool === 'split' ? 'ed.splitting' : 'ed.merging'));
    let answer;
    try {
      answer = await postJSON(api(path), { ...payload, client_id: clientID(path, payload) }, authHeaders);
    } catch (err) {
      setPhase(back);
      say('error', () => t('ed.toolUnreachable', { what: t(what), why: err.message }));
      return;
    }
    const { res, body, version } = answer;
    if (!res.ok) {
      setPhase(back);
      say('error', () => problemMessage(what, res, body));
      return;
    }
    const c = changed(body);
    const { text, show } = describe(c);
    reloadTiles(version);
    clear();
    reset();
    if (show) await loadUnit(show);
    showWarnings(c.warnings);
    const w = c.warnings.length;
    say('ok', () => `${text()}${w ? t('ed.warnSentence', { n: w }) : ''}${t('ed.reloading')}`);
  }

  function ready(tool) {
    const tg = target();
    const verb = () => t(tool === 'split' ? 'ed.toolSplit' : 'ed.toolMerge');
    if (!tg || tg.isNew || tg.kind !== 'unit' || phase() !== 'editing') {
      say('error', () => t('ed.loadFirst', { tool: verb() }));
      return false;
    }
    if (dirty()) {
      say('error', () => t('ed.saveFirst', { code: tg.code, tool: verb() }));
      return false;
    }
    return true;
  }

  function cancelButton() {
    const b = word('button', { type: 'button', class: 'edit-tool-cancel' }, 'ed.cancel');
    b.addEventListener('click', () => {
      const code = target()?.code;
      clear();
      reset();
      if (code) loadUnit(code);
      say('info', () => t('ed.cancelled'));
    });
    return b;
  }

  function removeLines() {
    const lines = draw.getSnapshot().filter((f) => f.geometry.type === 'LineString').map((f) => f.id);
    if (lines.length) draw.removeFeatures(lines);
  }

  function clear() {
    tl.picked = [];
    tl.line = null;
    tl.sent = null;
    map.getSource('edit-merge')?.setData(empty());
    splitForm.replaceChildren();
    mergeForm.replaceChildren();
  }

  // render shows the buttons and forms that fit the phase.
  function render() {
    const p = phase();
    const tg = target();
    buttons.hidden = !(p === 'editing' && tg && !tg.isNew && tg.kind === 'unit');
    splitForm.hidden = !['splitting', 'split-confirm'].includes(p) && !(p === 'saving' && tl.line);
    mergeForm.hidden = !(p === 'merging' || (p === 'saving' && tl.picked.length > 0));
  }

  return { buttons, splitForm, mergeForm, lineFinished, click, clear, render,
    hint: (p) => {
      const name = { splitting: 'ed.hintSplit', 'split-confirm': 'ed.hintSplitConfirm', merging: 'ed.hintMerge' }[p];
      return name && t(name);
    } };
}
