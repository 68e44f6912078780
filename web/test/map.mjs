// Helpers the dashboard's browser tests share (drawing.test.mjs,
// topology.test.mjs): Debian's Chromium with the flags the tests run it
// with, waiting for the map to settle, and page coordinates of a position.
import { chromium } from 'playwright-core';

// launch starts headless Chromium (CHROMIUM, else /usr/bin/chromium).
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
}

// settled waits until the map has stopped moving and drawn its tiles.
export async function settled(page, timeout = 60_000) {
  await page.waitForFunction(() => {
    const g = window.gridmap;
    return g && g.state.catalog && g.map.loaded() && !g.map.isMoving() && g.map.areTilesLoaded();
  }, null, { timeout, polling: 250 });
  await page.waitForTimeout(400); // the last frame
}

// screenOf returns page coordinates of a lng/lat on the map.
export function screenOf(page, lngLat) {
  return page.evaluate((ll) => {
    const { map } = window.gridmap;
    const p = map.project(ll);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, lngLat);
}
