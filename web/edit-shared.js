// Shared vertices in edit mode (edit.js): the corner three grids share is
// one point in three boundaries (and in the community, street and district
// boundaries that have it). When a unit is loaded for editing, the units
// and enclaves around it are read with full precision and every vertex it
// shares exactly with them is ringed on the map; hovering or dragging one
// says how many units share it ("shared by 4 units"), and while it is
// dragged the neighbours' outlines follow. On release, with "move shared
// vertices together" on (the default), the move is sent at once as
// POST /v1/boundaries:move-vertex, which moves it in every current unit and
// enclave that has it, in one transaction; on a refusal the vertex goes
// back where it was and the problem is said. A vertex nobody else has is
// edited as before and saved with the unit (PUT).
import { postJSON, problemMessage, changed, versionsText, uuid } from './edit-problem.js';
import { t } from './i18n.js';

const vkey = (c) => `${c[0]},${c[1]}`;
// MOVE_RETRY_MS: the waits before sending a move again that got no answer.
const MOVE_RETRY_MS = [500, 2000];
const empty = () => ({ type: 'FeatureCollection', features: [] });

export function initShared({ map, api, el, word, authHeaders, draw, say, exactOf, onMoved, phase, setPhase }) {
  // owners: exact vertex key → the boundaries that have it ({kind, code, level});
  // around: the neighbours' features (exact); settled: draw feature id → its
  // ring as terra-draw held it after the last finished change.
  const st = { target: null, owners: new Map(), around: [], settled: new Map(), dragging: null, seq: 0 };
  const tag = el('div', { id: 'edit-share-tag', hidden: '' });
  map.getContainer().append(tag);
  const together = el('input', { type: 'checkbox', id: 'edit-keep-shared', checked: '' });
  const option = el('label', { class: 'small edit-check' }, together, ' ', word('span', {}, 'ed.together'));

  map.addSource('edit-around', { type: 'geojson', data: empty() });
  map.addSource('edit-shared', { type: 'geojson', data: empty() });
  map.addLayer({ id: 'edit-around-line', type: 'line', source: 'edit-around',
    paint: { 'line-color': '#6a1b9a', 'line-width': 2, 'line-dasharray': [3, 2], 'line-opacity': 0.85 } });
  map.addLayer({ id: 'edit-shared-ring', type: 'circle', source: 'edit-shared',
    paint: { 'circle-radius': ['+', 5, ['*', 1.5, ['get', 'count']]], 'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': '#6a1b9a', 'circle-stroke-width': 2.5 } });

  // load reads the boundaries around a loaded unit or enclave (feature, exact).
  async function load(kind, feature) {
    const seq = ++st.seq;
    st.target = { kind, code: String(feature.properties?.code ?? feature.id), feature };
    st.owners = new Map();
    st.around = [];
    settle();
    redraw();
    const b = bounds(feature.geometry);
    if (!b) return;
    const box = `${b[0]},${b[1]},${b[2]},${b[3]}`;
    try {
      const [units, enclaves] = await Promise.all([list(`v1/units?bbox=${box}&limit=1000`), list(`v1/enclaves?bbox=${box}&limit=1000`)]);
      if (seq !== st.seq) return; // another boundary was loaded meanwhile
      const all = [...units.map((f) => ({ kind: 'unit', f })), ...enclaves.map((f) => ({ kind: 'enclave', f }))];
      for (const { kind: k, f } of all) {
        const code = String(f.properties?.code ?? f.id);
        for (const c of vertices(f.geometry)) {
          const o = st.owners.get(vkey(c)) ?? [];
          if (!o.some((x) => x.kind === k && x.code === code)) o.push({ kind: k, code, level: f.properties?.level });
          st.owners.set(vkey(c), o);
        }
      }
      const mine = new Set(vertices(feature.geometry).map(vkey));
      st.around = all.filter(({ kind: k, f }) => !(k === kind && String(f.properties?.code ?? f.id) === st.target.code)
        && vertices(f.geometry).some((c) => mine.has(vkey(c))))
        .map(({ kind: k, f }) => ({ type: 'Feature', geometry: f.geometry, properties: { kind: k, code: String(f.properties?.code ?? f.id) } }));
      redraw();
    } catch (err) {
      const code = st.target?.code;
      say('error', () => t('ed.aroundFailed', { code, why: err.message }));
    }
  }

  function clear() {
    st.seq += 1;
    st.target = null;
    st.owners = new Map();
    st.around = [];
    st.settled = new Map();
    st.dragging = null;
    tag.hidden = true;
    redraw();
  }

  async function list(path) {
    const res = await fetch(api(path), { headers: { Accept: 'application/geo+json', ...authHeaders() }, cache: 'no-store' });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return (await res.json()).features ?? [];
  }

  // sharers lists the boundaries that have the exact vertex c.
  const sharers = (c) => (c ? st.owners.get(vkey(c)) ?? [] : []);

  function describe(owners) {
    const byLevel = {};
    for (const o of owners) {
      const w = o.kind === 'enclave' ? 'ed.kind.enclave' : o.level ? `level.${o.level}` : 'ed.kind.unit';
      byLevel[w] = (byLevel[w] ?? 0) + 1;
    }
    const parts = Object.entries(byLevel).map(([w, n]) => t('ed.countOf', { n, what: t(w) }));
    return t('ed.sharedBy', { n: owners.length, parts: parts.join(', ') });
  }

  // settle remembers the drawing as it is now: the next drag is told from it.
  function settle() {
    st.settled = new Map(rings().map((f) => [f.id, f.ring.map((c) => [...c])]));
  }

  function rings() {
    return draw.getSnapshot().filter((f) => f.geometry.type === 'Polygon' && f.properties.mode === 'polygon')
      .map((f) => ({ id: f.id, ring: f.geometry.coordinates[0] }));
  }

  // moved finds the one vertex a drag moved: its feature, index, where it
  // was (as drawn) and where it is.
  function moved() {
    for (const { id, ring } of rings()) {
      const was = st.settled.get(id);
      if (!was || was.length !== ring.length) continue;
      const i = ring.findIndex((c, j) => c[0] !== was[j][0] || c[1] !== was[j][1]);
      if (i >= 0) return { id, index: i, was: was[i], now: ring[i] };
    }
    return null;
  }

  // changing is called on every change of the drawing while editing: a
  // shared vertex being dragged takes the neighbours' outlines along.
  function changing() {
    if (!st.target || phase() !== 'editing') return;
    const m = moved();
    const exact = m && exactOf(m.was);
    const owners = sharers(exact);
    if (!m || owners.length < 2) {
      if (st.dragging) redraw();
      st.dragging = null;
      return;
    }
    st.dragging = { ...m, from: exact, owners };
    redraw(exact, m.now);
    showTag(m.now, owners);
  }

  // finished is called when terra-draw finishes a change of the drawing.
  async function finished(action) {
    if (!st.target) return;
    const drag = st.dragging;
    st.dragging = null;
    if (action !== 'dragCoordinate' || !drag || !together.checked) {
      settle();
      redraw();
      tag.hidden = true;
      return;
    }
    await move(drag);
  }

  async function move(drag) {
    const to = [drag.now[0], drag.now[1]];
    const n = drag.owners.length;
    setPhase('saving');
    say('info', () => t('ed.moving', { n }));
    const answer = await sendMove({ from: drag.from, to, client_id: uuid() });
    setPhase('editing');
    tag.hidden = true;
    const { res, body, version } = answer;
    if (!res || !res.ok) {
      draw.updateFeatureGeometry(drag.id, { type: 'Polygon', coordinates: [st.settled.get(drag.id)] });
      redraw();
      say('error', () => (res ? problemMessage('ed.notMoved', res, body) : t('ed.moveUnreachable', { why: answer.error.message })));
      onMoved(null);
      return;
    }
    const c = changed(body);
    settle();
    onMoved({ from: drag.from, to, result: c, version });
    const count = c.units.length + c.enclaves.length;
    const w = c.warnings.length;
    say('ok', () => t('ed.movedIn', { n: count, versions: versionsText(c),
      warnings: w ? t('ed.warnTail', { n: w }) : '' }));
    if (st.target) load(st.target.kind, st.target.feature); // read the neighbours' new versions
  }

  // sendMove posts a move, and again with the same client_id when no answer
  // came (the network failed): the move may have been made and its answer
  // lost, and a retry with its client_id is answered as it was, so the
  // console never shows the vertex back where the server no longer has it.
  async function sendMove(payload) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await postJSON(api('v1/boundaries:move-vertex'), payload, authHeaders);
      } catch (err) {
        if (attempt >= MOVE_RETRY_MS.length) return { res: null, error: err };
        await new Promise((ok) => setTimeout(ok, MOVE_RETRY_MS[attempt]));
      }
    }
  }

  // hover shows the tag beside a shared vertex of the edited boundary.
  function hover(e) {
    if (!st.target || phase() !== 'editing' || st.dragging) return;
    let best = null;
    for (const { ring } of rings()) {
      for (const c of ring) {
        const p = map.project(c);
        const d = Math.hypot(p.x - e.point.x, p.y - e.point.y);
        if (d < 14 && (!best || d < best.d)) best = { c, d };
      }
    }
    const owners = best ? sharers(exactOf(best.c)) : [];
    if (owners.length < 2) {
      tag.hidden = true;
      return;
    }
    showTag(best.c, owners);
  }

  function showTag(c, owners) {
    const p = map.project(c);
    tag.textContent = describe(owners);
    tag.style.left = `${p.x + 14}px`;
    tag.style.top = `${p.y - 30}px`;
    tag.hidden = false;
  }

  // redraw draws the neighbours and the shared vertices; while a drag is
  // on, the vertex at from is drawn at to.
  function redraw(from = null, to = null) {
    const at = (c) => (from && c[0] === from[0] && c[1] === from[1] ? to : c);
    const around = st.around.map((f) => ({ ...f, geometry: mapCoords(f.geometry, at) }));
    st.drawn = around;
    map.getSource('edit-around')?.setData({ type: 'FeatureCollection', features: around });
    const dots = [];
    if (st.target) {
      const seen = new Set();
      for (const c of vertices(st.target.feature.geometry)) {
        const n = sharers(c).length;
        if (n < 2 || seen.has(vkey(c))) continue;
        seen.add(vkey(c));
        dots.push({ type: 'Feature', geometry: { type: 'Point', coordinates: at(c) }, properties: { count: n } });
      }
    }
    map.getSource('edit-shared')?.setData({ type: 'FeatureCollection', features: dots });
  }

  map.on('mousemove', hover);
  map.on('move', () => { if (!st.dragging) tag.hidden = true; });

  return {
    option, load, clear, changing, finished, settle,
    // Whether a shared vertex moves in every unit that has it (the box).
    get together() { return together.checked; },
    // The loaded boundary has a new version (after a move): keep the rings
    // drawn with the new coordinates until the neighbours are read again.
    retarget(feature) { if (st.target) st.target.feature = feature; },
    sharedCount: (c) => sharers(c).length,
    // The neighbours' outlines as drawn now (for the browser test).
    get around() { return st.drawn ?? []; },
    get shared() { return [...st.owners.entries()].filter(([, o]) => o.length > 1).map(([k, o]) => ({ at: k.split(',').map(Number), units: o.length })); },
  };
}

// vertices lists the positions of a Polygon or MultiPolygon, rings' closing
// positions left out.
function vertices(g) {
  if (!g) return [];
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : [];
  return polys.flatMap((rings) => rings.flatMap((r) => r.slice(0, -1)));
}

function mapCoords(g, f) {
  const ring = (r) => r.map(f);
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(ring) };
  if (g.type === 'MultiPolygon') return { type: 'MultiPolygon', coordinates: g.coordinates.map((p) => p.map(ring)) };
  return g;
}

function bounds(g) {
  let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of vertices(g)) { w = Math.min(w, x); s = Math.min(s, y); e = Math.max(e, x); n = Math.max(n, y); }
  return w <= e ? [w, s, e, n] : null;
}
