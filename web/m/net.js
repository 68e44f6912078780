// Talking to the server: the token, and requests that carry it. The app is
// served at <server>/m/, so the server's root is one level up (which keeps
// it working behind a proxy that adds a path prefix).
import { noteServerDate } from './clock.js';
import { tokenInvalid } from '../web/challenge.js';

export const root = new URL('..', document.baseURI);
const KEY = 'gridmap.m.token';
// COPY marks an answer the service worker served from its caches (sw.js).
const COPY = 'X-Gridmap-Copy';

// SIGNED_OUT keeps why the server made the phone forget its token
// ('revoked', 'expired', 'unknown'), so that the sign-in page says it also
// after the app was closed and opened again.
const SIGNED_OUT = 'gridmap.m.signedout';

/** token is the worker's token, or null before enrolment (or once the server refused it). */
export const token = () => localStorage.getItem(KEY);
/** setToken keeps (or, with null, forgets) the token; a new one clears why the last was forgotten. */
export function setToken(t) {
  localStorage.removeItem(SIGNED_OUT);
  if (t) localStorage.setItem(KEY, t); else localStorage.removeItem(KEY);
}

/** onTokenChange calls fn when another tab of the app changes the token (signs a worker in or out). */
export const onTokenChange = (fn) => addEventListener('storage', (e) => { if (e.key === KEY) fn(); });

/** signedOutWhy is why the server's refusal signed the phone out ('revoked', 'expired', 'unknown'), or null. */
export const signedOutWhy = () => (token() ? null : localStorage.getItem(SIGNED_OUT));

const signOutListeners = new Set();
/** onSignOut calls fn when the phone forgets a token the server refused. */
export const onSignOut = (fn) => signOutListeners.add(fn);

/**
 * forgetToken signs the phone out after the server answered 401 to a
 * request that carried sent: a revoked or expired token never comes back,
 * and kept it would fail every request while the app looked signed in. A
 * token enrolled since the request left is not the one refused: it stays.
 * What waits in the outbox stays too, for the token the worker enrols next.
 */
export function forgetToken(sent, why = 'unknown') {
  if (!sent || sent !== token()) return;
  localStorage.removeItem(KEY);
  localStorage.setItem(SIGNED_OUT, why);
  signOutListeners.forEach((fn) => fn(why));
}

// refusalWhy reads from a 401's problem why the token was refused: its
// token member (unknown, revoked, expired), or from an older server the
// English detail ("the token has been revoked", "the token expired at …").
async function refusalWhy(res) {
  const p = await res.clone().json().catch(() => ({}));
  if (['unknown', 'revoked', 'expired'].includes(p.token)) return p.token;
  const detail = p.detail ?? '';
  return /revoked/i.test(detail) ? 'revoked' : /expired/i.test(detail) ? 'expired' : 'unknown';
}

// REPLACED keeps, for the start that follows (the app reloads at once), the
// token an enrolment link replaced: the app asks the server about it
// before it is gone for good (owner.js). Kept for this tab's session alone.
const REPLACED = 'gridmap.m.replaced';

/**
 * takeTokenFromURL reads an enrolment link's token (/m/#token=…), keeps it
 * and drops it from the address bar and the history; it says whether there
 * was one.
 */
export function takeTokenFromURL() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const t = hash.get('token');
  if (!t) return false;
  const prev = token();
  if (prev && prev !== t) sessionStorage.setItem(REPLACED, prev);
  setToken(t);
  history.replaceState(null, '', location.pathname + location.search);
  return true;
}

/** takeReplaced returns, once, the token the last enrolment link replaced (null: none). */
export function takeReplaced() {
  const prev = sessionStorage.getItem(REPLACED);
  sessionStorage.removeItem(REPLACED);
  return prev !== token() ? prev : null;
}

/** url is the absolute URL of a server path ("v1/resolve?…"). */
export const url = (path) => new URL(path.replace(/^\//, ''), root).href;

/** headers returns the request headers with the token. */
export function authHeaders(extra = {}) {
  const t = token();
  return t ? { Authorization: `Bearer ${t}`, ...extra } : extra;
}

// A token the server refused for its role (403 without a field: it may not
// do this) is remembered, so that the app can say so instead of "offline"
// and stop sending until the worker enrols with a new token. Kept across
// reloads; a new token clears it. (A 401 — revoked, expired, unknown — has
// the phone forget the token: forgetToken.)
const REFUSED = 'gridmap.m.refused';
const authListeners = new Set();

/** tokenRefused tells whether the server refused the phone's token: the one in use (403), or the one it forgot (401). */
export const tokenRefused = () => (token() ? localStorage.getItem(REFUSED) === token() : !!signedOutWhy());
/** onAuthChange calls fn when the token is found refused. */
export const onAuthChange = (fn) => authListeners.add(fn);

/** serverFailed tells whether an answer's status is the server's own trouble (5xx, or 429: too busy). */
export const serverFailed = (status) => status >= 500 || status === 429;

/**
 * unansweredKey is the words' key for a request that got no usable answer:
 * a refused token; faultKey when the server answered status and failed (the
 * phone is online: the worker must not go looking for signal); unreachKey
 * when the phone has a network but the server does not answer at all (down,
 * or the way to it is); else, no network, offlineKey.
 */
export function unansweredKey(offlineKey, faultKey, status, unreachKey = faultKey) {
  if (tokenRefused()) return 'auth.refused';
  if (serverFailed(status)) return faultKey;
  const r = reachability();
  return r === 'unreachable' ? unreachKey : r === 'fault' && !status ? faultKey : offlineKey;
}

// What the latest request learnt of the server, so that the app tells "no
// network" (go find signal) from "the server cannot be reached" or "the
// server fails" (nothing the worker can do: it is sent later by itself).
// state: 'ok' (it answered), 'fault' (5xx or 429), 'unreachable' (the phone
// was online and nothing answered, or only the service worker's copy did),
// 'offline' (no network at the time).
const reach = { state: 'ok', status: 0 };
const reachListeners = new Set();
/** onReachChange calls fn when what is known of the server's reach changes. */
export const onReachChange = (fn) => reachListeners.add(fn);

/**
 * reachability is 'offline' (no network), 'unreachable', 'fault' or 'ok'.
 * A failure learnt while offline says nothing of the server once the
 * network is back: until the next answer, it is taken for reachable.
 */
export function reachability() {
  if (!navigator.onLine) return 'offline';
  return reach.state === 'offline' ? 'ok' : reach.state;
}

function noteReach(state, status = 0) {
  if (state === 'unanswered') state = navigator.onLine ? 'unreachable' : 'offline';
  if (reach.state === state && reach.status === status) return;
  Object.assign(reach, { state, status });
  reachListeners.forEach((fn) => fn());
}

/** isAuthRefusal tells whether an answer (status, field) refuses the token rather than the request. */
export const isAuthRefusal = (status, field) => status === 401 || (status === 403 && !field);

let rechecking = null;
/**
 * recheckToken asks the server about the token (GET /v1/me), once at a
 * time: a refusal learnt where no answer can be read (a map tile's 401)
 * signs the phone out through api(), with the reason the answer gives.
 */
export function recheckToken() {
  if (!token()) return; // signed out: nothing to ask about
  rechecking ??= api('v1/me').catch(() => {}).finally(() => { rechecking = null; });
}

/** markRefused remembers that the token in use was refused. */
export function markRefused() {
  if (!token() || tokenRefused()) return;
  localStorage.setItem(REFUSED, token());
  authListeners.forEach((fn) => fn());
}

// noteRefusal signs the phone out on a 401 that says the stored token it
// carried is invalid (challenge.js). (A 403 needs its problem's field to
// tell, which sync.js reads.)
async function noteRefusal(res, sent) {
  if (tokenInvalid(res, sent)) {
    forgetToken(sent, await refusalWhy(res));
  }
  return res;
}

// A write's answer names its place in the primary's log (Gridmap-Write-
// Position); the reads of the next minute send the highest kept back
// (Gridmap-Min-Position), so that a read reaching a node on a standby that
// has not replayed the worker's report or step yet waits for it (or says
// to retry) rather than show the case without it. Past a minute any
// standby in service holds it.
const POSITION = 'gridmap.m.position';
const POSITION_FOR = 60_000;

/** keptPosition is the write position the reads send back, or null. */
export function keptPosition() {
  try {
    const k = JSON.parse(localStorage.getItem(POSITION));
    return k && Date.now() - k.at < POSITION_FOR ? k.pos : null;
  } catch {
    return null;
  }
}

// notePosition keeps an answer's write position when it is the highest
// kept, for a minute from that write: a lower one (a write answered out of
// order, or by a primary that lost the higher after a failover) leaves the
// kept one to run out in its own minute.
function notePosition(res) {
  const p = res.headers.get('Gridmap-Write-Position');
  if (!/^\d+$/.test(p ?? '')) return;
  const kept = keptPosition();
  if (kept && BigInt(kept) >= BigInt(p)) return;
  localStorage.setItem(POSITION, JSON.stringify({ pos: p, at: Date.now() }));
}

/**
 * api sends a request to the server. It rejects (TypeError) when the
 * network is down; any answer, 4xx and 5xx included, resolves. Every answer
 * tells the server's time (clock.js); a read carries the position of the
 * last minute's writes.
 */
export function api(path, { method = 'GET', json, body, headers = {} } = {}) {
  const sent = token();
  const h = authHeaders(headers);
  const pos = method === 'GET' ? keptPosition() : null;
  if (pos) h['Gridmap-Min-Position'] = pos;
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  return fetch(url(path), { method, body, headers: h, cache: 'no-cache' }).then((res) => {
    // A copy the service worker kept stands in for an answer the network did not give.
    const copied = res.headers.get(COPY);
    if (copied !== 'kept') noteReach(copied ? 'unanswered' : serverFailed(res.status) ? 'fault' : 'ok', res.status);
    notePosition(res);
    return res;
  }, (e) => {
    noteReach('unanswered');
    throw e;
  }).then((res) => noteRefusal(res, sent)).then(noteServerDate);
}

/** fromCopy tells whether an answer is the service worker's copy of an older one (the network failed). */
export const fromCopy = (res) => res.headers.has(COPY);

/** fetchJSON is getJSON's answer with whether it is an older copy: { body, copy }. */
export async function fetchJSON(path) {
  const res = await api(path, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw await problemOf(res);
  return { body: await res.json(), copy: fromCopy(res) };
}

/** getJSON fetches a JSON answer; a non-2xx answer throws with its problem. */
export async function getJSON(path) {
  return (await fetchJSON(path)).body;
}

/** problemOf turns an error answer into an Error carrying status and field. */
export async function problemOf(res) {
  let p = {};
  try { p = await res.json(); } catch { /* not JSON */ }
  const e = new Error(p.detail || `${res.status} ${res.statusText}`);
  Object.assign(e, { status: res.status, field: p.field, code: p.code, detail: p.detail ?? '' });
  return e;
}

/** uuid is a new random UUID (a client id). */
export const uuid = () => crypto.randomUUID();

/** checksum names a Blob as the server does: sha256:<hex>. */
export async function checksum(blob) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
  return `sha256:${Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
