// The big screen on units of other kinds, run by screen.test.mjs: a grid
// (not ranked among its own children) and a street with no cases and no
// grids (its charts and patrol coverage say so).
import { firstGridOf } from './screen-util.mjs';

export function unitChecks(ctx) {
  const { base, outDir, check, failures, findings, open } = ctx;

  // gridRanking: a grid's screen does not rank the grid among its own children.
  async function gridRanking() {
    const grid = await firstGridOf(base);
    if (!grid) return failures.push('no grid under 120104');
    const { page } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${grid}`);
    findings.gridRanking = await page.evaluate(() => ({ unit: window.screenApp.state?.unit?.code,
      ranked: window.screenApp.state?.ranking.map((r) => r.code) }));
    check(findings.gridRanking.unit === grid && !findings.gridRanking.ranked.includes(grid),
      `grid ${grid} ranks itself: ${JSON.stringify(findings.gridRanking)}`);
    await page.close();
  }

  // emptyStreet: 120110010 (华新街道 in the demo) has no cases and no grids: its charts say
  // there are no data, and its patrol coverage is "—" with why, not "0.0%".
  async function emptyStreet() {
    const { page } = await open({ width: 1920, height: 1080 }, 1, '/screen?unit=120110010');
    findings.emptyStreet = await page.evaluate(() => ({ notes: [...document.querySelectorAll('.nodata')].filter((n) => !n.hidden)
      .map((n) => n.textContent), patrol: document.querySelector('#fig-patrol b').textContent,
      patrolSub: document.getElementById('fig-patrol-sub').textContent }));
    const e = findings.emptyStreet;
    check(e.notes.length === 2 && e.notes.every((n) => n.startsWith('暂无数据')), `the empty street's charts: ${JSON.stringify(e)}`);
    check(e.patrol === '—' && /未划分网格/.test(e.patrolSub), `the empty street's patrol coverage: ${JSON.stringify(e)}`);
    await page.screenshot({ path: `${outDir}/screen-empty-street.png` });
    await page.close();
  }

  return { gridRanking, emptyStreet };
}
