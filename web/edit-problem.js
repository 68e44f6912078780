// Requests of the topology-keeping edits (edit-shared.js, edit-tools.js):
// one POST helper and the plain words (i18n.js) for their problem+json answers.
import { t } from './i18n.js';

// postJSON sends a topology edit and returns the answer, its JSON body (or
// null) and the data version the write is in (Gridmap-Index-Version, 0 when
// the server does not say). A network failure throws.
export async function postJSON(url, payload, authHeaders) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json', ...authHeaders() },
    body: JSON.stringify(payload),
  });
  const body = await res.json().catch(() => null);
  return { res, body, version: Number(res.headers.get('Gridmap-Index-Version')) || 0 };
}

// uuid is a random UUID (version 4), the client_id of one edit.
// crypto.randomUUID needs a secure context (https, localhost): a console
// served over plain http on an intranet address makes one from
// getRandomValues, which every context has.
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// problemMessage says, in the current language, why a topology edit was
// refused and what to do about it; what names the word for the outcome
// ("ed.notMoved", "ed.notSplit", "ed.notMerged"). The detail is the
// server's own.
export function problemMessage(what, res, body) {
  const v = { what: t(what), detail: body?.detail ?? body?.title ?? `HTTP ${res.status}`,
    field: body?.field ? t('ed.fieldNote', { field: body.field }) : '' };
  switch (res.status) {
    case 400:
    case 422:
    case 409:
    case 412:
      return t('ed.pDetail', v);
    case 401:
      return t('ed.p401', v);
    case 403:
      return t('ed.p403', v);
    case 404:
      return t('ed.p404', v);
    case 413:
      return t('ed.p413', v);
    case 429: {
      const secs = res.headers.get('Retry-After');
      return secs ? t('ed.p429', { ...v, secs }) : t('ed.p429soon', v);
    }
    case 503:
      return t('ed.pDetail', { ...v, field: '' });
    default:
      return t('ed.pOther', { ...v, title: body?.title ?? t('ed.error'), status: res.status });
  }
}

// changed lists what a topology edit wrote, from its answer: the units and
// enclaves with their new versions and the codes it retired. It takes units
// as GeoJSON Features or as plain objects.
export function changed(body) {
  const ref = (kind) => (x) => ({
    kind,
    code: String(x?.properties?.code ?? x?.code ?? x?.id ?? ''),
    version: x?.properties?.version ?? x?.version,
    level: x?.properties?.level ?? x?.level,
    name: x?.properties?.name ?? x?.name,
    geometry: x?.geometry ?? x?.geom ?? null,
  });
  const list = (v) => (Array.isArray(v) ? v : Array.isArray(v?.features) ? v.features : []);
  return {
    units: list(body?.units).map(ref('unit')),
    enclaves: list(body?.enclaves).map(ref('enclave')),
    retired: list(body?.retired).map((r) => ({ kind: r.kind ?? 'unit', code: String(r.code ?? ''), version: r.version })),
    unchanged: list(body?.unchanged).map((r) => ({ kind: r.kind ?? 'unit', code: String(r.code ?? ''), version: r.version })),
    warnings: list(body?.warnings),
  };
}

// versionsText names the new versions briefly: "120104001001 v3, E1201 v2".
export function versionsText(c) {
  return [...c.units, ...c.enclaves].map((x) => `${x.code} v${x.version}`).join(', ');
}
