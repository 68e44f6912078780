// Requests of the topology-keeping edits (edit-shared.js, edit-tools.js):
// one POST helper and the plain words for their problem+json answers.

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

// problemMessage says why a topology edit (what: "Vertex not moved",
// "Not split", "Not merged") was refused, and what to do about it.
export function problemMessage(what, res, body) {
  const detail = body?.detail ?? body?.title ?? `HTTP ${res.status}`;
  const field = body?.field ? ` (field ${body.field})` : '';
  switch (res.status) {
    case 400:
    case 422:
      return `${what}: ${detail}${field}.`;
    case 401:
      return `${what}: the server did not accept the token (${detail}). Enter a valid editor token above and try again.`;
    case 403:
      return `${what}: this token may not change every unit the edit touches (${detail}). It takes an editor token whose scope covers them all; ask an administrator.`;
    case 404:
      return `${what}: ${detail}. Someone may have changed these boundaries meanwhile: load the unit again.`;
    case 409:
    case 412:
      return `${what}: ${detail}${field}.`;
    case 413:
      return `${what}: the request is too large (${detail}).`;
    case 429:
      return `${what}: too many edits in a short time. Wait ${res.headers.get('Retry-After') ?? 'a few'} s and try again.`;
    case 503:
      return `${what}: ${detail}.`;
    default:
      return `${what}: ${body?.title ?? 'error'} ${res.status}: ${detail}${field}.`;
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
