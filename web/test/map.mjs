// Helpers the dashboard's browser tests share (drawing.test.mjs, import.test.mjs,
// topology.test.mjs): Debian's Chromium with the flags every browser test
// runs it with (the wall screen's and the phone's too), waiting for the map to settle, page coordinates of a position, a
// place where a click picks a given unit, entering a token in edit mode,
// what the unit panel shows, and a time as the console writes China's.
import { chromium } from 'playwright-core';

// launch starts headless Chromium (CHROMIUM, else /usr/bin/chromium); WebGL
// comes from SwiftShader (software) with the GPU disabled.
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

// clickable returns page coordinates near lngLat (at most radius px away)
// where a click on the map picks the unit code as the dashboard does (an
// enclave first, then the finest unit under the pointer), or null.
export function clickable(page, code, lngLat, radius = 150) {
  return page.evaluate(({ code, lngLat, radius }) => {
    const { map } = window.gridmap;
    const order = ['enclave-fill', 'grid-fill', 'community-fill', 'street-fill', 'district-fill'].filter((id) => map.getLayer(id));
    const c = map.project(lngLat);
    const w = map.getCanvas().clientWidth;
    const h = map.getCanvas().clientHeight;
    const r = map.getContainer().getBoundingClientRect();
    const picked = (x, y) => {
      const hits = map.queryRenderedFeatures([x, y], { layers: order });
      return order.map((id) => hits.find((f) => f.layer.id === id)).find(Boolean)?.properties.code;
    };
    for (let d = 12; d <= radius; d += 4) {
      for (let a = 0; a < 16; a++) {
        const x = c.x + d * Math.cos((a * Math.PI) / 8);
        const y = c.y + d * Math.sin((a * Math.PI) / 8);
        if (x > 10 && y > 10 && x < w - 10 && y < h - 10 && picked(x, y) === code) return { x: r.left + x, y: r.top + y };
      }
    }
    return null;
  }, { code, lngLat, radius });
}

// enterToken enters a token in edit mode's token field and waits for the
// server's word about it (GET /v1/me); it returns what the panel says then.
export async function enterToken(page, token, timeout = 60_000) {
  const started = Date.now();
  await page.fill('#edit-token', token);
  await page.click('#edit-token-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('edit-token-state').dataset.status !== 'checking', null, { timeout });
  return page.evaluate((ms) => ({ status: document.getElementById('edit-token-state').dataset.status,
    state: document.getElementById('edit-token-state').innerText, message: document.getElementById('edit-message').innerText,
    kind: document.getElementById('edit-message').className, token: sessionStorage.getItem('gridmap.token'), ms }), Date.now() - started);
}

// unitPanel is what the dashboard's unit panel shows: the unit's code, the
// version it shows, and whether it says the unit has no current version.
export function unitPanel(page) {
  return page.evaluate(() => ({ code: window.gridmap.panel.code,
    version: document.querySelector('#unit dd[data-key=version]')?.textContent ?? null, gone: Boolean(document.getElementById('unit-gone')) }));
}

// chinaMinute writes an instant (ms) as the console writes a time in China: YYYY-MM-DD HH:mm.
export function chinaMinute(ms) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(ms));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}
