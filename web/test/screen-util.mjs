// Helpers the big screen's browser test modules share (screen.test.mjs and
// its screen-*.mjs): the server's figures, the message a screen shows
// instead of a unit, and what a tile or a boundary is.

/** overviewOf reads the server's figures of a unit, as the screen starts from them. */
export const overviewOf = (base) => (unit) => fetch(`${base}/v1/stats/overview?unit=${unit}`).then((r) => r.json());

/**
 * problemOf reads the message the screen on page shows instead of a unit,
 * with the refusal it names (unknown, revoked, expired), the title and
 * what the empty feed says.
 */
export const problemOf = (page) => page.evaluate(() => ({ shown: !document.getElementById('problem').hidden,
  message: document.getElementById('problem').innerText, state: document.getElementById('live').dataset.state,
  live: document.getElementById('live').textContent, refusal: document.getElementById('problem').dataset.refusal,
  title: document.getElementById('unit-title').textContent, feed: document.getElementById('feed-empty').innerText,
  figures: [...document.querySelectorAll('.fig b')].map((b) => b.textContent).join(' ') }));

/** problemPages makes waitProblem(path, setup): a page opened at path, once it shows its message (the map may never load). */
export function problemPages({ browser, base, check, failures }) {
  return async function waitProblem(path, setup) {
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
  };
}

/** firstGridOf finds a grid of 南开区 (120104): of the first community of its first street in the ranking. */
export async function firstGridOf(base) {
  const overview = overviewOf(base);
  const street = (await overview('120104')).ranking[0].code;
  const community = (await overview(street)).ranking[0].code;
  return (await overview(community)).ranking.find((r) => r.code.length > community.length)?.code;
}

/** bboxOf is the [minLng, minLat, maxLng, maxLat] of GeoJSON coordinates. */
export function bboxOf(coords) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]),
    b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
  walk(coords);
  return b;
}

/** liveTile says whether u is a tile of the layers drawn fresh (gridmap-live: reports, their density, patrols), not of the boundaries. */
export const liveTile = (u) => /\/tiles\/[^/]*report/.test(u.pathname);
