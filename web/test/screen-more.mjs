// More checks of the big screen, run by screen.test.mjs: a burst of reports
// (the flashes stay capped, the page stays responsive, a unit climbs into the
// ranking), a unit code that is not one, a refused token, and a token
// revoked while the screen is open.
import { randomUUID } from 'node:crypto';

const cap = 30; // the most flashes at once (screen-map.js)
const overviewOf = (base) => (unit) => fetch(`${base}/v1/stats/overview?unit=${unit}`).then((r) => r.json());

export function moreChecks({ browser, base, token, outDir, check, failures, findings, open }) {
  const overview = overviewOf(base);
  // problemOf reads the message the screen shows instead of a unit.
  const problemOf = (page) => page.evaluate(() => ({ shown: !document.getElementById('problem').hidden,
    message: document.getElementById('problem').innerText, state: document.getElementById('live').dataset.state,
    live: document.getElementById('live').textContent,
    figures: [...document.querySelectorAll('.fig b')].map((b) => b.textContent).join(' ') }));

  // waitProblem opens path and waits for the message (the map may never load).
  async function waitProblem(path, setup) {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await setup?.(page);
    await page.goto(`${base}${path}`, { waitUntil: 'load' });
    await page.waitForFunction(() => !document.getElementById('problem').hidden, null, { timeout: 20_000 })
      .catch(() => failures.push(`${path}: no message`));
    await page.waitForTimeout(500);
    check(errors.length === 0, `${path}: page errors ${errors.join(' | ')}`);
    return page;
  }

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
    const ids = Array.from({ length: 100 }, () => randomUUID());
    const reports = ids.map((id) => ({ id, kind: 'hazard', category: 'E0506', severity: 2, description: '批量测试', point: target.point }));
    const res = await fetch(`${base}/v1/reports:batch`, { method: 'POST', headers: { Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json' }, body: JSON.stringify({ reports }) });
    check(res.ok, `POST /v1/reports:batch: ${res.status}`);
    // The stream sends them in the order of their ids, not of the batch.
    await page.waitForFunction((n) => window.screenApp.events >= n && !window.screenApp.pending.length,
      events + 100, { timeout: 15_000 }).catch(() => failures.push('the burst did not reach the screen'));
    const t0 = Date.now();
    findings.burst = await page.evaluate(() => ({ flashes: document.querySelectorAll('.flash').length,
      kept: window.screenApp.flashes.count, feed: document.querySelectorAll('#feed li').length,
      top: window.screenApp.charts.ranking.getOption().yAxis[0].data.slice(0, 8) }));
    findings.burst.answerMs = Date.now() - t0;
    const b = findings.burst;
    check(b.flashes <= cap && b.kept <= cap, `flashes after 100 reports: ${b.flashes} (kept ${b.kept}), want ≤ ${cap}`);
    check(b.feed <= 30, `feed lines after 100 reports: ${b.feed}`);
    check(b.answerMs < 1000, `the page took ${b.answerMs} ms to answer after the burst`);
    check(b.top.includes(target.name), `${target.name} (ranked ${target.rank + 1}) did not climb into the ranking: ${b.top}`);
    await page.waitForTimeout(1000); // the charts' transition
    await page.screenshot({ path: `${outDir}/screen-burst.png` });
  }

  // badUnitCode: /screen?unit=abc says so in Chinese, not in the server's English.
  async function badUnitCode() {
    const page = await waitProblem('/screen?unit=abc');
    findings.badUnit = await problemOf(page);
    const p = findings.badUnit;
    check(/abc/.test(p.message) && /无效|不存在/.test(p.message) && !/[a-z]{4,}/i.test(p.message.replace('?unit=…', '')),
      `unit=abc: ${JSON.stringify(p)}`);
    await page.close();
  }

  // refusedToken: a bad token in the URL (public reads on here) is refused
  // with the message, not a blank page and not silently anonymous.
  async function refusedToken() {
    const page = await waitProblem('/screen?unit=120104&token=not-a-token');
    findings.refused = await problemOf(page);
    const p = findings.refused;
    check(p.shown && /授权已失效或无权查看/.test(p.message) && p.state === 'authFailed' && !/\d/.test(p.figures),
      `a refused token: ${JSON.stringify(p)}`);
    await page.screenshot({ path: `${outDir}/screen-refused.png` });
    await page.click('#lang');
    const en = await problemOf(page);
    check(/ask an administrator/.test(en.message), `a refused token in English: ${en.message}`);
    await page.click('#lang');
    await page.close();
  }

  // revoked: the screen is drawn, then its token stops working — the stream
  // is refused (EventSource closes for good) and so is the overview. The
  // screen retries and shows the message, instead of old figures under
  // "connecting".
  async function revoked() {
    let overviews = 0;
    const page = await waitProblem('/screen?unit=120104', async (p) => {
      await p.route('**/v1/events**', (r) => r.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"status":401}' }));
      await p.route('**/v1/stats/overview**', (r) => (overviews++ === 0 ? r.continue()
        : r.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"status":401,"detail":"token revoked"}' })));
    });
    findings.revoked = { ...(await problemOf(page)), overviews };
    const p = findings.revoked;
    check(p.shown && /授权已失效/.test(p.message) && p.state === 'authFailed' && overviews >= 2, `a revoked token: ${JSON.stringify(p)}`);
    await page.close();
  }

  // gridRanking: a grid's screen does not rank the grid among its own children.
  async function gridRanking() {
    const street = (await overview('120104')).ranking[0].code;
    const community = (await overview(street)).ranking[0].code;
    const grid = (await overview(community)).ranking.find((r) => r.code.length > community.length)?.code;
    if (!grid) return failures.push(`no grid under ${community}`);
    const { page } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${grid}`);
    findings.gridRanking = await page.evaluate(() => ({ unit: window.screenApp.state?.unit?.code,
      ranked: window.screenApp.state?.ranking.map((r) => r.code) }));
    check(findings.gridRanking.unit === grid && !findings.gridRanking.ranked.includes(grid),
      `grid ${grid} ranks itself: ${JSON.stringify(findings.gridRanking)}`);
    await page.close();
  }

  return { burst, badUnitCode, refusedToken, revoked, gridRanking };
}
