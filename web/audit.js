// The coverage audit of a unit in the console (GET /v1/audit?unit=CODE):
// what is wrong with the boundaries under it — land no child covers (失管),
// land two units claim, parts of a child outside its parent, units whose
// parent is gone — listed in the unit's panel and drawn on the map; a
// click on one flies there. It runs when asked: a district's audit takes
// a moment, and most clicks only want to know who a grid is.
import { t, locale } from './i18n.js';
import { inChina } from './chinatime.js';

const colours = { gap: '#e53935', overlap: '#fb8c00', outside: '#8e24aa' };
const empty = () => ({ type: 'FeatureCollection', features: [] });
const shownMax = 30; // findings listed; the map draws them all

/**
 * initAudit returns the console's audit: button(code) is the panel's
 * "check the boundaries under this unit" button, whose answer it writes
 * below itself. The findings stay drawn until the next audit: a click on
 * the map near one shows the unit there without taking them away.
 */
export function initAudit({ map, getJSON, el }) {
  let seq = 0; // a later run (or clear) wins

  function layers() {
    if (map.getSource('audit')) return;
    map.addSource('audit', { type: 'geojson', data: empty() });
    const colour = ['match', ['get', 'kind'], 'gap', colours.gap, 'overlap', colours.overlap, colours.outside];
    const areas = ['!=', ['geometry-type'], 'Point'];
    map.addLayer({ id: 'audit-fill', type: 'fill', source: 'audit', filter: areas, paint: { 'fill-color': colour, 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'audit-line', type: 'line', source: 'audit', filter: areas, paint: { 'line-color': colour, 'line-width': 2 } });
    map.addLayer({ id: 'audit-point', type: 'circle', source: 'audit', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 7, 'circle-color': colour, 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } });
  }

  async function run(code, box) {
    const n = ++seq;
    box.replaceChildren(el('p', { class: 'muted' }, t('auditRunning')));
    let fc;
    try {
      fc = await getJSON(`v1/audit?unit=${encodeURIComponent(code)}`);
    } catch (err) {
      if (n === seq) box.replaceChildren(el('p', { class: 'muted' }, err.status === 403 ? t('auditForbidden') : `${t('auditFailed')}: ${err.message}`));
      return;
    }
    if (n !== seq) return;
    layers();
    map.getSource('audit').setData(fc);
    const found = fc.features ?? [];
    const list = el('ul', { class: 'audit' }, ...found.slice(0, shownMax).map((f) => item(f)));
    const more = found.length > shownMax ? [el('p', { class: 'muted' }, t('auditMore', { n: found.length - shownMax }))] : [];
    box.replaceChildren(el('p', { id: 'audit-summary' }, summaryText(fc.summary ?? {}, found.length)), list, ...more);
  }

  // item is one finding: a button that flies to it.
  function item(f) {
    const at = f.properties.location ?? (f.geometry?.type === 'Point' ? f.geometry.coordinates : null);
    const btn = el('button', { type: 'button', class: 'audit-finding', 'data-kind': f.properties.kind },
      el('span', { class: 'badge warn', style: `background:${colours[f.properties.kind] ?? '#555'}` }, t(`af.${f.properties.kind}`)),
      ' ', findingText(f.properties));
    if (at) btn.addEventListener('click', () => map.flyTo({ center: at, zoom: Math.max(map.getZoom(), 16) }));
    else btn.disabled = true;
    return el('li', {}, btn);
  }

  function button(code) {
    const box = el('div', { class: 'audit-box' });
    const btn = el('button', { type: 'button', id: 'audit-run' }, t('auditRun'));
    btn.addEventListener('click', () => run(code, box));
    return el('div', {}, btn, box);
  }

  return { button };
}

// summaryText counts the findings by kind, or says there are none.
function summaryText(s, n) {
  if (n === 0) return t('auditClean', { when: time(s.computed_at) });
  const parts = [['gaps', s.gaps, s.gap_area_m2], ['overlaps', s.overlaps, s.overlap_area_m2], ['outside', s.outside],
    ['orphans', (s.orphan_units ?? 0) + (s.orphan_enclaves ?? 0)]]
    .filter(([, count]) => count > 0)
    .map(([k, count, area]) => `${t(`as.${k}`, { n: count })}${area ? `（${areaText(area)}）` : ''}`);
  return `${t('auditFound', { n })}${parts.join(t('listSep'))}`;
}

// findingText says what one finding is, from its codes and area.
function findingText(p) {
  const [a, b] = p.codes ?? [];
  const area = p.area_m2 ? areaText(p.area_m2) : '';
  return t(`am.${p.kind}`, { a: a ?? '', b: b ?? '', parent: p.parent_code ?? '', area });
}

function areaText(m2) {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2 >= 10 ? m2.toFixed(0) : m2.toFixed(2)} m²`;
}

function time(iso) {
  return iso ? inChina(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(iso)) : ''; // China time
}
