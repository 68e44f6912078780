// gridmap's app for grid workers (网格员), at /m/: installable, built for a
// phone, in Chinese with an English toggle, and offline first — what the
// worker files is kept on the phone (IndexedDB) and sent when the network
// allows (sync.js). Enrolment: the QR code of "gridmap token create --qr"
// opens /m/#token=…; the token is kept and dropped from the address bar.
import { takeTokenFromURL, token, setToken, getJSON, tokenRefused, onAuthChange, isAuthRefusal } from './net.js';
import { t, applyI18n, toggleLang, onLangChange, shortTime } from './i18n.js';
import { kvGet, kvSet, outbox } from './store.js';
import { autoSync, syncNow, onQueueChange, counts, discard, retry, refusalText } from './sync.js';
import { initMap, watchPosition, keepInView, here, placeMark } from './home.js';
import { initReport, loadCategories, editRefused } from './report.js';
import { initCases, loadCases, showCasePlace } from './cases.js';
import { initPatrol, showCoverage } from './patrol.js';
import { keepForOffline } from './offline.js';

const $ = (id) => document.getElementById(id);
// kept: resolves once what the map fetched before the service worker took
// control is kept for offline use too (offline.js).
const app = { me: null, map: null, view: 'home', report: null, kept: null };
window.gridmapApp = app; // for the browser test
// The sign-in page keeps its message's key, so that it follows the language.
// (Declared before boot() runs: without a token, boot shows it at once.)
const signin = { key: '', waiting: 0 };

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => { /* the app works without it, online */ });
}

takeTokenFromURL();
// An enrolment link opened while the app is open changes only the fragment: take it and start again.
addEventListener('hashchange', () => { if (takeTokenFromURL()) location.reload(); });
applyI18n();
$('lang').onclick = toggleLang;
onLangChange(() => { if (app.ready) { refreshStatus(); show(app.view); } else renderSignIn(); });
boot();

async function boot() {
  if (!token()) return showSignIn();
  try {
    app.me = await getJSON('v1/me');
    await kvSet('me', app.me);
  } catch (e) {
    if (isAuthRefusal(e.status, e.field)) return showSignIn('signin.bad');
    app.me = await kvGet('me'); // offline: who we were
    if (!app.me) return showSignIn();
  }
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
  onQueueChange(refreshStatus);
  onAuthChange(refreshStatus);
  addEventListener('online', refreshStatus);
  addEventListener('offline', refreshStatus);
  show('home');
  autoSync();
  app.ready = true;
}

async function showSignIn(key = '') {
  $('view-signin').hidden = false;
  $('signin-go').onclick = () => {
    const v = $('signin-token').value.trim();
    if (!v) return;
    setToken(v);
    location.reload();
  };
  signin.key = key;
  renderSignIn();
  // What the phone still holds is not lost with the token: the worker is told.
  signin.waiting = (await outbox().catch(() => [])).length;
  renderSignIn();
}

function renderSignIn() {
  $('signin-message').textContent = signin.key ? t(signin.key) : '';
  $('signin-waiting').hidden = !signin.waiting;
  $('signin-waiting').textContent = t('signin.waiting', { n: signin.waiting });
}

/** show switches to a view; the one map moves to the view that needs it. */
function show(view) {
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

// refreshStatus writes the header's pill — online, offline or signed out
// (the server refuses the token: not the network), with what waits and what
// was refused — the outbox tab's count and the signed-out banner.
async function refreshStatus() {
  const { waiting, refused } = await counts();
  const denied = tokenRefused();
  const net = $('net');
  const state = denied ? `⚠ ${t('auth.pill')}` : `${navigator.onLine ? '●' : '○'} ${t(navigator.onLine ? 'online' : 'offline')}`;
  net.textContent = [state, waiting && t('waiting', { n: waiting }), refused && t('refusedn', { n: refused })].filter(Boolean).join(' · ');
  net.classList.toggle('offline', !navigator.onLine && !denied);
  net.classList.toggle('denied', denied);
  net.classList.toggle('waiting', waiting + refused > 0);
  $('queue-count').textContent = waiting + refused ? String(waiting + refused) : '';
  $('queue-count').classList.toggle('refused', refused > 0);
  $('auth').hidden = !denied;
  $('auth').textContent = t('auth.refused');
  if (app.view === 'queue') renderQueue();
}

async function renderQueue() {
  const items = await outbox();
  $('q-empty').hidden = items.length > 0;
  $('q-list').replaceChildren(...items.map(queued));
  const sent = (await kvGet('sent')) ?? [];
  $('q-sent').replaceChildren(...sent.slice(0, 10).map((s) => Object.assign(document.createElement('li'), {
    textContent: `✓ ${t(`item.${s.kind}`)} ${labelText(s.label)} · ${t(s.status === 200 ? 'sent.200' : 'sent.201')} ${shortTime(s.at)}` })));
}

// queued is the outbox's line of an item; a refused one says why, in the
// worker's words over the server's, and offers what can be done with it.
function queued(it) {
  const li = document.createElement('li');
  li.className = `item ${it.state}`;
  li.dataset.kind = it.kind;
  li.innerHTML = '<div class="row"><strong></strong><span class="muted"></span></div><div class="error"></div><div class="muted detail"></div>';
  li.querySelector('strong').textContent = `${t(`item.${it.kind}`)} ${labelText(it.label)}`;
  li.querySelector('.muted').textContent = shortTime(it.queued_at); // by the server's clock, as the item is dated (store.js)
  if (it.state !== 'failed') return li;
  li.querySelector('.error').textContent = `${t('queue.failed')}: ${refusalText(it)}`;
  li.querySelector('.detail').textContent = it.status ? `${it.status} · ${it.error ?? ''}` : (it.error ?? '');
  const actions = document.createElement('div');
  actions.className = 'actions';
  if (it.kind === 'report') actions.append(button('queue.edit', async () => { await editRefused(it); show('report'); }));
  actions.append(button('queue.retry', () => retry(it)), button('queue.discard', () => discard(it)));
  li.append(actions);
  return li;
}

const button = (key, onclick) => Object.assign(document.createElement('button'), { type: 'button', textContent: t(key), onclick });

// labelText writes an item's label: { key, vars } in the current language
// (a category's name, a count); a plain string from an older version as it is.
const labelText = (l) => (l && typeof l === 'object' ? t(l.key, l.vars) : (l ?? ''));
