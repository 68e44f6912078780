// Browser test of the gridmap dashboard: Debian's headless Chromium, driven
// by playwright-core, loads the dashboard from a running gridmap, waits for
// the map to render its vector tiles, checks that tiles were requested and
// drawn with no console error, clicks a grid and waits for its name in the
// side panel, and saves a screenshot.
//
//   node dashboard.test.mjs http://127.0.0.1:8080 out/dashboard.png
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { chromium } from 'playwright-core';

const [base, shot = 'out/dashboard.png'] = process.argv.slice(2);
if (!base) {
  console.error('usage: node dashboard.test.mjs BASE_URL [SCREENSHOT.png]');
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  // WebGL comes from SwiftShader (software) with the GPU disabled.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const findings = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
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
  }
  await page.screenshot({ path: shot });
  findings.screenshot = shot;
  check(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
  check(outside.length === 0, `requests to other hosts: ${outside.join(' ')}`);
} catch (err) {
  failures.push(String(err?.stack ?? err));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);
