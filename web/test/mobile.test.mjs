// Browser test of the grid worker's app (/m/): Debian's headless Chromium,
// driven by playwright-core, as a phone (390×844, touch) whose position is
// emulated inside the worker's grid.
//
//   enrol by link → the grid and the live answer → offline, after that
//   first visit alone: the app and its map open from the service worker, a
//   report with a photo is queued → online: it is sent → the server has
//   exactly one report with the photo, in the right grid → a second sync
//   (and a replay of the same items) stores nothing twice → the case,
//   dispatched to the grid, is handled with an
//   after-photo (中/EN redraws the open case, its category too) → a patrol,
//   its track from where the worker stood → English (the tab labels line up, "±8 m" on one
//   line; the report form's categories in English, found by their English names) → the map follows the worker 3 km away, but not right after the
//   worker moved it by hand → a ±150 m fix is warned of → an undecodable
//   photo is said so → a double tap stores one report → an outside point is
//   refused on the phone; a server refusal is counted, said in Chinese, with
//   编辑/重试/放弃 → a token revoked while a report waits: the phone forgets it
//   and asks for a new one, saying why, the report kept and sent after
//   enrolling again →
//   patrol fixes survive a reload → the recent list has no codes or English →
//   320×568 and 844×390 keep the key information in view → location denied
//   → the sign-in page keeps its button apart from the token box, and opens
//   without a token with no page error, and links with an unknown or an
//   expired token are said so and not kept → a community's worker is warned on
//   leaving the community → a phone whose clock is 30 min fast sends the
//   server's time → a phone set to New York's zone shows China time → a
//   street's desk with more cases than a page lists them all, its count
//   the server's → two workers of one name share a phone: neither's saved
//   work goes, nor their patrol goes on, under the other → a re-issued token's worker sends what their
//   revoked token left, once they confirm; the next worker sees none of the last one's cases, offline.
//
//   Steps 12–23 (from the ±150 m fix to the server's case steps) live in
//   mobile-field.mjs, which this script calls after step 10; 9 and 24 (and
//   the open case in English) in mobile-more.mjs; 11 and 17 (sign-in, a revoked
//   token) in mobile-signin.mjs; 25, 26 and 33 (the phone's clock and zone)
//   in mobile-clock.mjs; 8 and 18 (patrols) in mobile-patrol.mjs; 7b (the
//   street's duty officer's buttons) in mobile-cases.mjs; 27–32 in
//   mobile-fixes.mjs; 34 (a desk of many pages) in mobile-desk.mjs; 35 (whose
//   the saved work is) in mobile-signin.mjs; 36 in mobile-owner.mjs; 3 (offline,
//   a report queued, counted and listed as one) in mobile-offline.mjs.
//
//   GRIDMAP_WORKER_TOKEN=… GRIDMAP_WORKER_SPARE_TOKEN=… GRIDMAP_WORKER_TWIN_TOKEN=… GRIDMAP_EXPIRED_TOKEN=… GRIDMAP_COMMUNITY_TOKEN=… GRIDMAP_STREET_TOKEN=…
//   GRIDMAP_STREET_VIEWER_TOKEN=… GRIDMAP_DESK_TOKEN=… GRIDMAP_DESK_POINT=LNG,LAT GRIDMAP_ADMIN_TOKEN=…
//   GRIDMAP_REISSUE_OLD_TOKEN=… GRIDMAP_REISSUE_NEW_TOKEN=… (step 36)
//   GRIDMAP_CONTROL=URL node mobile.test.mjs BASE OUT_DIR LNG LAT GRID PHOTO AFTER_PHOTO
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { launch } from './map.mjs';
import { join } from 'node:path';
import { fieldSteps } from './mobile-field.mjs';
import { caseLanguage, caseSteps, englishSteps, scopeSteps } from './mobile-more.mjs';
import { phone, signinSteps, ownerSteps } from './mobile-signin.mjs';
import { nextWorkerSteps } from './mobile-owner.mjs';
import { clockSteps, dayBehindSteps, zoneSteps } from './mobile-clock.mjs';
import { patrolSteps } from './mobile-patrol.mjs';
import { deskSteps } from './mobile-desk.mjs';
import { supervisorSteps } from './mobile-cases.mjs';
import { placeSteps, formSteps, offlineCase, longCase, unreachable, refusedWords } from './mobile-fixes.mjs';
import { offlineSteps } from './mobile-offline.mjs';

const [base, outDir, lng, lat, grid, photo, afterPhoto] = process.argv.slice(2);
const worker = process.env.GRIDMAP_WORKER_TOKEN;
const admin = process.env.GRIDMAP_ADMIN_TOKEN;
const community = process.env.GRIDMAP_COMMUNITY_TOKEN; // a reporter scoped to the worker's community
const supervisor = process.env.GRIDMAP_STREET_TOKEN; // a reporter scoped to the worker's street: its command centre's duty officer
const viewer = process.env.GRIDMAP_STREET_VIEWER_TOKEN; // a viewer scoped to the worker's street
const spare = process.env.GRIDMAP_WORKER_SPARE_TOKEN; // another token of the worker's, revoked in step 17
const twin = process.env.GRIDMAP_WORKER_TWIN_TOKEN; // another worker's token of the same name and scope (step 35)
const expired = process.env.GRIDMAP_EXPIRED_TOKEN; // a worker's token that has expired
const desk = process.env.GRIDMAP_DESK_TOKEN; // a reporter scoped to another street, whose desk gets many cases
const deskPoint = process.env.GRIDMAP_DESK_POINT?.split(',').map(Number); // [lng, lat] in a grid of that street
const control = process.env.GRIDMAP_CONTROL; // the Go test's operator: revokes tokens, moves deadlines
if (!afterPhoto || !worker || !admin || !community || !supervisor || !viewer || !spare || !twin || !expired || !desk || !deskPoint || !control) {
  console.error('usage: see the head of mobile.test.mjs');
  process.exit(2);
}
const failures = [];
const findings = { screenshots: [] };
const check = (ok, what) => { if (!ok) failures.push(what); };
const here = { latitude: Number(lat), longitude: Number(lng), accuracy: 8 };

const browser = await launch();

// adminAPI asks the server directly, as the street's dashboard would.
async function adminAPI(path, init = {}) {
  const res = await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${admin}`, 'Content-Type': 'application/json', ...init.headers } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function shot(page, name) {
  const path = join(outDir, name);
  await page.screenshot({ path });
  findings.screenshots.push(path);
}

// outbox is what the phone still holds to send.
const outbox = (page) => page.evaluate(() => new Promise((resolve, reject) => {
  const req = indexedDB.open('gridmap-m');
  req.onsuccess = () => {
    const get = req.result.transaction('outbox').objectStore('outbox').getAll();
    get.onsuccess = () => resolve(get.result.map((it) => ({ id: it.id, kind: it.kind, state: it.state, error: it.error })));
    get.onerror = () => reject(get.error);
  };
  req.onerror = () => reject(req.error);
}));

let phase = 'start'; // the step under way, named in page errors
// enter starts the step name; the seconds each took are in the findings,
// to see where a slow run spent its time.
const stepSecs = {};
let stepStarted = Date.now();
const enter = (name) => {
  const now = Date.now();
  stepSecs[phase] = (stepSecs[phase] ?? 0) + (now - stepStarted) / 1000;
  [phase, stepStarted] = [name, now];
};
const errors = []; // the app's exceptions, and what it logged as errors unexpectedly
// ready waits for the app to have started; when it does not, it says what the page shows and which of
// its requests (the service worker's too) were left unanswered. It polls on a timer: by default Playwright
// polls on animation frames, which a page not drawn (in the background) does not have.
const unanswered = new Map();
const ready = async (page) => {
  try {
    await page.waitForFunction(() => window.gridmapApp?.ready, null, { timeout: 60_000, polling: 250 });
  } catch (e) {
    const shows = await page.evaluate(() => ({ url: location.href, app: !!window.gridmapApp, ready: !!window.gridmapApp?.ready,
      visible: document.visibilityState, online: navigator.onLine,
      controlled: !!navigator.serviceWorker?.controller, signin: document.getElementById('view-signin')?.hidden === false,
      said: document.getElementById('signin-message')?.textContent })).catch((err) => String(err));
    const now = Date.now();
    const left = [...unanswered].map(([r, at]) => `${r.method()} ${r.url()} (${now - at} ms)`);
    throw new Error(`app not ready in 60 s: ${JSON.stringify(shows)}; unanswered: ${left.join(', ') || 'none'}`, { cause: e });
  }
};

try {
  // The worker's own phone: the test's other phones' shape (mobile-signin.mjs),
  // drawn at device scale 2 as most phones are.
  const context = await browser.newContext({
    ...phone, deviceScaleFactor: 2,
    geolocation: here, permissions: ['geolocation'], serviceWorkers: 'allow',
  });
  context.on('request', (r) => unanswered.set(r, Date.now()));
  for (const ended of ['requestfinished', 'requestfailed']) context.on(ended, (r) => unanswered.delete(r));
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  // The network's failures are expected, and so are the refusals the test provokes (a 400 at an outside
  // point, the 401s of a revoked token, which MapLibre logs too, the 409 of a step sent against a case's
  // older state, the 415 of a photo that is not one); exceptions of the app never are.
  page.on('console', (m) => {
    const expected = /Failed to fetch|ERR_INTERNET_DISCONNECTED|net::ERR|status of 40[019]|\(401\)/.test(m.text()) ||
      (phase === '16' && /status of 415/.test(m.text())) || // step 16 sends a photo that is not one
      (phase === '22' && /status of 503/.test(m.text())); // step 22 fails the server on purpose
    if (m.type() === 'error' && !expected) errors.push(`${m.text()} @${phase}`);
  });
  // Every write the phone gets an answer to, by route and status.
  const writes = [];
  context.on('response', (r) => {
    const req = r.request();
    if (req.method() === 'POST') writes.push(`${new URL(r.url()).pathname.replace(/sha256:\w+|[0-9a-f-]{36}/g, '…')} ${r.status()}`);
  });

  // 1. Enrol by link: the token is kept and dropped from the address bar.
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  check(!page.url().includes('token'), `the token stayed in the URL: ${page.url()}`);
  check(await page.evaluate(() => localStorage.getItem('gridmap.m.token')) === worker, 'the token was not kept');

  // 2. The grid and the live answer.
  await page.waitForFunction(() => document.querySelector('#where-answer .badge'), null, { timeout: 30_000 });
  await page.waitForFunction(() => window.gridmapApp.map.loaded() && window.gridmapApp.map.areTilesLoaded(), null, { timeout: 60_000 });
  await page.waitForTimeout(800);
  findings.answer = await page.textContent('#where-answer');
  check(await page.textContent('#where-answer .badge') === '网格管理', `badge: ${findings.answer}`);
  check(findings.answer.includes(grid), `the live answer does not name grid ${grid}: ${findings.answer}`);
  check(await page.isHidden('#warn'), 'a "left your grid" warning inside the grid');
  findings.myGridDrawn = await page.evaluate(() => window.gridmapApp.map.queryRenderedFeatures({ layers: ['my-unit'] }).length);
  check(findings.myGridDrawn > 0, 'the worker\'s grid is not drawn');
  await shot(page, 'm-home.png');

  // The report form shows the resolver's answer for the pin before sending.
  await page.click('#tabs button[data-view=report]');
  await page.waitForSelector('#r-answer .badge', { timeout: 15_000 });
  check((await page.textContent('#r-answer')).includes(grid), `the form's answer: ${await page.textContent('#r-answer')}`);
  await page.locator('#report-map').scrollIntoViewIfNeeded();
  await shot(page, 'm-report-answer.png');
  await page.click('#tabs button[data-view=home]');

  // 3. Offline, after the first visit alone: the app opens from its cache; a report with a photo is queued (mobile-offline.mjs).
  await offlineSteps({ page, context, photo, ready, writes, failures, findings, check, shot, adminAPI, outbox });

  // 4. Online: the outbox is sent by itself.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForFunction(() => document.querySelectorAll('#q-list li').length === 0 && document.querySelector('#q-sent li'), null, { timeout: 30_000 });
  check((await outbox(page)).length === 0, 'items left in the outbox after the sync');
  await shot(page, 'm-sent.png');

  // 5. The server has exactly one report, with the photo, in the right grid.
  const mine = await adminAPI('/v1/reports?kind=hazard&reporter=' + encodeURIComponent(await page.evaluate(() => window.gridmapApp.me.name)));
  const reports = mine.body?.reports ?? [];
  findings.stored = reports.map((r) => ({ id: r.id, grid: r.resolution?.grid?.code, unit: r.unit_code, photos: r.attachments?.length }));
  check(reports.length === 1, `${reports.length} reports stored, want 1`);
  const report = reports[0];
  check(report?.resolution?.grid?.code === grid && report?.unit_code === grid, `resolved to ${report?.resolution?.grid?.code}, want ${grid}`);
  check(report?.attachments?.length === 1 && report.attachments[0].type === 'image/jpeg', `attachments ${JSON.stringify(report?.attachments)}`);
  // The sent report's place in the log is kept, and the next read sends it back (read-your-writes on a standby node).
  findings.position = await page.evaluate(async () => {
    const kept = JSON.parse(localStorage.getItem('gridmap.m.position') ?? 'null');
    const { api } = await import('./net.js');
    let sent = null;
    const seen = new Promise((resolve) => {
      const orig = window.fetch;
      window.fetch = (u, o) => { sent = o?.headers?.['Gridmap-Min-Position'] ?? null; window.fetch = orig; resolve(); return orig(u, o); };
    });
    await api('v1/me');
    await seen;
    return { kept: kept?.pos ?? null, sent };
  });
  check(/^\d+$/.test(findings.position.kept ?? '') && findings.position.sent === findings.position.kept,
    `the write position kept ${findings.position.kept}, sent with the next read ${findings.position.sent}`);

  // 6. A second sync sends nothing; the same items again (an answer that was
  //    lost) are answered "already stored" and store nothing twice.
  const before = writes.length;
  await page.click('#q-sync');
  await page.waitForTimeout(1000);
  check(writes.length === before, `a second sync sent ${writes.slice(before)}`);
  const replay = await page.evaluate(async (r) => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    await enqueue([{ id: r.attachments[0].checksum, kind: 'photo', label: 'replay' },
      { id: r.id, kind: 'report', label: 'replay', body: { id: r.id, kind: r.kind, category: r.category, severity: r.severity,
        description: r.description, point: r.point, crs: r.crs, observed_at: r.observed_at, accuracy_m: r.accuracy_m,
        attachments: r.attachments.map((a) => a.checksum) } }],
    { [r.attachments[0].checksum]: await (await fetch(`../v1/attachments/${r.attachments[0].checksum}`, {
      headers: { Authorization: `Bearer ${localStorage.getItem('gridmap.m.token')}` } })).blob() });
    return syncNow();
  }, report);
  findings.replayed = writes.slice(before);
  check(replay === 2 && findings.replayed.every((w) => / 200$/.test(w)), `the replay: ${replay} sent, answers ${findings.replayed}`);
  const again = await adminAPI('/v1/reports?kind=hazard&reporter=' + encodeURIComponent(report.reporter));
  check(again.body?.reports?.length === 1, `after the replay ${again.body?.reports?.length} reports`);

  // 7. The case, dispatched to the worker's grid, is handled with an after-photo.
  for (const step of [{ action: 'accept' }, { action: 'dispatch', assignee: '网格员' }]) {
    const r = await adminAPI(`/v1/reports/${report.id}/transitions`, { method: 'POST', body: JSON.stringify(step) });
    check(r.status === 200, `${step.action}: ${r.status}`);
  }
  await page.click('#tabs button[data-view=cases]');
  await page.waitForSelector(`#c-list li[data-id="${report.id}"]`, { timeout: 15_000 });
  await shot(page, 'm-cases.png');
  await page.click(`#c-list li[data-id="${report.id}"]`);
  await page.waitForSelector('#c-handle:not([hidden])', { timeout: 15_000 });
  // The case names the unit handling it (the grid's name, not its code) and shows where it was reported, marked.
  const dispatched = (await adminAPI(`/v1/reports/${report.id}`)).body ?? {};
  const res = dispatched.resolution ?? {};
  const unitName = [res.responsible, res.grid, res.community, res.street, res.district].find((u) => u?.code === dispatched.assigned_code)?.name;
  findings.caseMeta = await page.textContent('#c-meta');
  check(unitName && findings.caseMeta.includes(unitName) && !findings.caseMeta.includes(dispatched.assigned_code),
    `the open case names ${unitName} (${dispatched.assigned_code}): ${findings.caseMeta}`);
  await page.waitForTimeout(500);
  findings.casePlace = await page.evaluate(() => {
    const mark = document.querySelector('#case-map .maplibregl-marker')?.getBoundingClientRect();
    const box = document.getElementById('case-map').getBoundingClientRect();
    return { map: !!document.querySelector('#case-map #map'), marks: document.querySelectorAll('#case-map .maplibregl-marker').length,
      inView: !!mark && mark.left >= box.left && mark.right <= box.right && mark.top >= box.top && mark.bottom <= box.bottom };
  });
  check(findings.casePlace.map && findings.casePlace.marks === 1 && findings.casePlace.inView, `the open case's place: ${JSON.stringify(findings.casePlace)}`);
  await shot(page, 'm-case-open.png');
  await page.fill('#c-note', '已更换井盖');
  await page.setInputFiles('#c-photo', afterPhoto);
  await page.waitForSelector('#c-photos img');
  await page.click('#c-handle');
  await page.waitForFunction(() => /已处置/.test(document.getElementById('c-meta').textContent), null, { timeout: 30_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#c-history img')].some((i) => i.naturalWidth > 0), null, { timeout: 15_000 });
  await page.locator('#c-history').scrollIntoViewIfNeeded();
  await shot(page, 'm-case-handled.png');
  await caseLanguage({ page, check, findings, shot }); // 中/EN redraws the open case, its category too
  const handled = await adminAPI(`/v1/reports/${report.id}`);
  const last = handled.body?.history?.at(-1);
  findings.handled = { state: handled.body?.state, action: last?.action, photos: last?.attachments?.length };
  check(handled.body?.state === 'handled' && last?.action === 'handle' && last?.attachments?.length === 1,
    `after handling: ${JSON.stringify(findings.handled)}`);
  await caseSteps({ page, check, findings, shot, adminAPI, report, here });
  enter('7b'); // the street's duty officer works cases by the buttons (mobile-cases.mjs)
  await supervisorSteps({ browser, base, here, check, findings, shot, adminAPI, supervisor, viewer, grid, afterPhoto, ready, workerPage: page });

  // 8. Patrol: the track is recorded and sent in chunks, from where the worker stood (mobile-patrol.mjs).
  enter('8');
  await patrolSteps({ page, context, here, writes, failures, findings, check, shot });

  // 9. English: the home view and the report form (mobile-more.mjs).
  enter('9');
  await englishSteps({ page, check, findings, shot });

  // 10. The map follows the worker: 3 km north, the position is in view.
  const inView = (p) => page.evaluate((ll) => window.gridmapApp.map.getBounds().contains(ll), p);
  const away = { ...here, latitude: here.latitude + 0.027 };
  await context.setGeolocation(away);
  await page.waitForFunction((ll) => window.gridmapApp.map.getBounds().contains(ll) && !window.gridmapApp.map.isMoving(),
    [away.longitude, away.latitude], { timeout: 15_000 }).catch(() => failures.push('3 km away the position is off the map'));
  await shot(page, 'm-followed.png');
  // Moved by hand, the map stays where the worker put it for a while.
  const box = await page.evaluate(() => window.gridmapApp.map.getContainer().getBoundingClientRect().toJSON());
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 + i * 25, box.y + box.height / 2 + i * 40);
  await page.mouse.up();
  await page.waitForTimeout(500);
  const further = { ...away, latitude: away.latitude + 0.02 };
  await context.setGeolocation(further);
  await page.waitForTimeout(2000);
  check(!(await inView([further.longitude, further.latitude])), 'the map followed the worker right after they moved it by hand');
  findings.followed = true;

  // Back in Chinese, at the worker's spot, for what follows.
  await page.click('#lang');
  await context.setGeolocation(here);

  // 12–21. The field steps (mobile-field.mjs): a poor fix, an undecodable
  //        photo, a double tap, an outside point, a server refusal, a refused
  //        token, patrol recovery, the recent list, small screens, location denied.
  await fieldSteps({
    page, context, browser, base, worker, spare, control, here, writes, failures, findings,
    check, shot, adminAPI, outbox, ready, step: enter,
  });

  // 27–32. What a newcomer's walk through the app found (mobile-fixes.mjs):
  //        one place shown, named and sent; the form's messages and counter;
  //        a case handled offline; a long description; the server
  //        unreachable; a refusal's wording.
  const fixEnv = { page, context, base, here, grid, afterPhoto, failures, findings, check, shot, adminAPI, outbox };
  for (const [name, steps] of [['27', placeSteps], ['28', formSteps], ['29', offlineCase], ['30', longCase], ['31', unreachable], ['32', refusedWords]]) {
    enter(name);
    // One going wrong is said, and the others still run.
    await steps(fixEnv).catch((e) => failures.push(`step ${name} aborted: ${String(e.message ?? e).split('\n')[0]}`));
  }

  // 11. Sign-in, without a token (mobile-signin.mjs).
  const env = { page, context, browser, base, worker, twin, expired, community, desk, deskPoint, control, here, failures, findings, check, shot, adminAPI, outbox, ready };
  enter('11');
  await signinSteps(env);
  // 24. A worker scoped to a community (mobile-more.mjs); 25. a phone whose clock is fast (mobile-clock.mjs).
  enter('24');
  await scopeSteps(env);
  enter('25');
  await clockSteps(env);
  // 26. A phone whose clock is a day behind; 33. a phone set to New York's zone (mobile-clock.mjs).
  enter('26');
  await dayBehindSteps(env);
  enter('33');
  await zoneSteps(env);
  // 34. A street's desk with more cases than a page (mobile-desk.mjs).
  enter('34');
  await deskSteps(env);
  enter('35'); // whose the phone's saved work is (mobile-signin.mjs)
  await ownerSteps(env);
  enter('36'); // what a revoked token left, and what the last worker was shown (mobile-owner.mjs)
  await nextWorkerSteps(env);

  enter('end');
  findings.stepSecs = Object.fromEntries(Object.entries(stepSecs).map(([k, v]) => [k, Math.round(v)]));
  findings.writes = writes;
  findings.errors = errors;
  check(errors.length === 0, `page errors: ${errors.join(' | ')}`);
} catch (e) {
  failures.push(`aborted: ${e.stack || e}`, ...errors.map((err) => `page error before: ${err}`));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);
