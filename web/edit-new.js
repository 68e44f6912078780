// The form of a new boundary in edit mode (edit.js): a grid (its
// community, code and name; the community under the map's centre and the
// next free code in it are suggested) or an enclave (code, name, managing
// unit, status, reason).
import { t } from './i18n.js';

const enclaveStatuses = ['custodial', 'unmanaged', 'transferred'];

export function initNewForm({ map, api, el, word, authHeaders }) {
  const form = el('form', { id: 'edit-new', class: 'edit-form', hidden: '' });

  // show writes the form of a new unit (a grid) or enclave.
  function show(kind) {
    // label and placeholder are names of words; a placeholder without a word is kept as it is.
    const field = (name, label, { ph, ...attrs } = {}) => el('label', {}, word('span', {}, label),
      el('input', { name, spellcheck: 'false', ...attrs, ...(ph ? { placeholder: t(ph), 'data-i18n-ph': ph } : {}) }));
    form.replaceChildren(word('h3', {}, kind === 'unit' ? 'ed.newGridTitle' : 'ed.newEnclaveTitle'));
    if (kind === 'unit') {
      form.append(
        field('parent_code', 'ed.communityCode', { ph: 'ed.ph12digits', inputmode: 'numeric' }),
        field('code', 'ed.gridCode', { ph: 'ed.phGridCode', inputmode: 'numeric' }),
        field('name', 'ed.name', { placeholder: '…社区第N网格' }));
      form.elements.parent_code.addEventListener('change', () => suggestGridCode(form.elements.parent_code.value.trim()));
      form.elements.code.addEventListener('input', () => { form.elements.code.dataset.suggested = 'no'; });
    } else {
      const status = el('select', { name: 'status' }, ...enclaveStatuses.map((v) => word('option', { value: v }, `ed.status.${v}`)));
      form.append(
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
    const f = form.elements;
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

  async function getJSON(path) {
    const res = await fetch(api(path), { headers: { Accept: 'application/json', ...authHeaders() } });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  }

  // properties are the new boundary's, as the form says them.
  function properties(kind) {
    const f = form.elements;
    const v = (name) => f[name]?.value.trim() ?? '';
    if (kind === 'unit') return { code: v('code'), level: 'grid', name: v('name'), parent_code: v('parent_code'), properties: {} };
    return { code: v('code'), name: v('name'), managing_code: v('managing_code'), status: v('status'), reason: v('reason'), properties: {} };
  }

  return { form, show, suggest: () => suggestGridCode(), properties, focusCode: () => form.elements.code.focus() };
}
