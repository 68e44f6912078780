// Who the phone's saved work belongs to. A phone passes from hand to hand
// (a shift, a colleague's spare) and token names are not unique, so the app
// knows its worker by the id of their token (GET /v1/me's token_id), tags
// everything it saves with it (store.js), and sends it with that token
// alone: a report recorded by one worker is never sent, and so attributed,
// under the next one to sign in. Another worker's items stay on the phone,
// said and counted, until they sign in again — or are deleted, on purpose.
import { fetchJSON, isAuthRefusal, setToken, url } from './net.js';
import { kvGet, kvSet, kvKeepOnly, everything, update, remove, outbox, setOwner, isMine, whoOf } from './store.js';
import { entries, counts, notify, syncNow } from './sync.js';
import { strandedTest } from './stranded.js';
import { serverNow } from './clock.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

// tokenKey names a token without keeping it: the worker /v1/me described
// is kept (for starts without signal) with the key of the token it is for,
// so that a token entered offline is never taken for the last one.
async function tokenKey(tok) {
  if (!crypto.subtle) return null; // no secure context: no offline start either (no service worker)
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(tok)));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * identify returns who the token tok stands for (/v1/me) and makes them the
 * owner of what is saved from now on. Without an answer (offline, the
 * server failing) it is the worker kept for this very token; one kept by
 * an older version (no key) is taken as before, but nothing is sent until
 * the server has confirmed it (reconfirm). It throws the server's refusal of
 * the token, and an Error with unknown set when no kept worker is this
 * token's: a token entered offline is not known until the server says whose.
 */
export async function identify(tok) {
  const before = await kvGet('me');
  const key = await tokenKey(tok);
  try {
    const got = await fetchJSON('v1/me');
    // A copy the service worker kept is no answer (nor one without the id, from an older server).
    if (got.copy || got.body.token_id == null) throw new Error('no answer');
    return await confirmed(got.body, tok, key, before);
  } catch (e) {
    if (isAuthRefusal(e.status, e.field)) {
      if (key && before?.token_key === key) await markGone(before.token_id); // its unsent work can no longer go
      throw e;
    }
    const same = before && (before.token_key ? before.token_key === key : before.token_id == null);
    if (!same) throw Object.assign(new Error('this token is not known offline'), { unknown: true });
    setOwner(before.token_key ? before : { ...before, token_id: null }, tok);
    await keepCaches(tok, key, false);
    return before;
  }
}

/**
 * reconfirm asks the server whose the token is when the app started without
 * knowing it for sure (an older version's kept worker), and resolves to
 * the worker then; false when the kept worker was another's (reload).
 */
export async function reconfirm(me, tok) {
  const got = await fetchJSON('v1/me').catch(() => null);
  if (!got || got.copy || got.body.token_id == null) return me;
  if (whoOf(got.body) !== whoOf(me)) return false;
  const now = await confirmed(got.body, tok, await tokenKey(tok), await kvGet('me'));
  syncNow();
  return now;
}

// confirmed makes the worker the server described the phone's, and leaves
// them nothing another worker's token was shown: the values kept for
// offline use (store.js) and the service worker's copies of answers are
// theirs alone from now on. A previous worker's token that has expired
// since is refused for good: what it recorded may be taken over (stranded.js).
async function confirmed(me, tok, key, before) {
  setOwner(me, tok);
  if (before?.token_id != null && before.token_id !== me.token_id && Date.parse(before.expires_at) <= serverNow()) {
    await markGone(before.token_id);
  }
  await kvSet('me', { ...me, token_key: key });
  await claim(before, me);
  // What an older version kept, for no token named, is this worker's if that version's was of their name and scope.
  await kvKeepOnly(me.token_id, before?.token_id == null && whoOf(before) === whoOf(me));
  await keepCaches(tok, key, true);
  return me;
}

// DATA names the service worker's caches of answers (sw.js): DATA-<the
// first 16 hex digits of the token's key> one token's, DATA alone an
// older version's, for every token.
const DATA = 'gridmap-m-data';

// keepCaches leaves the service worker's copies to the worker of token tok
// (key: its tokenKey). An older version's cache gives them what it kept for
// this very token (its map draws offline at once) and goes; with others (a
// sign-in the server confirmed), the caches of every other token go too:
// another worker's cases are not for this one, and storage is bounded.
async function keepCaches(tok, key, others) {
  if (!key || !self.caches) return;
  const mine = `${DATA}-${key.slice(0, 16)}`;
  try {
    if (await caches.has(DATA)) {
      const [old, own] = await Promise.all([caches.open(DATA), caches.open(mine)]);
      for (const req of await old.keys()) {
        const res = req.headers.get('Authorization') === `Bearer ${tok}` && (await old.match(req));
        if (res) await own.put(req.url, res);
      }
      await caches.delete(DATA);
    }
    if (others) for (const name of await caches.keys()) if (name.startsWith(`${DATA}-`) && name !== mine) await caches.delete(name);
  } catch { /* storage unavailable: nothing was kept either */ }
}

/**
 * noteReplaced asks the server about the token prev that an enrolment link
 * has just replaced on the phone (a re-issue after a leak, a new phone's
 * QR code scanned in this one). Refused for good (revoked, expired), what
 * it recorded can no longer go with it, and a worker of its name and scope
 * may take it over (stranded.js). Without an answer nothing is learnt: its
 * items wait for it, as for any token that may sign in again.
 */
export async function noteReplaced(prev) {
  const kept = await kvGet('me');
  const key = prev && (await tokenKey(prev));
  if (!key || kept?.token_key !== key || kept.token_id == null) return; // not a worker the phone knew: whose items are not known
  const res = await fetch(url('v1/me'), { headers: { Authorization: `Bearer ${prev}` }, cache: 'no-store' }).catch(() => null);
  if (res?.status === 401) await markGone(kept.token_id);
}

// claim gives an owner to what an older version saved without one. Such an
// item was saved by whoever that version had signed in — the worker it kept
// (before) — and it went to the next to sign in: it now goes to the first
// worker of the same name and scope to sign in (the best that version's
// records tell), and, when it kept no worker, to the first to sign in, as
// it did. Items of another name or scope are marked with it (who) and wait.
async function claim(before, me) {
  const then = before && before.token_id == null ? whoOf(before) : '';
  for (const it of await everything()) {
    if (it.owner != null) continue;
    const who = it.who || then;
    if (!who || who === whoOf(me)) await update({ ...it, owner: me.token_id, who: whoOf(me) });
    else if (!it.who) await update({ ...it, who });
  }
}

/** markGone notes that the server refused a token for good (revoked, expired): what it recorded can no longer be sent. */
export async function markGone(id) {
  if (id == null) return;
  const gone = (await kvGet('gone')) ?? [];
  if (!gone.includes(id)) await kvSet('gone', [...gone, id].slice(-50));
}

// others counts what other workers left on the phone, as the outbox counts
// (a report with its photos is one): those whose token may still sign in,
// those whose token the server refused for good, and their names — one the
// signed-in worker's own (mine) said as another token of it: the phone
// cannot tell a namesake from the worker's own earlier token. What the
// signed-in worker may take over (stale: their old token's, refused for
// good) is counted apart: the outbox offers it to them (stranded.js).
async function others(mine) {
  const isStale = await strandedTest();
  const all = (await everything()).filter((it) => !isMine(it));
  const items = all.filter((it) => !isStale(it));
  const gone = new Set((await kvGet('gone')) ?? []);
  const list = await entries(items);
  const names = [...new Set(list.map((e) => (e.item.who ?? '').split('\n')[0]).filter(Boolean))]
    .map((name) => (name === mine ? t('others.samename', { name }) : name)).join('、');
  const dead = list.filter((e) => gone.has(e.item.owner)).length;
  const stale = (await entries(all.filter(isStale))).length;
  return { items, waiting: list.length - dead, gone: dead, stale, names: names || '?' };
}

/**
 * renderOthers says, under the header, what other workers left unsent on
 * the phone; in the outbox (view 'queue') it offers to delete it, so that a
 * phone whose worker's token was revoked (their items can never go) is not
 * stuck with them. What the worker's own old token left is said to be
 * theirs to send or delete, in the outbox. mine: the signed-in worker's name.
 */
export async function renderOthers(view, signedOut, mine) {
  const o = await others(mine);
  $('others').hidden = signedOut || !(o.waiting + o.gone + o.stale);
  $('others-text').textContent = [o.stale && t('others.stale', { n: o.stale }), o.waiting && t('others.waiting', { n: o.waiting, name: o.names }),
    o.gone && t('others.gone', { n: o.gone, name: o.names })].filter(Boolean).join(' ');
  $('others-discard').hidden = view !== 'queue' || !(o.waiting + o.gone);
  $('others-discard').textContent = t('others.discard');
}

/** discardOthers deletes what other workers left unsent (not the worker's own old token's), once the worker confirms; it says whether it did. */
export async function discardOthers() {
  const o = await others();
  const n = o.waiting + o.gone;
  if (!n || !window.confirm(t('others.confirm', { n }))) return false;
  // A photo one of this worker's items lists stays (photos are kept once, by their checksum).
  const used = new Set((await outbox()).flatMap((it) => it.body?.attachments ?? []));
  for (const it of o.items) if (!(it.kind === 'photo' && used.has(it.id))) await remove(it);
  notify();
  return true;
}

/**
 * signOut takes the token off the phone once the worker confirms; with work
 * unsent (a patrol on counts as one), they are told it stays on the phone
 * and goes when they sign in again. stop ends a patrol (its track is saved).
 */
export async function signOut(patrolling, stop) {
  const { waiting, refused } = await counts();
  const n = waiting + refused + (patrolling ? 1 : 0);
  if (!window.confirm(n ? t('signout.unsent', { n }) : t('signout.sure'))) return;
  await stop();
  setToken(null);
  location.reload();
}

/**
 * held counts what waits on the phone for the sign-in page (entries, as the
 * outbox counts): { waiting, gone }, gone being what a token the server
 * refused for good recorded, which can no longer be sent with it.
 */
export async function held() {
  const gone = new Set((await kvGet('gone')) ?? []);
  const list = await entries(await everything());
  const dead = list.filter((e) => gone.has(e.item.owner)).length;
  return { waiting: list.length - dead, gone: dead };
}
