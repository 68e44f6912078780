// The app's service worker: it keeps the app shell (the page, its scripts,
// MapLibre) so that the app opens without signal, and copies of what the
// worker last saw (the style, tiles, categories, cases, photos) to show
// offline. Writes are never handled here: the page's outbox (sync.js)
// sends them, idempotently, when the network is back.
//
// The server writes the version of the app's files into VERSION; a new
// version installs a new cache and drops the old ones.
//
// The copies of answers are a token's own: each token's are kept in a cache
// of their own (DATA-<hash of the token>), under their URL alone (the token
// is not written into it), and served to a request with that token alone —
// a worker signing in on a phone after another never gets the other's
// cases (they name reporters and addresses), photos or figures, offline or
// not. A request without a token is not kept. The page drops the other
// tokens' caches, and an older version's one cache for every token (DATA),
// when a worker signs in (owner.js).
const VERSION = '__GRIDMAP_APP_VERSION__';
const SHELL = `gridmap-m-shell-${VERSION}`;
const DATA = 'gridmap-m-data';
const root = new URL('../', self.location.href);
const at = (p) => new URL(p, root).href;

const shell = ['m/', 'm/app.js', 'm/app.css', 'm/i18n.js', 'm/net.js', 'm/store.js', 'm/sync.js', 'm/home.js',
  'm/photos.js', 'm/report.js', 'm/cases.js', 'm/steps.js', 'm/patrol.js', 'm/clock.js', 'm/time.js', 'm/pages.js', 'm/offline.js', 'm/categories.js', 'm/text.js', 'm/owner.js', 'm/stranded.js',
  'm/manifest.webmanifest', 'm/icon-192.png', 'm/icon-512.png',
  'm/maplibre-gl-worker.mjs', 'web/chinatime.js', 'web/challenge.js', 'web/vendor/maplibre-gl/maplibre-gl.mjs',
  'web/vendor/maplibre-gl/maplibre-gl.css'].map(at);

self.addEventListener('install', (e) => {
  e.waitUntil(caches.open(SHELL).then((c) => c.addAll(shell)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('gridmap-m-shell-') && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET' || !req.url.startsWith(root.href)) return;
  const u = new URL(req.url);
  const path = u.pathname.slice(new URL(root).pathname.length);
  if (req.mode === 'navigate' && path.startsWith('m/')) {
    e.respondWith(fromShell(at('m/')));
  } else if (shell.includes(u.origin + u.pathname)) {
    e.respondWith(fromShell(req));
  } else if (path.startsWith('v1/attachments/')) {
    e.respondWith(cacheFirst(req)); // content-addressed: a copy is never stale
  } else if (path === 'style.json' || path.startsWith('tiles/') || path === 'v1/categories' || path === 'v1/me' ||
             path.startsWith('v1/reports') || path.startsWith('v1/patrols/coverage')) {
    e.respondWith(networkFirst(req));
  }
});

// fromShell answers from the shell cache, and from the network only for a
// file missing from it.
async function fromShell(req) {
  const hit = await caches.match(req, { cacheName: SHELL, ignoreSearch: true });
  return hit ?? fetch(req);
}

// names: the cache of each token seen (hashing it once).
const names = new Map();

// cacheOf is the cache of the token a request carries (null: none, nothing kept).
async function cacheOf(req) {
  const auth = req.headers.get('Authorization') ?? '';
  if (!auth.startsWith('Bearer ')) return null;
  if (!names.has(auth)) {
    // The page names it alike (owner.js): the first 8 bytes of the token's SHA-256, in hex.
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(auth.slice(7))));
    names.set(auth, `${DATA}-${Array.from(d.slice(0, 8), (b) => b.toString(16).padStart(2, '0')).join('')}`);
  }
  return caches.open(names.get(auth));
}

async function cacheFirst(req) {
  const cache = await cacheOf(req);
  const hit = await cache?.match(req.url);
  if (hit) return copy(hit, 'kept'); // not tried on the network: it tells nothing of the server
  const res = await fetch(req);
  keep(cache, req, res);
  return res;
}

// keep stores a whole answer (not a range), under its URL, and, now and
// then, drops the oldest copies so that the phone's storage stays bounded.
let puts = 0;
function keep(cache, req, res) {
  if (!cache || res.status !== 200) return;
  cache.put(req.url, res.clone()).catch(() => {});
  if (++puts % 100 === 0) {
    cache.keys().then((keys) => keys.slice(0, Math.max(0, keys.length - 3000)).forEach((k) => cache.delete(k)));
  }
}

// networkFirst keeps the last good answer and serves it when the network
// fails (a tile seen yesterday still draws the grid today).
async function networkFirst(req) {
  const cache = await cacheOf(req);
  try {
    const res = await fetch(req);
    keep(cache, req, res);
    return res;
  } catch (err) {
    const hit = await cache?.match(req.url);
    if (hit) return copy(hit);
    throw err;
  }
}

// copy marks an answer from the caches, so that the page does not take its
// Date (the day it was stored) for the server's time now (clock.js), nor,
// unless why is 'kept' (served from the caches without asking), the server
// for reachable (net.js).
function copy(hit, why = '1') {
  const headers = new Headers(hit.headers);
  headers.set('X-Gridmap-Copy', why);
  return new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers });
}
