// The big screen's requests to this server: the token (taken from the URL
// once, then kept for the browser session, forgotten once the server no
// longer knows it) and its scope, and JSON answers
// whose failures say why — a refused token, an unknown unit — with the
// words the screen shows for them.
import { t, lang } from './i18n.js';
import { noteServerDate, serverNow } from '../m/clock.js';
import { tokenInvalid } from './challenge.js';
import { refusalOf, refusalText } from './refusal.js';

const root = new URL('.', document.baseURI);

/** api is the absolute URL of a path of this server. */
export const api = (path) => new URL(path, root).href;

/** origin is this server's origin: only its requests carry the token. */
export const origin = root.origin;

// The server's clock, as its answers' Date headers tell it, kept by the
// phone's clock module: a wall PC's clock may be minutes or days off, and
// what is overdue, what is today and the time on the wall are the server's
// (its figures count by its clock).
export { serverNow };

/**
 * takeToken keeps a ?token= of the address for the session (as the
 * dashboard does) and takes it out of the address; it returns the
 * address's parameters without it.
 */
export function takeToken() {
  const params = new URLSearchParams(location.search);
  if (params.has('token')) {
    setToken(params.get('token'));
    params.delete('token');
    history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
  }
  return params;
}

const tokenKey = 'gridmap.token';

/** token is the session's token, or null. */
export const token = () => sessionStorage.getItem(tokenKey);

/** setToken keeps a token for the session: one from the address, or one typed in after a refusal. */
export const setToken = (secret) => sessionStorage.setItem(tokenKey, secret);

/**
 * forgetToken drops the session's token after the server answered 401 to
 * sent (expired, revoked, unknown): kept, the tab would send it again at
 * every reload and never ask for another. A token set since is kept.
 */
export function forgetToken(sent) {
  if (sent && token() === sent) sessionStorage.removeItem(tokenKey);
}

/**
 * askToken makes form, shown when the server refuses the token (screen.js),
 * take another one: kept for the session, the screen starts again with it
 * (a fresh start: the map's style and tiles may have been refused too).
 */
export function askToken(form, input) {
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const secret = input.value.trim();
    if (!secret) return;
    setToken(secret);
    location.reload();
  });
}

/**
 * getJSON fetches a JSON answer; a non-2xx answer throws an Error with its
 * status and, from a problem+json answer, its detail and field. A 401 that
 * says the session's token is invalid (challenge.js) forgets it
 * (tokenForgotten on the Error), as the phone does (m/net.js).
 */
export const getJSON = (path) => get(path).then((res) => res.json());

/** getBlob fetches bytes (a photo) as getJSON fetches JSON, failures alike. */
export const getBlob = (path) => get(path).then((res) => res.blob());

// get is a GET of the API with the session's token: its answer when 2xx,
// else the Error getJSON says.
async function get(path) {
  const sent = token();
  const res = await fetch(api(path), { headers: sent ? { Authorization: `Bearer ${sent}` } : {} });
  noteServerDate(res);
  if (!res.ok) {
    const p = await res.json().catch(() => ({}));
    // token and expired_at: why the server refused the token (refusal.js).
    const err = Object.assign(new Error(p.detail || `${path}: ${res.status}`), { status: res.status, field: p.field,
      token: p.token, expired_at: p.expired_at });
    if (tokenInvalid(res, sent)) {
      forgetToken(sent);
      err.tokenForgotten = true;
    }
    throw err;
  }
  return res;
}

/**
 * refused says whether err is the server refusing the token (401, 403); a
 * unit outside the token's scope is not: the token is good for its own.
 */
export const refused = (err) => (err?.status === 401 || err?.status === 403) && !err.outsideScope;

/**
 * unknownUnit marks err as the server's "no such unit" (404), "not a unit
 * code" (400) or "outside this token's scope" (403) for code: a unit the
 * screen cannot show, whose message offers the way back.
 */
export function unknownUnit(code, err) {
  if ([400, 403, 404].includes(err.status) && err.field === 'unit') {
    err.unknownUnit = code;
    err.outsideScope = err.status === 403;
  }
  return err;
}

/** overviewPath is the path of unit's overview ("" for the city, or a scoped token's scope). */
export const overviewPath = (unit) => `v1/stats/overview${unit ? `?unit=${encodeURIComponent(unit)}` : ''}`;

/**
 * scopeOf asks the server which unit the session's token is scoped to
 * (GET /v1/me); null for none, no token, or no answer — a refused token is
 * the overview's to show.
 */
export async function scopeOf() {
  if (!token()) return null;
  return getJSON('v1/me').then((me) => me.scope ?? null, () => null);
}

/** refusalKind is why the server refused the token of err (unknown, revoked, expired), or null. */
export const refusalKind = (err) => (err?.status === 401 ? refusalOf(err).why : null);

/** problemKind names why no unit is shown: a refused token, an unknown unit or another failure. */
export function problemKind(p) {
  if (refused(p)) return 'authFailed';
  if (p.outsideScope) return 'outsideScope';
  return p.unknownUnit !== undefined ? 'noSuchUnit' : 'loadFailed';
}

/**
 * problemWords are the message and the hint for a problem, in the current
 * language. A refused token is said as the server says it: unknown,
 * revoked, or expired when (China time); a server that does not say gets
 * the three it may be.
 */
export function problemWords(err) {
  if (refused(err)) {
    const why = err.status === 401 ? refusalText(err, 'scr') : '';
    if (why) return [why, t(err.tokenForgotten || token() ? 'tokenCleared' : 'tokenMissing')];
    const hint = err.status === 403 ? 'tokenForbidden' : err.tokenForgotten || token() ? 'tokenRefused' : 'tokenMissing';
    return [t('authFailedLong'), t(hint)];
  }
  const code = err.unknownUnit;
  if (err.outsideScope) return [t('outsideScopeLong', { code }), t('outsideScopeHint')];
  if (code !== undefined) return [t(err.status === 400 ? 'badUnitLong' : 'noSuchUnitLong', { code }), t('noSuchUnitHint')];
  // The server's details are in English: the Chinese screen says what to do instead.
  return [t('loadFailedLong'), lang() === 'en' ? err.message : `${t('loadFailedHint')}${err.status ? `（${err.status}）` : ''}`];
}
