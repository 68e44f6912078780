// Browser test of the big screen (/screen): Debian's headless Chromium, driven
// by playwright-core, opens /screen?unit=120104 at 1920×1080, waits for the
// map, the key figures and the charts, posts a report while it watches, and
// checks that the report appears in the live feed and flashes on the map and
// that the figures move by one. The feed starts with the latest reports;
// after the EN button the status still says "live" and the feed is in
// English. /screen?unit=999999 (no such unit) says so instead of showing
// zeros. Screenshots at 1920×1080 and at 3840×2160 (device scale 1), in
// English, and of the unknown unit.
// Also: the report is taken through the workflow and reopened — every step
// is named in the feed and the figures equal GET /v1/stats/overview's; at
// 3840×2160 (scale 1) the charts' labels grow with the page and the open
// cases' sub-line stays on one line; 100 reports in one batch leave at most
// 30 flashes, the page answering at once, and lift the lowest street into
// the ranking; a drill-down starts the feed again from the street's own reports; ?unit=abc is told in Chinese;
// a refused token, one revoked while the screen is open (the stream and
// then the overview answer 401) and one that expires while it is open show
// the message, are forgotten by the tab and another is asked for, which
// opens the screen (screen-access.mjs); a token scoped to 长虹街道, with no ?unit=, shows that street everywhere:
// title, breadcrumb, map, and clicks drill into its communities; with a
// ?unit= under its scope the units above the scope are not links either,
// and an unknown unit offers the token's area, not the city. At
// 3840×2160 the map is drawn as at 1920×1080 at twice the size: the same
// zoom, labels, lines and attribution twice as large. Cut off the network,
// the screen says since when its link is down and dims the figures; back
// on it, it says it has reconnected.
// Wall reading: at 1920×1080 every word read across the room is 18 px or
// more (axes 14), at 3840×2160 twice that, at 1366×768 14 px, and nothing
// overflows; the trend is not smoothed and long names are not cut. A new
// report stays on the map after its flash (its density cell counts it once
// the case tiles are reloaded, and the map never goes blank meanwhile); a
// burst reloads them every few seconds, not per report; a closed case is no
// longer counted open there. The seeded feed names each case's latest step
// in its colour; a dispatch names its assignee to a token that may see it
// and not to an anonymous screen. An empty street says 暂无数据 and "—"
// for patrols; a unit above a scoped token is titled by its name.
// The density cells (screen-hexscale.mjs): their classes grow with the cells'
// size; at the district's, a street's and the city's zoom the legend gives
// the classes of the resolution drawn, each cell is painted in its class for
// its own resolution and quiet cells stay faint; the district's view is not
// one sheet of the top class; the legend follows a drill-down.
// The map (screen-maplook.mjs): on a street
// the server's overdue cases are red in a white ring, a case whose due time
// passes turns so, and the legend lists the points; labels are never broken
// inside a word nor overlap, and a street's view names no grid.
// The case card (screen-case.mjs) of the case GRIDMAP_CASE names (seedCase, screen_case_test.go).
// A drill-down and an unknown unit: screen-drill.mjs; opening the screen,
// posting a report and taking its steps: screen-page.mjs.
//
//   GRIDMAP_TOKEN_REPORTER=… GRIDMAP_TOKEN_CHECKER=… GRIDMAP_TOKEN_SCOPED=… GRIDMAP_TOKEN_EDITOR=… \
//   GRIDMAP_TOKEN_EXPIRING=… GRIDMAP_TOKEN_EXPIRES_AT=… GRIDMAP_CASE=… node screen.test.mjs http://127.0.0.1:8080 out/
//
// GRIDMAP_TOKEN_CHECKER is a second worker's (it verifies and closes what the
// first handled: 监管分离), GRIDMAP_TOKEN_SCOPED a viewer's token scoped to
// 120104001, GRIDMAP_TOKEN_EDITOR an editor's (it saves a grid while the
// screen is open), GRIDMAP_TOKEN_EXPIRING a viewer's token that expires at
// GRIDMAP_TOKEN_EXPIRES_AT (RFC 3339) while the run goes on.
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { randomUUID } from 'node:crypto';
import { launch } from './map.mjs';
import { screenPages } from './screen-page.mjs';
import { overviewOf } from './screen-util.mjs';
import { caseChecks } from './screen-cases.mjs';
import { accessChecks } from './screen-access.mjs';
import { scopedChecks } from './screen-scoped.mjs';
import { unitChecks } from './screen-units.mjs';
import { mapChecks } from './screen-maplook.mjs';
import { hexChecks } from './screen-hexscale.mjs';
import { caseCardChecks } from './screen-case.mjs';
import { drillChecks } from './screen-drill.mjs';
import { chinaDay, shown, serverShown, figures, mapLook, overdueNow, readableBy } from './screen-read.mjs';

const [base, outDir = 'out'] = process.argv.slice(2);
const token = process.env.GRIDMAP_TOKEN_REPORTER;
const checker = process.env.GRIDMAP_TOKEN_CHECKER;
const scoped = process.env.GRIDMAP_TOKEN_SCOPED;
const editor = process.env.GRIDMAP_TOKEN_EDITOR;
const expiringToken = process.env.GRIDMAP_TOKEN_EXPIRING;
const expiresAt = Date.parse(process.env.GRIDMAP_TOKEN_EXPIRES_AT ?? '');
if (!base || !token || !checker || !scoped || !editor || !expiringToken || !expiresAt) {
  console.error('usage: GRIDMAP_TOKEN_REPORTER=… GRIDMAP_TOKEN_CHECKER=… GRIDMAP_TOKEN_SCOPED=… GRIDMAP_TOKEN_EDITOR=… '
    + 'GRIDMAP_TOKEN_EXPIRING=… GRIDMAP_TOKEN_EXPIRES_AT=… node screen.test.mjs BASE_URL [OUT_DIR]');
  process.exit(2);
}
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
const findings = {};
// timed runs a check and keeps the seconds it took in the findings, to see
// where a slow run spent its time; the first part, to the English labels,
// is "opening".
const started = Date.now();
findings.secs = {};
const timed = async (name, fn, ...args) => {
  const t0 = Date.now();
  try {
    return await fn(...args);
  } finally {
    findings.secs[name] = Math.round((Date.now() - t0) / 1000);
  }
};

const browser = await launch();
const { open, report, step, newlyOverdue } = screenPages({ browser, base, token, checker, check });
// overview is the server's figures of a unit, as the screen starts from them.
const overview = overviewOf(base);

const readable = readableBy({ check, findings });
const ctx = { browser, base, token, scoped, editor, outDir, check, failures, findings, open, step, report, readable };
const { burst, boundaryEdit, caseCell, smallWall } = caseChecks(ctx);
const { badUnitCode, refusedToken, revoked, linkDrop, revokedWhileLive, expiring } = accessChecks(ctx);
const { scopedNoUnit, scopedWithUnit } = scopedChecks(ctx);
const { gridRanking, emptyStreet } = unitChecks(ctx);
const { legendEnglish, overdueStreet } = mapChecks(ctx);
const { legendCells, hexZooms, legendFollows } = hexChecks(ctx);
const { caseCard, anonCard } = caseCardChecks(ctx);
const { drillDown, unknownUnit } = drillChecks({ ...ctx, legendFollows });

try {
  const expired = expiring(expiringToken, expiresAt);
  await expired.start(); // first: its token must expire while the rest runs
  const { page, errors, outside, reads } = await open({ width: 1920, height: 1080 }, 1);
  const clock = { first: await overdueNow(page), at: Date.now() }; // the map's "now" for overdue cases, renewed every 30 s
  findings.drawn = await page.evaluate(() => {
    const { map, charts } = window.screenApp;
    const count = (id) => (map.getLayer(id) ? map.queryRenderedFeatures({ layers: [id] }).length : 0);
    const series = (c) => (c.getOption().series ?? []).reduce((k, s) => k + (s.data?.length ?? 0), 0);
    return { districts: count('district-fill'), streets: count('street-line'), title: document.getElementById('unit-title').textContent,
      charts: Object.fromEntries(Object.entries(charts).map(([k, c]) => [k, series(c)])),
      canvases: document.querySelectorAll('.chart canvas').length };
  });
  const d = findings.drawn;
  check(d.title === '南开区', `title ${d.title}`);
  check(d.districts > 0 && d.streets > 0, `map features ${JSON.stringify(d)}`);
  check(d.canvases >= 4 && d.charts.trend >= 60 && d.charts.severity === 4 && d.charts.category > 0 && d.charts.ranking > 0,
    `charts ${JSON.stringify(d.charts)}`);
  // The trend is drawn as it is (no smoothing that bends below zero); long
  // names wrap in room of their own instead of being cut with an ellipsis.
  findings.chartLook = await page.evaluate(() => {
    const { charts } = window.screenApp;
    const label = (c) => c.getOption().yAxis[0].axisLabel;
    return { smooth: charts.trend.getOption().series.map((x) => x.smooth),
      names: ['category', 'ranking'].map((k) => ({ overflow: label(charts[k]).overflow, width: label(charts[k]).width })) };
  });
  check(findings.chartLook.smooth.every((x) => !x), `the trend is smoothed: ${JSON.stringify(findings.chartLook)}`);
  check(findings.chartLook.names.every((n) => n.overflow !== 'truncate' && n.width >= 160),
    `chart names are cut: ${JSON.stringify(findings.chartLook)}`);
  await readable(page, 18, '1920×1080');
  await legendCells(page, 'unit');
  // A screen just switched on shows the latest reports, not an empty feed waiting for the next one.
  await page.waitForSelector('#feed li', { timeout: 10_000 }).catch(() => {});
  findings.feedSeed = await page.evaluate(() => ({ reports: [...document.querySelectorAll('#feed li')].map((li) => li.dataset.report),
    empty: getComputedStyle(document.getElementById('feed-empty')).display !== 'none' }));
  check(findings.feedSeed.reports.length > 0 && findings.feedSeed.reports.every(Boolean) && !findings.feedSeed.empty,
    `a fresh screen's feed: ${JSON.stringify(findings.feedSeed)}`);
  // Each seeded line says its case's latest step, and its colour is that
  // step's state: no "新上报" painted green for a case closed since.
  const stepOf = { reported: '新上报', accepted: '立案', dispatched: '派遣', handled: '处置', verified: '核查', closed: '结案',
    rejected: '不予立案', reopened: '重新办理' };
  findings.seedTags = await page.evaluate(() => [...document.querySelectorAll('#feed li')].map((li) => ({
    state: [...li.classList].find((c) => c.startsWith('state-'))?.slice(6), tag: li.querySelector('.tag').textContent,
    colour: getComputedStyle(li.querySelector('.what')).color })));
  check(findings.seedTags.every((x) => stepOf[x.state] === x.tag || (x.state === 'accepted' && x.tag === '回退')),
    `seeded lines whose tag is not their state: ${JSON.stringify(findings.seedTags)}`);
  check(findings.seedTags.every((x) => (x.state === 'closed') === (x.colour === 'rgb(52, 211, 153)')),
    `seeded lines green but not closed, or closed but not green: ${JSON.stringify(findings.seedTags)}`);
  // The screen's today is its last overview's (up to a minute old): a report posted on another day is not in it.
  const screenDay = await page.evaluate(() => window.screenApp.state?.today);
  const before = await figures(page);
  findings.before = before;
  check(before.open > 0 && Number.isFinite(before.today), `figures ${JSON.stringify(before)}`);
  findings.map1920 = await mapLook(page);

  // A grid worker reports a hazard in 南开区 while the screen watches.
  const id = randomUUID();
  const cell = await caseCell(page, [117.1530, 39.1290]);
  const posted = Date.now();
  await report(id, 'E0506', [117.1530, 39.1290]);
  await page.waitForSelector(`#feed li[data-report="${id}"]`, { timeout: 10_000 })
    .catch(() => failures.push('the new report did not appear in the feed'));
  findings.feedMs = Date.now() - posted;
  await page.waitForSelector(`.maplibregl-marker .flash[data-report="${id}"], .flash[data-report="${id}"]`, { timeout: 5_000 })
    .catch(() => failures.push('the new report did not flash on the map'));
  await page.waitForFunction((b) => {
    const n = (x) => Number(document.querySelector(`#${x} b`).textContent.replace(/[^\d.]/g, ''));
    return n('fig-today') === b.today + 1 && n('fig-open') === b.open + 1;
  }, before, { timeout: 5_000 }).catch(() => {});
  findings.after = await figures(page);
  findings.dayTurned = chinaDay(posted) !== screenDay || chinaDay() !== screenDay;
  check(findings.dayTurned || findings.after.today === before.today + 1, `reports today ${before.today} → ${findings.after.today}, want +1`);
  check(findings.after.open === before.open + 1, `open cases ${before.open} → ${findings.after.open}, want +1`);
  findings.feed = await page.evaluate(() => document.querySelector('#feed li')?.innerText);
  // It stays on the map after its flash: the case tiles are reloaded, and
  // its cell counts it (open) without the map going blank meanwhile.
  findings.cell = await cell.counted(1);
  check(findings.cell.open === findings.cell.before.open + 1 && findings.cell.minShown > 0,
    `the new report is not in the map's tiles: ${JSON.stringify(findings.cell)}`);
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${outDir}/screen-1920x1080.png` });
  check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
  check(outside.length === 0, `requests to other hosts: ${outside.join(' ')}`);

  // The case goes through the workflow and is reopened: each step is named
  // in the feed, and the figures the screen folded equal the server's.
  for (const action of ['accept', 'dispatch', 'handle', 'verify', 'close', 'reopen']) await step(id, action);
  await page.waitForFunction((rid) => [...document.querySelectorAll(`#feed li[data-report="${rid}"] .tag`)]
    .some((x) => x.textContent === '重新办理'), id, { timeout: 10_000 }).catch(() => failures.push('the reopen is not in the feed'));
  await page.waitForTimeout(800);
  findings.steps = await page.evaluate((rid) => [...document.querySelectorAll(`#feed li[data-report="${rid}"] .tag`)]
    .map((x) => x.textContent), id);
  check(['立案', '派遣', '处置', '核查', '结案', '重新办理'].every((w) => findings.steps.includes(w)) && !findings.steps.includes('状态变更'),
    `the steps are not named: ${findings.steps}`);
  findings.anonDispatch = await page.evaluate((rid) => [...document.querySelectorAll(`#feed li[data-report="${rid}"].step-dispatched`)]
    .map((li) => li.innerText).join(' | '), id);
  check(findings.anonDispatch && !/城管科/.test(findings.anonDispatch), `an anonymous screen's dispatch: ${findings.anonDispatch}`);
  const o = await overview('120104');
  findings.reopened = { screen: await shown(page), server: serverShown(o.figures) };
  // Past midnight China time the server counts a new day's reports; the
  // screen counts its own day's until it next asks: the other figures must agree.
  if (o.today !== await page.evaluate(() => window.screenApp.state?.today)) {
    findings.reopened.dayTurned = true;
    delete findings.reopened.screen['fig-today'];
    delete findings.reopened.server['fig-today'];
  }
  // Time, not an event, makes a case overdue: one whose deadline passed
  // since the screen last read its figures is the server's and not yet the
  // screen's (the escalation job's case.overdue or the next read brings it).
  // The screen may be behind by those cases alone; the others must agree.
  const behind = o.figures.overdue_open - await page.evaluate(() => window.screenApp.state?.figures?.overdue_open);
  if (behind !== 0) {
    findings.reopened.newlyOverdue = await newlyOverdue('120104', reads.overviewAt);
    if (behind > 0 && behind <= findings.reopened.newlyOverdue) {
      delete findings.reopened.screen['fig-overdue'];
      delete findings.reopened.server['fig-overdue'];
    }
  }
  check(JSON.stringify(findings.reopened.screen) === JSON.stringify(findings.reopened.server),
    `after a reopen the screen's figures are not the server's: ${JSON.stringify(findings.reopened)}`);

  // Blown up one level (吹哨): the feed says where the case went, not where it was reported.
  await step(id, 'escalate');
  findings.escalated = await page.waitForFunction((rid) => [...document.querySelectorAll(`#feed li[data-report="${rid}"]`)]
    .find((li) => li.querySelector('.tag')?.textContent === '升级')?.querySelector('.where')?.textContent, id, { timeout: 10_000 })
    .then((h) => h.jsonValue()).catch(() => null);
  check(/^→ (社区|街道|区)/.test(findings.escalated ?? ''), `the escalation's line: ${findings.escalated}`);

  // The same screen on a 4K wall (3840×2160 at device scale 1), with a report
  // arriving: the charts' words grow with the page's.
  const big = await open({ width: 3840, height: 2160 }, 1);
  const second = randomUUID();
  await report(second, 'E0601', [117.1700, 39.1050]);
  await big.page.waitForSelector(`#feed li[data-report="${second}"]`, { timeout: 10_000 })
    .catch(() => failures.push('at 3840×2160 the new report did not appear in the feed'));
  await big.page.waitForTimeout(800);
  await big.page.screenshot({ path: `${outDir}/screen-3840x2160.png` });
  check(big.errors.length === 0, `console errors at 3840×2160: ${big.errors.join(' | ')}`);
  findings.bigFonts = await big.page.evaluate(() => ({ page: parseFloat(getComputedStyle(document.querySelector('h2')).fontSize),
    axis: window.screenApp.charts.ranking.getOption().yAxis[0].axisLabel.fontSize,
    sevHeight: document.getElementById('fig-open-sev').getBoundingClientRect().height,
    sevFont: parseFloat(getComputedStyle(document.getElementById('fig-open-sev')).fontSize) }));
  const bf = findings.bigFonts;
  check(bf.axis >= 28, `chart labels at 3840×2160: ${JSON.stringify(bf)}`);
  await readable(big.page, 36, '3840×2160');
  check(bf.sevHeight < bf.sevFont * 2, `the open cases' sub-line wraps: ${JSON.stringify(bf)}`);
  // The map too: the same zoom as at 1920×1080 (not a level deeper, full of
  // tiny community labels), its labels, lines and attribution twice as large.
  findings.map3840 = await mapLook(big.page);
  const [m1, m2] = [findings.map1920, findings.map3840];
  check(Math.abs(m1.zoom - m2.zoom) < 0.1, `the map's zoom at 3840×2160 is ${m2.zoom}, at 1920×1080 ${m1.zoom}`);
  check(m1.label > 0 && m2.label >= 1.9 * m1.label && m2.line >= 1.9 * m1.line && m2.attribution >= 1.9 * m1.attribution,
    `the map's words and lines do not grow with the page: ${JSON.stringify({ m1, m2 })}`);
  await big.page.close();

  // A report that reaches the screen late (observed two days ago by a phone
  // that was offline) is dated when it was observed, as a reload dates it
  // and as the figures count it, not as arriving now.
  const late = randomUUID();
  const lateAt = new Date(Date.now() - 2 * 86400e3);
  await report(late, 'E0506', [117.1530, 39.1290], lateAt);
  await page.waitForSelector(`#feed li[data-report="${late}"]`, { timeout: 10_000 })
    .catch(() => failures.push('the late report did not appear in the feed'));
  findings.lateRow = await page.evaluate((rid) => document.querySelector(`#feed li[data-report="${rid}"] time`)?.textContent ?? '', late);
  const lateDay = lateAt.toLocaleDateString('zh-CN', { month: 'numeric', day: 'numeric', timeZone: 'Asia/Shanghai' });
  check(findings.lateRow.startsWith(`${lateDay}\n`), `a report observed on ${lateDay} reads ${JSON.stringify(findings.lateRow)} in the feed`);

  // English: every label, the live status (not reset to "connecting") and
  // the feed already shown are in English.
  await page.click('#lang');
  await page.waitForTimeout(1500);
  findings.english = await page.evaluate(() => ({ live: document.getElementById('live').textContent,
    state: document.getElementById('live').dataset.state, title: document.querySelector('.sub').textContent,
    feed: document.querySelector('#feed li')?.innerText ?? '' }));
  const en = findings.english;
  check(en.state === 'live' && en.live === 'live', `the status after EN: ${en.live} (${en.state}), want "live"`);
  check(/command centre/.test(en.title), `the title after EN: ${en.title}`);
  check(/new report/.test(en.feed) && /serious/.test(en.feed) && !/新上报|突出/.test(en.feed), `the feed after EN: ${en.feed}`);
  await legendEnglish(page);
  await page.screenshot({ path: `${outDir}/screen-en.png` });
  await page.click('#lang'); // back to Chinese for the drill-down
  findings.secs.opening = Math.round((Date.now() - started) / 1000);

  await timed('burst', burst, page);
  await timed('boundaryEdit', boundaryEdit, page);
  if (findings.burstTarget) await timed('hexZooms', hexZooms, page, findings.burstTarget.point);

  // Drill down: a click on a street of 南开区 shows that street.
  await timed('drillDown', drillDown, page);
  await timed('unknownUnit', unknownUnit);
  await timed('gridRanking', gridRanking);
  await timed('emptyStreet', emptyStreet);
  await timed('smallWall', smallWall);
  await timed('badUnitCode', badUnitCode);
  await timed('refusedToken', refusedToken);
  await timed('revoked', revoked);
  await timed('revokedWhileLive', revokedWhileLive);
  await timed('scopedNoUnit', scopedNoUnit);
  await timed('scopedWithUnit', scopedWithUnit);
  await timed('caseCard', caseCard);
  await timed('anonCard', anonCard);
  await timed('linkDrop', linkDrop);
  await timed('overdueStreet', overdueStreet);
  // The main screen, open all along, has renewed its "now" as time went by.
  clock.last = await overdueNow(page);
  clock.ageSecs = Math.round((Date.now() - clock.last) / 1000);
  findings.overdueClock = { firstLagSecs: Math.round((clock.at - clock.first) / 1000), ageSecs: clock.ageSecs,
    advancedSecs: Math.round((clock.last - clock.first) / 1000) };
  const c = findings.overdueClock;
  check(c.firstLagSecs <= 32 && c.advancedSecs >= 30 && c.ageSecs <= 32, `the map's now for overdue cases: ${JSON.stringify(c)}`);
  await expired.finish();
} catch (err) {
  failures.push(String(err?.stack ?? err));
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);
