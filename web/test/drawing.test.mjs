// Browser test of the dashboard's edit mode (web/edit.js): Debian's headless
// Chromium, driven by playwright-core, against a running gridmap whose
// database holds the demo city and two editor tokens (made by the Go test).
//
//  1. Page A opens edit mode, enters token A, clicks a grid of 南开区 near the
//     centre of the map: its boundary becomes editable.
//  2. Page B (another browser context: its own sessionStorage) loads the same
//     grid by code, so it holds version 1 too. A speaks English (the EN
//     button, kept in localStorage), B Chinese: B's edit panel has no
//     English words, and its messages below are checked in Chinese.
//  3. A drags one vertex 45 px outward with the mouse and saves: the PUT
//     answers 200, the panel shows the new version and the warnings (the
//     vertex now pushes into a neighbour), a click on a warning flies there,
//     the grid tile under the vertex has a new ETag and new bytes, the map
//     requested its tiles again, GET /v1/units/{code} has the moved vertex,
//     and the unit panel (A clicked the grid) shows version 2.
//  4. B moves a vertex of its stale copy and saves. A 429 (faked by
//     intercepting the request: the server's limits are tested in api/)
//     shows the wait and holds the Save button; a wrong token is refused as
//     it is entered (GET /v1/me), so the save goes without one and gets 401;
//     a viewer's token is said at once to be unable to edit boundaries, and
//     its save gets 403, each with its message; with token B the answer
//     is 412, and the conflict box shows A's version (v2, A's name, the
//     time, in China time though B's browser is in Los Angeles) drawn as a
//     dashed outline; "reload theirs" puts version 2 into
//     B's editor.
//  5. A draws a new enclave (four clicks, close on the first vertex), fills
//     in code, name and managing unit and creates it: POST answers 201.
//     Leaving and re-entering edit mode works.
//
// Screenshots go to OUT_DIR (edit-*.png).
//
//   GRIDMAP_TOKEN_A=… GRIDMAP_TOKEN_A_NAME=… GRIDMAP_TOKEN_B=… GRIDMAP_TOKEN_VIEWER=… \
//     node drawing.test.mjs http://127.0.0.1:8080 out
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { launch, settled, enterToken } from './map.mjs';
import { drag, vertexToMove, tileOf } from './drawing-util.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, outDir = 'out'] = process.argv.slice(2);
const tokenA = process.env.GRIDMAP_TOKEN_A;
const tokenB = process.env.GRIDMAP_TOKEN_B;
const tokenViewer = process.env.GRIDMAP_TOKEN_VIEWER;
const nameA = process.env.GRIDMAP_TOKEN_A_NAME ?? 'drawing-test-A'; // the change log's name for token A
if (!base || !tokenA || !tokenB || !tokenViewer) {
  console.error('usage: GRIDMAP_TOKEN_A=… GRIDMAP_TOKEN_B=… GRIDMAP_TOKEN_VIEWER=… node drawing.test.mjs BASE_URL [OUT_DIR]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
const findings = { screenshots: [] };
const long = { timeout: 60_000 }; // two cores, often busy

const browser = await launch();

// open loads the dashboard in a new context (in English with en) and
// watches its console, requests and tile loads.
async function open(name, { en = false, timezoneId } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId });
  if (en) await context.addInitScript(() => localStorage.setItem('gridmap.lang', 'en'));
  const page = await context.newPage();
  const watch = { name, page, errors: [], outside: [], tiles: [] };
  // Chromium logs every 4xx answer of fetch() as a console error; the ones
  // this test provokes on purpose are expected.
  const provoked = /Failed to load resource: the server responded with a status of (401|403|412|429)/;
  page.on('console', (m) => { if (m.type() === 'error' && !provoked.test(m.text())) watch.errors.push(m.text()); });
  page.on('pageerror', (e) => watch.errors.push(String(e)));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith('data:') && !u.startsWith('blob:')) watch.outside.push(u);
  });
  // Tiles by when they were asked (an answer may come after a later
  // request's): status 0 while awaited, -1 if the map gave up on it.
  const tileOf = new Map();
  page.on('request', (r) => {
    if (!/\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt/.test(r.url())) return;
    const t = { url: r.url(), status: 0, at: Date.now() };
    watch.tiles.push(t);
    tileOf.set(r, t);
  });
  page.on('response', (r) => { if (tileOf.has(r.request())) tileOf.get(r.request()).status = r.status(); });
  page.on('requestfailed', (r) => { if (tileOf.has(r)) tileOf.get(r).status = -1; });
  await page.goto(base + '/', { waitUntil: 'load' });
  await settled(page, 90_000);
  await page.waitForFunction(() => window.gridmap?.editor, null, long);
  return watch;
}

async function shot(page, name) {
  const path = join(outDir, name);
  await page.screenshot({ path });
  findings.screenshots.push(path);
}

async function enterEditMode(page, token) {
  await page.click('#edit-toggle');
  // The server is asked about the token at once (GET /v1/me): an editor's.
  const { state } = await enterToken(page, token);
  check(/Valid token/.test(state) && /role: editor/.test(state) && /may edit every boundary/.test(state), `token state after entering it: ${state}`);
}

const tokenEntered = enterToken; // the server's word about the token, as it is entered

async function fetchTile(page, path) {
  const r = await page.request.get(`${base}/tiles/grid/${path}.mvt`);
  return { status: r.status(), etag: r.headers().etag, body: await r.body() };
}

// unit reads a unit anonymously. A grid with a worker's phone then comes
// without it, under the ETag "vN-partial" (the server refuses to save such a
// copy); the version is what this test follows, so the mark is dropped.
async function unit(page, code) {
  const r = await page.request.get(`${base}/v1/units/${code}`);
  return { etag: r.headers().etag?.replace('-partial', ''), feature: await r.json() };
}

const hasVertex = (geometry, c) => JSON.stringify(geometry).includes(JSON.stringify(c));

let A;
let B;
try {
  // 1. A picks a grid of 南开区 near the centre.
  A = await open('A', { en: true });
  await enterEditMode(A.page, tokenA);
  const pick = await A.page.evaluate(() => {
    const { map } = window.gridmap;
    const c = map.project(map.getCenter());
    const r = map.getContainer().getBoundingClientRect();
    const labels = map.querySourceFeatures('gridmap', { sourceLayer: 'grid_label' })
      .filter((f) => String(f.properties.code).startsWith('120104'))
      .map((f) => ({ code: f.properties.code, name: f.properties.name, p: map.project(f.geometry.coordinates) }))
      .filter((f) => f.p.x > 100 && f.p.y > 100 && f.p.x < map.getCanvas().clientWidth - 100 && f.p.y < map.getCanvas().clientHeight - 100)
      .sort((a, b) => Math.hypot(a.p.x - c.x, a.p.y - c.y) - Math.hypot(b.p.x - c.x, b.p.y - c.y));
    return labels[0] && { code: labels[0].code, name: labels[0].name, x: r.left + labels[0].p.x, y: r.top + labels[0].p.y };
  });
  if (!check(pick, 'no grid of 南开区 in view to pick')) throw new Error('nothing to pick');
  findings.grid = { code: pick.code, name: pick.name };
  await A.page.mouse.click(pick.x, pick.y);
  await A.page.waitForFunction((code) => window.gridmap.editor.phase === 'editing' && window.gridmap.editor.target?.code === code,
    pick.code, long);
  await settled(A.page);
  const title = await A.page.textContent('#edit-title');
  check(title.includes(pick.code) && title.includes('v1'), `edit title after picking: ${title}`);
  const before = await unit(A.page, pick.code);
  check(before.etag === '"v1"', `ETag of ${pick.code} before: ${before.etag}`);
  // This test is about editing one boundary (PUT): a vertex the grid shares
  // moves for it alone (topology.test.mjs moves one for all).
  const hintTogether = await A.page.textContent('#edit-hint');
  await A.page.uncheck('#edit-keep-shared');
  findings.hints = { together: hintTogether, alone: await A.page.textContent('#edit-hint') };
  check(/every unit that shares it|所有共用单元/.test(hintTogether) && /this unit only|只改本单元/.test(findings.hints.alone),
    `the edit hint does not follow the shared-vertex box: ${JSON.stringify(findings.hints)}`);
  await shot(A.page, 'edit-1-picked.png');

  // 2. B loads the same grid by code: it now holds version 1 too.
  B = await open('B', { timezoneId: 'America/Los_Angeles' }); // a laptop abroad: times are still China's
  await B.page.click('#edit-toggle');
  await B.page.fill('#edit-code', pick.code);
  await B.page.click('#edit-load button[type=submit]');
  await B.page.waitForFunction((code) => window.gridmap.editor.phase === 'editing' && window.gridmap.editor.target?.code === code,
    pick.code, long);
  await settled(B.page);
  await B.page.uncheck('#edit-keep-shared');
  // B is in Chinese: the edit panel says nothing in English (the command in <code> and codes aside).
  findings.panelB = await B.page.evaluate(() => {
    const box = document.getElementById('edit').cloneNode(true);
    box.querySelectorAll('code').forEach((c) => c.remove());
    document.body.append(box); // innerText needs the copy laid out
    const text = box.innerText;
    box.remove();
    return text;
  });
  const englishB = findings.panelB.match(/[A-Za-z]{3,}/g) ?? [];
  check(englishB.length === 0 && /编辑边界/.test(findings.panelB), `English words in B's Chinese edit panel: ${englishB.join(' ')}`);

  // 3. A moves a vertex and saves.
  const v = await vertexToMove(A.page);
  if (!check(v, 'no vertex of the grid inside the map')) throw new Error('no vertex');
  const tile = tileOf(v.lngLat);
  const tileBefore = await fetchTile(A.page, tile);
  check(tileBefore.status === 200 && tileBefore.body.length > 0, `tile ${tile} before: ${tileBefore.status}`);
  await drag(A.page, v.from, v.to);
  await A.page.waitForSelector('#edit-target[data-dirty="true"]', long);
  const moved = await A.page.evaluate(() => window.gridmap.editor.geometry());
  check(!hasVertex(moved, v.lngLat), 'the dragged vertex is still where it was in the editor');
  findings.dragged = { tile, px: Math.round(Math.hypot(v.to.x - v.from.x, v.to.y - v.from.y)) };
  await shot(A.page, 'edit-2-moved.png');

  const saveAt = Date.now();
  const [put] = await Promise.all([
    A.page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith(`/v1/units/${pick.code}`), long),
    A.page.click('#edit-save'),
  ]);
  findings.put = { status: put.status(), etag: put.headers().etag, ifMatch: put.request().headers()['if-match'] };
  check(put.status() === 200, `PUT answered ${put.status()}: ${await put.text()}`);
  check(findings.put.ifMatch === '"v1"', `PUT sent If-Match ${findings.put.ifMatch}`);
  await A.page.waitForSelector('#edit-message.ok', long);
  findings.saved = await A.page.textContent('#edit-message');
  check(/version 2/.test(findings.saved), `saved message: ${findings.saved}`);
  check((await A.page.textContent('#edit-version')) === 'v2', 'the panel does not show v2 after the save');
  // A clicked the grid on the map to pick it: the unit panel shows it, and reads it again after the save.
  await A.page.waitForFunction(() => document.querySelector('#unit dd[data-key=version]')?.textContent === '2', null, long).catch(() => {});
  findings.unitPanelA = await A.page.evaluate(() => ({ code: window.gridmap.panel.code, version: document.querySelector('#unit dd[data-key=version]')?.textContent }));
  check(findings.unitPanelA.code === pick.code && findings.unitPanelA.version === '2', `the unit panel after the save: ${JSON.stringify(findings.unitPanelA)}`);

  // The map asks for its tiles again (a new ?v=), and the tile changed.
  await A.page.waitForFunction(() => window.gridmap.map.areTilesLoaded(), null, long);
  await A.page.waitForTimeout(500);
  const asked = () => A.tiles.filter((t) => t.at >= saveAt && /[?&]v=/.test(t.url));
  for (let i = 0; i < 40 && asked().some((t) => t.status === 0); i++) await A.page.waitForTimeout(250);
  const reloaded = asked().filter((t) => t.status !== -1);
  findings.tilesReloaded = reloaded.length;
  check(reloaded.length > 0 && reloaded.every((t) => t.status === 200), `tiles re-requested after the save: ${JSON.stringify(reloaded.slice(0, 3))}`);
  // They ask for at least the data version the save answered with, so any
  // node (behind a load balancer) draws them with the edit.
  findings.indexVersion = put.headers()['gridmap-index-version'];
  check(/^\d+$/.test(findings.indexVersion ?? ''), `PUT answered Gridmap-Index-Version ${findings.indexVersion}`);
  check(reloaded.every((t) => new URL(t.url).searchParams.get('min_version') === findings.indexVersion),
    `reloaded tiles without min_version=${findings.indexVersion}: ${JSON.stringify(reloaded.slice(0, 3).map((t) => t.url))}`);
  const tileAfter = await fetchTile(A.page, tile);
  findings.tileETags = [tileBefore.etag, tileAfter.etag];
  check(tileAfter.etag !== tileBefore.etag, `tile ${tile} kept its ETag ${tileAfter.etag}`);
  check(!tileAfter.body.equals(tileBefore.body), `tile ${tile} kept its bytes`);
  const after = await unit(A.page, pick.code);
  check(after.etag === '"v2"' && after.feature.properties.version === 2, `GET after the save: ${after.etag}`);
  check(!hasVertex(after.feature.geometry, v.lngLat), 'the stored grid still has the vertex that was moved');
  // The vertices not moved are stored with their full precision (terra-draw
  // keeps 9 decimals), so the edges shared with the neighbours stay shared.
  const kept = before.feature.geometry.coordinates[0][0].filter((c) => JSON.stringify(c) !== JSON.stringify(v.lngLat));
  const lost = kept.filter((c) => !hasVertex(after.feature.geometry, c));
  check(lost.length === 0, `vertices not moved but changed by the save: ${JSON.stringify(lost)}`);

  // Warnings: the vertex pushed into a neighbour; a click flies there.
  const warnings = await A.page.$$eval('#edit-warnings li', (lis) => lis.map((li) => li.textContent));
  findings.warnings = warnings;
  check(!(await A.page.isHidden('#edit-warnings')) && warnings.length > 0, 'no validation warning listed after moving a vertex into the neighbour');
  if (warnings.length > 0) {
    const centreBefore = await A.page.evaluate(() => window.gridmap.map.getCenter().toArray());
    await A.page.click('#edit-warnings li:first-child button');
    await A.page.waitForTimeout(900);
    await settled(A.page);
    const centreAfter = await A.page.evaluate(() => window.gridmap.map.getCenter().toArray());
    check(JSON.stringify(centreBefore) !== JSON.stringify(centreAfter), 'clicking a warning did not move the map');
    // In Chinese the warnings are Chinese: the kinds always, and the
    // overlaps, gaps and parts outside the parent in words of their own.
    await A.page.click('#lang');
    findings.warningsZh = await A.page.$$eval('#edit-warnings li', (lis) => lis.map((li) => li.textContent));
    await A.page.click('#lang');
    const known = findings.warningsZh.filter((w) => /重叠|失管|超出上级/.test(w));
    check(known.length > 0 && known.every((w) => !/[A-Za-z]{3,}/.test(w)), `the warnings in Chinese: ${JSON.stringify(findings.warningsZh)}`);
  }
  await shot(A.page, 'edit-3-saved.png');

  // 4. B, still on version 1, moves a vertex and saves: first with a bad
  // token (401), then with its own (412, A's version shown).
  const vb = await vertexToMove(B.page);
  if (!check(vb, 'page B: no vertex inside the map')) throw new Error('no vertex in B');
  await drag(B.page, vb.from, { x: vb.from.x - (vb.to.x - vb.from.x), y: vb.from.y - (vb.to.y - vb.from.y) }); // inward
  await B.page.waitForSelector('#edit-target[data-dirty="true"]', long);
  const putB = (r) => r.request().method() === 'PUT' && r.url().endsWith(`/v1/units/${pick.code}`);
  const unitURL = (u) => u.pathname.endsWith(`/v1/units/${pick.code}`);
  await B.page.route(unitURL, (route) => (route.request().method() !== 'PUT' ? route.continue() : route.fulfill({
    status: 429, headers: { 'Retry-After': '2', 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: 'about:blank', title: 'Too Many Requests', status: 429, detail: 'write rate limit of the token', code: 'ERATELIMITED' }) })));
  await Promise.all([B.page.waitForResponse(putB, long), B.page.click('#edit-save')]);
  await B.page.waitForSelector('#edit-message.error', long);
  findings.tooMany = await B.page.textContent('#edit-message');
  check(/等待 2 秒/.test(findings.tooMany), `429 message: ${findings.tooMany}`);
  check(await B.page.isDisabled('#edit-save'), 'Save stays enabled during Retry-After');
  await B.page.unroute(unitURL);
  await B.page.waitForSelector('#edit-save:not([disabled])', long);

  // A wrong token is refused as it is entered, and not used: the save goes without one (401).
  findings.wrongToken = await tokenEntered(B.page, 'not-a-token');
  check(/error/.test(findings.wrongToken.kind) && /无法识别此令牌/.test(findings.wrongToken.message) && findings.wrongToken.token === null,
    `a wrong token entered: ${JSON.stringify(findings.wrongToken)}`);
  const [unauth] = await Promise.all([B.page.waitForResponse(putB, long), B.page.click('#edit-save')]);
  check(unauth.status() === 401, `PUT with a bad token answered ${unauth.status()}`);
  await B.page.waitForSelector('#edit-message.error', long);
  findings.unauthorized = await B.page.textContent('#edit-message');
  check(/令牌/.test(findings.unauthorized), `401 message: ${findings.unauthorized}`);

  // A viewer's token is said at once to be unable to edit boundaries; saving with it is refused (403).
  findings.viewerToken = await tokenEntered(B.page, tokenViewer);
  check(/warn/.test(findings.viewerToken.kind) && /查看员/.test(findings.viewerToken.state) && /不能编辑边界/.test(findings.viewerToken.state),
    `a viewer's token entered: ${JSON.stringify(findings.viewerToken)}`);
  const [forbidden] = await Promise.all([B.page.waitForResponse(putB, long), B.page.click('#edit-save')]);
  check(forbidden.status() === 403, `PUT with a viewer's token answered ${forbidden.status()}`);
  await B.page.waitForSelector('#edit-message.error', long);
  findings.forbidden = await B.page.textContent('#edit-message');
  check(/无权编辑/.test(findings.forbidden), `403 message: ${findings.forbidden}`);
  // The language switch writes the message again in English.
  await B.page.click('#lang');
  findings.forbiddenEN = await B.page.textContent('#edit-message');
  check(/may not edit/.test(findings.forbiddenEN), `403 message after EN: ${findings.forbiddenEN}`);
  await B.page.click('#lang');

  await tokenEntered(B.page, tokenB);
  const [stale] = await Promise.all([B.page.waitForResponse(putB, long), B.page.click('#edit-save')]);
  findings.stale = { status: stale.status(), ifMatch: stale.request().headers()['if-match'] };
  check(stale.status() === 412, `stale PUT answered ${stale.status()}`);
  // B read version 1 before it had a token: its copy's tag may be partial.
  check(findings.stale.ifMatch?.replace('-partial', '') === '"v1"', `stale PUT sent If-Match ${findings.stale.ifMatch}`);
  await B.page.waitForSelector('#edit-conflict:not([hidden])', long);
  const conflict = await B.page.textContent('#edit-conflict');
  findings.conflict = conflict;
  check(/v2/.test(conflict) && conflict.includes(nameA), `conflict box: ${conflict}`);
  // B reads Chinese: the time of their save too (2026/12/4 03:40:39, not 12/4/2026, 3:40:39 AM),
  // in China time though B's browser is in Los Angeles.
  const savedAt = (await stale.json().catch(() => null))?.current?.properties?.valid_from;
  const china = savedAt && new Intl.DateTimeFormat('zh-CN', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric',
    hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false }).format(new Date(savedAt));
  findings.conflictTime = { savedAt, china };
  check(/\d{4}\/\d{1,2}\/\d{1,2} \d{2}:\d{2}/.test(conflict) && !/[AP]M/.test(conflict), `conflict box time: ${conflict}`);
  check(china && conflict.includes(`${china}（北京时间）`), `the conflict box's time is not China's (${china}): ${conflict}`);
  await B.page.waitForFunction(() => window.gridmap.map.queryRenderedFeatures({ layers: ['edit-theirs-line'] }).length > 0, null, long)
    .catch(() => failures.push('the other version is not drawn'));
  await B.page.waitForTimeout(300);
  await shot(B.page, 'edit-4-conflict.png');

  await B.page.click('#edit-reload-theirs');
  await B.page.waitForFunction(() => window.gridmap.editor.target?.etag === '"v2"', null, long);
  const reloadedTheirs = await B.page.evaluate(() => window.gridmap.editor.geometry());
  check(JSON.stringify(reloadedTheirs.coordinates) === JSON.stringify(after.feature.geometry.coordinates),
    'after "reload theirs" B does not hold version 2 exactly');
  check(await B.page.isHidden('#edit-conflict'), 'the conflict box stays after reloading theirs');
  check((await B.page.textContent('#edit-version')) === 'v2', 'B does not show v2 after reloading theirs');

  // 5. A draws a new enclave and creates it.
  await A.page.click('#edit-discard');
  await A.page.waitForFunction(() => window.gridmap.editor.phase === 'idle', null, long);
  await A.page.click('#edit-new-enclave');
  await A.page.fill('#edit-new [name=code]', 'E120104990');
  await A.page.fill('#edit-new [name=name]', '测试飞地');
  await A.page.fill('#edit-new [name=managing_code]', after.feature.properties.parent_code);
  await A.page.selectOption('#edit-new [name=status]', 'custodial');
  const box = await A.page.evaluate(() => {
    const r = window.gridmap.map.getContainer().getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  const corners = [[-150, -90], [-60, -90], [-60, -20], [-150, -20]].map(([dx, dy]) => ({ x: box.x + dx, y: box.y + dy }));
  for (const c of [...corners, corners[0]]) {
    await A.page.mouse.click(c.x, c.y);
    await A.page.waitForTimeout(400);
  }
  await A.page.waitForFunction(() => window.gridmap.editor.phase === 'editing', null, long);
  await shot(A.page, 'edit-5-new-enclave.png');
  const [post] = await Promise.all([
    A.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/enclaves'), long),
    A.page.click('#edit-save'),
  ]);
  findings.post = post.status();
  check(post.status() === 201, `POST of the new enclave answered ${post.status()}: ${await post.text()}`);
  await A.page.waitForSelector('#edit-message.ok', long);
  const created = await A.page.request.get(`${base}/v1/enclaves/E120104990`);
  check(created.status() === 200, `GET of the new enclave: ${created.status()}`);
  await settled(A.page);
  await shot(A.page, 'edit-6-created.png');

  // Leave edit mode and come back: the drawing control stops and starts again.
  await A.page.click('#edit-toggle');
  await A.page.waitForFunction(() => window.gridmap.editor.phase === 'off' && document.getElementById('edit').hidden, null, long);
  await A.page.click('#edit-toggle');
  await A.page.fill('#edit-code', pick.code);
  await A.page.click('#edit-load button[type=submit]');
  await A.page.waitForFunction(() => window.gridmap.editor.target?.etag === '"v2"', null, long);

  for (const w of [A, B]) {
    check(w.errors.length === 0, `page ${w.name} console errors: ${w.errors.join(' | ')}`);
    check(w.outside.length === 0, `page ${w.name} requests to other hosts: ${w.outside.join(' ')}`);
  }
} catch (err) {
  failures.push(String(err?.stack ?? err));
  for (const [w, name] of [[A, 'edit-failure-A.png'], [B, 'edit-failure-B.png']]) {
    if (w) await shot(w.page, name).catch(() => {});
  }
  for (const w of [A, B]) if (w?.errors.length) failures.push(`page ${w.name} console errors: ${w.errors.join(' | ')}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);
