// Talking to the server: the token, and requests that carry it. The app is
// served at <server>/m/, so the server's root is one level up (which keeps
// it working behind a proxy that adds a path prefix).
export const root = new URL('..', document.baseURI);
const KEY = 'gridmap.m.token';

/** token is the worker's token, or null before enrolment. */
export const token = () => localStorage.getItem(KEY);
/** setToken keeps (or, with null, forgets) the token. */
export function setToken(t) {
  if (t) localStorage.setItem(KEY, t); else localStorage.removeItem(KEY);
}

/**
 * takeTokenFromURL reads an enrolment link's token (/m/#token=…), keeps it
 * and drops it from the address bar and the history.
 */
export function takeTokenFromURL() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const t = hash.get('token');
  if (!t) return false;
  setToken(t);
  history.replaceState(null, '', location.pathname + location.search);
  return true;
}

/** url is the absolute URL of a server path ("v1/resolve?…"). */
export const url = (path) => new URL(path.replace(/^\//, ''), root).href;

/** headers returns the request headers with the token. */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { Authorization: `Bearer ${t}`, ...extra } : extra;
}

/**
 * api sends a request to the server. It rejects (TypeError) when the
 * network is down; any answer, 4xx and 5xx included, resolves.
 */
export function api(path, { method = 'GET', json, body, headers = {} } = {}) {
  const h = authHeaders(headers);
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  return fetch(url(path), { method, body, headers: h, cache: 'no-cache' });
}

/** getJSON fetches a JSON answer; a non-2xx answer throws with its problem. */
export async function getJSON(path) {
  const res = await api(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw await problemOf(res);
  return res.json();
}

/** problemOf turns an error answer into an Error carrying status and field. */
export async function problemOf(res) {
  let p = {};
  try { p = await res.json(); } catch { /* not JSON */ }
  const e = new Error(p.detail || `${res.status} ${res.statusText}`);
  Object.assign(e, { status: res.status, field: p.field, code: p.code });
  return e;
}

/** uuid is a new random UUID (a client id). */
export const uuid = () => crypto.randomUUID();

/** checksum names a Blob as the server does: sha256:<hex>. */
export async function checksum(blob) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return `sha256:${Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
