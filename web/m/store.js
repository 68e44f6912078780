// The phone's own storage (IndexedDB): the outbox of what waits to be sent
// (reports, photos, case steps, patrol chunks, each with the id that makes
// its upload idempotent), the photos' bytes until they are sent, and small
// values kept for offline use (categories, the worker's cases, coverage).
import { serverNow } from './clock.js';

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

/** kvGet returns the value kept under key (undefined when none). */
export const kvGet = (key) => tx(['kv'], 'readonly', (t) => t.objectStore('kv').get(key));
/** kvSet keeps value under key. */
export const kvSet = (key, value) => tx(['kv'], 'readwrite', (t) => { t.objectStore('kv').put(value, key); });

/**
 * enqueue adds items to the outbox in one transaction, with the photos'
 * bytes (blobs: id → Blob): a report is never queued without its photos.
 * An item whose id is queued already is left as it is. It is dated
 * (queued_at) by the server's clock, as what it carries is: the outbox
 * shows one time for it, not the phone's and the server's.
 */
export function enqueue(items, blobs = {}) {
  return tx(['outbox', 'blobs'], 'readwrite', (t) => {
    const out = t.objectStore('outbox');
    for (const [id, blob] of Object.entries(blobs)) t.objectStore('blobs').put(blob, id);
    for (const it of items) {
      const seen = out.index('id').getKey(it.id);
      seen.onsuccess = () => {
        if (seen.result === undefined) out.add({ state: 'waiting', tries: 0, queued_at: serverNow().toISOString(), ...it });
      };
    }
  });
}

/** outbox returns every queued item, oldest first. */
export const outbox = () => tx(['outbox'], 'readonly', (t) => t.objectStore('outbox').getAll());

/** update stores a changed item. */
export const update = (item) => tx(['outbox'], 'readwrite', (t) => { t.objectStore('outbox').put(item); });

/** remove drops an item and its photo bytes (once sent, or discarded). */
export const remove = (item) => tx(['outbox', 'blobs'], 'readwrite', (t) => {
  t.objectStore('outbox').delete(item.seq);
  if (item.kind === 'photo') t.objectStore('blobs').delete(item.id);
});

/** blob returns the bytes of a queued photo. */
export const blob = (id) => tx(['blobs'], 'readonly', (t) => t.objectStore('blobs').get(id));
