// The big screen's cases on the map, run by screen.test.mjs: a burst of
// reports (the flashes stay capped, the page stays responsive, a unit
// climbs into the ranking, the case tiles reload every few seconds), a
// boundary edited while the screen is open (its tiles at the edit's
// version), a new case in its density cell, and a 1366×768 screen with a
// worker's token (a 重大 report on the map until closed, its dispatch
// naming the assignee).
import { randomUUID } from 'node:crypto';
import { firstGridOf, liveTile } from './screen-util.mjs';

const cap = 30; // the most flashes at once (screen-map.js)

export function caseChecks(ctx) {
  const { base, token, editor, outDir, check, failures, findings, open, step, report, readable } = ctx;

  // burst posts 100 reports at once into the street of 南开区 lowest in the
  // ranking: it climbs to the top, at most the cap of flashes are up, and
  // the page still answers at once.
  async function burst(page) {
    const target = await page.evaluate(() => {
      const { map, state } = window.screenApp;
      const low = [...state.ranking].reverse();
      const labels = map.querySourceFeatures('gridmap', { sourceLayer: 'street_label' });
      for (const r of low) {
        const l = labels.find((x) => x.properties.code === r.code);
        if (l) return { code: r.code, name: r.name, rank: state.ranking.indexOf(r), point: l.geometry.coordinates };
      }
      return null;
    });
    findings.burstTarget = target;
    const events = await page.evaluate(() => window.screenApp.events);
    if (!target) return failures.push('no street label for the burst');
    const rounds = new Set(); // the reloads of the case tiles (gridmap-live), each a new ?v=
    const seen = (r) => { const u = new URL(r.url()); if (liveTile(u)) rounds.add(u.searchParams.get('v')); };
    page.on('request', seen);
    const t0 = Date.now();
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const reports = ids.map((id) => ({ id, kind: 'hazard', category: 'E0506', severity: 2, description: '批量测试', point: target.point }));
    const res = await fetch(`${base}/v1/reports:batch`, { method: 'POST', headers: { Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json' }, body: JSON.stringify({ reports }) });
    check(res.ok, `POST /v1/reports:batch: ${res.status}`);
    // The stream sends them in the order of their ids, not of the batch.
    await page.waitForFunction((n) => window.screenApp.events >= n && !window.screenApp.pending.length,
      events + 100, { timeout: 15_000 }).catch(() => failures.push('the burst did not reach the screen'));
    await page.waitForTimeout(5000); // the last merged reload
    page.off('request', seen);
    const t1 = Date.now();
    findings.burst = await page.evaluate(() => ({ flashes: document.querySelectorAll('.flash').length,
      kept: window.screenApp.flashes.count, feed: document.querySelectorAll('#feed li').length,
      top: window.screenApp.charts.ranking.getOption().yAxis[0].data.slice(0, 8) }));
    findings.burst.answerMs = Date.now() - t1;
    // A burst costs a reload of the case tiles every few seconds, not one per report.
    findings.burst.reloads = { rounds: rounds.size, secs: Math.round((t1 - t0) / 1000) };
    const b = findings.burst;
    check(b.flashes <= cap && b.kept <= cap, `flashes after 100 reports: ${b.flashes} (kept ${b.kept}), want ≤ ${cap}`);
    check(b.feed <= 30, `feed lines after 100 reports: ${b.feed}`);
    check(b.answerMs < 1000, `the page took ${b.answerMs} ms to answer after the burst`);
    check(b.reloads.rounds >= 1 && b.reloads.rounds <= Math.ceil(b.reloads.secs / 4) + 1, `case tile reloads in the burst: ${JSON.stringify(b.reloads)}`);
    check(b.top.includes(target.name), `${target.name} (ranked ${target.rank + 1}) did not climb into the ranking: ${b.top}`);
    await page.waitForTimeout(1000); // the charts' transition
    await page.screenshot({ path: `${outDir}/screen-burst.png` });
  }

  // boundaryEdit: an editor saves a grid of the unit shown while the screen
  // is open; its unit.changed event makes the screen fetch its boundary
  // tiles again at the version the save answered with (min_version), so
  // that a node that has not applied the edit yet waits for it instead of
  // drawing the map from before it until the next change.
  async function boundaryEdit(page) {
    const grid = await firstGridOf(base);
    if (!grid) return failures.push('no grid under 120104 for the edit');
    const auth = { Authorization: `Bearer ${editor}` };
    const got = await fetch(`${base}/v1/units/${grid}`, { headers: auth });
    const { geometry, properties: p } = await got.json();
    const properties = { code: p.code, level: p.level, name: p.name, parent_code: p.parent_code,
      properties: { ...p.properties, note: `screen test ${Date.now()}` } };
    const tiles = []; // the tiles requested again (a reload sets ?v=)
    const seen = (r) => { if (/\/tiles\/.*[?&]v=/.test(r.url()) && !liveTile(new URL(r.url()))) tiles.push(r.url()); };
    page.on('request', seen);
    const res = await fetch(`${base}/v1/units/${grid}`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/geo+json',
      'If-Match': got.headers.get('ETag') }, body: JSON.stringify({ type: 'Feature', id: grid, geometry, properties }) });
    const version = res.headers.get('Gridmap-Index-Version');
    check(res.ok && version, `PUT /v1/units/${grid}: ${res.status} ${res.ok ? version : await res.text()}`);
    for (let i = 0; i < 60 && !tiles.length; i++) await page.waitForTimeout(250);
    await page.waitForTimeout(500); // the rest of the reload
    page.off('request', seen);
    findings.boundaryEdit = { grid, version, tiles: tiles.length, at: tiles.filter((u) => u.includes(`min_version=${version}`)).length };
    const b = findings.boundaryEdit;
    check(b.tiles > 0 && b.at === b.tiles, `tiles after an edit of ${grid}: ${b.at} of ${b.tiles} at min_version=${version}`);
  }

  // caseCell reads the density cell at point on page; counted(n) waits
  // until it counts n more open cases than now, watching meanwhile that the
  // case layer never goes blank (a flicker), and says what it saw.
  async function caseCell(page, point) {
    const read = () => page.evaluate((p) => {
      const { map } = window.screenApp;
      const f = map.queryRenderedFeatures(map.project(p), { layers: ['report_hex-fill'] })[0];
      return { open: f?.properties.open ?? 0, count: f?.properties.count ?? 0, shown: map.queryRenderedFeatures({ layers: ['report_hex-fill'] }).length };
    }, point);
    const before = await read();
    return { before,
      async counted(n) {
        let now = await read();
        let minShown = now.shown;
        for (let i = 0; i < 80 && now.open !== before.open + n; i++) {
          await page.waitForTimeout(125);
          now = await read();
          minShown = Math.min(minShown, now.shown);
        }
        return { before, ...now, minShown };
      } };
  }

  // smallWall: a 1366×768 screen opened with the grid worker's token. A
  // 重大 report stays on the map after its flash; its dispatch names whom
  // it went to (the worker may see it); once closed, its cell no longer
  // counts it open. The words stay readable and nothing overflows.
  async function smallWall() {
    const { page, errors } = await open({ width: 1366, height: 768 }, 1, `/screen?unit=120104&token=${token}`);
    await readable(page, 14, '1366×768');
    const point = [117.1600, 39.1200];
    const id = randomUUID();
    const cell = await caseCell(page, point);
    await report(id, 'E0506', point, undefined, 4);
    const added = await cell.counted(1);
    for (const action of ['accept', 'dispatch']) await step(id, action);
    findings.dispatchLine = await page.waitForFunction((rid) => document.querySelector(`#feed li[data-report="${rid}"].step-dispatched .where`)
      ?.textContent.includes('城管科') && document.querySelector(`#feed li[data-report="${rid}"].step-dispatched`).innerText, id,
    { timeout: 10_000 }).then((h) => h.jsonValue()).catch(() => null);
    check(/派遣/.test(findings.dispatchLine ?? '') && /→ 城管科/.test(findings.dispatchLine ?? ''), `the dispatch line: ${findings.dispatchLine}`);
    await page.screenshot({ path: `${outDir}/screen-1366x768.png` });
    for (const action of ['handle', 'verify', 'close']) await step(id, action);
    const closed = await cell.counted(0);
    findings.mapFollows = { added, closed };
    check(added.open === added.before.open + 1 && added.minShown > 0, `a 重大 report is not on the map: ${JSON.stringify(added)}`);
    check(closed.open === closed.before.open && closed.count === added.count, `a closed case is still drawn open: ${JSON.stringify(closed)}`);
    check(errors.length === 0, `console errors at 1366×768: ${errors.join(' | ')}`);
    await page.close();
  }

  return { burst, boundaryEdit, caseCell, smallWall };
}
