// The split step of the dashboard's topology test (3), run by
// topology.test.mjs after the merge: the third grid is split with the split
// tool along a line drawn across it: 200; it and a new code are current,
// their areas add up. Before, a line that does not cross it is refused
// (400), in plain words. The answer of the first attempt is lost on the way
// back (the server made the split): confirming again sends the same
// client_id and is answered with the split made (Idempotent-Replayed), not
// a 400. Each edit's client_id is a UUID; a new line gets a new one.
//
// It takes topology.test.mjs's env (page, long, findings, check, isUUID,
// shot, settled, unit, loadUnit) and the grid to split.

/** splitSteps: step 3, above. */
export async function splitSteps(env, third) {
  const { page, long, findings, check, isUUID, shot, settled, unit, loadUnit } = env;
  await loadUnit(third);
  const cut = await page.evaluate(() => {
    const { map, editor } = window.gridmap;
    const ring = editor.geometry().coordinates[0][0];
    const xs = ring.map((c) => map.project(c));
    const minX = Math.min(...xs.map((p) => p.x)); const maxX = Math.max(...xs.map((p) => p.x));
    const cy = xs.reduce((s, p) => s + p.y, 0) / xs.length;
    const r = map.getContainer().getBoundingClientRect();
    return { a: { x: r.left + minX - 25, y: r.top + cy - 6 }, b: { x: r.left + maxX + 25, y: r.top + cy + 6 } };
  });
  // First a line that does not cross it: a plain refusal.
  await page.click('#edit-split');
  await page.mouse.click(cut.a.x - 40, cut.a.y);
  await page.waitForTimeout(300);
  await page.mouse.click(cut.a.x - 10, cut.a.y - 30);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.gridmap.editor.phase === 'split-confirm', null, long);
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /:split$/.test(r.url()), long),
    page.click('#edit-split-go'),
  ]);
  check(refused.status() === 400 || refused.status() === 422, `a split along a line outside the grid answered ${refused.status()}`);
  const refusedID = JSON.parse(refused.request().postData()).client_id;
  await page.waitForSelector('#edit-message.error', long);
  findings.splitRefused = await page.textContent('#edit-message');
  check(/^Not split: /.test(findings.splitRefused), `message of the refused split: ${findings.splitRefused}`);
  await shot('topology-6-split-refused.png');
  await page.click('#edit-split-redraw');
  await page.mouse.click(cut.a.x, cut.a.y);
  await page.waitForTimeout(300);
  await page.mouse.click((cut.a.x + cut.b.x) / 2, (cut.a.y + cut.b.y) / 2 + 4);
  await page.waitForTimeout(300);
  await page.mouse.click(cut.b.x, cut.b.y);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => window.gridmap.editor.phase === 'split-confirm', null, long);
  await shot('topology-7-split-line.png');
  const beforeSplit = await unit(third);
  // The first attempt reaches the server, which splits the grid, and its
  // answer is lost: the console sees the connection reset.
  let lost = null;
  await page.route(/:split$/, async (route) => {
    lost = JSON.parse(route.request().postData());
    await route.fetch();
    await route.abort('connectionreset');
  }, { times: 1 });
  await page.click('#edit-split-go');
  await page.waitForFunction(() => window.gridmap.editor.phase === 'split-confirm' && document.querySelector('#edit-message.error'), null, long);
  findings.splitLost = await page.textContent('#edit-message');
  const [splitRes] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && /:split$/.test(r.url()), long),
    page.click('#edit-split-go'),
  ]);
  const splitBody = await splitRes.json().catch(() => null);
  const sentID = JSON.parse(splitRes.request().postData()).client_id;
  findings.splitRetry = { lost: lost?.client_id, sent: sentID, refused: refusedID, replayed: splitRes.headers()['idempotent-replayed'] };
  check(isUUID(sentID) && sentID === lost?.client_id, `the retried split was sent with client_id ${sentID}, the lost one with ${lost?.client_id}`);
  check(isUUID(refusedID) && refusedID !== sentID, `the refused line's client_id ${refusedID} was used again for a new line`);
  check(findings.splitRetry.replayed === 'true', `the retried split was not answered as a replay: Idempotent-Replayed ${findings.splitRetry.replayed}`);
  const parts = splitBody?.units?.features?.filter((f) => f.properties.level === 'grid') ?? [];
  findings.split = { status: splitRes.status(), parts: parts.map((f) => `${f.properties.code} v${f.properties.version}`), retired: splitBody?.retired };
  check(splitRes.status() === 200, `split answered ${splitRes.status()}: ${JSON.stringify(splitBody)}`);
  check(parts.length === 2, `the split wrote ${parts.length} grids, want 2`);
  await page.waitForSelector('#edit-message.ok', long);
  findings.splitMessage = await page.textContent('#edit-message');
  for (const f of parts) {
    const u = await unit(f.properties.code);
    check(u.status === 200, `GET ${f.properties.code} after the split: ${u.status}`);
  }
  findings.splitArea = await page.evaluate(({ whole, parts }) => {
    const area = (g) => (g.type === 'Polygon' ? [g.coordinates] : g.coordinates).reduce((s, p) => s + p.reduce((t, r, i) => {
      let a = 0;
      for (let j = 0; j + 1 < r.length; j++) a += r[j][0] * r[j + 1][1] - r[j + 1][0] * r[j][1];
      return t + (i === 0 ? 1 : -1) * Math.abs(a / 2);
    }, 0), 0);
    return { whole: area(whole), parts: parts.map((g) => area(g)) };
  }, { whole: beforeSplit.feature.geometry, parts: parts.map((f) => f.geometry) });
  const sum = findings.splitArea.parts.reduce((s, a) => s + a, 0);
  check(parts.length === 2 && Math.abs(sum - findings.splitArea.whole) / findings.splitArea.whole < 1e-9, `the parts' areas do not add up: ${JSON.stringify(findings.splitArea)}`);
  await settled();
  await shot('topology-8-split.png');
}
