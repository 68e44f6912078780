// Patrols on the grid worker's phone, run by mobile.test.mjs.
//
//   patrolSteps     (step 8)   a patrol is recorded and sent in chunks and
//                              today's coverage shows; started by a worker
//                              who stood still (the last fix stale), its
//                              uploaded track begins where they stood.
//   patrolRecovery  (step 18)  patrol fixes survive a reload (a killed tab):
//                              saved as a chunk, and said so.
//
// Each takes mobile.test.mjs's env (page, context, here, writes, failures,
// findings, check, shot, ready).

// samePoint tells whether two [lng, lat] are one place (within a centimetre).
const samePoint = (a, b) => !!a && !!b && Math.abs(a[0] - b[0]) < 1e-7 && Math.abs(a[1] - b[1]) < 1e-7;

/** patrolSteps: step 8, above. */
export async function patrolSteps({ page, context, here, writes, failures, findings, check, shot }) {
  // A patrol that straddles midnight China time leaves the new day's coverage
  // at zero: start this one after midnight when it is less than 90 s away.
  const toChinaMidnight = 86_400_000 - ((Date.now() + 8 * 3_600_000) % 86_400_000);
  if (toChinaMidnight < 90_000) await page.waitForTimeout(toChinaMidnight + 2_000);
  await page.click('#tabs button[data-view=patrol]');
  // The worker stands at the start, and has for two minutes: a browser's
  // watch reports a position when it changes, so the app's last fix is that
  // old. (Chromium's emulation makes no fix of its own when asked, as a
  // phone's GPS would: the position is set anew, fresh in the browser,
  // and the app's copy is aged.)
  const start = [here.longitude, here.latitude];
  await context.setGeolocation(here);
  const aged = await page.evaluate(async (p) => {
    const { here: at } = await import('./home.js');
    for (let i = 0; i < 40 && !(at.fix && at.fix.point[0] === p[0] && at.fix.point[1] === p[1]); i++) await new Promise((r) => setTimeout(r, 250));
    if (!at.fix) return null;
    at.fix = { ...at.fix, at: new Date(at.fix.at.getTime() - 120_000) };
    return at.fix.point;
  }, start);
  check(samePoint(aged, start), `before the patrol, the phone's fix is ${JSON.stringify(aged)}, not the start ${start}`);
  const sent = [];
  const patrols = (req) => { if (req.method() === 'POST' && new URL(req.url()).pathname === '/v1/patrols') sent.push(req.postDataJSON()); };
  context.on('request', patrols);
  const startedAt = Date.now();
  await page.click('#p-toggle');
  await page.waitForTimeout(400);
  for (let i = 1; i <= 6; i++) {
    await context.setGeolocation({ ...here, latitude: here.latitude + i * 0.00012, longitude: here.longitude + i * 0.00008 });
    await page.waitForTimeout(400);
  }
  await page.click('#p-toggle');
  // The demo's own patrols today may have set the coverage already: wait for this one's upload.
  for (let i = 0; i < 120 && !writes.some((w) => w.startsWith('/v1/patrols')); i++) await page.waitForTimeout(250);
  await page.waitForFunction(() => /\d+(\.\d)?%/.test(document.getElementById('p-coverage').textContent) &&
    document.getElementById('p-coverage').textContent !== '0.0%', null, { timeout: 30_000 })
    .catch(async () => failures.push(`after the patrol, the coverage says ${await page.textContent('#p-coverage')}`));
  await page.waitForTimeout(500); // the coverage is read again after the upload
  context.off('request', patrols);
  findings.coverage = await page.textContent('#p-coverage');
  findings.patrolWrites = writes.filter((w) => w.startsWith('/v1/patrols'));
  check(findings.patrolWrites.length >= 1 && findings.patrolWrites.every((w) => / 201$/.test(w)), `patrol uploads ${findings.patrolWrites}`);
  // The track as uploaded begins where the worker tapped start, then, dated then.
  const first = sent[0]?.fixes?.[0];
  findings.patrolStart = { first, fixes: sent.map((b) => b.fixes.length), start };
  check(samePoint(first?.point, start) && Math.abs(Date.parse(first?.t) - startedAt) < 10_000,
    `the uploaded track does not begin at the start: ${JSON.stringify(findings.patrolStart)}`);
  check(sent.flatMap((b) => b.fixes).length >= 7, `the uploaded track has the start and 6 steps: ${JSON.stringify(findings.patrolStart)}`);
  await shot(page, 'm-patrol.png');
}

/** patrolRecovery: step 18, above. */
export async function patrolRecovery({ page, context, here, writes, failures, findings, check, shot, ready }) {
  const patrolsBefore = writes.filter((w) => w.startsWith('/v1/patrols')).length;
  await page.click('#tabs button[data-view=patrol]');
  await page.click('#p-toggle');
  for (let i = 1; i <= 5; i++) {
    await context.setGeolocation({ ...here, latitude: here.latitude - i * 0.0001, longitude: here.longitude - i * 0.00007 });
    await page.waitForTimeout(400);
  }
  const recorded = Number((await page.textContent('#p-fixes')).match(/已记录 (\d+) 个点/)?.[1] ?? 0);
  check(recorded >= 4, `patrol recorded ${recorded} fixes`);
  await page.reload();
  await ready(page);
  await page.click('#tabs button[data-view=patrol]');
  await page.waitForFunction((n) => document.getElementById('p-state').textContent.includes(`巡查已中断，已保存 ${n} 个点`), recorded, { timeout: 10_000 })
    .catch(async () => failures.push(`after a reload the patrol says: ${await page.textContent('#p-state')}`));
  await page.waitForTimeout(1500);
  findings.patrolAfterReload = writes.filter((w) => w.startsWith('/v1/patrols')).slice(patrolsBefore);
  check(findings.patrolAfterReload.length === 1 && / 201$/.test(findings.patrolAfterReload[0]), `the interrupted patrol's upload: ${findings.patrolAfterReload}`);
  await shot(page, 'm-patrol-recovered.png');
}
