// Browser test of the gridmap dashboard: Debian's headless Chromium, driven
// by playwright-core, loads the dashboard from a running gridmap at
// 1920×1080, waits for the map to render its vector tiles, checks that tiles
// were requested and drawn with no console error, clicks a grid and waits
// for its name in the side panel and in a popup on the map, and saves a
// screenshot. Then the console's fixes: the answer to a click is in view
// without scrolling, the page speaks Chinese (and English after the toggle),
// no phone number is shown to an anonymous reader, clicking the enclave
// shows its managing unit's hazards (not the previous unit's), and at z9
// every district of central Tianjin keeps its label. A version's 生效日期 is its
// day in China (made at 01:30 on 2 March: 2026-03-02, not 03-01). The edit panel speaks
// the page's language (Chinese, then English), and at 390 px wide (a
// phone) the panel is a drawer the ☰ button opens over a full-width map,
// while at 1920 px it stays beside the map. A token entered in edit mode
// redraws the clicked unit's panel at once (its phone shown, the "not
// signed in" note gone), reloads the report dots (exact, not rounded to
// 0.002°) and the grid loaded for editing (its phone, which a save would
// otherwise erase), and forgetting it hides them again. The unit panel's
// chain: each unit above the clicked grid is a link that selects it (its
// panel, its hazards, its highlight on the map); the grid's properties are
// rows of their own (no phone for an anonymous reader). A token is checked
// as it is entered: a wrong one is refused at once and not used, a
// viewer's is said to be unable to edit boundaries, an editor's shows its
// role and scope (Chinese and English), and one set by /?token= is told of
// when edit mode opens (dashboard-panel.mjs). Where it opens (dashboard-view.mjs):
// the demo's district of grids with its hazards, the density cells off and
// the rounding of an anonymous reader's hazards said; a scoped token on its
// street, asking for its statistics first; a server whose grids lie in
// another district, there. Wrong, revoked and expired tokens are each said
// as such, the expiry in China time.
//
//   GRIDMAP_TOKEN_EDITOR=… GRIDMAP_TOKEN_VIEWER=… node dashboard.test.mjs http://127.0.0.1:8080 out/dashboard.png
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { launch } from './map.mjs';
import { panelChecks } from './dashboard-panel.mjs';
import { viewChecks } from './dashboard-view.mjs';

const [base, shot = 'out/dashboard.png'] = process.argv.slice(2);
const editorToken = process.env.GRIDMAP_TOKEN_EDITOR;
const scopedToken = process.env.GRIDMAP_TOKEN_SCOPED; // an editor's, scoped to 长虹街道 (120104001)
const viewerToken = process.env.GRIDMAP_TOKEN_VIEWER;
if (!base || !editorToken) {
  console.error('usage: GRIDMAP_TOKEN_EDITOR=… node dashboard.test.mjs BASE_URL [SCREENSHOT.png]');
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };

const browser = await launch();
const findings = {};
try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const consoleErrors = [];
  // The wrong tokens tokenTold enters are refused by GET /v1/me (401), and
  // the token scoped to 长虹街道 may not see the statistics of the unit
  // shown then (403): Chromium logs both.
  const provoked = (m) => (/status of 401/.test(m.text()) && /\/v1\/me$/.test(m.location()?.url ?? ''))
    || (/status of 403/.test(m.text()) && /\/v1\/stats\?/.test(m.location()?.url ?? ''));
  page.on('console', (m) => { if (m.type() === 'error' && !provoked(m)) consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const tiles = [];
  page.on('response', (r) => {
    if (/\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt/.test(r.url())) tiles.push({ status: r.status(), cache: r.headers()['x-cache'] });
  });
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) outside.push(r.url()); });

  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => {
    const g = window.gridmap;
    return g && g.state.catalog && g.map.loaded() && g.map.areTilesLoaded();
  }, null, { timeout: 90_000, polling: 250 });
  await page.waitForTimeout(500); // let the last frame draw

  const drawn = await page.evaluate(() => {
    const { map } = window.gridmap;
    const count = (id) => (map.getLayer(id) ? map.queryRenderedFeatures({ layers: [id] }).length : 0);
    return { districts: count('district-fill'), streets: count('street-line'), communities: count('community-line'),
      grids: count('grid-fill'), zoom: map.getZoom(), toggles: document.querySelectorAll('#layers input').length };
  });
  Object.assign(findings, { tiles: tiles.length, drawn });
  check(tiles.length > 0, 'no tile was requested');
  check(tiles.every((t) => t.status === 200 || t.status === 304), `tile statuses ${JSON.stringify(tiles.map((t) => t.status))}`);
  check(drawn.districts > 0 && drawn.streets > 0 && drawn.grids > 0, `features drawn ${JSON.stringify(drawn)}`);
  check(drawn.toggles >= 5, `${drawn.toggles} layer toggles`);
  const views = viewChecks({ browser, base, tokens: { scoped: scopedToken }, check, failures, findings, shot });
  await views.firstView(page);

  // Click the grid nearest the centre of the map, at its label point.
  const target = await page.evaluate(() => {
    const { map } = window.gridmap;
    const c = map.project(map.getCenter());
    const labels = map.querySourceFeatures('gridmap', { sourceLayer: 'grid_label' })
      .map((f) => ({ name: f.properties.name, code: f.properties.code, p: map.project(f.geometry.coordinates) }))
      .filter((f) => f.p.x > 20 && f.p.y > 20 && f.p.x < map.getCanvas().clientWidth - 20 && f.p.y < map.getCanvas().clientHeight - 20)
      .sort((a, b) => Math.hypot(a.p.x - c.x, a.p.y - c.y) - Math.hypot(b.p.x - c.x, b.p.y - c.y));
    const box = map.getContainer().getBoundingClientRect();
    return labels[0] && { name: labels[0].name, code: labels[0].code, x: box.left + labels[0].p.x, y: box.top + labels[0].p.y };
  });
  check(!!target, 'no grid label in view to click');
  if (target) {
    await page.mouse.click(target.x, target.y);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name, target.name, { timeout: 15_000 })
      .catch(() => failures.push(`clicking grid ${target.code} did not show its name ${target.name}`));
    await page.waitForFunction(() => document.querySelector('#resolve .badge'), null, { timeout: 15_000 })
      .catch(() => failures.push('no resolve answer after the click'));
    findings.clicked = target;
    findings.panel = await page.evaluate(() => ({
      unit: document.getElementById('unit')?.innerText, answer: document.getElementById('resolve')?.innerText }));
    check(/managed|有网格/.test(findings.panel.answer ?? ''), `resolve answer: ${findings.panel.answer}`);
    await page.waitForFunction(() => /\d/.test(document.querySelector('#hazards strong')?.textContent ?? ''), null, { timeout: 15_000 })
      .catch(() => failures.push('no open-hazard count for the clicked unit'));
    findings.hazards = await page.evaluate(() => document.getElementById('hazards')?.innerText);
    await page.waitForTimeout(300);
    await consoleFixes(page, target);
    await validFromInChina(page, target);
  }
  // The unit panel's chain and properties, and the token told of as it is entered (dashboard-panel.mjs).
  const more = panelChecks({ page, shot, check, failures, findings, tokens: { editor: editorToken, scoped: scopedToken, viewer: viewerToken,
    revoked: process.env.GRIDMAP_TOKEN_REVOKED, expired: process.env.GRIDMAP_TOKEN_EXPIRED, expiredAt: process.env.GRIDMAP_TOKEN_EXPIRED_AT } });
  if (target) await more.chainLinks(target);
  await editWords(page);
  await more.tokenTold();
  if (target) await tokenRedrawsPanel(page, target);
  findings.desktopLayout = await page.evaluate(() => ({ map: document.getElementById('map').getBoundingClientRect().left,
    toggle: getComputedStyle(document.getElementById('panel-toggle')).display }));
  check(findings.desktopLayout.map === 340 && findings.desktopLayout.toggle === 'none', `desktop layout: ${JSON.stringify(findings.desktopLayout)}`);
  await page.screenshot({ path: shot });
  findings.screenshot = shot;
  await enclaveHazards(page);
  await labelsAtZ9(page);
  await auditOfDistrict(page);
  await views.phone();
  if (scopedToken) await views.scopedStart();
  await views.otherCity();
  check(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
  check(outside.length === 0, `requests to other hosts: ${outside.join(' ')}`);
} catch (err) {
  failures.push(String(err?.stack ?? err));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);

// consoleFixes checks, after a grid was clicked: the answer is in view at
// 1920×1080, a popup names the grid, the panel is Chinese (English after the
// toggle, and back), and no phone number is shown to an anonymous reader.
async function consoleFixes(page, target) {
  const seen = await page.evaluate(() => {
    const r = document.getElementById('answer').getBoundingClientRect();
    const edit = document.getElementById('edit-toggle')?.innerText ?? '';
    return { answerBottom: r.bottom, height: innerHeight, popup: document.querySelector('.maplibregl-popup')?.innerText ?? '',
      panel: document.getElementById('panel').innerText.replace(edit, '') };
  });
  findings.answerBottom = seen.answerBottom;
  check(seen.answerBottom > 0 && seen.answerBottom <= seen.height, `the answer to a click ends at ${seen.answerBottom}px, below the fold (${seen.height}px)`);
  check(seen.popup.includes(target.name), `no popup naming ${target.name}: ${seen.popup}`);
  const english = (seen.panel.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => w !== 'gridmap');
  check(english.length === 0, `English words in the Chinese panel: ${english.join(' ')}`);
  check(!/1[3-9]\d{9}/.test(seen.panel), 'a phone number is shown to an anonymous reader');
  await page.click('#lang');
  const en = await page.evaluate(() => document.getElementById('panel').innerText);
  check(/Layers/i.test(en) && /Who answers here/i.test(en), 'the English toggle did not relabel the panel');
  await page.click('#lang');
  await page.waitForFunction(() => document.querySelector('#unit dl') && document.querySelector('.maplibregl-popup .who'),
    null, { timeout: 15_000 }).catch(() => failures.push('the panel and popup were not redrawn after switching back to Chinese'));
}

// validFromInChina: the panel dates a unit's version by its day in China.
// A version made at 01:30 on 2 March in China (17:30Z on 1 March) is shown
// as valid from 2026-03-02, not from the UTC date before it.
async function validFromInChina(page, target) {
  const url = `**/v1/units/${target.code}`;
  await page.route(url, async (route) => {
    const headers = { ...route.request().headers() };
    delete headers['if-none-match']; // a 304 has no body to change
    const res = await route.fetch({ headers });
    const body = await res.json();
    body.properties.valid_from = '2026-03-01T17:30:00Z';
    await route.fulfill({ response: res, json: body });
  });
  await page.evaluate(() => document.querySelector('.maplibregl-popup-close-button')?.click());
  await page.evaluate(() => { document.getElementById('unit').textContent = ''; });
  await page.mouse.click(target.x, target.y);
  const shown = await page.waitForFunction(() => [...document.querySelectorAll('#unit dt')]
    .find((dt) => dt.textContent === '生效日期')?.nextElementSibling?.textContent, null, { timeout: 15_000 })
    .then((h) => h.jsonValue()).catch(() => null);
  findings.validFrom = shown;
  check(shown === '2026-03-02', `a version made at 01:30 China time on 2 March is shown as valid from ${shown}, want 2026-03-02`);
  await page.unroute(url);
  await page.mouse.click(target.x, target.y);
  await page.waitForFunction(() => document.querySelector('#unit dl'), null, { timeout: 15_000 }).catch(() => {});
}

// enclaveHazards clicks the demo's enclave (沙柳北路64排, managed by
// 百合春天社区 120110003021): the hazards panel must follow the click.
async function enclaveHazards(page) {
  const enc = await page.evaluate(async () => {
    const e = await (await fetch('v1/enclaves/E120110001')).json();
    const pts = e.geometry.coordinates.flat(2);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return { centre: [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2], managing: e.properties.managing_code };
  });
  await page.evaluate((c) => window.gridmap.map.jumpTo({ center: c, zoom: 15.5 }), enc.centre);
  await page.waitForFunction(() => window.gridmap.map.loaded() && window.gridmap.map.areTilesLoaded(), null, { timeout: 60_000, polling: 250 });
  await page.waitForTimeout(500);
  const at = await page.evaluate(() => {
    const { map } = window.gridmap;
    const f = map.querySourceFeatures('gridmap', { sourceLayer: 'enclave_label' })[0];
    if (!f) return null;
    const p = map.project(f.geometry.coordinates);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  });
  check(!!at, 'no enclave label in view');
  if (!at) return;
  await page.mouse.click(at.x, at.y);
  await page.waitForFunction((code) => document.querySelector('#hazards p')?.dataset.unit === code, enc.managing, { timeout: 15_000 })
    .catch(() => failures.push('after clicking the enclave the hazards panel does not show its managing unit'));
  findings.enclaveHazards = await page.evaluate(() => document.getElementById('hazards')?.innerText);
}

// labelsAtZ9 zooms out to z9 over central Tianjin: the small central
// districts keep their labels.
async function labelsAtZ9(page) {
  await page.evaluate(() => window.gridmap.map.jumpTo({ center: [117.25, 39.13], zoom: 9 }));
  await page.waitForFunction(() => window.gridmap.map.loaded() && window.gridmap.map.areTilesLoaded(), null, { timeout: 60_000, polling: 250 });
  await page.waitForTimeout(800);
  const names = await page.evaluate(() => window.gridmap.map.queryRenderedFeatures({ layers: ['district-label'] }).map((f) => f.properties.name));
  findings.z9labels = names.length;
  for (const n of ['南开区', '红桥区', '河东区', '和平区', '河西区', '河北区']) check(names.includes(n), `no label for ${n} at z9 (drawn: ${names.join(' ')})`);
}

// auditOfDistrict clicks at 南开区's label at z9 (the district or the
// street there) and asks for the audit of the boundaries under it: the
// panel counts what the API finds, the map draws it all, and a click on a
// finding flies there.
async function auditOfDistrict(page) {
  const at = await page.evaluate(() => {
    const { map } = window.gridmap;
    const f = map.queryRenderedFeatures({ layers: ['district-label'] }).find((x) => x.properties.name === '南开区');
    if (!f) return null;
    const p = map.project(f.geometry.coordinates);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + p.x, y: box.top + p.y };
  });
  if (!check(!!at, 'no 南开区 label to click at z9')) return;
  await page.mouse.click(at.x, at.y);
  await page.waitForSelector('#audit-run', { timeout: 15_000 }).catch(() => failures.push('no audit button in the panel of 南开区'));
  if (!(await page.$('#audit-run'))) return;
  await page.click('#audit-run');
  await page.waitForSelector('#audit-summary', { timeout: 60_000 }).catch(() => failures.push('the audit of 南开区 did not answer'));
  findings.audit = await page.evaluate(async () => ({ unit: document.getElementById('unit-name')?.textContent,
    box: document.querySelector('.audit-box')?.innerText,
    code: window.gridmap.state.clicked?.f?.properties?.code, summary: document.getElementById('audit-summary')?.innerText,
    listed: document.querySelectorAll('ul.audit li').length,
    drawn: (await window.gridmap.map.getSource('audit')?.getData())?.features?.length ?? null }));
  const want = await (await fetch(`${base}/v1/audit?unit=${findings.audit.code}`)).json();
  const n = want.features?.length ?? 0;
  check(findings.audit.code?.length <= 9 && n > 0 && findings.audit.summary?.includes(`${n}`) && findings.audit.listed === Math.min(n, 30) &&
    findings.audit.drawn === n, `the audit in the panel: ${JSON.stringify(findings.audit)}, the API has ${n} findings`);
  check(!/[A-Za-z]{3,}/.test(findings.audit.box ?? ''), `English in the Chinese audit: ${findings.audit.box}`);
  const before = await page.evaluate(() => window.gridmap.map.getCenter().toArray());
  await page.click('ul.audit li:first-child button');
  await page.waitForTimeout(1500);
  const after = await page.evaluate(() => window.gridmap.map.getCenter().toArray());
  check(JSON.stringify(before) !== JSON.stringify(after), 'clicking a finding did not move the map');
  await page.screenshot({ path: shot.replace(/\.png$/, '-audit.png') });
}

// editWords opens edit mode: its panel is Chinese (the command in <code>
// aside), then English after the EN button; then edit mode is left again.
async function editWords(page) {
  const words = () => page.evaluate(() => {
    const box = document.getElementById('edit').cloneNode(true);
    box.querySelectorAll('code').forEach((c) => c.remove());
    document.body.append(box); // innerText needs the copy laid out
    const text = box.innerText;
    box.remove();
    return { text, toggle: document.getElementById('edit-toggle').innerText };
  });
  await page.click('#edit-toggle');
  const zh = await words();
  const english = zh.text.match(/[A-Za-z]{3,}/g) ?? [];
  check(english.length === 0 && /编辑边界/.test(zh.text) && /退出编辑/.test(zh.toggle), `English words in the Chinese edit panel: ${english.join(' ')} (${zh.text})`);
  await page.click('#lang');
  const en = await words();
  findings.editPanelEN = en.text.replace(/\n+/g, ' | ');
  check(/Token/.test(en.text) && /Load/.test(en.text) && /Saving needs an editor token/.test(en.text) && !/[\u4e00-\u9fff]/.test(en.text) && /Exit edit/.test(en.toggle),
    `the English edit panel: ${findings.editPanelEN}`);
  await page.click('#lang');
  await page.click('#edit-toggle');
}

// tokenRedrawsPanel enters an editor's token in edit mode while a grid's
// panel is open: the panel is fetched again with it (the grid worker's
// phone shown, the "not signed in" note gone), the report dots are drawn
// exact and the grid loaded for editing gets its phone; an empty token
// forgets it and the panel and the dots hide them again.
async function tokenRedrawsPanel(page, target) {
  const unit = await (await fetch(`${base}/v1/units/${target.code}`, { headers: { Authorization: `Bearer ${editorToken}` } })).json();
  const phone = unit.properties?.properties?.phone;
  const panel = () => page.evaluate(() => ({ note: !!document.querySelector('#unit .note'), text: document.getElementById('unit').innerText }));
  const useToken = async (tok) => {
    await page.fill('#edit-token', tok);
    await page.click('#edit-token-form button[type=submit]');
  };
  check(!!phone, `the demo grid ${target.code} has no phone to show`);
  check((await panel()).note, 'the panel of an anonymous reader does not say personal data is hidden');
  const view = await page.evaluate(() => ({ center: window.gridmap.map.getCenter().toArray(), zoom: window.gridmap.map.getZoom() }));
  // The grid is loaded for editing before the token: an anonymous reader's copy, without the phone.
  await page.click('#edit-toggle');
  await page.fill('#edit-code', target.code);
  await page.click('#edit-load button[type=submit]');
  await page.waitForFunction(() => window.gridmap.editor.phase === 'editing', null, { timeout: 10_000 })
    .catch(() => failures.push(`edit mode did not load ${target.code}`));
  const editedPhone = () => page.evaluate(() => window.gridmap.editor.target?.feature.properties.properties?.phone ?? null);
  await reportsInView(page);
  findings.dotsAnonymous = await dots(page, 'rounded');
  check(findings.dotsAnonymous.all > 0 && findings.dotsAnonymous.exact === 0, `an anonymous reader's report dots: ${JSON.stringify(findings.dotsAnonymous)}`);
  await useToken(editorToken);
  await page.waitForFunction((p) => !document.querySelector('#unit .note') && document.getElementById('unit').innerText.includes(p),
    phone, { timeout: 10_000 }).catch(() => {});
  findings.panelSignedIn = await panel();
  findings.noteSignedIn = await page.evaluate(() => document.getElementById('coarse-note').hidden);
  check(findings.noteSignedIn, 'with an unscoped token the console still says hazards are rounded');
  check(!findings.panelSignedIn.note && findings.panelSignedIn.text.includes(phone),
    `after entering a token the unit's panel is stale: ${JSON.stringify(findings.panelSignedIn)}`);
  // The report dots are fetched again with the token: exact points.
  findings.dotsSignedIn = await dots(page, 'exact');
  check(findings.dotsSignedIn.exact > 0, `after entering a token the report dots stay rounded: ${JSON.stringify(findings.dotsSignedIn)}`);
  // So is the grid being edited: a save must not erase the phone the first copy lacked.
  for (let i = 0; i < 40 && (await editedPhone()) !== phone; i++) await page.waitForTimeout(250);
  findings.editedPhone = await editedPhone();
  check(findings.editedPhone === phone, `after entering a token the grid being edited lacks its phone (a save would erase it): ${findings.editedPhone}`);
  await useToken('');
  await page.waitForFunction((p) => document.querySelector('#unit .note') && !document.getElementById('unit').innerText.includes(p),
    phone, { timeout: 10_000 }).catch(() => {});
  findings.panelSignedOut = await panel();
  findings.noteSignedOut = await page.evaluate(() => document.getElementById('coarse-note').innerText);
  check(/约 200 米/.test(findings.noteSignedOut), `after forgetting the token the rounding is not said: ${findings.noteSignedOut}`);
  check(findings.panelSignedOut.note && !findings.panelSignedOut.text.includes(phone),
    `after forgetting the token the unit's panel still shows personal data: ${JSON.stringify(findings.panelSignedOut)}`);
  findings.dotsSignedOut = await dots(page, 'rounded');
  check(findings.dotsSignedOut.all > 0 && findings.dotsSignedOut.exact === 0,
    `after forgetting the token the report dots stay exact: ${JSON.stringify(findings.dotsSignedOut)}`);
  await page.click('#edit-toggle'); // leaves edit mode (nothing was changed)
  await page.evaluate(async (v) => {
    window.gridmap.map.jumpTo(v); // back where the test was
    await new Promise((resolve) => window.gridmap.map.once('idle', resolve));
  }, view);
  findings.viewBack = await page.evaluate(() => Math.round(window.gridmap.map.getZoom() * 100) / 100);
}

// reportsInView moves the map to a demo report at z15, where the report
// layer draws points, and waits for its tiles.
async function reportsInView(page) {
  const list = await (await fetch(`${base}/v1/reports?unit=120104&limit=1`, { headers: { Authorization: `Bearer ${editorToken}` } })).json();
  const at = list.reports?.[0]?.point_wgs84;
  check(!!at, `no demo report to look at: ${JSON.stringify(list).slice(0, 200)}`);
  await page.evaluate(async (center) => {
    const { map } = window.gridmap;
    map.jumpTo({ center, zoom: 15 }); // also ends the edit mode's flight to the grid it loaded
    await new Promise((resolve) => map.once('idle', resolve));
  }, at);
}

// dots waits until the report points the map has loaded are all rounded to
// the 0.002° grid of an anonymous reader (want "rounded") or some are not
// ("exact"), for at most 10 s, and counts them.
async function dots(page, want) {
  const count = () => page.evaluate(() => {
    const onGrid = (c) => Math.abs(c / 0.002 - Math.round(c / 0.002)) < 0.01;
    const points = window.gridmap.map.querySourceFeatures('gridmap-live', { sourceLayer: 'report' }).map((f) => f.geometry.coordinates);
    return { all: points.length, exact: points.filter(([x, y]) => !onGrid(x) || !onGrid(y)).length };
  });
  for (let i = 0; i < 40; i++) {
    const c = await count();
    if (c.all > 0 && (want === 'exact') === (c.exact > 0)) return c;
    await page.waitForTimeout(250);
  }
  return count();
}
