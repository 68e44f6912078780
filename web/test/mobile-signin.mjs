// Sign-in on the grid worker's phone, run by mobile.test.mjs: without a
// token, and with one the server stops accepting while the app holds it.
//
//   signinSteps   (step 11)  /m/ without a token: the sign-in page, with no
//                            page error, counts what the phone holds; a
//                            link with an unknown or an expired token is
//                            said so, each as it is, and not kept.
//   revokedSteps  (step 17)  the administrator revokes the phone's token
//                            while a report waits offline: once online the
//                            app forgets the token and asks for a new one,
//                            saying why (in Chinese and English, across a
//                            reload), the report kept but not counted as
//                            waiting (it cannot go); enrolled with another
//                            token (same name and scope), it is not sent
//                            with it by itself: offered to them as their
//                            old token's, and deleted on purpose.
//   ownerSteps    (step 35)  two workers of one name and scope share a
//                            phone: what one saved offline and left when
//                            signing out is not sent under the other, who
//                            is told of it, and goes when its worker signs
//                            in again; nor does the other resume their
//                            patrol (mobile-patrol.mjs); an older version's
//                            items go by name and scope, as they did.

import { patrolOwner } from './mobile-patrol.mjs';

// phone is the test's other phones (sign-in, clock, desk, duty officer…):
// the layout of a 390×844 phone drawn at device scale 1, where the worker's
// own phone (mobile.test.mjs) is drawn at 2, as most phones are. Software
// WebGL drawing the map's pixels is most of what the browser test costs (a
// phone at scale 2 draws four times as many), and these phones test what
// the app does, not how sharply it draws.
export const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true, locale: 'zh-CN' };

// pageErrors collects a page's uncaught exceptions.
export function pageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

/**
 * signinSteps: /m/ without a token shows the sign-in page (its button apart
 * from the token box) without a page error; what the phone still holds is
 * counted there. An enrolment link with a token the server does not know,
 * or with one that expired, leaves the phone signed out, saying which.
 */
export async function signinSteps({ browser, base, expired, check, findings, shot }) {
  const context = await browser.newContext(phone);
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${base}/m/`);
  await page.waitForSelector('#signin-go', { state: 'visible' });
  findings.signinGap = await page.evaluate(() => document.getElementById('signin-go').getBoundingClientRect().top -
    document.getElementById('signin-token').getBoundingClientRect().bottom);
  check(findings.signinGap >= 8, `the sign-in button is ${findings.signinGap}px below the token box`);
  await shot(page, 'm-signin.png');
  // A phone signed out with a report still on it (the token was taken off it).
  await page.evaluate(async () => {
    const { enqueue } = await import('./store.js');
    await enqueue([{ id: crypto.randomUUID(), kind: 'report', label: '未登录测试', body: {} }]);
  });
  await page.reload();
  await page.waitForSelector('#signin-waiting:not([hidden])', { timeout: 10_000 })
    .catch(() => check(false, 'without a token, the sign-in page does not count what the phone holds'));
  findings.signinNoToken = await page.textContent('#view-signin');
  check(/还有 1 项未发送/.test(findings.signinNoToken), `without a token, the sign-in page says: ${findings.signinNoToken}`);
  // A link whose token the server does not know (mistyped, or of another server): it is not kept.
  await page.goto(`${base}/m/#token=unknown-token-of-the-test`);
  await page.waitForFunction(() => /无法识别此令牌/.test(document.getElementById('signin-message').textContent), null, { timeout: 15_000 })
    .catch(() => {});
  findings.signinUnknown = { said: await page.textContent('#signin-message'), kept: await page.evaluate(() => localStorage.getItem('gridmap.m.token')),
    tabs: await page.isVisible('#tabs') };
  check(/无法识别此令牌/.test(findings.signinUnknown.said) && findings.signinUnknown.kept === null && !findings.signinUnknown.tabs,
    `an unknown token's link: ${JSON.stringify(findings.signinUnknown)}`);
  // A link whose token has expired (kept in a chat for too long) is said so: expired, not unknown.
  await page.goto(`${base}/m/#token=${expired}`);
  await page.waitForFunction(() => /此令牌已过期，不能再登录/.test(document.getElementById('signin-message').textContent), null, { timeout: 15_000 })
    .catch(() => {});
  findings.signinExpired = { said: await page.textContent('#signin-message'), kept: await page.evaluate(() => localStorage.getItem('gridmap.m.token')) };
  // Never signed in on this phone, the worker is not told they were signed out.
  check(/此令牌已过期，不能再登录/.test(findings.signinExpired.said) && !/退出登录/.test(findings.signinExpired.said) && findings.signinExpired.kept === null,
    `an expired token's link: ${JSON.stringify(findings.signinExpired)}`);
  check(errors.length === 0, `without a token, page errors: ${errors.join(' | ')}`);
  await context.close();
}


// refusedBy waits until the server refuses a token (its token cache lets a
// revoked one go within 10 s) and says whether it did.
export async function refusedBy(base, token) {
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 401) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

/**
 * revokedSteps: the phone holds its own token (spare, a re-issue of the
 * worker's); a report is saved offline, and the administrator revokes the
 * token meanwhile (control: the Go test's operator, as "gridmap token
 * revoke"). Online, the outbox's 401 signs the phone out by itself: the
 * token is forgotten and no longer sent, the sign-in page says why and
 * counts the report, also after a reload and in English. Enrolled again
 * with a good token, the report goes.
 */
export async function revokedSteps(env) {
  const { page, context, base, worker, spare, control, failures, findings, check, shot, outbox, ready, pickCategory, stored } = env;
  await page.goto(`${base}/m/#token=${spare}`);
  await ready(page);
  await context.setOffline(true); // nothing learns of the revocation before the report is saved
  await page.click('#tabs button[data-view=report]');
  await pickCategory();
  const text = `令牌撤销测试 ${Date.now()}`;
  await page.fill('#r-description', text);
  await page.click('#r-submit');
  await page.waitForFunction(() => /待网络恢复/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 })
    .catch(async () => failures.push(`saved offline, the form says: ${await page.textContent('#r-message')}`));
  const revoked = await fetch(`${control}/revoke`, { method: 'POST', body: spare });
  check(revoked.status === 204, `revoking the phone's token: ${revoked.status} ${await revoked.text()}`);
  check(await refusedBy(base, spare), 'the server still accepts the revoked token after 30 s');

  // Every request from here on is watched for the revoked token.
  const carried = [];
  const watch = (req) => { if (req.headers().authorization === `Bearer ${spare}`) carried.push(new URL(req.url()).pathname); };
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.waitForSelector('#view-signin:not([hidden])', { timeout: 20_000 })
    .catch(() => failures.push('a revoked token: the app did not ask for a new one'));
  context.on('request', watch);
  await page.waitForSelector('#signin-waiting:not([hidden])', { timeout: 10_000 }).catch(() => {});
  await page.waitForFunction(() => !/待发/.test(document.getElementById('net').textContent), null, { timeout: 5_000 }).catch(() => {});
  const seen = () => page.evaluate(() => ({ token: localStorage.getItem('gridmap.m.token'), said: document.getElementById('signin-message').textContent,
    waiting: document.getElementById('signin-waiting').textContent, net: document.getElementById('net').textContent,
    views: [...document.querySelectorAll('main > .view')].filter((v) => !v.hidden).map((v) => v.id), tabs: !document.getElementById('tabs').hidden }));
  findings.revoked = { ...(await seen()), outbox: await outbox(page) };
  check(findings.revoked.token === null, 'a revoked token is still kept on the phone');
  // The report goes with the token that recorded it alone: revoked, it can no longer go, and the page says so
  // (and that its worker, signed in with a new token of their name and area, may send it with that one).
  check(/此令牌已被管理员吊销/.test(findings.revoked.said) && /还有 1 项未发送/.test(findings.revoked.waiting) &&
    /已失效，无法再用它发送：记录人用同一姓名和范围的新令牌登录后，可选择改用新令牌发送/.test(findings.revoked.waiting),
    `a revoked token, the sign-in page says: ${JSON.stringify(findings.revoked)}`);
  check(findings.revoked.views.join() === 'view-signin' && !findings.revoked.tabs, `a revoked token, the app still shows ${findings.revoked.views} (tabs ${findings.revoked.tabs})`);
  // The header counts what can be sent: not the revoked token's report (the sign-in page says it).
  check(/登录已失效/.test(findings.revoked.net) && !/待发/.test(findings.revoked.net) && !/离线/.test(findings.revoked.net),
    `a revoked token, the header says: ${findings.revoked.net}`);
  check(findings.revoked.outbox.length === 1 && findings.revoked.outbox[0].state === 'waiting', `a revoked token, the outbox: ${JSON.stringify(findings.revoked.outbox)}`);
  await shot(page, 'm-revoked.png');
  // The header's outbox pill leaves the sign-in page where it is; the position still moves the map's requests.
  await page.click('#net');
  await context.setGeolocation({ ...env.here, latitude: env.here.latitude + 0.0002 });
  await page.waitForTimeout(1500);
  check((await seen()).views.join() === 'view-signin', 'signed out, the outbox pill left the sign-in page');

  // Opened again, the app still says why.
  await page.reload();
  await page.waitForSelector('#signin-waiting:not([hidden])', { timeout: 30_000 });
  findings.revokedReload = await seen();
  check(/此令牌已被管理员吊销/.test(findings.revokedReload.said) && /还有 1 项未发送/.test(findings.revokedReload.waiting),
    `reopened after the revocation, the sign-in page says: ${JSON.stringify(findings.revokedReload)}`);
  await page.click('#lang');
  findings.revokedEnglish = await page.textContent('#view-signin');
  check(/revoked this token/.test(findings.revokedEnglish) && /Waiting on this phone: 1 item,/.test(findings.revokedEnglish) &&
    !/[\u4e00-\u9fff]/.test(findings.revokedEnglish), `the sign-in page in English: ${findings.revokedEnglish}`);
  await shot(page, 'm-revoked-english.png');
  await page.click('#lang');
  context.off('request', watch);
  findings.revokedCarried = carried;
  check(carried.length === 0, `signed out, requests still carried the revoked token: ${carried}`);

  // Enrolled with another token — the worker's own, of the same name and
  // scope (token names are not unique: to the phone, maybe another worker) —
  // the revoked token's report is not sent with it by itself: it stays,
  // offered as their old token's (to send, mobile-owner.mjs, or to delete),
  // and is deleted after a confirmation.
  await page.goto('about:blank');
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  await page.click('#tabs button[data-view=queue]');
  await page.click('#q-sync');
  await page.waitForSelector('#others:not([hidden])', { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(1000);
  findings.revokedOthers = { said: await page.textContent('#others-text'), outbox: await outbox(page), stored: (await stored(text)).length,
    carried: carried.length, net: await page.textContent('#net'), offered: await page.isVisible('#q-adopt'),
    lines: await page.$$eval('#q-stranded-list > li', (l) => l.length), otherDelete: await page.isVisible('#others-discard') };
  check(/此手机上有 1 项由您已失效的旧令牌记录、尚未发送的内容：可在「待发」中用当前令牌发送或删除/.test(findings.revokedOthers.said) &&
    findings.revokedOthers.outbox.length === 1 && findings.revokedOthers.stored === 0 && findings.revokedOthers.offered &&
    findings.revokedOthers.lines === 1 && !findings.revokedOthers.otherDelete && !/待发/.test(findings.revokedOthers.net),
    `the revoked token's report under another token of its name and scope: ${JSON.stringify(findings.revokedOthers)}`);
  await shot(page, 'm-others-gone.png');
  const asked = [];
  page.once('dialog', (d) => { asked.push(d.message()); d.dismiss(); }); // thought better of: nothing goes
  await page.click('#q-stranded-discard');
  await page.waitForTimeout(300);
  check((await outbox(page)).length === 1, 'deleting the old token\'s items went on although it was not confirmed');
  page.once('dialog', (d) => { asked.push(d.message()); d.accept(); });
  await page.click('#q-stranded-discard');
  for (let i = 0; i < 20 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  // The queue's views are drawn again after the deletion (notify): the banner and the section go a moment after.
  await page.waitForSelector('#others', { state: 'hidden', timeout: 5000 }).catch(() => {});
  await page.waitForSelector('#q-stranded', { state: 'hidden', timeout: 5000 }).catch(() => {});
  findings.revokedDiscarded = { asked, outbox: (await outbox(page)).length, banner: await page.isVisible('#others'),
    section: await page.isVisible('#q-stranded'), stored: (await stored(text)).length };
  check(asked.length === 2 && /删除您旧令牌记录的 1 项未发送内容/.test(asked[0]) && findings.revokedDiscarded.outbox === 0 &&
    !findings.revokedDiscarded.banner && !findings.revokedDiscarded.section && findings.revokedDiscarded.stored === 0,
    `deleting the old token's items: ${JSON.stringify(findings.revokedDiscarded)}`);
}

/**
 * ownerSteps: a phone of its own (its service worker on, so that it opens
 * offline). A (twin) and B (worker) have one name and one scope, and
 * different tokens. A files a report offline and signs out (warned that it
 * stays); B signs in — offline first, when whose the token is cannot be
 * known — and, online, A's report is not sent with B's token: the server
 * has no such report, and the app says whose it is; A signs in again and it
 * is sent, with A's token. Then the same for a patrol (patrolOwner), and
 * items an older version saved with no token named (legacySteps).
 */
export async function ownerSteps(env) {
  const { browser, base, worker: b, twin: a, here, check, findings, shot, adminAPI } = env;
  const { context, page, errors, posts, raw, signIn } = await phoneOf({ browser, base, here, ready: env.ready });
  const reloaded = () => page.waitForEvent('load', { timeout: 30_000 });

  const aId = await signIn(a);
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 })
    .catch(() => check(false, 'step 35: no service worker controls the app'));
  await context.setOffline(true);
  await page.click('#tabs button[data-view=report]');
  await page.selectOption('#r-kind', 'event');
  await page.fill('#r-search', '井盖');
  await page.click('#r-categories button.cat');
  const text = `甲离线上报 ${Date.now()}`;
  await page.fill('#r-description', text);
  await page.click('#r-submit');
  await page.waitForFunction(() => /待网络恢复/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 }).catch(() => {});
  const queued = (await raw()).find((it) => it.kind === 'report');
  check(queued?.owner === aId && typeof aId === 'number', `A's report is not tagged with A's token id ${aId}: ${JSON.stringify(queued)}`);

  // A signs out, told first that the report stays and goes when they sign in again.
  await page.click('#tabs button[data-view=queue]');
  let warned = '';
  page.once('dialog', (d) => { warned = d.message(); d.accept(); });
  const out = reloaded();
  await page.click('#q-signout');
  await out;
  await page.waitForSelector('#signin-waiting:not([hidden])', { timeout: 15_000 }).catch(() => {});
  findings.ownerSignOut = { warned, token: await page.evaluate(() => localStorage.getItem('gridmap.m.token')),
    waiting: await page.textContent('#signin-waiting') };
  check(/您还有 1 项内容未发送/.test(warned) && /不会以别人的身份发送/.test(warned) && findings.ownerSignOut.token === null &&
    /还有 1 项未发送.*记录它们的令牌再次登录后将自动发送/.test(findings.ownerSignOut.waiting), `A signing out: ${JSON.stringify(findings.ownerSignOut)}`);

  // B enters their token without signal: whose it is cannot be known yet, so the app does not start as anyone.
  await page.fill('#signin-token', b);
  const pasted = reloaded();
  await page.click('#signin-go');
  await pasted;
  await page.waitForFunction(() => /无法确认此令牌属于谁/.test(document.getElementById('signin-message').textContent), null, { timeout: 15_000 })
    .catch(() => {});
  findings.ownerOffline = { said: await page.textContent('#signin-message'), started: await page.evaluate(() => !!window.gridmapApp.ready) };
  check(/无法确认此令牌属于谁/.test(findings.ownerOffline.said) && !findings.ownerOffline.started, `B signing in offline: ${JSON.stringify(findings.ownerOffline)}`);

  // Online, B is signed in; A's report waits for A, said so, and is not sent with B's token.
  const online = reloaded();
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online'))).catch(() => {}); // the page may be reloading already
  await online;
  await env.ready(page);
  const bId = await page.evaluate(() => window.gridmapApp.me.token_id);
  await page.click('#tabs button[data-view=queue]');
  await page.click('#q-sync');
  await page.waitForSelector('#others:not([hidden])', { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(1500);
  findings.ownerB = { aId, bId, name: await page.textContent('#who-name'), said: await page.textContent('#others-text'), outbox: await raw(),
    uploads: posts.filter((p) => p.token === b), report: (await adminAPI(`/v1/reports/${queued?.id}`)).status,
    list: await page.$$eval('#q-list > li', (l) => l.length), net: await page.textContent('#net'), offered: await page.isVisible('#q-stranded') };
  check(bId !== aId && findings.ownerB.name === '网格员王五' && findings.ownerB.report === 404 &&
    !posts.some((p) => p.id === queued?.id && p.token === b) && findings.ownerB.outbox.some((it) => it.id === queued?.id && it.owner === aId) &&
    findings.ownerB.list === 0 && !/待发/.test(findings.ownerB.net) && !findings.ownerB.offered, // A's token may sign in again: not B's to take
    `B signed in, A's report: ${JSON.stringify(findings.ownerB)}`);
  check(/此手机上还有另一位网格员（网格员王五，与您同名的另一个令牌）的 1 项内容未发送：已保存，不会以您的身份发送，待其本人再次登录后自动发送/.test(findings.ownerB.said),
    `B signed in, the notice says: ${findings.ownerB.said}`);
  await page.click('#tabs button[data-view=home]');
  await shot(page, 'm-others.png');
  await page.click('#lang');
  await page.waitForFunction(() => /another worker/.test(document.getElementById('others-text').textContent), null, { timeout: 5_000 }).catch(() => {});
  findings.ownerBEnglish = await page.textContent('#others-text');
  check(/holds 1 unsent item of another worker \(网格员王五, another token of your name\): kept, never sent as you/.test(findings.ownerBEnglish),
    `the notice in English: ${findings.ownerBEnglish}`);
  await page.click('#lang');

  // A signs in again: the report goes, with A's token.
  check(await signIn(a) === aId, 'A signed in again under another id');
  for (let i = 0; i < 40 && (await raw()).length > 0; i++) await page.waitForTimeout(250);
  await page.waitForSelector('#others', { state: 'hidden', timeout: 5000 }).catch(() => {}); // drawn again after the send
  const sent = posts.filter((p) => p.id === queued?.id);
  const stored = await adminAPI(`/v1/reports/${queued?.id}`);
  findings.ownerA = { sent, stored: stored.status, description: stored.body?.description, left: await raw(), banner: await page.isVisible('#others') };
  check(sent.length >= 1 && sent.every((p) => p.token === a) && sent.some((p) => p.status === 201) && stored.status === 200 &&
    stored.body?.description === text && findings.ownerA.left.length === 0 && !findings.ownerA.banner,
    `A signed in again, their report: ${JSON.stringify(findings.ownerA)}`);

  await patrolOwner({ ...env, page, context, posts, raw, signIn, aId, a, b });
  await legacySteps({ ...env, page, posts, raw, signIn, a });
  check(errors.length === 0, `step 35, page errors: ${errors.join(' | ')}`);
  await context.close();
}

// legacySteps: items an older version saved name no token. One without a
// name goes with the first worker to sign in (A), as it did then; one of
// another name and scope waits for a worker of that name (said as theirs).
async function legacySteps({ page, here, check, findings, posts, raw, signIn, a }) {
  const [mine, theirs] = [crypto.randomUUID(), crypto.randomUUID()];
  await page.evaluate(({ ids, point }) => new Promise((resolve, reject) => {
    const req = indexedDB.open('gridmap-m');
    req.onsuccess = () => {
      const tx = req.result.transaction('outbox', 'readwrite');
      ids.forEach(([id, who], i) => tx.objectStore('outbox').add({ state: 'waiting', tries: 0, queued_at: new Date().toISOString(), id, kind: 'report',
        label: '旧版本', ...(who ? { who } : {}), body: { id, kind: 'event', category: 'C0101', severity: 2, description: `旧版本上报 ${i}`, point,
          crs: 'wgs84', observed_at: new Date().toISOString(), attachments: [] } }));
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    };
    req.onerror = () => reject(req.error);
  }), { ids: [[mine, ''], [theirs, '别人\n120104001001001']], point: [here.longitude, here.latitude] });
  await signIn(a);
  for (let i = 0; i < 40 && (await raw()).length > 1; i++) await page.waitForTimeout(250);
  findings.ownerLegacy = { sent: posts.filter((p) => p.id === mine || p.id === theirs), left: await raw(), said: await page.textContent('#others-text') };
  check(findings.ownerLegacy.sent.length >= 1 && findings.ownerLegacy.sent.every((p) => p.id === mine && p.token === a && p.status === 201) &&
    findings.ownerLegacy.left.length === 1 && findings.ownerLegacy.left[0].id === theirs && /另一位网格员（别人）的 1 项/.test(findings.ownerLegacy.said),
    `items an older version saved: ${JSON.stringify(findings.ownerLegacy)}`);
}

// phoneOf opens a phone of its own, with what every step watches: its
// uploads (id, token, answer), its page errors, its outbox and sign-in.
export async function phoneOf({ browser, base, here, ready }) {
  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'], serviceWorkers: 'allow' });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const posts = [];
  context.on('response', (r) => {
    const req = r.request();
    if (req.method() !== 'POST' || !/\/v1\/(reports|patrols|attachments)$/.test(new URL(req.url()).pathname)) return;
    let id = null;
    try { id = req.postDataJSON()?.id ?? null; } catch { /* a photo's bytes */ }
    posts.push({ path: new URL(req.url()).pathname, id, token: req.headers().authorization?.slice(7), status: r.status() });
  });
  const raw = () => page.evaluate(async () => (await (await import('./store.js')).everything())
    .map((it) => ({ id: it.id, kind: it.kind, owner: it.owner, who: it.who })));
  // signIn opens the worker's enrolment link, as the phone's camera does, over whatever the phone held.
  const signIn = async (tok) => {
    await page.goto('about:blank');
    await page.goto(`${base}/m/#token=${tok}`);
    await ready(page);
    return page.evaluate(() => window.gridmapApp.me.token_id);
  };
  const controlled = () => page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 });
  return { context, page, errors, posts, raw, signIn, controlled };
}
