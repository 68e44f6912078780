// Sending the outbox. Every item carries the id that makes its upload
// idempotent — a photo its checksum, a report and a patrol chunk their
// client UUIDs, a case step its client_id — so an item whose answer was
// lost is simply sent again and the server answers "already stored":
// nothing is stored twice, and an item leaves the phone only after the
// server has confirmed it. Items go in the order they were queued, so a
// report's photos are stored before the report that lists them.
import { api, token, problemOf, tokenRefused, isAuthRefusal, markRefused, serverFailed, reachability } from './net.js';
import { outbox, update, remove, blob, kvGet, kvSet, owner } from './store.js';
import { t, duration } from './i18n.js';
import { isClockRefusal, restamp, skewOf, serverNow, clockOffset } from './clock.js';

const listeners = new Set();
/** onQueueChange calls fn whenever the outbox may have changed. */
export const onQueueChange = (fn) => listeners.add(fn);
export const notify = () => listeners.forEach((fn) => fn());

let running = null;
let again = false; // syncNow was called during a run: what was queued meanwhile goes in another
let stopStatus = 0;
// stopWhy: why the latest run stopped before the end: 'fault' (the server
// answered 5xx or 429), 'unreachable' (the phone was online, nothing
// answered), 'offline', or '' (it did not stop).
let stopWhy = '';

/** stoppedBy is the status (429 or 5xx) of the server's answer that stopped the latest run; 0 when none did. */
export const stoppedBy = () => stopStatus;

/**
 * heldBy is why what waits is held, as the latest run found it: 'fault',
 * 'unreachable' or '' (not held, or held by no network: navigator.onLine
 * says that). The header says it rather than what another request learnt:
 * a server may answer one route and fail the one the outbox needs.
 */
export const heldBy = () => (navigator.onLine && stopWhy !== 'offline' ? stopWhy : '');

/** waitingKey is the words' key for an item that waits: for the network, or for the server (failing, unreachable). */
export function waitingKey(offlineKey, faultKey, unreachKey) {
  if (tokenRefused()) return 'auth.refused';
  return { fault: faultKey, unreachable: unreachKey }[heldBy()] ?? offlineKey;
}

/**
 * syncNow sends what waits; concurrent calls share one run, followed by
 * one more when a call came during it (a run sends what was queued when it
 * began: an item queued meanwhile must not wait for the next timer). It
 * resolves to the number sent. While the server refuses the token, or the
 * phone has none, nothing is sent: the items wait, untouched, for the
 * worker to enrol with a new token. Only the signed-in worker's items go,
 * with the token they signed in with (store.js owner): never another's.
 */
export function syncNow() {
  if (tokenRefused() || !token() || owner() === null) return Promise.resolve(0);
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    let sent = 0;
    do {
      again = false;
      sent += await run();
    } while (again && !tokenRefused() && !stopStatus);
    return sent;
  })().finally(() => { running = null; notify(); });
  return running;
}

/** pending is the number of items waiting (not refused). */
export async function pending() {
  return (await counts()).waiting;
}

/**
 * entries is the outbox as the worker sees it, oldest first: a report or a
 * case step with the photos still queued for it is one entry (the photos
 * go first, as items of their own, but are part of it), and a photo that
 * nothing queued lists is one of its own. An entry is refused ('failed')
 * when its item or one of its photos was, else it waits. Each is
 * { item, photos, state }. The outbox lists these and counts them: the
 * worker filed one report, with its photos, not two things. items: the
 * items to group (the signed-in worker's by default).
 */
export async function entries(items) {
  items ??= await outbox();
  const photos = new Map(items.filter((it) => it.kind === 'photo').map((it) => [it.id, it]));
  const owned = new Set(items.flatMap(photosOf));
  return items.filter((it) => it.kind !== 'photo' || !owned.has(it.id)).map((it) => {
    const own = [...new Set(photosOf(it))].map((id) => photos.get(id)).filter(Boolean);
    return { item: it, photos: own, state: [it, ...own].some((x) => x.state === 'failed') ? 'failed' : 'waiting' };
  });
}

/**
 * counts is the number of entries waiting and of entries the server
 * refused (entries: a report or a step with its photos is one).
 */
export async function counts() {
  const list = await entries();
  return { waiting: list.filter((e) => e.state === 'waiting').length, refused: list.filter((e) => e.state === 'failed').length };
}

// photosOf is the checksums of the photos an item lists (a photo item is its checksum).
const photosOf = (it) => (it.kind === 'photo' ? [] : it.body?.attachments ?? []);

async function run() {
  stopStatus = 0;
  stopWhy = '';
  let sent = await sendWaiting();
  // Once: an item refused again keeps its refusal, for the worker to see.
  if (!stopStatus && !tokenRefused() && (await redateClockRefusals()) > 0) sent += await sendWaiting();
  return sent;
}

// redateClockRefusals puts back in line, its times corrected, every item
// refused for the phone's clock that was dated before the app learnt what
// it knows of the clock now (the refusal's own answer teaches it): the
// worker need not find it in the outbox and tap 重试.
async function redateClockRefusals() {
  let n = 0;
  for (const it of await outbox()) {
    if (it.state === 'failed' && isClockRefusal(it) && (it.clock ?? 0) !== clockOffset()) {
      await update({ ...restamp(it), state: 'waiting' });
      n++;
    }
  }
  return n;
}

// sendWaiting sends the items waiting, in order, until one cannot go.
async function sendWaiting() {
  let sent = 0;
  for (const it of await outbox()) {
    // Sent with the token that recorded it, or not at all (a legacy item is given an owner first: owner.js).
    if (it.state !== 'waiting' || it.owner !== owner()) continue;
    let res;
    try {
      res = await send(it);
    } catch {
      stopWhy = navigator.onLine ? 'unreachable' : 'offline';
      break; // no network, or no server: everything stays for the next run
    }
    if (res.ok) {
      await confirmed(it, res);
      sent++;
    } else if (serverFailed(res.status)) {
      stopStatus = res.status;
      stopWhy = 'fault';
      break; // not the item's fault: try again later, in the same order
    } else {
      const p = await problemOf(res);
      if (isAuthRefusal(res.status, p.field)) {
        markRefused(); // the token, not the item: it waits for a new one (a 401 signed the phone out: net.js)
        break;
      }
      const failed = { ...it, state: 'failed', status: res.status, field: p.field ?? '', error: p.detail, tries: it.tries + 1 };
      await update({ ...failed, skew: skewOf(failed, res) }); // a time refused: by how much (the worker is told)
    }
    notify();
  }
  return sent;
}

function send(it) {
  switch (it.kind) {
    case 'photo':
      return blob(it.id).then((b) => api('v1/attachments', { method: 'POST', body: b, headers: { 'Content-Type': b.type } }));
    case 'report':
      return api('v1/reports', { method: 'POST', json: it.body });
    case 'transition':
      return api(`v1/reports/${it.report}/transitions`, { method: 'POST', json: it.body });
    case 'patrol':
      return api('v1/patrols', { method: 'POST', json: it.body });
  }
  return Promise.reject(new Error(`unknown outbox item ${it.kind}`));
}

// confirmed drops a sent item and remembers what the server said, and when
// by the server's clock (its answer has just told it: clock.js), as the
// items are dated.
async function confirmed(it, res) {
  const answer = await res.json().catch(() => ({}));
  if (it.kind === 'patrol' && answer.day) {
    await kvSet('coverage', { grid: answer.grid?.code, ...answer.day });
  }
  // A photo of a report or a step still queued is part of it: the recent
  // list says it with it (the outbox shows them as one entry as well).
  const rest = await outbox();
  if (it.kind !== 'photo' || !rest.some((o) => o.id !== it.id && photosOf(o).includes(it.id))) {
    const log = (await kvGet('sent')) ?? [];
    // A report, a patrol or a photo is 201 when stored, 200 when it was already; a step is 200 either way,
    // and says a replay with Idempotent-Replayed.
    const again = it.kind === 'transition' ? res.headers.get('Idempotent-Replayed') === 'true' : res.status === 200;
    // Whose it was: the recent list shows a worker their own (app.js).
    log.unshift({ id: it.id, kind: it.kind, label: it.label, status: again ? 200 : 201, at: serverNow().toISOString(),
      photos: new Set(photosOf(it)).size, owner: it.owner, who: it.who });
    await kvSet('sent', log.slice(0, 30));
  }
  await remove(it);
}

/**
 * discard drops a refused item (the worker decided to give it up), with the
 * photos still queued for it that nothing else in the outbox lists.
 */
export async function discard(it) {
  const rest = (await outbox()).filter((o) => o.id !== it.id);
  const kept = new Set(rest.flatMap(photosOf));
  const own = new Set(photosOf(it));
  for (const o of rest) if (o.kind === 'photo' && own.has(o.id) && !kept.has(o.id)) await remove(o);
  await remove(it);
  notify();
}

/**
 * retry puts a refused item back in line (the case changed, the server was
 * fixed), with its refused photos, and sends; one refused for its time (the
 * phone's clock) goes with its times corrected by what the app knows of the
 * clock now.
 */
export async function retry(it) {
  const own = new Set(photosOf(it));
  for (const o of await outbox()) {
    if (o.id === it.id || (own.has(o.id) && o.state === 'failed')) await update({ ...(isClockRefusal(o) ? restamp(o) : o), state: 'waiting' });
  }
  notify();
  return syncNow();
}

/**
 * autoSync sends when the network comes back and, while items wait, every
 * 20 s; with nothing to send, a server found unreachable or failing is asked
 * again as often, so that the header stops saying so once it answers.
 */
export function autoSync() {
  addEventListener('online', () => syncNow());
  setInterval(async () => {
    if (!navigator.onLine) return;
    if ((await pending()) > 0) syncNow();
    else if (reachability() !== 'ok') api('v1/me').catch(() => {});
  }, 20_000);
  syncNow();
}

// What the server's refusals mean to a worker, by the problem's field, then
// by its status; the server's own (English) detail goes under them (folded
// away in Chinese: app.js).
const BY_FIELD = { point: 'refused.point', category: 'refused.category', severity: 'refused.severity',
  description: 'refused.description', attachments: 'refused.photo', checksum: 'refused.photo', 'Content-Type': 'refused.photo',
  expect: 'refused.expect', action: 'refused.action', fixes: 'refused.fixes', code: 'refused.scope', unit: 'refused.scope',
  reporter: 'refused.scope', worker: 'refused.scope' };
const BY_STATUS = { 403: 'refused.scope', 404: 'refused.notfound', 409: 'refused.conflict', 413: 'refused.toolarge', 415: 'refused.photo' };

/** refusalKey is the i18n key of the worker's words for a refused item (or any problem with status and field). */
export function refusalKey(it) {
  const { status, field = '' } = it;
  if (isClockRefusal(it)) return it.skew > 0 ? 'refused.clockfast' : 'refused.clockslow';
  if (movedTo(it)) return 'refused.moved';
  if (status === 403 && it.kind === 'transition') return 'refused.outside';
  if (status === 409 && field === 'id') return 'refused.conflict';
  // A field inside a list (fixes[3].t) is said as the list.
  return BY_FIELD[field] ?? BY_FIELD[field.split(/[[.]/)[0]] ?? BY_STATUS[status] ?? 'refused.other';
}

/** refusalText is the worker's words for a refused item, in the current language. */
export const refusalText = (it) => t(refusalKey(it), { d: duration(Math.abs(it.skew ?? 0)), state: t(`state.${movedTo(it)}`) });

/**
 * movedTo is the state a case step was refused in (409: the case moved on
 * meanwhile; the problem's detail names its current state), else ''.
 */
export function movedTo(it) {
  if (it.status !== 409 || !['expect', 'action'].includes(it.field)) return '';
  return /\bin state (\w+)/.exec(it.error ?? '')?.[1] ?? '';
}
