// Helpers of the dashboard's edit-mode test (drawing.test.mjs): dragging
// with the mouse, a vertex of the edited grid to move, and the tile that
// holds a point.

// drag moves the mouse from one point to another with the button held.
export async function drag(page, from, to) {
  await page.mouse.move(from.x, from.y);
  await page.waitForTimeout(150);
  await page.mouse.down();
  for (let i = 1; i <= 12; i++) {
    await page.mouse.move(from.x + ((to.x - from.x) * i) / 12, from.y + ((to.y - from.y) * i) / 12);
    await page.waitForTimeout(30);
  }
  await page.mouse.up();
  await page.waitForTimeout(300);
}

// vertexToMove picks a vertex of the edited outer ring that is well inside
// the map and returns it with a target 45 px further from the centroid.
export function vertexToMove(page) {
  return page.evaluate(() => {
    const { map, editor } = window.gridmap;
    const ring = editor.geometry().coordinates[0][0];
    const pts = ring.slice(0, -1).map((c) => ({ c, p: map.project(c) }));
    const cx = pts.reduce((s, v) => s + v.p.x, 0) / pts.length;
    const cy = pts.reduce((s, v) => s + v.p.y, 0) / pts.length;
    const { clientWidth: w, clientHeight: h } = map.getCanvas();
    const inside = pts.filter(({ p }) => p.x > 80 && p.y > 80 && p.x < w - 80 && p.y < h - 80);
    const v = inside.sort((a, b) => Math.hypot(b.p.x - cx, b.p.y - cy) - Math.hypot(a.p.x - cx, a.p.y - cy))[0];
    if (!v) return null;
    const d = Math.hypot(v.p.x - cx, v.p.y - cy) || 1;
    const r = map.getContainer().getBoundingClientRect();
    return { lngLat: v.c, from: { x: r.left + v.p.x, y: r.top + v.p.y },
      to: { x: r.left + v.p.x + ((v.p.x - cx) / d) * 45, y: r.top + v.p.y + ((v.p.y - cy) / d) * 45 } };
  });
}

// tileOf names the z15 tile holding a point.
export function tileOf([lng, lat], z = 15) {
  const n = 2 ** z;
  const x = Math.floor(((lng + 180) / 360) * n);
  const rad = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n);
  return `${z}/${x}/${y}`;
}
