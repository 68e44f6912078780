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
//                            reload), the report kept; enrolled again, it
//                            is sent.

const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };

// pageErrors collects a page's uncaught exceptions.
function pageErrors(page) {
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
  await page.waitForFunction(() => /令牌无效或已过期/.test(document.getElementById('signin-message').textContent), null, { timeout: 15_000 })
    .catch(() => {});
  findings.signinUnknown = { said: await page.textContent('#signin-message'), kept: await page.evaluate(() => localStorage.getItem('gridmap.m.token')),
    tabs: await page.isVisible('#tabs') };
  check(/令牌无效或已过期/.test(findings.signinUnknown.said) && findings.signinUnknown.kept === null && !findings.signinUnknown.tabs,
    `an unknown token's link: ${JSON.stringify(findings.signinUnknown)}`);
  // A link whose token has expired (kept in a chat for too long) is said so: expired, not unknown.
  await page.goto(`${base}/m/#token=${expired}`);
  await page.waitForFunction(() => /已过期，您已退出登录/.test(document.getElementById('signin-message').textContent), null, { timeout: 15_000 })
    .catch(() => {});
  findings.signinExpired = { said: await page.textContent('#signin-message'), kept: await page.evaluate(() => localStorage.getItem('gridmap.m.token')) };
  check(/此手机的令牌已过期/.test(findings.signinExpired.said) && findings.signinExpired.kept === null,
    `an expired token's link: ${JSON.stringify(findings.signinExpired)}`);
  check(errors.length === 0, `without a token, page errors: ${errors.join(' | ')}`);
  await context.close();
}


// refusedBy waits until the server refuses a token (its token cache lets a
// revoked one go within 10 s) and says whether it did.
async function refusedBy(base, token) {
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
  const seen = () => page.evaluate(() => ({ token: localStorage.getItem('gridmap.m.token'), said: document.getElementById('signin-message').textContent,
    waiting: document.getElementById('signin-waiting').textContent, net: document.getElementById('net').textContent,
    views: [...document.querySelectorAll('main > .view')].filter((v) => !v.hidden).map((v) => v.id), tabs: !document.getElementById('tabs').hidden }));
  findings.revoked = { ...(await seen()), outbox: await outbox(page) };
  check(findings.revoked.token === null, 'a revoked token is still kept on the phone');
  check(/管理员已撤销此手机的令牌/.test(findings.revoked.said) && /还有 1 项未发送/.test(findings.revoked.waiting),
    `a revoked token, the sign-in page says: ${JSON.stringify(findings.revoked)}`);
  check(findings.revoked.views.join() === 'view-signin' && !findings.revoked.tabs, `a revoked token, the app still shows ${findings.revoked.views} (tabs ${findings.revoked.tabs})`);
  check(/登录已失效/.test(findings.revoked.net) && /待发 1/.test(findings.revoked.net) && !/离线/.test(findings.revoked.net),
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
  check(/管理员已撤销此手机的令牌/.test(findings.revokedReload.said) && /还有 1 项未发送/.test(findings.revokedReload.waiting),
    `reopened after the revocation, the sign-in page says: ${JSON.stringify(findings.revokedReload)}`);
  await page.click('#lang');
  findings.revokedEnglish = await page.textContent('#view-signin');
  check(/revoked this phone's token/.test(findings.revokedEnglish) && /Waiting on this phone: 1 item,/.test(findings.revokedEnglish) &&
    !/[\u4e00-\u9fff]/.test(findings.revokedEnglish), `the sign-in page in English: ${findings.revokedEnglish}`);
  await shot(page, 'm-revoked-english.png');
  await page.click('#lang');
  context.off('request', watch);
  findings.revokedCarried = carried;
  check(carried.length === 0, `signed out, requests still carried the revoked token: ${carried}`);

  // Enrolled again with a good token: the waiting report goes.
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  for (let i = 0; i < 60 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(500);
  check((await outbox(page)).length === 0, 'after enrolling again the report still waits');
  check((await stored(text)).length === 1, 'the report filed before the revocation was not stored after enrolling again');
}
