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
// fresh as the write (min_version).
import { postJSON, problemMessage, changed, versionsText } from './edit-problem.js';

const empty = () => ({ type: 'FeatureCollection', features: [] });

export function initTools({ map, api, el, authHeaders, draw, say, reloadTiles, phase, setPhase, target, reset, loadUnit, showWarnings, dirty }) {
  const tl = { picked: [], line: null, level: null, parent: null };
  const splitBtn = el('button', { type: 'button', id: 'edit-split' }, '✂ 切分 Split');
  const mergeBtn = el('button', { type: 'button', id: 'edit-merge' }, '⊕ 合并 Merge');
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
    say('info', `Draw a line across ${target().code}: click to place points, starting and ending outside it; click the last point again or press Enter to finish.`);
  }

  // lineFinished is called when terra-draw finishes the split line.
  function lineFinished(id) {
    if (phase() !== 'splitting') return;
    const f = draw.getSnapshot().find((x) => x.id === id);
    tl.line = f?.geometry?.coordinates ?? null;
    draw.setMode('select');
    setPhase('split-confirm');
    renderSplit();
    say('info', `Check the parts' codes and names (empty: the server chooses), then confirm the split of ${target().code}.`);
  }

  function renderSplit() {
    const field = (name, label, placeholder) => el('label', {}, el('span', {}, label), el('input', { name, placeholder, spellcheck: 'false' }));
    const go = el('button', { type: 'submit', id: 'edit-split-go', class: 'primary' }, '确认切分 Split');
    if (phase() !== 'split-confirm') go.disabled = true;
    const redraw = el('button', { type: 'button', id: 'edit-split-redraw' }, '重画 Redraw line');
    redraw.addEventListener('click', () => { removeLines(); startSplit(); });
    splitForm.replaceChildren(el('h3', {}, `✂ 切分 Split ${target()?.code ?? ''}`),
      el('p', { class: 'small muted' }, 'Left and right as the line is drawn, first point to last. Leave the codes empty to keep the code for the larger part and give the other the next free code.'),
      field('left_code', '左侧编码 Left part code', 'next free / keep'),
      field('left_name', '左侧名称 Left part name', 'as the unit'),
      field('right_code', '右侧编码 Right part code', 'next free / keep'),
      field('right_name', '右侧名称 Right part name', 'as the unit'),
      el('p', { class: 'edit-row' }, go, redraw, cancelButton()));
  }

  async function split() {
    const t = target();
    if (phase() !== 'split-confirm' || !tl.line || !t) return;
    const v = (name) => splitForm.elements[name].value.trim();
    const payload = { line: { type: 'LineString', coordinates: tl.line } };
    if (v('left_code') || v('right_code')) payload.codes = [v('left_code'), v('right_code')];
    if (v('left_name') || v('right_name')) payload.names = [v('left_name'), v('right_name')];
    await send('Not split', `v1/units/${encodeURIComponent(t.code)}:split`, payload, (c) => {
      const parts = c.units.filter((u) => u.level === t.feature?.properties?.level || String(u.code).length === t.code.length);
      return { text: `Split ${t.code} into ${parts.map((u) => `${u.code} v${u.version}`).join(' and ')}${
        c.retired.length ? `; retired ${c.retired.map((r) => r.code).join(', ')}` : ''}. Versions written: ${versionsText(c)}.`, show: parts[0]?.code };
    });
  }

  // ---- merge -----------------------------------------------------------
  async function startMerge() {
    if (!ready('merge')) return;
    const t = target();
    tl.picked = [t.feature];
    tl.level = t.feature.properties.level;
    tl.parent = t.feature.properties.parent_code;
    setPhase('merging');
    draw.clear();
    renderMerge();
    say('info', `Click the ${tl.level}s to merge with ${t.code} on the map (siblings in ${tl.parent ?? 'the same parent'}, touching), or add them by code.`);
  }

  // click picks (or drops) the unit under a click while merging.
  async function click(e) {
    const layer = `${tl.level}-fill`;
    if (!map.getLayer(layer)) {
      say('error', `The map does not show ${tl.level}s: add them by code.`);
      return;
    }
    const hit = map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
    if (!hit) {
      say('info', `No ${tl.level} here.`);
      return;
    }
    await toggle(String(hit.properties.code));
  }

  async function toggle(code) {
    const i = tl.picked.findIndex((f) => f.properties.code === code);
    if (i === 0) {
      say('info', `${code} is the unit you started from; cancel to choose another.`);
      return;
    }
    if (i > 0) {
      tl.picked.splice(i, 1);
      renderMerge();
      say('info', `${code} dropped from the merge.`);
      return;
    }
    try {
      const res = await fetch(api(`v1/units/${encodeURIComponent(code)}`), { headers: { Accept: 'application/geo+json', ...authHeaders() }, cache: 'no-store' });
      const f = await res.json().catch(() => null);
      if (!res.ok) throw new Error(res.status === 404 ? `there is no current unit ${code}` : (f?.detail ?? `HTTP ${res.status}`));
      if (f.properties.level !== tl.level || f.properties.parent_code !== tl.parent) {
        say('error', `${code} cannot be merged with ${tl.picked[0].properties.code}: only siblings merge (a ${tl.level} of ${tl.parent}); ${code} is a ${f.properties.level} of ${f.properties.parent_code ?? 'no parent'}.`);
        return;
      }
      if (phase() !== 'merging') return;
      tl.picked.push(f);
      renderMerge();
      say('info', `${tl.picked.length} units picked. Pick more, or choose the code and confirm.`);
    } catch (err) {
      say('error', `Cannot add ${code}: ${err.message}`);
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
      ...[...codes].sort().map((c) => el('option', { value: c }, `${c} (keep)`)), el('option', { value: '' }, 'a new code …'));
    const newCode = el('input', { name: 'new_code', placeholder: 'new code', spellcheck: 'false', hidden: '' });
    keep.addEventListener('change', () => { newCode.hidden = keep.value !== ''; });
    const add = el('input', { name: 'add', placeholder: 'add a unit by code', spellcheck: 'false' });
    const addBtn = el('button', { type: 'button', id: 'edit-merge-add' }, 'Add');
    addBtn.addEventListener('click', () => { if (add.value.trim()) toggle(add.value.trim()); });
    const go = el('button', { type: 'submit', id: 'edit-merge-go', class: 'primary' }, `确认合并 Merge ${codes.length}`);
    go.disabled = codes.length < 2;
    mergeForm.replaceChildren(el('h3', {}, '⊕ 合并 Merge siblings'),
      el('ul', { id: 'edit-merge-list', class: 'small' }, ...tl.picked.map((f) => el('li', {}, `${f.properties.code} · ${f.properties.name ?? ''}`))),
      el('p', { class: 'edit-row' }, add, addBtn),
      el('label', {}, el('span', {}, '合并后编码 Code of the merged unit'), keep), newCode,
      el('label', {}, el('span', {}, '名称 Name'), el('input', { name: 'name', placeholder: 'as the unit that keeps its code' })),
      el('p', { class: 'edit-row' }, go, cancelButton()));
  }

  async function merge() {
    if (phase() !== 'merging' || tl.picked.length < 2) return;
    const f = mergeForm.elements;
    const codes = tl.picked.map((u) => u.properties.code);
    const code = f.code.value || f.new_code.value.trim();
    if (!code) {
      say('error', 'Give the merged unit a code: choose one of the units or type a new one.');
      return;
    }
    const payload = { codes, code };
    if (f.name.value.trim()) payload.name = f.name.value.trim();
    await send('Not merged', 'v1/units:merge', payload, (c) => ({
      text: `Merged ${codes.join(', ')} into ${code}${c.retired.length ? `; retired ${c.retired.map((r) => r.code).join(', ')}` : ''}. Versions written: ${versionsText(c)}.`,
      show: code }));
  }

  // ---- both ------------------------------------------------------------
  // send posts an edit and, on success, reloads the tiles, leaves the tool
  // and loads the unit to show.
  async function send(what, path, payload, describe) {
    const back = phase();
    setPhase('saving');
    say('info', `${what === 'Not split' ? 'Splitting' : 'Merging'} …`);
    let answer;
    try {
      answer = await postJSON(api(path), payload, authHeaders);
    } catch (err) {
      setPhase(back);
      say('error', `${what}: cannot reach the server (${err.message}). Try again.`);
      return;
    }
    const { res, body, version } = answer;
    if (!res.ok) {
      setPhase(back);
      say('error', problemMessage(what, res, body));
      return;
    }
    const c = changed(body);
    const { text, show } = describe(c);
    reloadTiles(version);
    clear();
    reset();
    if (show) await loadUnit(show);
    showWarnings(c.warnings);
    say('ok', `${text}${c.warnings.length ? ` ${c.warnings.length} warning${c.warnings.length > 1 ? 's' : ''} (below).` : ''} The map is reloading its tiles.`);
  }

  function ready(tool) {
    const t = target();
    if (!t || t.isNew || t.kind !== 'unit' || phase() !== 'editing') {
      say('error', `Load a unit first to ${tool} it.`);
      return false;
    }
    if (dirty()) {
      say('error', `Save or discard your changes to ${t.code} before you ${tool} it.`);
      return false;
    }
    return true;
  }

  function cancelButton() {
    const b = el('button', { type: 'button', class: 'edit-tool-cancel' }, '取消 Cancel');
    b.addEventListener('click', () => {
      const code = target()?.code;
      clear();
      reset();
      if (code) loadUnit(code);
      say('info', 'Cancelled.');
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
    map.getSource('edit-merge')?.setData(empty());
    splitForm.replaceChildren();
    mergeForm.replaceChildren();
  }

  // render shows the buttons and forms that fit the phase.
  function render() {
    const p = phase();
    const t = target();
    buttons.hidden = !(p === 'editing' && t && !t.isNew && t.kind === 'unit');
    splitForm.hidden = !['splitting', 'split-confirm'].includes(p) && !(p === 'saving' && tl.line);
    mergeForm.hidden = !(p === 'merging' || (p === 'saving' && tl.picked.length > 0));
  }

  return { buttons, splitForm, mergeForm, lineFinished, click, clear, render,
    hint: (p) => ({ splitting: 'Click to place the split line · click the last point again or press Enter to finish',
      'split-confirm': 'Check the parts in the panel, then confirm the split',
      merging: 'Click the siblings to merge · click a picked one again to drop it' })[p] };
}
