// The big screen's map as a room reads it, run by screen.test.mjs (the
// density cells and their legend: screen-hexscale.mjs): the legend in
// English; on a street, overdue open cases are red in a
// white ring — the server's overdue cases, and a case whose due time
// passes turns so without new tiles — with the points' legend; labels are
// one line each (never broken inside a word), do not overlap, and a
// street's view shows its communities' names, not its grids'.

const overdueColour = '#ff2d55'; // screen-map.js's caseColours.overdue

export function mapChecks({ browser, base, outDir, check, failures, findings, open }) {
  // legendEnglish: after EN the legend is in English.
  async function legendEnglish(page) {
    findings.legendEN = await page.evaluate(() => document.getElementById('legend').innerText);
    check(/open cases per cell/.test(findings.legendEN) && /all closed/.test(findings.legendEN) && !/[\u4e00-\u9fff]/.test(findings.legendEN),
      `the legend in English: ${findings.legendEN}`);
  }

  // streetOf is the street of 南开区 with the most overdue cases that also has a case not yet due.
  async function streetOf() {
    const all = (await fetch(`${base}/v1/reports?unit=120104&limit=1000`).then((x) => x.json())).reports ?? [];
    const now = new Date().toISOString();
    const by = {};
    for (const x of all.filter((y) => y.due_at && !['closed', 'rejected'].includes(y.state))) {
      const s = (by[x.resolution?.street?.code] ??= { late: 0, due: 0 });
      s[x.due_at < now ? 'late' : 'due'] += 1;
    }
    const [code] = Object.entries(by).filter(([c, s]) => c !== 'undefined' && s.due > 0).sort((a, b) => b[1].late - a[1].late)[0] ?? [];
    return { code, ids: new Set(all.map((x) => x.id)) };
  }

  // casePoints reads the case points drawn on page, once each, with how they are painted.
  const casePoints = (page) => page.evaluate(() => {
    const { map } = window.screenApp;
    const hex = (c) => `#${[c.r, c.g, c.b].map((x) => Math.round(x * 255).toString(16).padStart(2, '0')).join('')}`;
    const seen = new Map();
    for (const f of map.queryRenderedFeatures({ layers: ['report-circle'] })) {
      seen.set(f.properties.id, { id: f.properties.id, state: f.properties.state, due: f.properties.due_at ?? null,
        colour: hex(f.layer.paint['circle-color']), ring: hex(f.layer.paint['circle-stroke-color']), width: f.layer.paint['circle-stroke-width'] });
    }
    const now = JSON.stringify(map.getPaintProperty('report-circle', 'circle-color')).match(/\d{4}-\d\d-\d\dT[\d:]+Z/)?.[0];
    return { now, points: [...seen.values()] };
  });
  const ringed = (p) => p.colour === overdueColour && p.ring === '#ffffff' && p.width >= 2;

  // fastPC opens the street's screen on a PC whose clock runs two days
  // fast: what is overdue, and the time on the wall, are the server's.
  async function fastPC(code, ids, late) {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    await context.clock.install({ time: Date.now() + 2 * 86_400_000 });
    const page = await context.newPage();
    await page.goto(`${base}/screen?unit=${code}`, { waitUntil: 'load' });
    await page.waitForFunction(() => { const a = window.screenApp; return a && a.ready && a.map.loaded() && a.map.areTilesLoaded(); },
      null, { timeout: 90_000, polling: 250 }).catch(() => failures.push('the screen on a fast PC did not settle'));
    await page.waitForTimeout(1500);
    const { now, points } = await casePoints(page);
    const mine = points.filter((p) => ids.has(p.id));
    const near = (p) => p.due && Math.abs(Date.parse(p.due) - Date.now()) < 90_000;
    const f = { now, real: new Date().toISOString(), pc: await page.evaluate(() => new Date().toISOString()),
      wall: await page.textContent('#clock'), ringed: mine.filter(ringed).length, late: mine.filter((p) => late.has(p.id)).length,
      wrong: mine.filter((p) => ringed(p) !== late.has(p.id) && !near(p)).slice(0, 3) };
    findings.fastPC = f;
    const wallDay = new Date().toLocaleDateString('zh-CN', { timeZone: 'Asia/Shanghai' });
    check(Date.parse(f.pc) - Date.now() > 86_400_000 && Math.abs(Date.parse(now) - Date.now()) < 60_000 && !f.wrong.length && f.ringed > 0
      && f.wall?.startsWith(wallDay), `a PC two days fast shows its own clock's overdue cases or time: ${JSON.stringify(f)}`);
    await context.close();
  }

  // overdueStreet opens the screen on a street (its view is at the case
  // points' zoom) and checks the points, their legend and the labels.
  async function overdueStreet() {
    const { code, ids } = await streetOf();
    if (!code) return failures.push('no street of 120104 with overdue cases and cases not yet due');
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${code}`);
    const late = new Set(((await fetch(`${base}/v1/reports?unit=120104&overdue=true&limit=1000`).then((x) => x.json())).reports ?? [])
      .map((x) => x.id));
    const { now, points } = await casePoints(page);
    const near = (p) => p.due && Math.abs(Date.parse(p.due) - Date.parse(now)) < 90_000; // due as the two were read: either may say
    const mine = points.filter((p) => ids.has(p.id));
    const f = { street: code, now, points: points.length, withDue: points.filter((p) => p.due).length,
      ringed: points.filter(ringed).length, serverLate: mine.filter((p) => late.has(p.id)).length,
      wrong: mine.filter((p) => ringed(p) !== late.has(p.id) && !near(p)).slice(0, 3),
      closedRinged: points.filter((p) => ['closed', 'rejected'].includes(p.state) && ringed(p)).length };
    findings.overdueStreet = f;
    // The lead's tiles carry due_at on open cases; without it no case could be drawn overdue.
    check(f.withDue > 0, `the report tiles carry no due_at: ${JSON.stringify(f)}`);
    check(f.serverLate > 0 && f.ringed > 0 && !f.wrong.length && !f.closedRinged,
      `overdue cases on the map are not the server's: ${JSON.stringify(f)}`);
    // Time passes: a case not yet due is drawn overdue once "now" passes its
    // due time (markOverdue renews now every 30 s), and not before.
    const pending = points.find((p) => p.due && p.due > now && !['closed', 'rejected'].includes(p.state));
    findings.overdueFlip = pending ? await page.evaluate(async ({ id, due }) => {
      const { markOverdue } = await import(new URL('web/screen-map.js', document.baseURI).href);
      const { map } = window.screenApp;
      const hex = (c) => `#${[c.r, c.g, c.b].map((x) => Math.round(x * 255).toString(16).padStart(2, '0')).join('')}`;
      // The paint is evaluated at the next frame; the screen's own renewal
      // of now (every 30 s) may come between: then again.
      const colourAt = async (t) => {
        for (let i = 0; i < 3; i++) {
          const at = markOverdue(map, new Date(t));
          await new Promise((r) => { map.once('idle', r); map.triggerRepaint(); });
          const p = map.queryRenderedFeatures({ layers: ['report-circle'] }).find((x) => x.properties.id === id)?.layer.paint;
          if (p && JSON.stringify(map.getPaintProperty('report-circle', 'circle-color')).includes(at)) {
            return [hex(p['circle-color']), p['circle-stroke-width']];
          }
        }
        return null;
      };
      const out = { before: await colourAt(Date.parse(due) - 1000), after: await colourAt(Date.parse(due) + 1000) };
      markOverdue(map);
      return out;
    }, pending) : null;
    const o = findings.overdueFlip;
    check(o?.before && o.after && o.before[0] !== overdueColour && o.before[1] === 1 && o.after[0] === overdueColour && o.after[1] >= 2,
      `a case whose due time passes: ${JSON.stringify({ pending, ...o })}`);
    await legendCases(page);
    await labels(page, 'street');
    await page.waitForTimeout(500);
    await page.screenshot({ path: `${outDir}/screen-street.png` });
    // A community's view (zoom 16 and in) names its grids too, one line each.
    await page.evaluate(() => window.screenApp.map.jumpTo({ zoom: 16.5 }));
    await page.waitForFunction(() => window.screenApp.map.loaded() && window.screenApp.map.areTilesLoaded(), null, { timeout: 20_000 })
      .catch(() => {});
    await labels(page, 'community');
    check(errors.length === 0, `console errors on the street's screen: ${errors.join(' | ')}`);
    await page.close();
    await fastPC(code, ids, late);
  }

  // legendCases: at the points' zoom the legend lists them, overdue first, its dot as the map paints it.
  async function legendCases(page) {
    const l = await page.evaluate(() => {
      const box = document.getElementById('legend');
      const dot = box.querySelector('li[data-key="overdue"] i');
      return { kind: box.dataset.kind, title: box.querySelector('h3')?.textContent,
        rows: [...box.querySelectorAll('li')].map((li) => li.textContent),
        dot: dot && { fill: getComputedStyle(dot).backgroundColor, ring: getComputedStyle(dot).borderTopColor } };
    });
    findings.legendCases = l;
    check(l.kind === 'cases' && l.rows[0] === '超期' && ['重大', '突出', '一般', '简易', '已结案'].every((w) => l.rows.includes(w))
      && l.dot?.fill === 'rgb(255, 45, 85)' && l.dot?.ring === 'rgb(255, 255, 255)', `the case points' legend: ${JSON.stringify(l)}`);
  }

  // labels checks the names drawn on page: each on one line (its width, at
  // most a character per em, within text-max-width: MapLibre breaks a name
  // only past it, and between any two Chinese characters), none over
  // another, and at a street's view no grid's name (its communities' are).
  async function labels(page, view) {
    const r = await page.evaluate(() => {
      const { map } = window.screenApp;
      const ids = map.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id);
      return { zoom: map.getZoom(), labels: map.queryRenderedFeatures({ layers: ids }).filter((f) => f.layer.id !== 'district-label')
        .map((f) => {
          const p = map.project(f.geometry.coordinates);
          const size = f.layer.layout['text-size'];
          const w = [...String(f.properties.name)].length * size;
          return { layer: f.layer.id, name: f.properties.name, max: f.layer.layout['text-max-width'], chars: [...String(f.properties.name)].length,
            box: [p.x - w / 2, p.y - size / 2, p.x + w / 2, p.y + size / 2] };
        }) };
    });
    const unique = [...new Map(r.labels.map((l) => [`${l.layer}:${l.name}`, l])).values()];
    const broken = unique.filter((l) => l.chars > l.max).map((l) => l.name);
    const overlap = [];
    for (const [i, a] of unique.entries()) {
      for (const b of unique.slice(i + 1)) {
        if (a.box[0] < b.box[2] && b.box[0] < a.box[2] && a.box[1] < b.box[3] && b.box[1] < a.box[3]) overlap.push([a.name, b.name]);
      }
    }
    const count = (id) => unique.filter((l) => l.layer === id).length;
    const f = { zoom: Math.round(r.zoom * 10) / 10, grids: count('grid-label'), communities: count('community-label'), broken,
      overlap: overlap.slice(0, 3) };
    findings[`labels ${view}`] = f;
    check(!broken.length && !overlap.length, `labels broken or overlapping at the ${view}'s view: ${JSON.stringify(f)}`);
    if (view === 'street') check(f.grids === 0 && f.communities > 0, `a street's view names: ${JSON.stringify(f)}`);
    else check(f.grids > 0, `a community's view names no grid: ${JSON.stringify(f)}`);
  }

  return { legendEnglish, overdueStreet };
}
