// The big screen with a token scoped to a street, run by screen.test.mjs:
// with no ?unit= it shows that street everywhere; with a ?unit= under its
// scope the units above it are named, not links; an unknown unit offers
// the token's area, not the city.
import { overviewOf, problemOf, problemPages, bboxOf } from './screen-util.mjs';

export function scopedChecks(ctx) {
  const { base, scoped, outDir, check, failures, findings, open } = ctx;
  const overview = overviewOf(base);
  const waitProblem = problemPages(ctx);

  // scopedNoUnit: a token scoped to 长虹街道 (120104001) and no ?unit=. The
  // server answers the overview for the token's scope; the screen must show
  // that one unit everywhere — the breadcrumb ends at it, the map is framed
  // on it, and a click on one of its communities drills down.
  async function scopedNoUnit() {
    const scope = '120104001';
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1, `/screen?token=${scoped}`);
    const unit = await (await fetch(`${base}/v1/units/${scope}`)).json();
    findings.scoped = await page.evaluate((u) => {
      const { map } = window.screenApp;
      const b = [Infinity, Infinity, -Infinity, -Infinity];
      const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]),
        b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
      walk(u.geometry.coordinates);
      const v = map.getBounds();
      // the share of the map's width and height the unit takes: framed on it, one is near 1
      const share = Math.max((b[2] - b[0]) / (v.getEast() - v.getWest()), (b[3] - b[1]) / (v.getNorth() - v.getSouth()));
      const inView = v.contains([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]);
      return { unit: window.screenApp.unit, title: document.getElementById('unit-title').textContent,
        crumbs: [...document.getElementById('crumbs').children].map((c) => `${c.tagName === 'A' ? '@' : ''}${c.textContent}`),
        share: Math.round(share * 100) / 100, inView };
    }, unit);
    const s = findings.scoped;
    check(s.unit === scope && s.title === '长虹街道', `a scoped token without ?unit= does not show its unit: ${JSON.stringify(s)}`);
    check(s.crumbs.at(-1) === '长虹街道' && s.crumbs.length === 3, `the breadcrumb of a scoped token: ${JSON.stringify(s.crumbs)}`);
    // Above the scope the server refuses the units: named, not offered as links.
    check(!s.crumbs.slice(0, -1).some((c) => c.startsWith('@')), `the breadcrumb offers units the token may not see: ${s.crumbs}`);
    check(s.inView && s.share > 0.6, `the map is not framed on the token's unit: ${JSON.stringify(s)}`);
    await page.screenshot({ path: `${outDir}/screen-scoped.png` });
    const community = await page.evaluate((code) => {
      const { map } = window.screenApp;
      const box = map.getContainer().getBoundingClientRect();
      const scale = box.width / map.getContainer().offsetWidth; // the map frame may be drawn scaled (screen-map.js)
      const l = map.querySourceFeatures('gridmap', { sourceLayer: 'community_label' })
        .map((f) => ({ code: String(f.properties.code), name: f.properties.name, p: map.project(f.geometry.coordinates) }))
        // A click on a case point opens its card (screen-case.js): the
        // community is clicked where no case is drawn within a few pixels.
        .find((f) => f.code.startsWith(code) && map.queryRenderedFeatures(f.p, { layers: ['community-fill'] }).length &&
          !map.queryRenderedFeatures([[f.p.x - 8, f.p.y - 8], [f.p.x + 8, f.p.y + 8]], { layers: ['report-circle'] }).length);
      return l && { code: l.code, name: l.name, x: box.left + l.p.x * scale, y: box.top + l.p.y * scale };
    }, scope);
    if (!community) {
      failures.push(`no community of ${scope} drawn on the scoped screen`);
    } else {
      await page.mouse.click(community.x, community.y);
      await page.waitForFunction((name) => document.getElementById('unit-title').textContent === name && window.screenApp.ready,
        community.name, { timeout: 20_000 }).catch(() => failures.push(`on the scoped screen clicking ${community.name} did not drill down`));
      findings.scopedDrill = await page.evaluate(() => window.screenApp.unit);
    }
    check(errors.length === 0, `console errors of the scoped screen: ${errors.join(' | ')}`);
    await page.close();
  }

  // scopedWithUnit: the scoped token with ?unit= one of its communities. The
  // screen learns the token's scope all the same: 全市 and 南开区 above it are
  // named, not links. A unit under the scope that does not exist offers
  // 查看本辖区 (not 查看全市), which leads to the scope.
  async function scopedWithUnit() {
    const scope = '120104001';
    const community = (await overview(scope)).ranking.find((r) => r.code.length === 12)?.code;
    if (!community) return failures.push(`no community under ${scope}`);
    const crumbsOf = (page) => page.evaluate(() => [...document.getElementById('crumbs').children]
      .map((c) => `${c.tagName === 'A' ? '@' : ''}${c.textContent}`));
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${community}&token=${scoped}`);
    findings.scopedUnitCrumbs = await crumbsOf(page);
    const c = findings.scopedUnitCrumbs;
    check(c.length === 4 && !c[0].startsWith('@') && !c[1].startsWith('@') && c[2] === '@长虹街道' && !c[3].startsWith('@'),
      `the breadcrumb of a scoped token with ?unit=${community}: ${JSON.stringify(c)}`);
    await page.screenshot({ path: `${outDir}/screen-scoped-unit.png` });
    check(errors.length === 0, `console errors of the scoped screen with a unit: ${errors.join(' | ')}`);
    await page.close();

    const unknown = await waitProblem(`/screen?unit=${scope}999&token=${scoped}`);
    const button = () => unknown.textContent('#problem-city');
    findings.scopedUnknown = { ...(await problemOf(unknown)), button: await button(), crumbs: await crumbsOf(unknown) };
    const u = findings.scopedUnknown;
    check(u.state === 'noSuchUnit' && u.button === '查看本辖区', `a scoped token's unknown unit: ${JSON.stringify(u)}`);
    check(!u.crumbs[0]?.startsWith('@') && !u.crumbs[1]?.startsWith('@'), `a scoped token's unknown unit, the breadcrumb: ${JSON.stringify(u.crumbs)}`);
    // Behind the message the map frames the scope, where the button leads.
    const box = bboxOf((await (await fetch(`${base}/v1/units/${scope}`)).json()).geometry.coordinates);
    findings.scopedUnknownMap = await unknown.waitForFunction((b) => {
      const m = window.screenApp.map, c = m.getCenter();
      return !m.isMoving() && c.lng > b[0] && c.lng < b[2] && c.lat > b[1] && c.lat < b[3] && m.getZoom() > 11 && m.getZoom().toFixed(1);
    }, box, { timeout: 15_000 }).then((z) => z.jsonValue()).catch(() => null);
    check(findings.scopedUnknownMap !== null, 'behind a scoped token\'s unknown unit the map does not frame the scope');
    await unknown.screenshot({ path: `${outDir}/screen-scoped-unknown.png` });
    await unknown.click('#lang');
    findings.scopedUnknownEN = await button();
    check(/my area/.test(findings.scopedUnknownEN), `a scoped token's unknown unit in English: ${findings.scopedUnknownEN}`);
    await unknown.click('#lang');
    await unknown.click('#problem-city');
    await unknown.waitForFunction((code) => window.screenApp.unit === code && !window.screenApp.problem && window.screenApp.ready,
      scope, { timeout: 20_000 }).catch(() => failures.push('查看本辖区 does not lead to the token\'s scope'));
    findings.scopedUnknownThen = await unknown.textContent('#unit-title');
    check(findings.scopedUnknownThen === '长虹街道', `查看本辖区 led to ${findings.scopedUnknownThen}`);
    await unknown.close();

    // The district above the scope: the token is good, the unit is not
    // its to see. Said so (not "authorisation failed, ask for a new
    // token"), with the way back to its area.
    const above = await waitProblem(`/screen?unit=${scope.slice(0, 6)}&token=${scoped}`);
    findings.scopedAbove = { ...(await problemOf(above)), button: await above.textContent('#problem-city'),
      buttonShown: await above.isVisible('#problem-city') };
    const a = findings.scopedAbove;
    check(a.state === 'outsideScope' && /不在本令牌的辖区内/.test(a.message) && a.buttonShown && a.button === '查看本辖区',
      `a unit above a scoped token's area: ${JSON.stringify(a)}`);
    // Titled by its name, as the breadcrumb names it, not by its code.
    findings.scopedAboveTitle = await above.waitForFunction(() => document.getElementById('unit-title').textContent === '南开区'
      && document.getElementById('unit-title').textContent, null, { timeout: 5000 }).then((h) => h.jsonValue())
      .catch(() => above.textContent('#unit-title'));
    check(findings.scopedAboveTitle === '南开区', `a unit above the scope is titled ${findings.scopedAboveTitle}`);
    await above.screenshot({ path: `${outDir}/screen-scoped-above.png` });
    await above.click('#problem-city');
    await above.waitForFunction((code) => window.screenApp.unit === code && !window.screenApp.problem && window.screenApp.ready,
      scope, { timeout: 20_000 }).catch(() => failures.push('查看本辖区 from a unit above the scope does not lead to the scope'));
    await above.close();
  }

  return { scopedNoUnit, scopedWithUnit };
}
