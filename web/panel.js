// The console's unit panel (app.js hooks it in): what the selected unit is,
// read from the API (GET /v1/units/{code}, /v1/enclaves/{code}) with the
// token set — its chain of units above it (district, street, community,
// grid), each a link that selects that unit as a click on it would, its
// version, and its properties (the attributes a file imported: 网格员, 户数,
// 电话 …) as rows of their own, as the API returns them: an anonymous
// reader's copy has no phone numbers, and none is added here. show() draws
// a selection; reread() reads the one shown again, after an edit here, an
// import, or a change the catalog reports, and redraws the panel only if
// what it shows changed.
import { t, lang } from './i18n.js';
import { chinaDay } from './chinatime.js';

// Words of the map, each [Chinese, English] (the rest is in i18n.js).
export const levelNames = { district: ['区', 'district'], street: ['街道/乡镇', 'street'], community: ['社区/村', 'community'],
  grid: ['网格', 'grid'], microgrid: ['微网格', 'micro-grid'] };
export const enclaveStatus = { unmanaged: ['失管', 'unmanaged'], custodial: ['代管', 'custodial'], transferred: ['属地化', 'transferred'] };
export const word = (pair, fallback) => (pair ? pair[lang() === 'en' ? 1 : 0] : fallback);

// Unit codes nest by prefix (geo/code.go): 6 digits a district, 9 a
// street, 12 a community, 15 a grid, 18 a micro-grid.
const levels = ['district', 'street', 'community', 'grid', 'microgrid'];
const lengths = [6, 9, 12, 15, 18];
export const levelOfCode = (code) => levels[lengths.indexOf(String(code).length)] ?? null;
export const ancestorsOf = (code) => lengths.filter((n) => n < String(code).length).map((n) => String(code).slice(0, n));

// Properties the panel names in the page's language — gridmap's own names,
// which an import gives a file's 网格员, 电话, 户数 and 人口 columns — and
// those listed first (the rest keep the API's order).
const named = { grid_worker: 'gridWorker', phone: 'phone', households: 'households', population: 'population' };
const first = ['grid_worker', '网格员', 'phone', '电话', 'households', '户数', 'population', '人口'];
const shownProps = 10; // more are behind "N more"
const clampAt = 120; // characters of a value beyond which it shows four lines, and "show all"
const longValue = 2000; // characters of one value shown at most; the whole is its title

/**
 * initPanel returns the unit panel. select({code, name, level}) is called
 * when a chain link is clicked; loadHazards(code, note) shows the open
 * hazards of the unit shown.
 */
export function initPanel({ el, api, getJSON, audit, signedIn, select, loadHazards }) {
  const $ = (id) => document.getElementById(id);
  let seq = 0; // only the latest show() may fill the panel
  let shown = null; // { f, drawn }: the selection, and what its panel was drawn from

  // read answers a GET: { body } or { status } (0: no answer).
  const read = (path) => getJSON(path).then((body) => ({ body }), (err) => ({ status: err.status ?? 0, message: err.message }));

  // show draws the panel of a selection: a map click's feature, or one
  // made by app.js for a unit picked by code. quiet keeps what is drawn
  // until the answers are in, and leaves it if nothing changed.
  async function show(f, { quiet = false } = {}) {
    const n = ++seq;
    $('selection').hidden = !f;
    shown = f ? { f, drawn: quiet && shown?.f === f ? shown.drawn : null } : null;
    if (!f) return;
    const enclave = f.sourceLayer === 'enclave';
    const p = f.properties;
    if (!quiet) $('unit').replaceChildren(heading(p, enclave));
    const paths = enclave ? [`v1/enclaves/${encodeURIComponent(p.code)}`]
      : [p.code, ...ancestorsOf(p.code)].map((c) => `v1/units/${encodeURIComponent(c)}`);
    const [own, ...chain] = await Promise.all(paths.map(read));
    if (n !== seq) return; // a later click (or token, or edit) redraws the panel
    const drawn = JSON.stringify([own.body?.properties ?? own.status, chain.map((a) => a.body?.properties?.name ?? a.status), signedIn(), lang()]);
    if (drawn !== shown.drawn) {
      shown.drawn = drawn;
      const parts = enclave ? enclavePanel(p, own) : unitPanel(p, own, chain);
      $('unit').replaceChildren(...parts.filter((x) => x !== null)); // replaceChildren() would write out a null
    }
    await (enclave ? loadHazards(p.managing_code, t('managedHere')) : loadHazards(p.code));
  }

  // The unit's name and level; an enclave's badge.
  function heading(p, enclave, name = p.name) {
    return el('p', {}, el('strong', { id: 'unit-name' }, name ?? p.code),
      enclave ? ' ' : ` · ${word(levelNames[p.level], p.level)}`, enclave ? el('span', { class: 'badge enclave' }, t('enclave')) : null);
  }

  function unitPanel(p, own, chain) {
    const u = own.body?.properties;
    const code = String(p.code);
    const level = u?.level ?? p.level ?? levelOfCode(code);
    return [
      heading({ ...p, level }, false, u?.name ?? p.name),
      el('ul', { class: 'chain', id: 'unit-chain' },
        ...chain.map((a, i) => el('li', {}, link(a.body?.properties ?? { code: ancestorsOf(code)[i] }))),
        el('li', { 'aria-current': 'true' }, el('strong', {}, `${u?.name ?? p.name ?? code} (${code})`))),
      gone(own),
      facts([['code', t('code'), code], ['version', t('version'), u?.version],
        ['valid_from', t('validFrom'), u?.valid_from && chinaDay(u.valid_from)]]),
      properties(u?.properties),
      signedIn() ? null : el('p', { class: 'note' }, t('signedOut')),
      el('a', { href: api(`v1/units/${code}/history`), target: '_blank' }, t('history')),
      level === 'grid' || level === 'microgrid' ? null : audit.button(code), // a grid has no children to check
    ];
  }

  function enclavePanel(p, own) {
    const e = own.body?.properties;
    const managing = e?.managing_code ?? p.managing_code;
    const status = e?.status ?? p.status;
    return [
      heading(p, true, e?.name ?? p.name),
      gone(own),
      facts([['code', t('code'), p.code], ['status', t('status'), word(enclaveStatus[status], status)],
        ['managed_by', t('managedBy'), managing && link({ code: managing, level: p.managing_level ?? levelOfCode(managing) })],
        ['reason', t('reason'), e?.reason], ['area', t('area'), e?.area_m2 && area(e.area_m2)],
        ['version', t('version'), e?.version], ['valid_from', t('validFrom'), e?.valid_from && chinaDay(e.valid_from)]]),
      properties(e?.properties),
      signedIn() ? null : el('p', { class: 'note' }, t('signedOut')),
      el('a', { href: api(`v1/enclaves/${encodeURIComponent(p.code)}/history`), target: '_blank' }, t('history')),
    ];
  }

  // gone says why a unit's details are missing: it has no current version
  // (retired, merged or split away), or the read failed.
  function gone(own) {
    if (own.body) return null;
    return el('p', { class: 'note warn', id: 'unit-gone' }, own.status === 404 ? t('unitGone') : `${t('unitUnread')}: ${own.message}`);
  }

  // link is a unit of the chain: a button that selects it.
  function link(u) {
    const code = String(u.code);
    const level = u.level ?? levelOfCode(code);
    const b = el('button', { type: 'button', class: 'chain-link', 'data-code': code, title: t('chainPick', { name: u.name ?? code }) },
      u.name ?? code);
    b.addEventListener('click', () => select({ code, name: u.name, level }));
    return el('span', {}, b, el('span', { class: 'muted' }, ` ${word(levelNames[level], level ?? '')} · ${code}`));
  }

  // facts is a list of [key, label, value] rows; empty values are left out.
  function facts(rows) {
    const d = el('dl', { class: 'facts' });
    for (const [key, label, v] of rows) {
      if (v === undefined || v === null || v === '') continue;
      d.append(el('dt', {}, label), el('dd', { 'data-key': key }, v instanceof Node ? v : String(v)));
    }
    return d;
  }

  // properties lists a unit's properties, key and value, the first ten
  // shown and the rest behind "N more"; a long value shows four lines
  // until "show all".
  function properties(props) {
    const rows = Object.entries(props ?? {}).map(([k, v], i) => ({ k, v, rank: first.includes(k) ? first.indexOf(k) : first.length + i }))
      .sort((a, b) => a.rank - b.rank);
    if (rows.length === 0) return null;
    const dl = (list) => el('dl', { class: 'props' }, ...list.flatMap(({ k, v }) => {
      const text = valueText(v);
      const cut = text.length > longValue;
      const dd = el('dd', { 'data-prop': k, ...(cut ? { title: text } : {}) },
        el('span', { class: 'value' }, cut ? `${text.slice(0, longValue)}…` : text));
      if (text.length > clampAt) {
        dd.classList.add('long');
        const more = el('button', { type: 'button', class: 'value-more', 'aria-expanded': 'false' }, t('showAll'));
        more.addEventListener('click', () => {
          const open = dd.classList.toggle('open');
          more.textContent = t(open ? 'showLess' : 'showAll');
          more.setAttribute('aria-expanded', String(open));
        });
        dd.append(more);
      }
      return [el('dt', { title: k }, named[k] ? t(named[k]) : k), dd];
    }));
    const more = rows.slice(shownProps);
    return el('div', { class: 'unit-props', id: 'unit-props' }, el('h3', {}, t('unitProps')), dl(rows.slice(0, shownProps)),
      more.length ? el('details', { class: 'props-more' }, el('summary', {}, t('propsMore', { n: more.length })),
        dl(more)) : null);
  }

  return {
    show,
    // link is a unit ({ code, name, level }) as a link that selects it: the
    // panel's chain, and the resolver's answer's (app.js).
    link,
    // reread reads the unit shown again and redraws its panel if it changed.
    reread: () => (shown ? show(shown.f, { quiet: true }) : Promise.resolve()),
    get code() { return shown?.f.properties.code ?? null; },
  };
}

// valueText writes a property's value: text as it is, yes/no, JSON for the rest.
function valueText(v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function area(m2) {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(2)} km²` : `${Math.round(m2).toLocaleString('en')} m²`;
}
