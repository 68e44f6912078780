// gridmap's app for grid workers (网格员), at /m/: installable, built for a
// phone, in Chinese with an English toggle, and offline first — what the
// worker files is kept on the phone (IndexedDB) and sent when the network
// allows (sync.js). Enrolment: the QR code of "gridmap token create --qr"
// opens /m/#token=…; the token is kept and dropped from the address bar.
import { takeTokenFromURL, takeReplaced, token, setToken, tokenRefused, onAuthChange, isAuthRefusal, reachability, onReachChange,
  signedOutWhy, onSignOut, onTokenChange } from './net.js';
import { t, applyI18n, toggleLang, onLangChange, currentLang } from './i18n.js';
import { shortTime } from './time.js';
import { kvGet, blob, isMine } from './store.js';
import { autoSync, syncNow, onQueueChange, counts, entries, discard, retry, refusalText, heldBy } from './sync.js';
import { initMap, watchPosition, keepInView, here, placeMark } from './home.js';
import { initReport, loadCategories, editRefused } from './report.js';
import { initCases, loadCases, showCasePlace } from './cases.js';
import { initPatrol, showCoverage, patrolling, stopPatrol } from './patrol.js';
import { identify, reconfirm, renderOthers, discardOthers, signOut, markGone, held, noteReplaced } from './owner.js';
import { initStranded, renderStranded } from './stranded.js';
import { keepForOffline } from './offline.js';
import { nameOf } from './categories.js';

const $ = (id) => document.getElementById(id);
// kept: resolves once what the map fetched before the service worker took
// control is kept for offline use too (offline.js).
const app = { me: null, map: null, view: 'home', report: null, kept: null };
window.gridmapApp = app; // for the browser test
// The sign-in page keeps its message's key, so that it follows the language.
// (Declared before boot() runs: without a token, boot shows it at once.)
const signin = { key: '', waiting: 0, gone: 0 };

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => { /* the app works without it, online */ });
}

takeTokenFromURL();
// An enrolment link opened while the app is open changes only the fragment: take it and start again.
addEventListener('hashchange', () => { if (takeTokenFromURL()) location.reload(); });
applyI18n();
$('lang').onclick = toggleLang;
onLangChange(() => { if (app.ready && !app.signedOut) { refreshStatus(); show(app.view); } else renderSignIn(); });
// The server refused the token (revoked, expired): the phone forgot it
// (net.js); the app asks for a new one, saying why, wherever the worker was.
onSignOut(async (why) => {
  await markGone(app.me?.token_id).catch(() => {}); // what that token recorded can no longer go (owner.js)
  showSignIn(signOutKey(why));
  if (app.ready) refreshStatus();
});
// Another tab signed someone in or out: this tab's worker is no longer the
// phone's, and what it saves or sends must not go under the new token.
onTokenChange(() => location.reload());
boot();

// signOutKey is the words' key for why the phone was signed out (a
// declaration: boot, which runs above it, needs it).
function signOutKey(why) {
  return { revoked: 'signin.revoked', expired: 'signin.expired' }[why] ?? 'signin.bad';
}

async function boot() {
  if (!token()) return showSignIn(signedOutWhy() ? signOutKey(signedOutWhy()) : '');
  const tok = token();
  // A link's token replacing another (a re-issue): the other is asked about before it is forgotten (owner.js).
  await noteReplaced(takeReplaced()).catch(() => {});
  try {
    app.me = await identify(tok); // whose the token is: what is saved from now on is theirs (owner.js)
  } catch (e) {
    if (!token()) return showSignIn(signOutKey(signedOutWhy())); // a 401: signed out, said why, counted again
    if (isAuthRefusal(e.status, e.field)) return showSignIn('signin.bad');
    // A token entered without signal: whose it is is not known, and nothing may be saved as anyone's.
    // Asked again once there is a network (or, the server failing, in a while).
    if (navigator.onLine) setTimeout(() => location.reload(), 20_000);
    else addEventListener('online', () => location.reload(), { once: true });
    return showSignIn(e.unknown ? 'signin.offline' : '');
  }
  if (app.me.token_id == null) confirmLater(tok);
  $('who-name').textContent = app.me.name;
  $('who-unit').textContent = app.me.unit?.name ?? '';
  $('tabs').hidden = false;
  app.map = initMap(app.me);
  app.kept = keepForOffline(app.map, app.me);
  watchPosition(app.map, app.me);
  app.report = initReport(app.map, app.me);
  initCases(app.me, showPlace);
  initPatrol(app.map, app.me);
  loadCategories();
  for (const b of document.querySelectorAll('#tabs button')) b.onclick = () => show(b.dataset.view);
  $('net').onclick = () => show('queue');
  $('q-sync').onclick = () => { refreshStatus(); syncNow(); }; // signed out, the banner says why nothing goes
  $('q-signout').onclick = () => signOut(patrolling(), stopPatrol);
  $('others-discard').onclick = discardOthers;
  initStranded();
  onQueueChange(refreshStatus);
  onAuthChange(refreshStatus);
  onReachChange(refreshStatus);
  addEventListener('online', refreshStatus);
  addEventListener('offline', refreshStatus);
  show('home');
  autoSync();
  app.ready = true;
}

// confirmLater asks whose the token is until the server says (the app
// started offline on what an older version kept, which names no token):
// until then nothing is sent (store.js owner).
function confirmLater(tok) {
  const ask = async () => {
    if (!navigator.onLine) return;
    const me = await reconfirm(app.me, tok);
    if (me === false) location.reload(); // the kept worker was another's
    else if (me.token_id != null) {
      app.me = me;
      clearInterval(timer);
      removeEventListener('online', ask);
    }
  };
  const timer = setInterval(ask, 20_000);
  addEventListener('online', ask);
}

async function showSignIn(key = '') {
  // Signed out in the middle of work: the app's views and tabs go, and
  // what code redraws (the language, the header) leaves them gone.
  app.signedOut = true;
  for (const v of document.querySelectorAll('main > .view')) v.hidden = v.id !== 'view-signin';
  $('tabs').hidden = true;
  $('auth').hidden = true;
  $('others').hidden = true;
  $('view-signin').hidden = false;
  $('signin-go').onclick = () => {
    const v = $('signin-token').value.trim();
    if (!v) return;
    setToken(v);
    location.reload();
  };
  signin.key = key;
  renderSignIn();
  // What the phone still holds is not lost with the token: the worker is told
  // (counted as the outbox counts it: a report with its photos is one), and
  // what a token refused for good recorded is said to be beyond sending.
  Object.assign(signin, await held().catch(() => ({ waiting: 0, gone: 0 })));
  renderSignIn();
}

function renderSignIn() {
  $('signin-message').textContent = signin.key ? t(signin.key) : '';
  $('signin-waiting').hidden = !signin.waiting && !signin.gone;
  $('signin-waiting').textContent = [signin.waiting && t('signin.waiting', { n: signin.waiting }),
    signin.gone && t('signin.gone', { n: signin.gone })].filter(Boolean).join(' ');
}

/** show switches to a view; the one map moves to the view that needs it. */
function show(view) {
  if (app.signedOut) return; // the header's outbox pill, tapped on the sign-in page
  app.view = view;
  for (const v of document.querySelectorAll('main > .view')) v.hidden = v.id !== `view-${view}`;
  for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('active', b.dataset.view === view);
  const slot = { home: 'home-map', report: 'report-map', patrol: 'patrol-map' }[view];
  here.follow = view !== 'report'; // the form's map keeps to its pin
  if (slot) {
    $(slot).append($('map'));
    app.map.resize();
    keepInView(app.map); // the worker may have walked on while the map was elsewhere
  }
  if (view === 'report') app.report.show(); else app.report.hide();
  placeMark(app.map, null);
  if (view === 'cases') {
    loadCases();
    showCasePlace(); // a case left open shows its place again
  }
  if (view === 'patrol') showCoverage();
  if (view === 'queue') renderQueue();
  renderOthers(view, app.signedOut, app.me?.name); // the outbox offers to delete another worker's items
}

// showPlace moves the map beside an open case, centred on where it was
// reported and marked there; it no longer follows the phone meanwhile.
function showPlace(point) {
  placeMark(app.map, point);
  if (!point) return;
  $('case-map').append($('map'));
  here.follow = false;
  app.map.resize();
  app.map.jumpTo({ center: point, zoom: 16 }); // a few grids around it, whatever zoom the map had
}

// PILL is the header's word for each reach of the server (net.js): no
// network is the worker's to fix (find signal); a server that does not
// answer, or fails, is not — what waits goes once it is back.
const PILL = { ok: '● online', offline: '○ offline', unreachable: '⚠ net.unreachable', fault: '⚠ net.fault' };

// refreshStatus writes the header's pill — online, offline, the server
// unreachable or failing, or signed out (the server refuses the token: not
// the network), with what waits and what was refused — the outbox tab's
// count and the signed-out banner.
async function refreshStatus() {
  const { waiting, refused } = await counts();
  const denied = tokenRefused();
  const net = $('net');
  const reach = (waiting && heldBy()) || reachability(); // what waits is held by the server: said so
  const [icon, key] = PILL[reach].split(' ');
  const state = denied ? `⚠ ${t('auth.pill')}` : `${icon} ${t(key)}`;
  net.textContent = [state, waiting && t('waiting', { n: waiting }), refused && t('refusedn', { n: refused })].filter(Boolean).join(' · ');
  net.dataset.reach = denied ? 'denied' : reach; // for the browser test
  net.classList.toggle('offline', reach === 'offline' && !denied);
  net.classList.toggle('trouble', (reach === 'unreachable' || reach === 'fault') && !denied);
  net.classList.toggle('denied', denied);
  net.classList.toggle('waiting', waiting + refused > 0);
  $('queue-count').textContent = waiting + refused ? String(waiting + refused) : '';
  $('queue-count').classList.toggle('refused', refused > 0);
  $('auth').hidden = !denied || app.signedOut; // signed out, the sign-in page says why
  $('auth').textContent = t('auth.refused');
  renderOthers(app.view, app.signedOut, app.me?.name);
  if (app.view === 'queue') renderQueue();
}

// The outbox lists what the header and the tab count (sync.js entries): a
// report or a case step with its photos is one line, its photos shown in it.
async function renderQueue() {
  const list = await entries();
  thumbs.splice(0).forEach((u) => URL.revokeObjectURL(u)); // the last drawing's photos
  $('q-list').replaceChildren(...list.map((e) => queued(e)));
  // What the worker's old token left: theirs to send with this token, or delete (stranded.js).
  const stale = await renderStranded((e) => queued(e, false));
  $('q-empty').hidden = list.length + stale > 0;
  const sent = ((await kvGet('sent')) ?? []).filter(isMine); // another worker's are theirs to see
  $('q-sent').replaceChildren(...sent.slice(0, 10).map((s) => Object.assign(document.createElement('li'), {
    textContent: [`✓ ${t(`item.${s.kind}`)} ${labelText(s.label)}`, s.photos ? photoCount(s.photos) : '',
      `${t(s.status === 200 ? 'sent.200' : 'sent.201')} ${shortTime(s.at)}`].filter(Boolean).join(' · ') })));
}

// thumbs are the object URLs of the photos the outbox shows.
const thumbs = [];

// photoCount says how many photos go with an item: 附照片 2 张, with 2 photos.
const photoCount = (n) => t(n === 1 ? 'queue.photo' : 'queue.photos', { n });

// queued is the outbox's line of an entry: a report or a step with the
// photos still queued for it (shown small, in line), or an item alone. A
// refused one says why, in the worker's words over the server's, and
// offers what can be done with it (with its photos) when act: an old
// token's item is the worker's to act on once they took it over.
function queued({ item: it, photos, state }, act = true) {
  const li = document.createElement('li');
  li.className = `item ${state}`;
  li.dataset.kind = it.kind;
  li.innerHTML = '<div class="row"><strong></strong><span class="muted"></span></div><div class="error"></div>';
  li.querySelector('strong').textContent = `${t(`item.${it.kind}`)} ${labelText(it.label)}`;
  li.querySelector('.muted').textContent = shortTime(it.queued_at); // by the server's clock, as the item is dated (store.js)
  if (photos.length) li.querySelector('.row').after(photoLine(photos));
  if (state !== 'failed') return li;
  const failed = [it, ...photos].filter((x) => x.state === 'failed');
  // A photo refused makes its report refused in turn: the reason is said once.
  li.querySelector('.error').textContent = `${t('queue.failed')}: ${[...new Set(failed.map(refusalText))].join(' · ')}`;
  li.querySelector('.error').after(serverWords(failed));
  if (!act) return li;
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (it.kind === 'report') actions.append(button('queue.edit', async () => { await editRefused(it); show('report'); }));
  actions.append(button('queue.retry', () => retry(it)), button('queue.discard', () => discard(it)));
  li.append(actions);
  return li;
}

// serverWords is what the server said of a refusal (its detail is
// English, for the API's readers): in English, shown under the worker's
// words; in Chinese, folded away (服务器原文), for whoever supports the worker.
function serverWords(failed) {
  const lines = failed.map((x) => Object.assign(document.createElement('div'), {
    textContent: x.status ? `${x.status} · ${x.error ?? ''}` : (x.error ?? '') }));
  const box = document.createElement(currentLang() === 'en' ? 'div' : 'details');
  box.className = 'muted detail';
  if (box.tagName === 'DETAILS') box.append(Object.assign(document.createElement('summary'), { textContent: t('queue.server') }));
  box.append(...lines);
  return box;
}

const button = (key, onclick) => Object.assign(document.createElement('button'), { type: 'button', textContent: t(key), onclick });

// photoLine is the photos queued with an item: small pictures and how many.
function photoLine(photos) {
  const div = document.createElement('div');
  div.className = 'queued-photos';
  for (const p of photos) {
    const img = Object.assign(document.createElement('img'), { alt: '', className: p.state === 'failed' ? 'failed' : '' });
    blob(p.id).then((b) => {
      if (!b) return;
      img.src = URL.createObjectURL(b);
      thumbs.push(img.src);
    }).catch(() => {});
    div.append(img);
  }
  div.append(Object.assign(document.createElement('span'), { className: 'muted', textContent: photoCount(photos.length) }));
  return div;
}

// labelText writes an item's label: { key, vars } in the current language
// (a category's name — by its code when the label has one —, a count); a
// plain string from an older version as it is.
const labelText = (l) => (l && typeof l === 'object' ? t(l.key, named(l.vars)) : (l ?? ''));

// named is a label's vars with its category's name in the current language
// (a label from an older version has its Chinese name only).
const named = (vars = {}) => (vars.category ? { ...vars, name: nameOf(vars.category, vars.name) } : vars);
