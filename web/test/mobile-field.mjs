// Field steps of the grid worker's app test (12–23), run by mobile.test.mjs
// after the map has followed the worker and the app is back in Chinese at
// the worker's spot: a poor fix, an undecodable photo, a double tap, an
// outside point, a server refusal, a revoked token, patrol recovery, the
// recent list's wording, small and landscape screens, location denied, a
// failing server, and the server's own case steps in Chinese.

// fieldSteps runs them on env's page and context, as mobile.test.mjs would
// inline: env holds page, context, browser, base, worker (the worker's
// token), spare (another of the worker's, to revoke), control (the Go
// test's operator), here (the worker's position), writes (the POSTs answered),
// failures and findings, the helpers check, shot, adminAPI, outbox and
// ready, and step(name), which names the step under way in page errors.
import { revokedSteps } from './mobile-signin.mjs';
import { patrolRecovery } from './mobile-patrol.mjs';

// kvSent is the phone's list of what was sent lately (sync.js's 'sent').
const kvSent = (page) => page.evaluate(async () => (await (await import('./store.js')).kvGet('sent')) ?? []);

export async function fieldSteps(env) {
  const { page, context, browser, base, worker, here, writes, failures, findings,
    check, shot, adminAPI, outbox, ready, step } = env;

  const me = await page.evaluate(() => window.gridmapApp.me.name);
  const stored = async (description) => ((await adminAPI('/v1/reports?kind=event&reporter=' + encodeURIComponent(me))).body?.reports ?? [])
    .filter((r) => r.description === description);
  // pickCategory fills the form's kind (an event: the hazard count of step 5 stays 1) and category.
  const pickCategory = async () => {
    await page.selectOption('#r-kind', 'event');
    await page.fill('#r-search', '井盖');
    await page.click('#r-categories button.cat');
  };

  step('12');
  // 12. A poor fix (±150 m) is said so on the home card and on the form.
  await page.click('#tabs button[data-view=home]');
  await context.setGeolocation({ ...here, accuracy: 150 });
  await page.waitForFunction(() => /定位精度差（±150 米）/.test(document.getElementById('where-poor').textContent) &&
    !document.getElementById('where-poor').hidden, null, { timeout: 15_000 }).catch(() => failures.push('no warning of a ±150 m fix on the home card'));
  await shot(page, 'm-poor-fix.png');
  await page.click('#tabs button[data-view=report]');
  check(await page.isVisible('#r-poor') && /±150/.test(await page.textContent('#r-poor')), 'no warning of a ±150 m fix on the form');
  await context.setGeolocation(here);
  await page.waitForFunction(() => document.getElementById('r-poor').hidden, null, { timeout: 15_000 })
    .catch(() => failures.push('the poor-fix warning stayed after a good fix'));

  step('13');
  // 13. A file that is not an image: a message, the form kept, no page error.
  await pickCategory();
  await page.setInputFiles('#r-photo', { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a photo at all') });
  await page.waitForFunction(() => /无法读取该照片/.test(document.getElementById('r-photo-error').textContent), null, { timeout: 10_000 })
    .catch(() => failures.push('no message for an undecodable photo'));
  check(await page.$('#r-categories button.cat.chosen') !== null, 'the form lost its category after an undecodable photo');
  check(await page.$$eval('#r-photos img', (l) => l.length) === 0, 'an undecodable photo was added');
  await page.locator('#r-photo-error').scrollIntoViewIfNeeded();
  await shot(page, 'm-bad-photo.png');

  step('14');
  // 14. A double tap on 提交 (two taps 0 ms apart, then one 300 ms later) stores exactly one report.
  const tapped = `双击测试 ${Date.now()}`;
  await page.fill('#r-description', tapped);
  await page.evaluate(() => { const b = document.getElementById('r-submit'); b.click(); b.click(); });
  await page.waitForTimeout(300);
  await page.click('#r-submit', { force: true });
  await page.waitForFunction(() => /已上报/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 })
    .catch(async () => failures.push(`after a double tap: ${await page.textContent('#r-message')}`));
  await page.waitForTimeout(500);
  findings.doubleTap = { stored: (await stored(tapped)).length, message: await page.textContent('#r-message') };
  check(findings.doubleTap.stored === 1, `a double tap stored ${findings.doubleTap.stored} reports, want 1`);
  check(/已上报/.test(findings.doubleTap.message), `a late tap replaced the message: ${findings.doubleTap.message}`);
  // The next report, written without a category, is not taken for that
  // tap: it is asked for its category, not told it was sent.
  await page.fill('#r-description', '没有分类的第二份');
  await page.click('#r-submit');
  await page.waitForTimeout(300);
  findings.noCategoryAfterSent = await page.textContent('#r-message');
  check(/请选择分类/.test(findings.noCategoryAfterSent), `a report without a category after a sent one: ${findings.noCategoryAfterSent}`);
  await page.fill('#r-description', '');

  step('15');
  // 15. A point outside every district: the resolver says so and 提交 is refused on the phone.
  const outsidePoint = { ...here, longitude: 116.0, latitude: 39.5 };
  await context.setGeolocation(outsidePoint);
  await page.waitForSelector('#r-answer .badge.outside', { timeout: 15_000 }).catch(() => failures.push('no "outside" answer for the pin'));
  await pickCategory();
  await page.fill('#r-description', '辖区外测试');
  const before15 = (await outbox(page)).length;
  await page.click('#r-submit');
  await page.waitForTimeout(300);
  findings.outside = await page.textContent('#r-message');
  check(/辖区之外/.test(findings.outside), `an outside point was not refused on the phone: ${findings.outside}`);
  check((await outbox(page)).length === before15, 'an outside point was queued');
  await page.locator('#r-submit').scrollIntoViewIfNeeded();
  await shot(page, 'm-outside.png');
  await context.setGeolocation(here);

  step('16');
  // 16. The server's refusal (a report queued at an outside point, as an older
  //     version did): counted in the header, said in Chinese, with 编辑/重试/放弃.
  await page.evaluate(async (pt) => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    const id = crypto.randomUUID();
    await enqueue([{ id, kind: 'report', label: { key: 'label.report', vars: { name: '井盖', text: '被拒测试' } }, body: { id, kind: 'event',
      category: 'C0101', severity: 2, description: '被拒测试', point: pt, crs: 'wgs84', observed_at: new Date().toISOString(), attachments: [] } }]);
    await syncNow();
  }, [outsidePoint.longitude, outsidePoint.latitude]);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#q-list li.failed', { timeout: 10_000 });
  findings.refused = { net: await page.textContent('#net'), item: await page.textContent('#q-list li.failed'),
    badge: await page.textContent('#queue-count') };
  check(/被拒 1/.test(findings.refused.net) && findings.refused.badge === '1', `the refusal is not counted: ${JSON.stringify(findings.refused)}`);
  check(/位置不在任何辖区内/.test(findings.refused.item), `the refusal is not said in Chinese: ${findings.refused.item}`);
  const buttons = await page.$$eval('#q-list li.failed button', (l) => l.map((b) => b.textContent));
  check(['编辑', '重试', '放弃'].every((b) => buttons.includes(b)), `the refused item offers ${buttons}`);
  await shot(page, 'm-refused.png');
  await page.click('#q-list li.failed button:text("编辑")');
  await page.waitForFunction(() => !document.getElementById('view-report').hidden && document.getElementById('r-description').value === '被拒测试',
    null, { timeout: 10_000 }).catch(() => failures.push('编辑 did not bring the report back into the form'));
  await page.waitForSelector('#r-answer .badge.outside', { timeout: 15_000 });
  await page.click('#r-submit');
  check(/辖区之外/.test(await page.textContent('#r-message')), 'the edited outside report could be sent');
  check((await outbox(page)).length === 0, 'the edited report is still in the outbox');
  // A report whose photo the server refused (not an image): both are
  // refused, counted as one and listed as one, the photo marked in the
  // report's line; giving up the report gives up its photo.
  await page.evaluate(async (pt) => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    const id = crypto.randomUUID();
    const sum = `sha256:${'0'.repeat(64)}`;
    const label = { key: 'label.report', vars: { name: '井盖', text: '坏照片测试' } };
    await enqueue([{ id: sum, kind: 'photo', label }, { id, kind: 'report', label, body: { id, kind: 'event', category: 'C0101',
      severity: 2, description: '坏照片测试', point: pt, crs: 'wgs84', observed_at: new Date().toISOString(), attachments: [sum] } }],
    { [sum]: new Blob(['not a photo'], { type: 'image/jpeg' }) });
    await syncNow();
  }, [here.longitude, here.latitude]);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForFunction(() => document.querySelector('#q-list li.failed .queued-photos img.failed'), null, { timeout: 10_000 }).catch(() => {});
  findings.badPhoto = { net: await page.textContent('#net'), badge: await page.textContent('#queue-count'),
    lines: await page.$$eval('#q-list > li', (l) => l.map((li) => `${li.className}:${li.dataset.kind}`)),
    photoRefused: await page.$$eval('#q-list li.failed .queued-photos img.failed', (l) => l.length),
    said: await page.textContent('#q-list li.failed .error').catch(() => '') };
  check(/被拒 1/.test(findings.badPhoto.net) && findings.badPhoto.badge === '1' && findings.badPhoto.lines.join() === 'item failed:report' &&
    findings.badPhoto.photoRefused === 1 && /照片未被接受/.test(findings.badPhoto.said),
    `a report refused with its photo: ${JSON.stringify(findings.badPhoto)}`);
  await page.click('#q-list li.failed[data-kind=report] button:text("放弃")');
  await page.waitForTimeout(300);
  findings.badPhotoLeft = (await outbox(page)).map((it) => it.kind);
  check(findings.badPhotoLeft.length === 0, `giving up the report left ${findings.badPhotoLeft} in the outbox`);
  await page.reload(); // a fresh form
  await ready(page);

  step('17');
  // 17. The phone's token revoked while a report waits (mobile-signin.mjs).
  await revokedSteps({ ...env, pickCategory, stored });

  step('18');
  // 18. Patrol fixes survive a reload (mobile-patrol.mjs).
  await patrolRecovery(env);

  step('19');
  // 19. The outbox's recent list in Chinese: categories by name, no codes, no English.
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#q-sent li');
  findings.sentList = await page.textContent('#q-sent');
  check(!/fixes|handle|\(20[01]\)|[CEP]\d{4}/.test(findings.sentList), `the recent list: ${findings.sentList}`);
  // A case step recorded the first time is 已保存, not 服务器已有 (a step is 200 either way; only a replay says so).
  const steps = (await kvSent(page)).filter((x) => x.kind === 'transition');
  findings.sentSteps = steps.map((x) => x.status);
  check(steps.length > 0 && steps.every((x) => x.status === 201), `the recent list's case steps: ${JSON.stringify(findings.sentSteps)}`);
  await shot(page, 'm-sent-list.png');

  step('20');
  // 20. A small phone and a phone on its side: the key information in view.
  const visible = (sel) => page.evaluate((s) => {
    const r = document.querySelector(s).getBoundingClientRect();
    const m = document.querySelector('main').getBoundingClientRect(); // between the header and the tab bar
    return r.height > 0 && r.top >= m.top && r.bottom <= m.bottom && r.left >= 0 && r.right <= innerWidth;
  }, sel);
  await page.click('#tabs button[data-view=home]');
  await context.setGeolocation({ ...here, latitude: here.latitude + 0.027 }); // out of the grid
  // A 390×844 phone with its text at 150 % lays the page out at 260×563.
  for (const [width, height, name] of [[260, 563, 'm-150pct-home.png'], [320, 568, 'm-320-home.png']]) {
    await page.setViewportSize({ width, height });
    await page.waitForSelector('#warn:not([hidden])', { timeout: 15_000 });
    await page.waitForTimeout(800);
    check(await visible('#warn'), `at ${width}×${height} the "left your grid" warning is out of view`);
    check(await visible('#where-answer .who-answers'), `at ${width}×${height} the responsible unit is out of view`);
    await shot(page, name);
  }
  await context.setGeolocation(here);
  await page.waitForSelector('#warn', { state: 'hidden', timeout: 15_000 });
  await page.waitForTimeout(800);
  await shot(page, 'm-320-home-in-grid.png');
  await page.click('#tabs button[data-view=report]');
  await shot(page, 'm-320-report.png');
  await page.click('#tabs button[data-view=home]');
  await page.setViewportSize({ width: 844, height: 390 });
  await page.waitForTimeout(800);
  check(await visible('#where-answer .who-answers'), 'at 844×390 the responsible unit is out of view');
  findings.unitShown = await page.evaluate(() => { const u = document.getElementById('who-unit'); return u.scrollWidth <= u.clientWidth; });
  await shot(page, 'm-844x390-home.png');
  await page.click('#tabs button[data-view=queue]');
  await shot(page, 'm-844x390-queue.png');
  await page.setViewportSize({ width: 390, height: 844 });

  step('21');
  // 21. Location denied: only "无法获取位置", not "正在定位…" above it.
  const denied = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN' });
  const dpage = await denied.newPage();
  await dpage.goto(`${base}/m/#token=${worker}`);
  await ready(dpage);
  await dpage.waitForFunction(() => /无法获取位置/.test(document.getElementById('where-status').textContent), null, { timeout: 30_000 })
    .catch(() => failures.push('location denied is not said'));
  findings.denied = await dpage.textContent('#where');
  check(!/正在定位/.test(findings.denied), `location denied, the card says: ${findings.denied}`);
  await shot(dpage, 'm-denied.png');
  await denied.close();

  step('22');
  await serverFailure(env, pickCategory, stored);
  step('23');
  await serverSteps(env);
}

// serverSteps is step 23: a serious (突出) event starts at the community and
// the street is whistled in (吹哨) with a note. The case's history says the
// server's steps in Chinese, keeps the note, and shows none of the server's
// English sentences.
async function serverSteps({ page, here, failures, check, shot, adminAPI, findings }) {
  const id = crypto.randomUUID();
  const filed = await adminAPI('/v1/reports', { method: 'POST', body: JSON.stringify({ id, kind: 'event', category: 'C0101', severity: 3,
    description: '升级测试', point: [here.longitude, here.latitude], crs: 'wgs84' }) });
  check(filed.status === 201, `filing the serious event: ${filed.status}`);
  for (const s of [{ action: 'accept' }, { action: 'dispatch' }, { action: 'escalate', note: '需街道协调' }]) {
    const r = await adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify(s) });
    check(r.status === 200, `${s.action}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  await page.click('#tabs button[data-view=cases]');
  await page.click('#c-refresh');
  await page.waitForSelector(`#c-list li[data-id="${id}"]`, { timeout: 15_000 }).catch(() => failures.push('the escalated case is not listed'));
  await page.click(`#c-list li[data-id="${id}"]`);
  await page.waitForFunction(() => document.querySelectorAll('#c-history li').length >= 4, null, { timeout: 15_000 })
    .catch(() => failures.push('the escalated case shows no history'));
  findings.serverSteps = await page.$$eval('#c-history li .note', (l) => l.map((n) => n.textContent).filter(Boolean));
  const said = findings.serverSteps.join(' | ');
  check(/突出案件由社区起办理/.test(said), `the serious event's start is not said: ${said}`);
  // The units by name, as the case's resolution gives them (光明路社区居委会, 长虹街道), not by code.
  check(/需街道协调\n由社区 \S*社区\S* 升至街道 \S*街道（吹哨）/.test(said) && !/\d{9}/.test(said), `the escalation is not said with its note: ${said}`);
  check(!/[a-z]{3,}/.test(said), `the history shows the server's English: ${said}`);
  await page.locator('#c-history').scrollIntoViewIfNeeded();
  await shot(page, 'm-case-escalated.png');
}

// serverFailure is step 22: the server answers 503 while the phone is
// online. The card, the cases and the form say the server is in trouble,
// not "离线" (the worker must not go looking for signal); a report waits
// and goes once the server is back.
async function serverFailure({ page, context, here, failures, check, shot, outbox, findings }, pickCategory, stored) {
  const unavailable = (route) => route.fulfill({ status: 503, contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'unavailable', detail: 'the database does not answer' }) });
  const routed = /\/v1\/(reports|resolve)(\?|$)/;
  await context.route(routed, unavailable); // the context's routes see the service worker's requests too
  const says = (id, re) => page.waitForFunction(([i, r]) => new RegExp(r).test(document.getElementById(i).textContent), [id, re.source], { timeout: 15_000 })
    .catch(async () => failures.push(`the server failing, #${id} says: ${await page.textContent('#' + id)}`));
  await page.click('#tabs button[data-view=home]');
  await context.setGeolocation({ ...here, latitude: here.latitude + 0.0002 }); // 22 m: the card asks again
  await says('where-status', /服务器暂时出错：显示上次的结果/);
  await page.click('#tabs button[data-view=cases]');
  await says('c-status', /服务器暂时出错：显示上次获取的列表/);
  await page.click('#tabs button[data-view=report]');
  await context.setGeolocation(here);
  await says('r-answer', /服务器暂时出错：收到后再判断归属/);
  await pickCategory();
  const text = `服务器故障测试 ${Date.now()}`;
  await page.fill('#r-description', text);
  await page.click('#r-submit');
  await says('r-message', /已保存：服务器暂时出错，恢复后自动发送/);
  await says('net', /服务器出错/);
  findings.serverFault = { message: await page.textContent('#r-message'), net: await page.textContent('#net') };
  check(!/离线/.test(findings.serverFault.message + findings.serverFault.net) && /^⚠ 服务器出错/.test(findings.serverFault.net),
    `the server failing is called offline, or online: ${JSON.stringify(findings.serverFault)}`);
  check((await outbox(page)).length === 1, 'the report filed while the server failed is not waiting');
  await page.locator('#r-message').scrollIntoViewIfNeeded();
  await shot(page, 'm-server-fault.png');
  await context.unroute(routed, unavailable);
  await page.click('#tabs button[data-view=queue]');
  await page.click('#q-sync');
  for (let i = 0; i < 40 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  check((await outbox(page)).length === 0 && (await stored(text)).length === 1, 'the report waiting for the server was not sent once it was back');
}
