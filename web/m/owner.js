// Who the phone's saved work belongs to. A phone passes from hand to hand
// (a shift, a colleague's spare) and token names are not unique, so the app
// knows its worker by the id of their token (GET /v1/me's token_id), tags
// everything it saves with it (store.js), and sends it with that token
// alone: a report recorded by one worker is never sent, and so attributed,
// under the next one to sign in. Another worker's items stay on the phone,
// said and counted, until they sign in again — or are deleted, on purpose.
import { fetchJSON, isAuthRefusal, setToken } from './net.js';
import { kvGet, kvSet, everything, update, remove, outbox, setOwner, isMine, whoOf } from './store.js';
import { entries, counts, notify, syncNow } from './sync.js';
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

async function confirmed(me, tok, key, before) {
  setOwner(me, tok);
  await kvSet('me', { ...me, token_key: key });
  await claim(before, me);
  return me;
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
// cannot tell a namesake from the worker's own earlier token.
async function others(mine) {
  const items = (await everything()).filter((it) => !isMine(it));
  const gone = new Set((await kvGet('gone')) ?? []);
  const list = await entries(items);
  const names = [...new Set(list.map((e) => (e.item.who ?? '').split('\n')[0]).filter(Boolean))]
    .map((name) => (name === mine ? t('others.samename', { name }) : name)).join('、');
  const dead = list.filter((e) => gone.has(e.item.owner)).length;
  return { items, waiting: list.length - dead, gone: dead, names: names || '?' };
}

/**
 * renderOthers says, under the header, what other workers left unsent on
 * the phone; in the outbox (view 'queue') it offers to delete it, so that a
 * phone whose worker's token was revoked (their items can never go) is not
 * stuck with them. mine: the signed-in worker's name.
 */
export async function renderOthers(view, signedOut, mine) {
  const o = await others(mine);
  $('others').hidden = signedOut || !(o.waiting + o.gone);
  $('others-text').textContent = [o.waiting && t('others.waiting', { n: o.waiting, name: o.names }),
    o.gone && t('others.gone', { n: o.gone, name: o.names })].filter(Boolean).join(' ');
  $('others-discard').hidden = view !== 'queue';
  $('others-discard').textContent = t('others.discard');
}

/** discardOthers deletes what other workers left unsent, once the worker confirms; it says whether it did. */
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
 * held counts what waits on the phone for the sign-in page (the outbox's
 * entries): { waiting, gone }, gone being what a token the server refused
 * for good recorded, which can no longer be sent.
 */
export async function held() {
  const gone = new Set((await kvGet('gone')) ?? []);
  const list = await entries();
  const dead = list.filter((e) => gone.has(e.item.owner)).length;
  return { waiting: list.length - dead, gone: dead };
}
