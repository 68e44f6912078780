// Where the console opens and what its first view shows, run by
// dashboard.test.mjs: the district the data is about (its grids drawn, the
// density cells off so the boundaries show), the open hazards of that
// district, and a note that an anonymous reader's hazards are rounded to
// about 200 m; a token scoped to 长虹街道 opens on that street and asks for
// its statistics first (no 403 on the way); a server whose grids lie in
// another district (东丽区, its first grid answered in place of 南开区's)
// opens there, on its grids, with that district's hazards. At 390 px wide (a phone) the
// panel is a drawer over the map.
import { settled } from './map.mjs';

// bboxOf is the [west, south, east, north] of GeoJSON coordinates.
function bboxOf(coords) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]),
    b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
  walk(coords);
  return b;
}
const inside = (c, b) => c.lng >= b[0] && c.lng <= b[2] && c.lat >= b[1] && c.lat <= b[3];

export function viewChecks({ browser, base, tokens, check, failures, findings, shot }) {
  const boxOf = async (code) => bboxOf((await (await fetch(`${base}/v1/units/${code}`)).json()).geometry.coordinates);
  const viewOf = (p) => p.evaluate(() => {
    const { map } = window.gridmap;
    const note = document.getElementById('coarse-note');
    return { center: map.getCenter(), zoom: map.getZoom(), hazardsUnit: document.querySelector('#hazards p')?.dataset.unit ?? null,
      hazards: document.getElementById('hazards').innerText.split('\n')[0], note: note.hidden ? null : note.innerText,
      densityTicked: document.querySelector('#layers input[data-layer=report_hex]')?.checked ?? null,
      densityShown: map.getLayoutProperty('report_hex-fill', 'visibility') !== 'none',
      cells: map.queryRenderedFeatures({ layers: ['report_hex-fill'] }).length, grids: map.queryRenderedFeatures({ layers: ['grid-fill'] }).length };
  });
  const hazardsOf = (p, code) => p.waitForFunction((c) => document.querySelector('#hazards p')?.dataset.unit === c, code, { timeout: 30_000 })
    .catch(() => failures.push(`the hazards panel never showed ${code}`));

  // firstView: the page as it opened (page, loaded anonymously): on 南开区,
  // the district of the demo's grids, at a zoom that draws them; the
  // density layer unticked and not drawn; the rounding said.
  async function firstView(page) {
    await hazardsOf(page, '120104');
    const v = await viewOf(page);
    findings.firstView = v;
    check(inside(v.center, await boxOf('120104')) && v.zoom >= 13 && v.grids > 0, `the first view is not on 南开区's grids: ${JSON.stringify(v)}`);
    check(v.hazardsUnit === '120104' && /南开区/.test(v.hazards), `the first hazards are not 南开区's: ${JSON.stringify(v)}`);
    check(v.densityTicked === false && !v.densityShown && v.cells === 0, `the density cells cover the first view: ${JSON.stringify(v)}`);
    check(/未登录：隐患位置取整到约 200 米的网格（0\.002°），巡查轨迹按同一网格简化/.test(v.note ?? ''),
      `an anonymous reader is not told hazards are rounded: ${JSON.stringify(v.note)}`);
    await page.screenshot({ path: shot.replace(/\.png$/, '-first-view.png') });
    // Ticked, the cells are drawn (the toggle still works), and unticked again.
    await page.click('#layers input[data-layer=report_hex]');
    await page.waitForFunction(() => window.gridmap.map.queryRenderedFeatures({ layers: ['report_hex-fill'] }).length > 0, null, { timeout: 30_000 })
      .catch(() => failures.push('ticking the density layer draws no cells'));
    await page.click('#layers input[data-layer=report_hex]');
    await settled(page);
  }

  // scopedStart opens the console with the token scoped to 长虹街道: its
  // first statistics are the street's (no request it may not make: no 403),
  // the map opens on the street, and the note says points outside it are
  // rounded. Then a unit outside the scope says the token may not see it.
  async function scopedStart() {
    const p = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const stats = [];
    p.on('response', (r) => { if (/\/v1\/stats\?/.test(r.url())) stats.push({ url: r.url().replace(base, ''), status: r.status() }); });
    await p.goto(`${base}/?token=${tokens.scoped}`, { waitUntil: 'load' });
    await settled(p, 90_000);
    await hazardsOf(p, '120104001');
    const v = await viewOf(p);
    findings.scopedStart = { ...v, stats: [...stats] };
    check(stats.length > 0 && new URL(stats[0].url, base).searchParams.get('unit') === '120104001' && stats.every((s) => s.status === 200),
      `a scoped token's statistics: ${JSON.stringify(stats)}`);
    check(/长虹街道/.test(v.hazards), `a scoped token's hazards panel: ${v.hazards}`);
    check(inside(v.center, await boxOf('120104001')) && v.zoom > 13.2, `a scoped token does not open on its street: ${JSON.stringify(v)}`);
    check(/长虹街道以外的隐患位置取整到约 200 米/.test(v.note ?? ''), `a scoped token's rounding note: ${JSON.stringify(v.note)}`);
    await p.screenshot({ path: shot.replace(/\.png$/, '-scoped.png') });
    await p.evaluate(() => window.gridmap.loadHazards?.('120110')); // 东丽区: outside the scope
    await p.waitForFunction(() => /无权/.test(document.getElementById('hazards')?.innerText ?? ''), null, { timeout: 10_000 }).catch(() => {});
    findings.scopedHazardsOutside = await p.evaluate(() => document.getElementById('hazards')?.innerText);
    check(/无权查看该单元的隐患统计/.test(findings.scopedHazardsOutside ?? ''), `a scoped token's hazards of another district: ${findings.scopedHazardsOutside}`);
    // The token came with the address: edit mode tells whose it is when it opens.
    await p.waitForFunction(() => window.gridmap.editor, null, { timeout: 30_000 });
    await p.click('#edit-toggle');
    await p.waitForFunction(() => document.getElementById('edit-token-state').dataset.status === 'valid', null, { timeout: 10_000 }).catch(() => {});
    findings.scopedTokenState = await p.evaluate(() => document.getElementById('edit-token-state').innerText);
    check(/编辑员/.test(findings.scopedTokenState) && /长虹街道（120104001）/.test(findings.scopedTokenState),
      `edit mode opened with a token from the address: ${findings.scopedTokenState}`);
    await p.close();
  }

  // otherCity: a server whose first grid is in 东丽区 (one of 万新街道's,
  // answered in place of the demo's first) opens on 东丽区 with its hazards:
  // nothing of 南开区 is written into the page.
  async function otherCity() {
    const json = async (path) => (await fetch(`${base}/${path}`)).json();
    const community = (await json('v1/units?level=community&parent=120110003&limit=1')).features?.[0]?.properties.code;
    const grid = community && (await json(`v1/units?level=grid&parent=${community}&limit=1`)).features?.[0];
    if (!check(!!grid, `no grid of 东丽区 万新街道 in the demo (community ${community})`)) return;
    const p = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await p.route((u) => u.pathname.endsWith('/v1/units') && u.searchParams.get('level') === 'grid' && !u.searchParams.has('parent'),
      (route) => route.fulfill({ contentType: 'application/geo+json', body: JSON.stringify({ type: 'FeatureCollection', features: [grid] }) }));
    await p.goto(`${base}/`, { waitUntil: 'load' });
    await settled(p, 90_000);
    await hazardsOf(p, '120110');
    const v = await viewOf(p);
    findings.otherCity = { grid: grid.properties.code, ...v };
    // 东丽区 is divided into grids in 万新街道 alone: the view is on its grids, not on the district's middle.
    check(inside(v.center, await boxOf('120110')) && !inside(v.center, await boxOf('120104')) && v.zoom >= 13 && v.grids > 0,
      `a server whose grids are in 东丽区 does not open there: ${JSON.stringify(findings.otherCity)}`);
    check(/东丽区/.test(v.hazards), `its first hazards are not 东丽区's: ${v.hazards}`);
    await p.screenshot({ path: shot.replace(/\.png$/, '-other-district.png') });
    await p.close();
  }

  // phone opens the dashboard at 390×844: the map spans the screen, the
  // panel is closed; ☰ opens it over the map, and ✕ closes it.
  async function phone() {
    const p = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await p.goto(base + '/', { waitUntil: 'load' });
    await p.waitForFunction(() => window.gridmap?.state.catalog, null, { timeout: 90_000, polling: 250 });
    const box = () => p.evaluate(() => ({ panel: document.getElementById('panel').getBoundingClientRect().right,
      map: document.getElementById('map').getBoundingClientRect().width }));
    findings.phoneClosed = await box();
    check(findings.phoneClosed.panel <= 0 && findings.phoneClosed.map === 390, `at 390 px the panel covers the map: ${JSON.stringify(findings.phoneClosed)}`);
    await p.tap('#panel-toggle');
    await p.waitForTimeout(400); // the drawer slides in
    findings.phoneOpen = await box();
    check(findings.phoneOpen.panel > 300, `☰ did not open the panel: ${JSON.stringify(findings.phoneOpen)}`);
    await p.screenshot({ path: shot.replace(/\.png$/, '-phone-panel.png') });
    await p.tap('#panel-toggle');
    await p.waitForTimeout(400);
    check((await box()).panel <= 0, '✕ did not close the panel');
    await p.close();
  }

  return { firstView, scopedStart, otherCity, phone };
}
