// Patrols on the grid worker's phone, run by mobile.test.mjs.
//
//   patrolSteps     (step 8)   a patrol is recorded and sent in chunks and
//                              today's coverage shows; started by a worker
//                              who stood still (the last fix stale), its
//                              uploaded track begins where they stood.
//   patrolRecovery  (step 18)  a patrol survives a reload (a killed tab):
//                              its fixes are sent, it goes on with its track
//                              and distance, the gap not joined; a reload
//                              more than 10 minutes after its last sign of
//                              life only says what was saved.
//   patrolOwner     (step 35)  a patrol one worker left is not resumed, nor
//                              sent, by another of the same name and scope
//                              (run by mobile-signin.mjs's ownerSteps).
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

/** patrolRecovery: step 18, above; a second window does not take the patrol over. */
export async function patrolRecovery(env) {
  const { page, context, here, writes, findings, check, shot } = env;
  const uploads = () => writes.filter((w) => w.startsWith('/v1/patrols'));
  const patrolsBefore = uploads().length;
  const sent = [];
  const patrols = (req) => { if (req.method() === 'POST' && new URL(req.url()).pathname === '/v1/patrols') sent.push(req.postDataJSON()); };
  context.on('request', patrols);
  await page.click('#tabs button[data-view=patrol]');
  await page.click('#p-toggle');
  const recorded = await walk(env, 5, -1);
  const lastBefore = [here.longitude - 5 * 0.00007, here.latitude - 5 * 0.0001];
  check(recorded >= 4, `patrol recorded ${recorded} fixes`);
  await reloadOnPatrol(env);
  // Back a moment later: the fixes saved are sent, and the patrol goes on.
  await page.waitForFunction((n) => document.getElementById('p-state').textContent.includes(`中断前的 ${n} 个点已保存`), recorded,
    { timeout: 10_000 }).catch(() => {});
  findings.patrolResumed = { state: await page.textContent('#p-state'), button: await page.textContent('#p-toggle') };
  check(findings.patrolResumed.state.includes(`巡查已继续；中断前的 ${recorded} 个点已保存`) && findings.patrolResumed.button === '结束巡查',
    `after a reload a moment later the patrol says: ${JSON.stringify(findings.patrolResumed)}`);
  await shot(page, 'm-patrol-resumed.png');
  // A second window of the app opened meanwhile neither takes the patrol
  // over nor starts one of its own (one tab owns it: Web Locks).
  const other = await context.newPage();
  await other.goto(page.url());
  await env.ready(other);
  await other.click('#tabs button[data-view=patrol]');
  await other.waitForTimeout(500);
  const secondBefore = { state: await other.textContent('#p-state'), button: await other.textContent('#p-toggle') };
  await other.click('#p-toggle');
  await other.waitForTimeout(300);
  findings.patrolSecondWindow = { ...secondBefore, afterStart: await other.textContent('#p-state'), button2: await other.textContent('#p-toggle') };
  await other.close();
  check(findings.patrolSecondWindow.button === '开始巡查' && !findings.patrolSecondWindow.state.includes('已继续') &&
    findings.patrolSecondWindow.afterStart.includes('另一个窗口') && findings.patrolSecondWindow.button2 === '开始巡查',
    `a second window during a patrol: ${JSON.stringify(findings.patrolSecondWindow)}`);
  const after = await walk(env, 3, -1.5);
  check(after >= recorded + 2, `the resumed patrol counts ${after} fixes, not on from ${recorded}`);
  await page.click('#p-toggle');
  for (let i = 0; i < 40 && uploads().length < patrolsBefore + 2; i++) await page.waitForTimeout(250);
  findings.patrolAfterReload = uploads().slice(patrolsBefore);
  check(findings.patrolAfterReload.length === 2 && findings.patrolAfterReload.every((w) => / 201$/.test(w)),
    `the interrupted patrol's uploads: ${findings.patrolAfterReload}`);
  // The resumed chunk does not begin with the fix before the reload (the gap
  // was not walked), but where the worker stood on coming back, then.
  const [lastSaved, resumedFirst] = [sent[0]?.fixes?.at(-1), sent[1]?.fixes?.[0]];
  check(sent.length === 2 && sent[0].fixes.length === recorded && samePoint(lastSaved?.point, lastBefore) &&
    Date.parse(resumedFirst?.t) > Date.parse(lastSaved.t), `the chunks sent: ${JSON.stringify(sent.map((b) => b.fixes))}`);
  context.off('request', patrols);

  // A reload long after: the patrol's last sign of life 11 minutes ago.
  await page.click('#p-toggle');
  const second = await walk(env, 3, 1);
  await page.evaluate(async () => {
    const { kvGet, kvSet } = await import('./store.js');
    const left = await kvGet('patrol');
    const ago = (ms) => ms - 11 * 60_000;
    await kvSet('patrol', { ...left, alive: ago(left.alive), chunk: left.chunk.map((f) => ({ ...f, t: new Date(ago(Date.parse(f.t))).toISOString() })) });
  });
  await reloadOnPatrol(env);
  await page.waitForFunction((n) => document.getElementById('p-state').textContent.includes(`巡查已中断，已保存 ${n} 个点`), second,
    { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(1500);
  findings.patrolStale = { state: await page.textContent('#p-state'), button: await page.textContent('#p-toggle'),
    uploads: uploads().slice(patrolsBefore + 2) };
  check(findings.patrolStale.state === `巡查已中断，已保存 ${second} 个点` && findings.patrolStale.button === '开始巡查' &&
    findings.patrolStale.uploads.length === 1 && / 201$/.test(findings.patrolStale.uploads[0]),
    `after a reload 11 minutes on: ${JSON.stringify(findings.patrolStale)}`);
  await shot(page, 'm-patrol-recovered.png');
}

// walk moves the phone n steps (south-west for a negative way) and returns the fixes the patrol says it recorded.
async function walk({ page, context, here }, n, way) {
  for (let i = 1; i <= n; i++) {
    await context.setGeolocation({ ...here, latitude: here.latitude + way * i * 0.0001, longitude: here.longitude + way * i * 0.00007 });
    await page.waitForTimeout(400);
  }
  return Number((await page.textContent('#p-fixes')).match(/已记录 (\d+) 个点/)?.[1] ?? 0);
}

async function reloadOnPatrol({ page, ready }) {
  await page.reload();
  await ready(page);
  await page.click('#tabs button[data-view=patrol]');
}

/**
 * patrolOwner: A's patrol is left on the phone (the tab gone mid-patrol);
 * B, of the same name and scope, signs in a moment later — within the 10
 * minutes a patrol of one's own goes on by itself — and neither goes on
 * with it nor sends its fixes, nor is told of it as their own; signing in
 * again, A sends them, with A's token. env: ownerSteps's page on its own
 * phone, its uploads (posts), its outbox (raw), signIn, A's token id and
 * the two tokens.
 */
export async function patrolOwner(env) {
  const { page, check, findings, shot, posts, raw, signIn, aId, a, b } = env;
  await page.click('#tabs button[data-view=patrol]');
  await page.click('#p-toggle');
  const recorded = await walk(env, 4, 1);
  const saved = await page.evaluate(async () => (await import('./store.js')).kvGet('patrol'));
  check(recorded >= 3 && saved?.owner === aId && saved.chunk.length >= 3,
    `A's patrol, kept as it goes: ${recorded} fixes, ${JSON.stringify({ owner: saved?.owner, fixes: saved?.chunk?.length })}`);
  await signIn(b);
  await page.click('#tabs button[data-view=patrol]');
  await page.waitForTimeout(1500);
  const patrols = (await raw()).filter((it) => it.kind === 'patrol');
  findings.patrolOwnerB = { state: await page.textContent('#p-state'), button: await page.textContent('#p-toggle'),
    fixes: await page.textContent('#p-fixes'), kept: patrols, uploads: posts.filter((p) => p.path === '/v1/patrols' && p.token === b),
    said: await page.textContent('#others-text'), left: await page.evaluate(async () => (await import('./store.js')).kvGet('patrol')) };
  check(findings.patrolOwnerB.button === '开始巡查' && findings.patrolOwnerB.state === '' && /已记录 0 个点/.test(findings.patrolOwnerB.fixes) &&
    patrols.length === 1 && patrols[0].owner === aId && patrols[0].id === saved?.chunkId && findings.patrolOwnerB.uploads.length === 0 &&
    !findings.patrolOwnerB.left && /另一位网格员（网格员王五，与您同名的另一个令牌）的 1 项内容未发送/.test(findings.patrolOwnerB.said),
    `B signed in after A's patrol: ${JSON.stringify(findings.patrolOwnerB)}`);
  await shot(page, 'm-patrol-others.png');
  await signIn(a);
  for (let i = 0; i < 40 && (await raw()).length > 0; i++) await page.waitForTimeout(250);
  const sent = posts.filter((p) => p.id === saved?.chunkId);
  findings.patrolOwnerA = { sent, left: await raw() };
  check(sent.length >= 1 && sent.every((p) => p.token === a) && sent.some((p) => p.status === 201) && findings.patrolOwnerA.left.length === 0,
    `A signed in again, their patrol's fixes: ${JSON.stringify(findings.patrolOwnerA)}`);
}
