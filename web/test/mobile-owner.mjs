// Whose the phone's saved work and kept data are, run by mobile.test.mjs
// (step 36), each on a phone of its own (its service worker on):
//
//   adoptSteps   a worker's token (old) is revoked while a report it
//                recorded offline waits; the administrator re-issues the
//                token (renewed: same name and scope, a new id). A colleague
//                of another name, whose link is opened over the old token,
//                is not offered the report; the worker, signed in with the
//                new token, is: counted apart from what waits (the header
//                says none), listed in the outbox, and sent with the new
//                token once they confirm — not when they cancel.
//   cachedSteps  worker A (a grid) reads their cases online and signs out;
//                B (another street's duty officer) signs in online: nothing
//                A was shown is left on the phone (kept values, the service
//                worker's copies), and B, offline and reloaded, sees none of
//                A's cases — but their own, once read online.

import { phoneOf, refusedBy } from './mobile-signin.mjs';

/** nextWorkerSteps runs both, each on a phone of its own: one going wrong is said, and the other still runs. */
export async function nextWorkerSteps(env) {
  for (const [name, steps] of [['adoption', adoptSteps], ['kept data', cachedSteps]]) {
    await steps(env).catch((e) => env.check(false, `step 36 (${name}) aborted: ${String(e.message ?? e).split('\n')[0]}`));
  }
}


// shown is what the app shows of the outbox and of what others left.
const shown = (page) => page.evaluate(() => {
  const text = (id) => document.getElementById(id).textContent;
  const seen = (id) => { const el = document.getElementById(id); return !!el && el.checkVisibility(); };
  return { net: text('net'), badge: text('queue-count'), banner: seen('others') ? text('others-text') : '', section: seen('q-stranded'),
    offered: seen('q-adopt'), lines: [...document.querySelectorAll('#q-stranded-list > li strong')].map((s) => s.textContent),
    why: text('q-stranded-why'), asked: seen('q-adopt-confirm') ? [...document.querySelectorAll('#q-adopt-confirm p')].map((p) => p.textContent).join('') : '' };
});

// fits says whether the question fits a 390 px phone: nothing wider than the
// screen, its buttons inside its box and on the screen.
const fits = (page) => page.evaluate(() => {
  const box = document.getElementById('q-adopt-confirm').getBoundingClientRect();
  const buttons = [...document.querySelectorAll('#q-adopt-confirm button')].map((b) => b.getBoundingClientRect());
  return { width: document.documentElement.scrollWidth, box: [box.left, box.right],
    inside: box.left >= 0 && box.right <= 390 && buttons.every((b) => b.left >= box.left && b.right <= box.right && b.bottom <= innerHeight && b.top >= 0) };
});

/** adoptSteps: a re-issued token's worker takes over what their revoked token left unsent (see the head). */
export async function adoptSteps(env) {
  const { base, worker, control, check, findings, shot, adminAPI } = env;
  const [old, renewed] = [process.env.GRIDMAP_REISSUE_OLD_TOKEN, process.env.GRIDMAP_REISSUE_NEW_TOKEN];
  if (!old || !renewed) return check(false, 'step 36: GRIDMAP_REISSUE_OLD_TOKEN and GRIDMAP_REISSUE_NEW_TOKEN are not set');
  const { context, page, errors, posts, raw, signIn, controlled } = await phoneOf(env);
  const oldId = await signIn(old);
  await controlled().catch(() => check(false, 'step 36: no service worker controls the app'));
  await context.setOffline(true);
  await page.click('#tabs button[data-view=report]');
  await page.selectOption('#r-kind', 'event');
  await page.fill('#r-search', '井盖');
  await page.click('#r-categories button.cat');
  const text = `旧令牌离线上报 ${Date.now()}`;
  await page.fill('#r-description', text);
  await page.click('#r-submit');
  await page.waitForFunction(() => /待网络恢复/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 }).catch(() => {});
  const queued = (await raw()).find((it) => it.kind === 'report');
  check(queued?.owner === oldId, `step 36: the report is not the old token's (${oldId}): ${JSON.stringify(queued)}`);

  // The token is revoked (a suspected leak) while the phone is off the network: the app learns it from the next link.
  const revoked = await fetch(`${control}/revoke`, { method: 'POST', body: old });
  check(revoked.status === 204 && (await refusedBy(base, old)), `step 36: revoking the old token: ${revoked.status}`);
  await page.goto('about:blank'); // the app is closed: nothing it sends tells it of the revocation
  await context.setOffline(false);

  // A colleague of another name (same grid) signs in over it: the report is not theirs, nor offered to them.
  await signIn(worker);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#others:not([hidden])', { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(1000);
  findings.adoptOther = { ...(await shown(page)), stored: (await adminAPI(`/v1/reports/${queued?.id}`)).status, posted: posts.filter((p) => p.id === queued?.id) };
  check(/另一位网格员（网格员孙七）的 1 项内容未发送：不会以您的身份发送；记录它们的令牌已失效/.test(findings.adoptOther.banner) &&
    !findings.adoptOther.section && !findings.adoptOther.offered && !/待发/.test(findings.adoptOther.net) &&
    findings.adoptOther.stored === 404 && findings.adoptOther.posted.length === 0, `step 36, a worker of another name: ${JSON.stringify(findings.adoptOther)}`);

  // The worker signs in with the re-issued token: the old token's report is theirs to send, or delete.
  const newId = await signIn(renewed);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#q-stranded:not([hidden])', { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(1000);
  findings.adoptOffered = { oldId, newId, ...(await shown(page)), posted: posts.filter((p) => p.id === queued?.id) };
  const o = findings.adoptOffered;
  check(newId !== oldId && /此手机上有 1 项由您已失效的旧令牌记录、尚未发送的内容/.test(o.banner) && o.section && o.offered &&
    o.lines.length === 1 && /^上报/.test(o.lines[0]) && /以下 1 项由您（网格员孙七）已失效的旧令牌记录，尚未发送/.test(o.why) &&
    !/待发/.test(o.net) && o.badge === '' && o.posted.length === 0, `step 36, the re-issued token's worker is offered: ${JSON.stringify(o)}`);
  await shot(page, 'm-stranded.png');

  // Asked first, in words that say what happens; cancelled, nothing goes.
  await page.click('#q-adopt');
  await page.waitForSelector('#q-adopt-confirm:not([hidden])', { timeout: 5_000 }).catch(() => {});
  findings.adoptAsked = { ...(await shown(page)), ...(await fits(page)) };
  const a = findings.adoptAsked;
  check(/这些内容由您已失效的旧令牌记录，是否用当前令牌发送？确认后，这 1 项将归入当前令牌并发送/.test(a.asked) && a.width <= 390 && a.inside,
    `step 36, the question: ${JSON.stringify(a)}`);
  await shot(page, 'm-adopt.png');
  await page.click('#lang');
  await page.locator('#q-adopt-confirm').scrollIntoViewIfNeeded();
  findings.adoptAskedEnglish = { asked: (await shown(page)).asked, ...(await fits(page)) };
  check(/recorded under your old token, which is no longer valid\. Send them with your current token\?/.test(findings.adoptAskedEnglish.asked) &&
    findings.adoptAskedEnglish.width <= 390 && findings.adoptAskedEnglish.inside, `step 36, the question in English: ${JSON.stringify(findings.adoptAskedEnglish)}`);
  await shot(page, 'm-adopt-english.png');
  await page.click('#lang');
  await page.click('#q-adopt-no');
  await page.waitForTimeout(1500);
  findings.adoptCancelled = { ...(await shown(page)), posted: posts.filter((p) => p.id === queued?.id), item: (await raw()).find((it) => it.id === queued?.id) };
  check(!findings.adoptCancelled.asked && findings.adoptCancelled.section && findings.adoptCancelled.posted.length === 0 &&
    findings.adoptCancelled.item?.owner === oldId, `step 36, cancelled: ${JSON.stringify(findings.adoptCancelled)}`);

  // Confirmed: the report is the new token's and goes with it, stored once (201), found by its id.
  await page.click('#q-adopt');
  await page.click('#q-adopt-yes');
  for (let i = 0; i < 40 && (await raw()).some((it) => it.id === queued?.id); i++) await page.waitForTimeout(250);
  const stored = await adminAPI(`/v1/reports/${queued?.id}`);
  findings.adopted = { sent: posts.filter((p) => p.id === queued?.id), stored: stored.status, reporter: stored.body?.reporter,
    description: stored.body?.description, left: await raw(), ...(await shown(page)) };
  const d = findings.adopted;
  check(d.sent.length >= 1 && d.sent.every((p) => p.token === renewed) && d.sent.some((p) => p.status === 201) && d.stored === 200 &&
    d.description === text && d.reporter === '网格员孙七' && d.left.length === 0 && !d.banner && !d.section && !/待发/.test(d.net),
    `step 36, adopted: ${JSON.stringify(d)}`);
  check(errors.length === 0, `step 36 (adoption), page errors: ${errors.join(' | ')}`);
  await context.close();
}

// leftOf lists where on the phone any of ids (cases) is still written: the
// values kept (IndexedDB) and the service worker's copies of answers.
const leftOf = (page, ids) => page.evaluate(async (ids) => {
  const found = [];
  const has = (text) => ids.some((id) => text.includes(id));
  const kv = await new Promise((resolve, reject) => {
    const req = indexedDB.open('gridmap-m');
    req.onsuccess = () => {
      const store = req.result.transaction('kv').objectStore('kv');
      const [keys, values] = [store.getAllKeys(), store.getAll()];
      values.onsuccess = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
      values.onerror = () => reject(values.error);
    };
    req.onerror = () => reject(req.error);
  });
  for (const [k, v] of kv) if (has(JSON.stringify(v) ?? '')) found.push(`kv ${k}`);
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) {
      if (!/\/v1\/reports/.test(req.url)) continue;
      if (has(await (await cache.match(req)).text())) found.push(`${name} ${req.url}`);
    }
  }
  return found;
}, ids);

// caseIds are the ids of the cases the list shows, once it has drawn (status: what it said).
async function caseIds(page) {
  await page.click('#tabs button[data-view=cases]');
  await page.waitForFunction(() => document.querySelector('#c-list li[data-id]') || !document.getElementById('c-empty').hidden ||
    document.getElementById('c-status').textContent, null, { timeout: 30_000 }).catch(() => {});
  await page.waitForTimeout(1000);
  return { ids: await page.$$eval('#c-list li[data-id]', (l) => l.map((li) => li.dataset.id)), status: await page.textContent('#c-status') };
}

/** cachedSteps: what one worker was shown is not shown to the next, online or offline (see the head). */
export async function cachedSteps(env) {
  const { worker: a, desk: b, deskPoint, check, findings, shot } = env;
  const { context, page, errors, signIn, controlled } = await phoneOf(env);
  await signIn(a);
  await controlled().catch(() => check(false, 'step 36: no service worker controls the app'));
  const aCases = (await caseIds(page)).ids;
  check(aCases.length > 0, 'step 36: worker A\'s case list is empty');
  // An older version kept one cache for every token: its copy of A's list (kept with A's token) must go too.
  await page.evaluate(async (tok) => {
    const headers = { Authorization: `Bearer ${tok}` };
    const res = await fetch('../v1/reports?kind=hazard,event&limit=100', { headers });
    await (await caches.open('gridmap-m-data')).put(new Request(res.url, { headers }), res);
  }, a);
  await page.click('#tabs button[data-view=queue]');
  page.once('dialog', (d) => d.accept());
  const out = page.waitForEvent('load', { timeout: 30_000 });
  await page.click('#q-signout');
  await out;

  // B, another street's duty officer, signs in online, and the phone holds nothing A was shown.
  await context.setGeolocation({ longitude: deskPoint[0], latitude: deskPoint[1], accuracy: 8 });
  await signIn(b);
  await page.waitForTimeout(1000);
  findings.cachedLeft = await leftOf(page, aCases);
  check(findings.cachedLeft.length === 0, `step 36: after B signed in, A's cases are still kept in ${findings.cachedLeft}`);

  // Offline, reloaded, B's case list shows none of A's (B never read theirs online yet).
  await context.setOffline(true);
  await page.reload();
  await env.ready(page);
  const offline = await caseIds(page);
  findings.cachedOffline = { ...offline, a: offline.ids.filter((id) => aCases.includes(id)).length };
  check(findings.cachedOffline.a === 0 && /离线/.test(offline.status), `step 36: B offline sees A's cases: ${JSON.stringify(findings.cachedOffline)}`);
  await shot(page, 'm-cases-next-worker.png');

  // B's own list, read online, is kept for B: offline again, it is shown.
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.click('#c-refresh');
  await page.waitForFunction(() => document.querySelector('#c-list li[data-id]') && !document.getElementById('c-status').textContent, null,
    { timeout: 30_000 }).catch(() => {});
  const bCases = (await caseIds(page)).ids;
  await context.setOffline(true);
  await page.reload();
  await env.ready(page);
  const own = await caseIds(page);
  findings.cachedOwn = { online: bCases.length, offline: own.ids.length, a: own.ids.filter((id) => aCases.includes(id)).length, status: own.status };
  check(bCases.length > 0 && own.ids.length > 0 && own.ids.every((id) => bCases.includes(id)) && findings.cachedOwn.a === 0,
    `step 36: B's own cases offline: ${JSON.stringify(findings.cachedOwn)}`);
  await context.setOffline(false);
  check(errors.length === 0, `step 36 (kept data), page errors: ${errors.join(' | ')}`);
  await context.close();
}
