// Browser test of the topology-keeping edits of the dashboard's edit mode
// (web/edit-shared.js, web/edit-tools.js): Debian's headless Chromium,
// driven by playwright-core, against a running gridmap whose database holds
// the demo city and an editor token (made by the Go test, which also finds
// a vertex three grids share exactly: GRIDMAP_SHARED = {at, codes, room}).
//
//  1. Move: the editor loads the first grid that has the vertex; the vertex
//     is ringed, and hovering it says "shared by 3 units". With a token
//     scoped to that grid alone, dragging it is refused (403, said in plain
//     words) and the vertex goes back; with the editor's token, dragging it with
//     the mouse draws the neighbours' outlines following it; the release
//     sends POST /v1/boundaries:move-vertex with the exact stored vertex as
//     from and a client_id; the test drops its first answer (made on the
//     server, lost on the way back), and the console sends it again with the
//     same client_id, answered 200 (Idempotent-Replayed) with a new version
//     of every grid — one version, not two. Every one of them
//     has the vertex at its new place through GET /v1/units/{code} (and not
//     at the old), the map requested its tiles again with min_version = the
//     answer's Gridmap-Index-Version, and the drawn grid tiles have a vertex
//     of every grid at the new place. The dashboard's unit panel, showing
//     a neighbour of the edited grid (clicked on the map before edit mode),
//     keeps its version 1 after the refused move and shows version 2 after
//     the move, which changed it too.
//  2. Merge (topology-merge.mjs): two of the grids that are siblings are
//     merged with the merge tool; the unit panel follows the neighbour it
//     shows.
//  3. Split (topology-split.mjs): the third grid is split with the split
//     tool along a line drawn across it, after a line that does not cross
//     it is refused and the answer of the first attempt is lost.
//
//   GRIDMAP_TOKEN=… GRIDMAP_SHARED='{"at":[…],"codes":[…],"room":…}' node topology.test.mjs http://127.0.0.1:8080 out
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { launch, settled as settledOn, screenOf as screenOn, clickable, enterToken, unitPanel } from './map.mjs';
import { mergeSteps } from './topology-merge.mjs';
import { splitSteps } from './topology-split.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, outDir = 'out'] = process.argv.slice(2);
const token = process.env.GRIDMAP_TOKEN;
const scopedToken = process.env.GRIDMAP_TOKEN_SCOPED;
const shared = JSON.parse(process.env.GRIDMAP_SHARED ?? 'null');
if (!base || !token || !scopedToken || !shared) {
  console.error('usage: GRIDMAP_TOKEN=… GRIDMAP_SHARED=… node topology.test.mjs BASE_URL [OUT_DIR]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
const findings = { screenshots: [], shared };
const long = { timeout: 60_000 };
const isUUID = (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s ?? '');

const browser = await launch();
const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
// In English (the dashboard's EN button, kept in localStorage): the messages checked below are its words.
await context.addInitScript(() => localStorage.setItem('gridmap.lang', 'en'));
const page = await context.newPage();
const errors = [];
const tiles = [];
// Answers the test provokes: refusals, a reset, and the move answer it drops (ERR_FAILED).
const provoked = /Failed to load resource: (the server responded with a status of (400|403|404|422)|net::ERR_CONNECTION_RESET|net::ERR_FAILED)/;
page.on('console', (m) => { if (m.type() === 'error' && !provoked.test(m.text())) errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
// Tiles in the order they were requested (an answer may come after a later
// request's): status 0 while awaited, -1 if the map gave up on it.
const tileOf = new Map();
page.on('request', (r) => {
  if (!/\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt/.test(r.url())) return;
  const t = { url: r.url(), status: 0, at: Date.now() };
  tiles.push(t);
  tileOf.set(r, t);
});
page.on('response', (r) => { if (tileOf.has(r.request())) tileOf.get(r.request()).status = r.status(); });
page.on('requestfailed', (r) => { if (tileOf.has(r)) tileOf.get(r).status = -1; });

const settled = (timeout) => settledOn(page, timeout);
const screenOf = (lngLat) => screenOn(page, lngLat);

async function shot(name) {
  const path = join(outDir, name);
  await page.screenshot({ path });
  findings.screenshots.push(path);
}

async function unit(code) {
  const r = await page.request.get(`${base}/v1/units/${code}`);
  return { status: r.status(), feature: r.ok() ? await r.json() : null };
}

const useToken = (secret) => enterToken(page, secret); // checked with the server as it is entered

// dragVertex drags with the mouse from one point to another in steps and
// returns the answer of the move-vertex request the release sends; before
// the release it calls during().
async function dragVertex(from, to, during = async () => {}) {
  await page.mouse.move(from.x, from.y);
  await page.waitForTimeout(150);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / 10, from.y + ((to.y - from.y) * i) / 10);
    await page.waitForTimeout(40);
  }
  await page.waitForTimeout(200);
  await during();
  const [post] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/boundaries:move-vertex'), long),
    page.mouse.up(),
  ]);
  return post;
}

async function loadUnit(code) {
  if (await page.evaluate(() => window.gridmap.editor.phase !== 'idle')) {
    await page.click('#edit-discard'); // nothing unsaved: no question asked
    await page.waitForFunction(() => window.gridmap.editor.phase === 'idle', null, long);
  }
  await page.fill('#edit-code', code);
  await page.click('#edit-load button[type=submit]');
  await page.waitForFunction((c) => window.gridmap.editor.phase === 'editing' && window.gridmap.editor.target?.code === c, code, long);
  await settled();
}

const panelShows = () => unitPanel(page);
const panelVersion = (v) => page.waitForFunction((v) => document.querySelector('#unit dd[data-key=version]')?.textContent === v, v, long);

const same = (a, b) => a[0] === b[0] && a[1] === b[1];
const hasVertex = (g, c) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).some((p) => p.some((r) => r.some((v) => same(v, c))));

try {
  await page.goto(base + '/', { waitUntil: 'load' });
  await settled(90_000);
  await page.waitForFunction(() => window.gridmap?.editor, null, long);
  // The unit panel shows a neighbour of the grid to be edited, clicked on
  // the map: the move below changes it too.
  const watched = shared.codes.filter((c) => c.length === 15)[1];
  await page.evaluate((at) => window.gridmap.map.jumpTo({ center: at, zoom: 16 }), shared.at);
  await settled();
  const there = await clickable(page, watched, shared.at);
  if (check(there, `no place near the shared vertex where a click picks ${watched}`)) {
    await page.mouse.click(there.x, there.y);
    await panelVersion('1').catch(() => failures.push(`clicking ${watched} did not show its version 1 in the panel`));
  }
  findings.panelBefore = await panelShows();
  check(findings.panelBefore.code === watched, `the panel shows ${findings.panelBefore.code}, not ${watched}`);
  await page.click('#edit-toggle');
  await useToken(scopedToken);

  // 1. Move the shared vertex.
  const grids = shared.codes.filter((c) => c.length === 15);
  const first = grids[0];
  await loadUnit(first);
  await page.waitForFunction((at) => window.gridmap.editor.shared.shared.some((s) => s.at[0] === at[0] && s.at[1] === at[1]),
    shared.at, long).catch(() => failures.push('the shared vertex is not known as shared'));
  // Zoom so that a move of a third of the room to the next vertex is 40 px.
  await page.evaluate(({ at, room }) => {
    const { map } = window.gridmap;
    const a = map.project(at);
    const b = map.project([at[0] + room * 0.3, at[1]]);
    const px = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    map.jumpTo({ center: at, zoom: Math.min(20, map.getZoom() + Math.log2(40 / px)) });
  }, shared);
  await settled();
  const from = await screenOf(shared.at);
  await page.mouse.move(from.x + 30, from.y + 30);
  await page.mouse.move(from.x + 2, from.y + 1, { steps: 4 });
  await page.waitForTimeout(300);
  const tag = await page.textContent('#edit-share-tag');
  findings.hoverTag = tag;
  check(await page.isVisible('#edit-share-tag'), 'no tag beside the shared vertex while hovering it');
  check(new RegExp(`shared by ${shared.codes.length} units`).test(tag), `hover tag: ${tag}`);
  await shot('topology-1-hover.png');

  const to = { x: from.x + 40, y: from.y + 12 };
  // A token for the first grid alone: refused, and the vertex is back.
  const forbidden = await dragVertex(from, to);
  check(forbidden.status() === 403, `move-vertex with a token scoped to ${first} answered ${forbidden.status()}`);
  await page.waitForSelector('#edit-message.error', long);
  findings.forbidden = await page.textContent('#edit-message');
  check(/^Vertex not moved: this token may not change every unit/.test(findings.forbidden), `403 message: ${findings.forbidden}`);
  const back = await page.evaluate(() => window.gridmap.editor.geometry());
  check(hasVertex(back, shared.at), 'after the refused move the vertex is not back at its place in the editor');
  check(await page.isDisabled('#edit-save'), 'Save is enabled after the refused move');
  await shot('topology-1b-forbidden.png');
  for (const c of shared.codes) {
    const u = await unit(c);
    check(u.feature?.properties.version === 1, `${c} changed by the refused move: v${u.feature?.properties.version}`);
  }
  findings.panelRefused = await panelShows();
  check(findings.panelRefused.code === watched && findings.panelRefused.version === '1', `the panel after the refused move: ${JSON.stringify(findings.panelRefused)}`);

  // A new token reloads the tiles (what they show depends on it): those are
  // requested before the mark, whenever their answers come.
  const beforeToken = tiles.length;
  await useToken(token);
  for (let i = 0; i < 40 && tiles.length === beforeToken; i++) await page.waitForTimeout(250);
  await settled();
  let following = [];
  // The tiles requested once the move's answer has come (the browser tells
  // of requests and answers in order): those asked during the drag or while
  // the move is on its way (the map may fetch a tile as the pointer moves,
  // before there is a new version to ask for) come before the mark.
  let tileMark = Infinity;
  const markMove = (r) => {
    if (r.url().includes('/v1/boundaries:move-vertex') && r.status() === 200) tileMark = tiles.length;
  };
  page.on('response', markMove);
  // The first move reaches the server, which makes it, but its answer is
  // lost on the way back: the console sends it again with the same
  // client_id, and the server answers it as made (Idempotent-Replayed).
  const moves = [];
  await page.route('**/v1/boundaries:move-vertex', async (route) => {
    moves.push(JSON.parse(route.request().postData()));
    if (moves.length > 1) return route.continue();
    await route.fetch();
    return route.abort('failed');
  });
  const post = await dragVertex(from, to, async () => {
    // Mid-drag: the neighbours' outlines have the vertex where the pointer is.
    following = await page.evaluate(({ at, to }) => {
      const { map } = window.gridmap;
      const r = map.getContainer().getBoundingClientRect();
      const here = map.unproject([to.x - r.left, to.y - r.top]);
      const fs = window.gridmap.editor.shared.around;
      const near = (c) => Math.hypot(c[0] - here.lng, c[1] - here.lat);
      return fs.map((f) => {
        const vs = (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates).flat(2);
        return { code: f.properties.code, atNew: vs.some((c) => near(c) < 1e-6), atOld: vs.some((c) => c[0] === at[0] && c[1] === at[1]) };
      });
    }, { at: shared.at, to });
    findings.following = following;
    findings.dragTag = await page.textContent('#edit-share-tag');
    check(await page.isVisible('#edit-share-tag'), 'no tag beside the shared vertex while dragging it');
    await shot('topology-2-dragging.png');
  });
  const neighbours = shared.codes.filter((c) => c !== first);
  for (const c of neighbours) {
    const f = following.find((x) => x.code === c);
    check(f?.atNew && !f.atOld, `mid-drag, ${c}'s outline does not follow the vertex: ${JSON.stringify(f)}`);
  }
  const sent = JSON.parse(post.request().postData());
  const answer = await post.json().catch(() => null);
  const indexVersion = Number(post.headers()['gridmap-index-version']);
  findings.move = { status: post.status(), sent, indexVersion, units: answer?.units?.features?.map((f) => `${f.properties.code} v${f.properties.version}`) };
  check(post.status() === 200, `move-vertex answered ${post.status()}: ${JSON.stringify(answer)}`);
  check(same(sent.from, shared.at), `move-vertex sent from ${JSON.stringify(sent.from)}, the stored vertex is ${JSON.stringify(shared.at)}`);
  check(indexVersion > 0, 'move-vertex answered without Gridmap-Index-Version');
  await page.unroute('**/v1/boundaries:move-vertex');
  findings.lostAnswer = { sent: moves.length, ids: moves.map((m) => m.client_id), replayed: post.headers()['idempotent-replayed'] };
  check(moves.length === 2 && moves[0].client_id && moves[0].client_id === moves[1].client_id && findings.lostAnswer.replayed === 'true',
    `a move whose answer was lost is sent again with its client_id and answered as made: ${JSON.stringify(findings.lostAnswer)}`);
  await page.waitForSelector('#edit-message.ok', long);
  findings.moved = await page.textContent('#edit-message');
  check(new RegExp(`in ${shared.codes.length} units`).test(findings.moved), `message after the move: ${findings.moved}`);
  for (const c of shared.codes) {
    const u = await unit(c);
    check(u.status === 200 && hasVertex(u.feature.geometry, sent.to) && !hasVertex(u.feature.geometry, shared.at),
      `GET ${c} after the move: ${u.status}, has the new vertex: ${u.feature && hasVertex(u.feature.geometry, sent.to)}, the old: ${u.feature && hasVertex(u.feature.geometry, shared.at)}`);
    check(u.feature?.properties.version === 2, `${c} is at version ${u.feature?.properties.version} after the move, want 2`);
  }
  check(await page.isDisabled('#edit-save'), 'Save is enabled after the move: the moved vertex counts as unsaved');
  check((await page.textContent('#edit-version')) === 'v2', 'the panel does not show v2 of the loaded grid after the move');
  // The unit panel read the neighbour it shows again: its version 2.
  await panelVersion('2').catch(() => {});
  findings.panelMoved = await panelShows();
  check(findings.panelMoved.code === watched && findings.panelMoved.version === '2',
    `after the move the unit panel shows ${JSON.stringify(findings.panelMoved)}, want ${watched} at version 2`);
  await page.evaluate(() => document.getElementById('selection').scrollIntoView());
  await shot('topology-2b-panel.png');
  await page.evaluate(() => document.getElementById('panel').scrollTo(0, 0));
  await page.waitForTimeout(600);
  await settled();
  for (let i = 0; i < 40 && tiles.slice(tileMark).some((t) => t.status === 0); i++) await page.waitForTimeout(250);
  const reloaded = tiles.slice(tileMark).filter((t) => t.status !== -1);
  page.off('response', markMove);
  findings.tilesReloaded = reloaded.length;
  check(reloaded.length > 0 && reloaded.every((t) => t.status === 200 && new URL(t.url).searchParams.get('min_version') === String(indexVersion)),
    `tiles after the move, with min_version=${indexVersion}: ${JSON.stringify(reloaded.slice(0, 2))}`);
  // The drawn map: every grid that had the vertex has a vertex at its new
  // place in the grid tiles (within the tiles' precision, 1/4096 of a tile).
  const drawn = await page.evaluate(({ codes, to }) => {
    const { map } = window.gridmap;
    const tol = 360 / 2 ** Math.floor(map.getZoom()) / 4096 * 2;
    return codes.map((code) => {
      const fs = map.querySourceFeatures('gridmap', { sourceLayer: 'grid', filter: ['==', ['get', 'code'], code] });
      const vs = fs.flatMap((f) => (f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates).flat(2));
      const d = Math.min(...vs.map((c) => Math.hypot(c[0] - to[0], c[1] - to[1])));
      return { code, features: fs.length, nearest: d, ok: d < tol };
    });
  }, { codes: grids, to: sent.to });
  findings.drawn = drawn;
  for (const d of drawn) check(d.ok, `the drawn map has no vertex of ${d.code} at the new place: ${JSON.stringify(d)}`);
  await page.evaluate(() => { const { map } = window.gridmap; map.jumpTo({ zoom: map.getZoom() - 1.5 }); });
  await settled();
  await shot('topology-3-moved.png');

  // 2. Merge two sibling grids (topology-merge.mjs).
  const pair = grids.flatMap((a, i) => grids.slice(i + 1).map((b) => [a, b])).find(([a, b]) => a.slice(0, 12) === b.slice(0, 12));
  // The split (step 3) takes the grid the merge leaves alone.
  const third = grids.find((c) => !pair?.includes(c)) ?? grids[grids.length - 1];
  const env = { page, long, failures, findings, check, isUUID, shot, settled, unit, loadUnit, panelShows, panelVersion };
  if (pair) await mergeSteps(env, pair, watched);
  else failures.push(`no two sibling grids among ${grids.join(', ')}`);

  // 3. Split the third grid along a line drawn across it (topology-split.mjs).
  await splitSteps(env, third);

  check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
} catch (err) {
  failures.push(String(err?.stack ?? err));
  await shot('topology-failure.png').catch(() => {});
  if (errors.length) failures.push(`console errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);
