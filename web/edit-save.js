// Reading and saving the boundary edit mode (edit.js) works on: GET of a
// unit's or an enclave's current version, read again when a token is set
// (refreshTarget), and the save — PUT with If-Match (the ETag of the
// version loaded) for an edit, POST for a new boundary. A saved version is
// put back into the drawing control and its warnings listed; a refusal is
// said by edit-outcome.js, and a 429's Retry-After holds Save.
import { problemText } from './edit-outcome.js';
import { t } from './i18n.js';

// writable are the properties a save sends back: the others are the server's.
const writable = {
  unit: ['code', 'level', 'name', 'parent_code', 'properties'],
  enclave: ['code', 'name', 'managing_code', 'status', 'reason', 'properties'],
};

/**
 * initSave returns load, refreshTarget, save and holdSaves. ed is edit.js's
 * state, whose phase they move on and whose target they read; edit puts a
 * version into the drawing control, geometry is the boundary as drawn.
 */
export function initSave({ ed, api, authHeaders, token, creating, outcome, say, render, edit, reset, geometry, reloadTiles }) {
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

  // save sends the boundary being edited; over is the ETag of someone
  // else's version to save over (a conflict's "save mine").
  async function save({ over = null } = {}) {
    await token.ready(); // a token being entered: saved with it, once the server has told
    const tg = ed.target;
    if (!tg || ed.phase !== 'editing') return;
    if (Date.now() < ed.retryUntil) return;
    const g = geometry();
    if (g.coordinates.length === 0) {
      say('error', () => t('ed.noPolygon'));
      return;
    }
    const props = properties(tg);
    if (!props) return;
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
      saved(tg, res, body);
      return;
    }
    outcome.refused(res, body);
    render();
  }

  // properties are what a save sends of tg besides its geometry: a new
  // boundary's form (null, said, without a code), else the writable ones
  // loaded with it.
  function properties(tg) {
    if (!tg.isNew) {
      return Object.fromEntries(writable[tg.kind].filter((k) => k in tg.feature.properties).map((k) => [k, tg.feature.properties[k]]));
    }
    const props = creating.properties(tg.kind);
    if (!props.code) {
      say('error', () => t('ed.needCode'));
      creating.focusCode();
      return null;
    }
    tg.code = props.code;
    return props;
  }

  // saved takes a save's answer: the version saved is edited from now on,
  // its warnings listed, and the tiles reloaded at its data version.
  function saved(tg, res, body) {
    const code = tg.code;
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
    outcome.showWarnings(warnings);
    const n = warnings.length;
    say('ok', () => t(created ? 'ed.created' : 'ed.saved', { code, version: body.properties.version,
      warnings: n ? t('ed.withWarnings', { n, s: n > 1 ? 's' : '' }) : '' }));
    reloadTiles(res.headers.get('Gridmap-Index-Version'));
  }

  // holdSaves keeps Save off for secs seconds (a 429's Retry-After).
  function holdSaves(secs) {
    ed.retryUntil = Date.now() + secs * 1000;
    setTimeout(() => { ed.retryUntil = 0; render(); }, secs * 1000);
  }

  return { load, refreshTarget, save, holdSaves };
}
