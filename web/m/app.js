// gridmap's app for grid workers (网格员), at /m/: installable, built for a
// phone, in Chinese with an English toggle, and offline first — what the
// worker files is kept on the phone (IndexedDB) and sent when the network
// allows (sync.js). Enrolment: the QR code of "gridmap token create --qr"
// opens /m/#token=…; the token is kept and dropped from the address bar.
import { takeTokenFromURL, token, setToken, getJSON } from './net.js';
import { t, applyI18n, toggleLang, onLangChange } from './i18n.js';
import { kvGet, kvSet, outbox } from './store.js';
import { autoSync, syncNow, onQueueChange, pending, discard } from './sync.js';
import { initMap, watchPosition, keepInView, here } from './home.js';
import { initReport, loadCategories } from './report.js';
import { initCases, loadCases } from './cases.js';
import { initPatrol, showCoverage } from './patrol.js';

const $ = (id) => document.getElementById(id);
const app = { me: null, map: null, view: 'home', report: null };
window.gridmapApp = app; // for the browser test

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js', { scope: './' }).catch(() => { /* the app works without it, online */ });
}

takeTokenFromURL();
applyI18n();
$('lang').onclick = toggleLang;
onLangChange(() => { if (app.ready) { refreshStatus(); show(app.view); } });
boot();

async function boot() {
  if (!token()) return showSignIn();
  try {
    app.me = await getJSON('v1/me');
    await kvSet('me', app.me);
  } catch (e) {
    if (e.status === 401) return showSignIn(t('signin.bad'));
    app.me = await kvGet('me'); // offline: who we were
    if (!app.me) return showSignIn();
  }
  $('who-name').textContent = app.me.name;
  $('who-unit').textContent = app.me.unit?.name ?? '';
  $('tabs').hidden = false;
  app.map = initMap(app.me);
  watchPosition(app.map, app.me);
  app.report = initReport(app.map, app.me);
  initCases(app.me);
  initPatrol(app.map, app.me);
  loadCategories();
  for (const b of document.querySelectorAll('#tabs button')) b.onclick = () => show(b.dataset.view);
  $('net').onclick = () => show('queue');
  $('q-sync').onclick = () => syncNow();
  onQueueChange(refreshStatus);
  addEventListener('online', refreshStatus);
  addEventListener('offline', refreshStatus);
  show('home');
  autoSync();
  app.ready = true;
}

function showSignIn(message = '') {
  $('view-signin').hidden = false;
  $('signin-message').textContent = message;
  $('signin-go').onclick = () => {
    const v = $('signin-token').value.trim();
    if (!v) return;
    setToken(v);
    location.reload();
  };
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
  if (view === 'cases') loadCases();
  if (view === 'patrol') showCoverage();
  if (view === 'queue') renderQueue();
}

async function refreshStatus() {
  const n = await pending();
  const net = $('net');
  net.textContent = `${navigator.onLine ? '●' : '○'} ${t(navigator.onLine ? 'online' : 'offline')}${n ? ` · ${t('waiting', { n })}` : ''}`;
  net.classList.toggle('offline', !navigator.onLine);
  net.classList.toggle('waiting', n > 0);
  $('queue-count').textContent = n ? String(n) : '';
  if (app.view === 'queue') renderQueue();
}

async function renderQueue() {
  const items = await outbox();
  $('q-empty').hidden = items.length > 0;
  $('q-list').replaceChildren(...items.map((it) => {
    const li = document.createElement('li');
    li.className = `item ${it.state}`;
    li.dataset.kind = it.kind;
    li.innerHTML = '<div class="row"><strong></strong><span class="muted"></span></div><div class="error"></div>';
    li.querySelector('strong').textContent = `${t(`item.${it.kind}`)} ${it.label ?? ''}`;
    li.querySelector('.muted').textContent = new Date(it.queued_at).toLocaleTimeString();
    if (it.state === 'failed') {
      li.querySelector('.error').textContent = `${t('queue.failed')}: ${it.error}`;
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: t('queue.discard') });
      b.onclick = () => discard(it);
      li.append(b);
    }
    return li;
  }));
  const sent = (await kvGet('sent')) ?? [];
  $('q-sent').replaceChildren(...sent.slice(0, 10).map((s) => Object.assign(document.createElement('li'), {
    textContent: `✓ ${t(`item.${s.kind}`)} ${s.label ?? ''} (${s.status}) ${new Date(s.at).toLocaleTimeString()}` })));
}
