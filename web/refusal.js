// Why the server refused a token, in the page's words. A 401's problem
// names it (api/auth.go refuseToken): "token": "unknown" (no such token: a
// typo, a token cut short when copied), "revoked", or "expired" with
// "expired_at" (RFC 3339, UTC). The console's edit mode, import panel and
// reads (edit-token.js, import.js, app.js) and the wall screen
// (screen-api.js) say which it is — an expiry at its minute in China time —
// instead of listing the three; a server from before says none, and the
// page falls back to its general words.
import { t } from './i18n.js';
import { chinaMinute } from './chinatime.js';

const reasons = ['unknown', 'revoked', 'expired'];

/**
 * refusalOf reads why from a problem's body (or anything carrying token
 * and expired_at): { why, at } — why one of unknown, revoked, expired, or
 * null when the problem does not say; at the expiry ("2026-12-06 21:23",
 * China time) or ''.
 */
export function refusalOf(problem) {
  const why = reasons.includes(problem?.token) ? problem.token : null;
  const when = why === 'expired' && problem.expired_at ? Date.parse(problem.expired_at) : NaN;
  return { why, at: Number.isFinite(when) ? chinaMinute(when) : '' };
}

/**
 * refusalText is the sentence saying why a token was refused, or '' when
 * the problem does not say. prefix picks the words: 'tok' for the console,
 * 'scr' for the wall screen (whose token an administrator hands out).
 */
export function refusalText(problem, prefix = 'tok') {
  const { why, at } = refusalOf(problem);
  if (!why) return '';
  return t(`${prefix}.${why}${why === 'expired' && !at ? 'Now' : ''}`, { at });
}

/**
 * unbroken returns text as nodes whose China-time minute ("2026-12-06
 * 21:23") never breaks across lines (a wall split it after "2026-12-"):
 * that part is a <span class="nowrap">.
 */
export function unbroken(text) {
  const m = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.exec(text);
  const f = document.createDocumentFragment();
  if (!m) {
    f.append(text);
    return f;
  }
  const span = Object.assign(document.createElement('span'), { className: 'nowrap', textContent: m[0] });
  f.append(text.slice(0, m.index), span, text.slice(m.index + m[0].length));
  return f;
}
