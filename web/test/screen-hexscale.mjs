// The big screen's density cells, run by screen.test.mjs: their classes
// follow the cells' size. At each zoom the legend gives the classes of the
// H3 resolution of the cells drawn (res 4 at z≤6 … res 9 at z13, as
// tiles/hex.go chooses it), every cell is painted in its class for its own
// resolution, quiet cells stay faint, and a district's view is not one
// sheet of the top class. The legend follows the zoom: a jump, a return,
// a drill-down.
//
// With GRIDMAP_HEX_FIXED=1 each view is also shot painted in the former
// fixed classes (1, 2–3, 4–9, ≥10 a cell, whatever its size), to compare.

// The classes' lower bounds by resolution, as the README's big screen says
// them (screen-map.js's hexBounds): written here, not imported, so a change
// there is a change the test sees.
const bounds = { 4: [1, 250, 500, 1500], 5: [1, 100, 200, 500], 6: [1, 40, 80, 200], 7: [1, 15, 30, 70], 8: [1, 5, 10, 25],
  9: [1, 2, 4, 10] };
const styles = [['#ffc233', 0.3], ['#ff9f1c', 0.42], ['#ff6a3d', 0.54], ['#ff2d55', 0.68]]; // colour, opacity by class
const land = '#0b2347'; // the district's fill on the screen (screen-map.js), under the cells

// contrast is the WCAG contrast ratio of colour at opacity over land and land itself.
function contrast(colour, opacity) {
  const rgb = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16) / 255);
  const lum = (c) => { const [r, g, b] = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const under = rgb(land);
  const over = rgb(colour).map((v, i) => v * opacity + under[i] * (1 - opacity));
  const [a, b] = [lum(over), lum(under)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
const closed = ['#1f9e7a', 0.14];
const resAt = (zoom) => { const z = Math.min(Math.floor(zoom), 13); return z <= 6 ? 4 : z === 7 ? 5 : z <= 9 ? 6 : z <= 11 ? 7 : z === 12 ? 8 : 9; };
const labelsOf = (res) => (bounds[res] ?? []).map((b, i, all) => (i === all.length - 1 ? `≥${b}` : all[i + 1] - 1 === b ? String(b) : `${b}–${all[i + 1] - 1}`));
// classOf is the class (0..3) of a cell of res with open cases, -1 when all are closed.
const classOf = (res, open) => bounds[res].filter((b) => b <= open).length - 1;

// hexOf is a MapLibre colour ({r, g, b, a} of 0..1) as #rrggbb.
const hexOf = (c) => `#${[c.r, c.g, c.b].map((x) => Math.round(x * 255).toString(16).padStart(2, '0')).join('')}`;

export function hexChecks({ outDir, check, findings }) {
  // settle waits until the map on page has its tiles in, is still and has
  // said so (idle, which the legend follows: it comes only once the labels'
  // fade is over too).
  const settle = (page) => page.waitForFunction(() => { const m = window.screenApp.map; return m.loaded() && m.areTilesLoaded() && !m.isMoving(); },
    null, { timeout: 20_000, polling: 200 })
    .then(() => page.evaluate(() => new Promise((done) => {
      const m = window.screenApp.map;
      setTimeout(done, 10_000);
      m.once('idle', done);
      m.triggerRepaint();
    })))
    .then(() => page.waitForTimeout(300)).catch(() => {});

  // read is the legend on page and the density cells drawn.
  const read = (page) => page.evaluate(() => {
    const { map } = window.screenApp;
    const box = document.getElementById('legend');
    return { zoom: map.getZoom(), kind: box.dataset.kind, res: Number(box.dataset.res), title: box.querySelector('h3')?.textContent,
      rows: [...box.querySelectorAll('li')].map((li) => ({ from: Number(li.dataset.from), colour: li.dataset.colour,
        opacity: Number(li.dataset.opacity), text: li.textContent })),
      expr: map.getLayer('report_hex-fill') ? map.getPaintProperty('report_hex-fill', 'fill-color') : null,
      cells: map.queryRenderedFeatures({ layers: ['report_hex-fill'] }).map((f) => ({ cell: f.properties.cell, res: f.properties.res,
        open: f.properties.open, count: f.properties.count, colour: f.layer.paint['fill-color'], opacity: f.layer.paint['fill-opacity'] })) };
  });

  // legendCells checks the legend and the cells drawn on page at its zoom
  // (view names it in the findings) and says what it saw.
  async function legendCells(page, view) {
    await settle(page);
    const r = await read(page);
    const cells = [...new Map(r.cells.map((c) => [c.cell, c])).values()]; // a cell on two tiles once
    const resCount = {};
    for (const c of cells) resCount[c.res] = (resCount[c.res] ?? 0) + 1;
    const drawnRes = Number(Object.entries(resCount).sort((a, b) => b[1] - a[1])[0]?.[0]);
    const wrong = cells.filter((c) => {
      const k = classOf(c.res, c.open);
      const [colour, opacity] = k < 0 ? closed : styles[k];
      return !bounds[c.res] || hexOf(c.colour) !== colour || Math.abs(c.opacity - opacity) > 1e-6;
    });
    const byClass = [-1, 0, 1, 2, 3].map((k) => cells.filter((c) => bounds[c.res] && classOf(c.res, c.open) === k).length);
    const opacities = r.rows.filter((x) => x.from > 0).map((x) => x.opacity);
    const f = { zoom: Math.round(r.zoom * 100) / 100, kind: r.kind, legendRes: r.res, drawnRes, resCount, rows: r.rows.map((x) => x.text),
      cells: cells.length, byClass: { closed: byClass[0], classes: byClass.slice(1) }, wrong: wrong.slice(0, 3),
      meanOpacity: Math.round((cells.reduce((k, c) => k + c.opacity, 0) / (cells.length || 1)) * 100) / 100 };
    findings[`hex ${view}`] = f;
    const want = [...labelsOf(drawnRes), '均已办结'];
    check(f.kind === 'cells' && r.title === '未办结案件 · 每格' && f.cells > 0, `the density legend at the ${view}'s view: ${JSON.stringify(f)}`);
    // The legend's classes are those of the cells drawn, which are those tiles/hex.go draws at the zoom.
    check(drawnRes === resAt(r.zoom) && f.legendRes === drawnRes && JSON.stringify(f.rows) === JSON.stringify(want)
      && JSON.stringify(r.rows.map((x) => x.from)) === JSON.stringify([...bounds[drawnRes] ?? [], 0]),
    `the legend at the ${view}'s view is not of the cells drawn (res ${drawnRes}, want ${want.join(' / ')}): ${JSON.stringify(f)}`);
    // Each cell by its own resolution: the paint is a match on res, then a step on open.
    check(Array.isArray(r.expr) && r.expr[0] === 'match' && JSON.stringify(r.expr[1]) === '["get","res"]',
      `the cells' colour is not chosen by their res: ${JSON.stringify(r.expr)?.slice(0, 120)}`);
    check(!wrong.length, `density cells at the ${view}'s view not painted in their class: ${JSON.stringify(f)}`);
    check(r.rows.every((x, i) => x.from === 0 ? x.colour === closed[0] : x.colour === styles[i][0] && x.opacity === styles[i][1]),
      `the legend's swatches at the ${view}'s view: ${JSON.stringify(r.rows)}`);
    // Quiet cells stay light — the map shows through — but are told from the
    // district's fill (a newcomer saw one grey sheet); the scale climbs; a
    // cell without reports is not drawn at all.
    const first = contrast(styles[0][0], opacities[0]);
    f.firstContrast = Math.round(first * 100) / 100;
    check(opacities[0] <= 0.3 && first >= 1.8 && opacities.every((o, i) => i === 0 || o > opacities[i - 1]) && f.meanOpacity <= 0.45,
      `the density scale at the ${view}'s view: ${JSON.stringify({ opacities, mean: f.meanOpacity, firstContrast: f.firstContrast })}`);
    check(cells.every((c) => c.count > 0), 'a density cell without reports is drawn');
    return f;
  }

  // fixedShot shoots page painted (and its legend worded) in the former fixed classes, then paints it back.
  async function fixedShot(page, name) {
    if (!process.env.GRIDMAP_HEX_FIXED) return;
    await page.evaluate(() => {
      const { map } = window.screenApp;
      const old = (k) => ['step', ['get', 'open'], k === 'c' ? '#1f9e7a' : 0.14, 1, k === 'c' ? '#ffb020' : 0.18, 2, k === 'c' ? '#ff9f1c' : 0.3,
        4, k === 'c' ? '#ff6a3d' : 0.46, 10, k === 'c' ? '#ff2d55' : 0.62];
      window.hexNow = ['fill-color', 'fill-opacity'].map((p) => [p, map.getPaintProperty('report_hex-fill', p)]);
      map.setPaintProperty('report_hex-fill', 'fill-color', old('c'));
      map.setPaintProperty('report_hex-fill', 'fill-opacity', old('o'));
      const spans = document.querySelectorAll('#legend li span');
      ['1', '2–3', '4–9', '≥10'].forEach((w, i) => { spans[i].textContent = w; });
    });
    await page.waitForTimeout(800);
    await page.screenshot({ path: `${outDir}/${name}-fixed.png` });
    await page.evaluate(() => {
      for (const [p, v] of window.hexNow) window.screenApp.map.setPaintProperty('report_hex-fill', p, v);
      window.screenApp.legend(); // its own words again
    });
    await page.waitForTimeout(500);
  }

  // jump moves the map on page and waits for its tiles.
  async function jump(page, to) {
    await page.evaluate((v) => window.screenApp.map.jumpTo(v), to);
    await page.waitForTimeout(300);
    await settle(page);
  }

  // hexZooms reads the density at the unit's view (a district's) and at
  // a street's (z13, res 9) and the city's (z8.4, res 6) around point,
  // with screenshots, and checks the legend goes back with the view.
  async function hexZooms(page, point) {
    const home = await page.evaluate(() => { const m = window.screenApp.map; return { center: m.getCenter().toArray(), zoom: m.getZoom() }; });
    const district = await legendCells(page, 'district');
    // A district's view is a map of where cases pile up, not one sheet of the top class.
    check(district.byClass.classes[3] < district.cells / 2 && district.byClass.classes.filter((n) => n > 0).length >= 2,
      `the district's view is uniformly classed: ${JSON.stringify(district.byClass)}`);
    await page.screenshot({ path: `${outDir}/screen-hex-district.png` });
    await fixedShot(page, 'screen-hex-district');
    const views = [['street', { center: point, zoom: 13.3 }], ['city', { center: [117.3, 39.25], zoom: 8.4 }]];
    const seen = { district: district.drawnRes };
    for (const [view, to] of views) {
      await jump(page, to);
      const f = await legendCells(page, view);
      seen[view] = f.drawnRes;
      // The burst's 100 open cases at point are the top class in a street's
      // cell, not in a cell the size of a city's quarter.
      if (view === 'street') check(f.byClass.classes[3] > 0, `no top-class cell at the street's view: ${JSON.stringify(f.byClass)}`);
      await page.screenshot({ path: `${outDir}/screen-hex-${view}.png` });
      await fixedShot(page, `screen-hex-${view}`);
    }
    check(new Set(Object.values(seen)).size === 3, `the views drew cells of the same resolution: ${JSON.stringify(seen)}`);
    await jump(page, home);
    const back = await read(page);
    findings.hexBack = { zoom: back.zoom, res: back.res, rows: back.rows.map((x) => x.text) };
    check(back.res === district.drawnRes && JSON.stringify(findings.hexBack.rows) === JSON.stringify(district.rows),
      `the legend after going back to the district: ${JSON.stringify({ back: findings.hexBack, district: district.rows })}`);
  }

  // legendFollows checks, once the map on page is still, that the legend
  // is of the layer its zoom shows (a drill-down, the tour): the case
  // points from z14, else the classes of the cells drawn.
  async function legendFollows(page, view) {
    await settle(page);
    const r = await read(page);
    const cases = Math.floor(r.zoom) >= 14;
    const f = { zoom: Math.round(r.zoom * 100) / 100, kind: r.kind, res: r.res, rows: r.rows.map((x) => x.text) };
    findings[`legend ${view}`] = f;
    check(cases ? f.kind === 'cases' : f.kind === 'cells' && f.res === resAt(r.zoom)
      && JSON.stringify(f.rows.slice(0, 4)) === JSON.stringify(labelsOf(f.res)), `the legend after the ${view}: ${JSON.stringify(f)}`);
  }

  return { legendCells, hexZooms, legendFollows };
}
