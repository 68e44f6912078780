// Which unit the big screen shows, run by screen.test.mjs: a click on a
// street of 南开区 drills down to it (its title, the legend, and a feed
// started again from the street's own reports), and a unit that does not
// exist is said so, in Chinese and in English, instead of zeros.
import { problemOf } from './screen-util.mjs';

export function drillChecks(ctx) {
  const { base, token, outDir, check, failures, findings, open, legendFollows } = ctx;

  // drillDown clicks a street of 南开区 on page, the screen of 120104.
  async function drillDown(page) {
    const street = await page.evaluate(() => {
      const { map } = window.screenApp;
      const f = map.queryRenderedFeatures({ layers: ['street-fill'] }).find((x) => String(x.properties.code).startsWith('120104'));
      const lbl = map.querySourceFeatures('gridmap', { sourceLayer: 'street_label' }).find((x) => x.properties.code === f?.properties.code);
      if (!lbl) return null;
      const p = map.project(lbl.geometry.coordinates);
      const box = map.getContainer().getBoundingClientRect();
      return { code: lbl.properties.code, name: lbl.properties.name, x: box.left + p.x, y: box.top + p.y };
    });
    if (!street) {
      failures.push('no street label to click');
      return;
    }
    await page.mouse.click(street.x, street.y);
    await page.waitForFunction((name) => document.getElementById('unit-title').textContent === name && window.screenApp.ready,
      street.name, { timeout: 20_000 }).catch(() => failures.push(`clicking ${street.name} did not drill down`));
    findings.drilled = street.name;
    await legendFollows(page, 'drill-down');
    // The feed starts again from the street's own latest reports: none of 南开区's others stays.
    const own = await fetch(`${base}/v1/reports?unit=${street.code}&kind=hazard,event&limit=50`, { headers: { Authorization: `Bearer ${token}` } })
      .then((r) => r.json()).then((b) => new Set((b.reports ?? []).map((r) => r.id)));
    await page.waitForTimeout(500);
    findings.feedAfterDrill = await page.evaluate(() => [...document.querySelectorAll('#feed li')].map((li) => li.dataset.report));
    check(findings.feedAfterDrill.length > 0 && findings.feedAfterDrill.every((x) => own.has(x)),
      `the feed after the drill-down to ${street.code}: ${findings.feedAfterDrill}`);
  }

  // unknownUnit: a message naming it, no zeros, and the status says so (in
  // Chinese, then in English).
  async function unknownUnit() {
    const bogus = await open({ width: 1920, height: 1080 }, 1, '/screen?unit=999999');
    findings.bogus = await problemOf(bogus.page);
    const b = findings.bogus;
    check(b.shown && /999999/.test(b.message) && /不存在/.test(b.message), `unknown unit message: ${JSON.stringify(b)}`);
    check(b.state === 'noSuchUnit' && b.live === '无此单元', `unknown unit status: ${b.live} (${b.state})`);
    check(!/\d/.test(b.figures), `unknown unit figures: ${b.figures}`);
    await bogus.page.screenshot({ path: `${outDir}/screen-unknown-unit.png` });
    await bogus.page.click('#lang');
    findings.bogusEN = await problemOf(bogus.page);
    check(/There is no unit 999999/.test(findings.bogusEN.message) && findings.bogusEN.live === 'no such unit',
      `unknown unit in English: ${JSON.stringify(findings.bogusEN)}`);
    // The browser reports the 404 answers themselves as console errors; nothing else may fail.
    const unexpected = bogus.errors.filter((e) => !/status of 404/.test(e));
    check(unexpected.length === 0, `console errors of the unknown unit: ${unexpected.join(' | ')}`);
  }

  return { drillDown, unknownUnit };
}
