// More checks of the big screen, run by screen.test.mjs: a burst of reports
// (the flashes stay capped, the page stays responsive, a unit climbs into the
// ranking), a unit code that is not one, a refused token, a token revoked
// while the screen is open, a scoped token with no ?unit=, one with a
// ?unit= under its scope, and the network lost and found again; a 1366×768
// screen with a worker's token (a 重大 report on the map until closed, its
// dispatch naming the assignee) and an empty street (smallWall, emptyStreet).
import { randomUUID } from 'node:crypto';

const cap = 30; // the most flashes at once (screen-map.js)
const overviewOf = (base) => (unit) => fetch(`${base}/v1/stats/overview?unit=${unit}`).then((r) => r.json());

export function moreChecks({ browser, base, token, scoped, editor, outDir, check, failures, findings, open, step, report, readable }) {
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

  // firstGrid is a grid of 南开区 (120104): of the first community of its first street in the ranking.
  async function firstGrid() {
    const street = (await overview('120104')).ranking[0].code;
    const community = (await overview(street)).ranking[0].code;
    return (await overview(community)).ranking.find((r) => r.code.length > community.length)?.code;
  }

  // gridRanking: a grid's screen does not rank the grid among its own children.
  async function gridRanking() {
    const grid = await firstGrid();
    if (!grid) return failures.push('no grid under 120104');
    const { page } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${grid}`);
    findings.gridRanking = await page.evaluate(() => ({ unit: window.screenApp.state?.unit?.code,
      ranked: window.screenApp.state?.ranking.map((r) => r.code) }));
    check(findings.gridRanking.unit === grid && !findings.gridRanking.ranked.includes(grid),
      `grid ${grid} ranks itself: ${JSON.stringify(findings.gridRanking)}`);
    await page.close();
  }

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
        .find((f) => f.code.startsWith(code) && map.queryRenderedFeatures(f.p, { layers: ['community-fill'] }).length);
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

  // linkDrop drops the screen's event stream and fails its reconnects for
  // a while: after the grace a banner says since when the link is down and
  // the figures are dimmed; once the stream is back the banner says so,
  // and the figures are bright again.
  async function linkDrop() {
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1);
    const bannerOf = () => page.evaluate(() => ({ shown: !document.getElementById('link-banner').hidden,
      text: document.getElementById('link-banner').textContent, stale: document.body.classList.contains('stale'),
      state: window.screenApp.status }));
    // The stream is dropped as a server going away drops it (closed, with
    // an error), and every reconnect fails as against a server that is
    // down; the screen's own reconnecting is what is tested.
    await page.route('**/v1/events**', (r) => r.abort('connectionrefused'));
    await page.evaluate(() => { const es = window.screenApp.stream; es.close(); es.dispatchEvent(new Event('error')); });
    findings.linkLost = await page.waitForFunction(() => document.body.classList.contains('stale'), null, { timeout: 20_000 })
      .then(bannerOf).catch(() => null);
    const l = findings.linkLost;
    check(l && l.shown && /连接已中断（自 \d\d:\d\d:\d\d 起）/.test(l.text), `the link dropped: ${JSON.stringify(l)}`);
    await page.screenshot({ path: `${outDir}/screen-link-lost.png` });
    await page.unroute('**/v1/events**');
    findings.linkBack = await page.waitForFunction(() => window.screenApp.link.state === 'back', null, { timeout: 30_000 })
      .then(bannerOf).catch(() => null);
    const b = findings.linkBack;
    check(b && b.shown && /已重新连接 · 中断 \d+ 秒/.test(b.text) && !b.stale && b.state === 'live',
      `the link back: ${JSON.stringify(b)}`);
    const unexpected = errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e));
    check(unexpected.length === 0, `console errors across the drop: ${unexpected.join(' | ')}`);
    await page.close();
  }

  // revokedWhileLive: a live screen's token is revoked — its stream drops
  // and the overview is refused. The message says so, and no banner says
  // the link is being retried beside it (a newcomer saw both at once).
  async function revokedWhileLive() {
    const { page } = await open({ width: 1920, height: 1080 }, 1);
    const refusal = { status: 401, contentType: 'application/problem+json', body: '{"status":401,"detail":"token revoked"}' };
    await page.route('**/v1/events**', (r) => r.fulfill(refusal));
    await page.route('**/v1/stats/overview**', (r) => r.fulfill(refusal));
    await page.evaluate(() => { const es = window.screenApp.stream; es.close(); es.dispatchEvent(new Event('error')); });
    await page.waitForFunction(() => !document.getElementById('problem').hidden, null, { timeout: 30_000 }).catch(() => {});
    await page.waitForTimeout(4000); // past the banner's grace
    findings.revokedWhileLive = await page.evaluate(() => ({ problem: !document.getElementById('problem').hidden,
      banner: !document.getElementById('link-banner').hidden, stale: document.body.classList.contains('stale') }));
    const r = findings.revokedWhileLive;
    check(r.problem && !r.banner && !r.stale, `a token revoked while live: ${JSON.stringify(r)}`);
    await page.close();
  }

  // boundaryEdit: an editor saves a grid of the unit shown while the screen
  // is open; its unit.changed event makes the screen fetch its boundary
  // tiles again at the version the save answered with (min_version), so
  // that a node that has not applied the edit yet waits for it instead of
  // drawing the map from before it until the next change.
  async function boundaryEdit(page) {
    const grid = await firstGrid();
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

  return { burst, boundaryEdit, revokedWhileLive, badUnitCode, refusedToken, revoked, gridRanking, scopedNoUnit, scopedWithUnit, linkDrop,
    caseCell, smallWall, emptyStreet };
}

// bboxOf is the [minLng, minLat, maxLng, maxLat] of GeoJSON coordinates.
function bboxOf(coords) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]),
    b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
  walk(coords);
  return b;
}

// liveTile says whether u is a tile of the layers drawn fresh (gridmap-live:
// reports, their density, patrols), not of the boundaries.
const liveTile = (u) => /\/tiles\/[^/]*report/.test(u.pathname);
