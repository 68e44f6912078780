// The phone's own storage (IndexedDB): the outbox of what waits to be sent
// (reports, photos, case steps, patrol chunks, each with the id that makes
// its upload idempotent), the photos' bytes until they are sent, and small
// values kept for offline use (categories, the worker's cases, coverage).
import { serverNow } from './clock.js';
import { token } from './net.js';

const NAME = 'gridmap-m';
let opened = null;

function db() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, 1);
    req.onupgradeneeded = () => {
      const d = req.result;
      // Keys in the order items were queued: the outbox is sent first in, first out.
      const out = d.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      out.createIndex('id', 'id', { unique: true });
      d.createObjectStore('blobs');
      d.createObjectStore('kv');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opened;
}

function done(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(stores, mode, fn) {
  const d = await db();
  const t = d.transaction(stores, mode);
  const result = fn(t);
  await new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
  return result instanceof IDBRequest ? result.result : result;
}

// Whose the work saved here is. A phone passes from hand to hand and token
// names are not unique (two 王五 of one grid), so every item is tagged with
// the id of the token that recorded it (owner: /v1/me's token_id), and with
// who (name and scope) for the words that name it. The app sees, counts and
// sends the signed-in worker's items alone (outbox), with the token they
// signed in with (owner); another worker's wait for theirs (owner.js).
// id is null while the token cannot be confirmed (opened offline on what an
// older version kept): items are then tagged by who alone, as that version
// matched, and nothing is sent until the server has said whose the token is.
const me = { id: null, who: '', token: null };

/** whoOf is a worker's name and scope, the identity older versions matched on. */
export const whoOf = (m) => (m ? `${m.name}\n${m.scope ?? ''}` : '');

/** setOwner makes the worker /v1/me described (m) the owner of what is queued from now on, for the token tok. */
export function setOwner(m, tok) {
  Object.assign(me, { id: m.token_id ?? null, who: whoOf(m), token: tok });
}

/**
 * owner is the signed-in worker's token id while the phone still holds the
 * token they signed in with (another tab may have signed in someone else
 * since: app.js reloads then), or null: then nothing may be sent.
 */
export const owner = () => (me.id !== null && me.token === token() ? me.id : null);

/** whose is the tag of what the signed-in worker saves: who, and the token's id once known. */
export const whose = () => ({ who: me.who, ...(me.id === null ? {} : { owner: me.id }) });

/**
 * isMine tells whether an item (or a saved patrol) is the signed-in
 * worker's: by its token's id; one an older version saved (no owner) by
 * name and scope, as that version did — owner.js gives such items to the
 * first worker of that name and scope to sign in.
 */
export function isMine(x) {
  if (!me.who) return true; // signed out: what the phone holds is counted whole
  if (x.owner != null) return x.owner === me.id;
  return !x.who || x.who === me.who;
}

// What the phone keeps for every worker alike: who signed in last (me, for
// starts without signal), the tokens refused for good (gone), a patrol a
// reload interrupted and the recent list (each says whose it is: patrol.js,
// app.js), and the code list with the case policy (the same answer for
// every token: categories.js). Any other value is what one worker's token
// was shown (the case list, which names reporters and addresses; coverage;
// the last answer) or what they chose (recent categories, assignees): it is
// kept under their token's id, so that another worker signing in on the
// phone never sees it, online or off, and a key added later is a worker's
// unless listed here.
const SHARED = new Set(['me', 'gone', 'patrol', 'patrol-track', 'sent', 'categories', 'policy', 'selfCheck']);
// A start on what an older version kept (no token id yet: owner.js) reads and writes its values, unnamed.
const kvKey = (key) => (SHARED.has(key) || me.id === null ? key : `${key}@${me.id}`);

/** kvGet returns the value kept under key (undefined when none): the signed-in worker's own, unless the key is shared. */
export const kvGet = (key) => tx(['kv'], 'readonly', (t) => t.objectStore('kv').get(kvKey(key)));
/** kvSet keeps value under key (for the signed-in worker alone, unless the key is shared). */
export const kvSet = (key, value) => tx(['kv'], 'readwrite', (t) => { t.objectStore('kv').put(value, kvKey(key)); });

/**
 * kvKeepOnly drops the values other tokens' workers kept (a worker of
 * token id signed in, confirmed by the server). Those an older version
 * kept unnamed become id's when adopt (its worker was of id's name and
 * scope), else they go too.
 */
export const kvKeepOnly = (id, adopt) => tx(['kv'], 'readwrite', (t) => {
  const kv = t.objectStore('kv');
  const req = kv.openCursor();
  req.onsuccess = () => {
    const c = req.result;
    if (!c) return;
    const key = String(c.key);
    const at = key.lastIndexOf('@');
    if (!SHARED.has(key) && (at < 0 || key.slice(at + 1) !== String(id))) {
      // Written after id's own would have been (a start before the server confirmed the token): the newer.
      if (at < 0 && adopt) kv.put(c.value, `${key}@${id}`);
      c.delete();
    }
    c.continue();
  };
});

/**
 * enqueue adds items to the outbox in one transaction, with the photos'
 * bytes (blobs: id → Blob): a report is never queued without its photos.
 * An item whose id is queued already is left as it is. It is dated
 * (queued_at) by the server's clock, as what it carries is: the outbox
 * shows one time for it, not the phone's and the server's. It is the
 * signed-in worker's, unless it says whose it is (a patrol another left).
 */
export function enqueue(items, blobs = {}) {
  return tx(['outbox', 'blobs'], 'readwrite', (t) => {
    const out = t.objectStore('outbox');
    for (const [id, blob] of Object.entries(blobs)) t.objectStore('blobs').put(blob, id);
    for (const it of items) {
      const seen = out.index('id').getKey(it.id);
      const tag = 'owner' in it || 'who' in it ? {} : whose();
      seen.onsuccess = () => {
        if (seen.result === undefined) out.add({ state: 'waiting', tries: 0, queued_at: serverNow().toISOString(), ...tag, ...it });
      };
    }
  });
}

/** everything returns every queued item, whoever's, oldest first. */
export const everything = () => tx(['outbox'], 'readonly', (t) => t.objectStore('outbox').getAll());

/**
 * outbox returns the signed-in worker's queued items (isMine), oldest
 * first; signed out, all — but for what a token the server refused for good
 * recorded (gone): it can no longer be sent, so it is neither sent nor
 * counted as waiting; owner.js says it, and stranded.js offers it to a
 * worker of its name and scope.
 */
export const outbox = async () => {
  const gone = new Set((await kvGet('gone')) ?? []);
  return (await everything()).filter((it) => isMine(it) && !gone.has(it.owner));
};

/** update stores a changed item. */
export const update = (item) => tx(['outbox'], 'readwrite', (t) => { t.objectStore('outbox').put(item); });

/** remove drops an item and its photo bytes (once sent, or discarded). */
export const remove = (item) => tx(['outbox', 'blobs'], 'readwrite', (t) => {
  t.objectStore('outbox').delete(item.seq);
  if (item.kind === 'photo') t.objectStore('blobs').delete(item.id);
});

/** blob returns the bytes of a queued photo. */
export const blob = (id) => tx(['blobs'], 'readonly', (t) => t.objectStore('blobs').get(id));
