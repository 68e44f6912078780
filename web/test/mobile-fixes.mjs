// What a newcomer's walk through the grid worker's app found, checked on
// the phone (run by mobile.test.mjs after the field steps, in Chinese, at
// the worker's spot, 390×844):
//
//   placeSteps     the report form shows, names and sends one place: the
//                  form opened in the worker's grid and shown again after a
//                  walk into the next grid follows the phone (pin, unit
//                  named, point stored); walked outside every district, a
//                  quick 提交 is refused on the phone; a pin placed by hand
//                  stays when the phone moves, is said so, and is what is
//                  stored.
//   formSteps      the form's messages go when the form changes; the
//                  description counts its characters and stops at 2000.
//   offlineCase    a case the list showed 已派遣 opens offline as 已派遣
//                  (not the older copy the phone kept of it), its step is
//                  queued as a handle; refused on sync (the case was moved
//                  meanwhile), the refusal is said on the case, with the
//                  note and the after-photo put back; taken again, the step
//                  is done, said without the button's hint.
//   longCase       a long description is folded to its first 3 lines, the
//                  case's main button in view; 展开全文 shows it whole.
//   unreachable    the network up and the server not answering: the header,
//                  the form, the report's message and the cases say the
//                  server cannot be reached (Chinese and English), not
//                  "online" or "offline"; once it answers, it is sent.
//   refusedWords   a refused item says the worker's words in Chinese, the
//                  server's English folded away (shown in English).
//
// Each takes mobile.test.mjs's env (page, context, base, here, grid,
// failures, findings, check, shot, adminAPI, outbox, afterPhoto, step).

// place is the point the report form shows and would send (report.js).
const place = (page) => page.evaluate(() => window.gridmapApp.report.place());

// metres between two [lng, lat] points (flat Earth: fine within a grid).
const metres = (a, b) => Math.hypot((b[0] - a[0]) * 111_320 * Math.cos((a[1] * Math.PI) / 180), (b[1] - a[1]) * 110_540);

// textOf waits for an element's text to match re; it returns the text either way.
async function textOf(page, id, re, timeout = 15_000) {
  await page.waitForFunction(([i, r]) => new RegExp(r).test(document.getElementById(i)?.textContent ?? ''), [id, re.source], { timeout })
    .catch(() => {});
  return page.textContent(`#${id}`);
}

// pickCategory fills the form's kind (an event: the Go test counts the worker's hazards) and category.
async function pickCategory(page) {
  await page.selectOption('#r-kind', 'event');
  await page.fill('#r-search', '井盖');
  await page.click('#r-categories button.cat');
}

// otherGrid finds a point of another grid 100–400 m from the worker's spot.
async function otherGrid({ adminAPI, here, grid }) {
  for (const m of [150, 200, 250, 300, 400, 120]) {
    for (let k = 0; k < 16; k++) {
      const a = (k * Math.PI) / 8;
      const p = [here.longitude + (m * Math.cos(a)) / (111_320 * Math.cos((here.latitude * Math.PI) / 180)), here.latitude + (m * Math.sin(a)) / 110_540];
      const r = (await adminAPI(`/v1/resolve?lng=${p[0].toFixed(7)}&lat=${p[1].toFixed(7)}`)).body;
      if (r?.status === 'managed' && r.grid?.code && r.grid.code !== grid && !r.conflicts?.length) return { point: p, code: r.grid.code, name: r.grid.name };
    }
  }
  return null;
}

// dragPin drags the form's pin 60 px right and 40 px down with a finger,
// as on a phone (touch events, through the DevTools protocol).
async function dragPin(page, context) {
  const box = await page.locator('#report-map .maplibregl-marker').boundingBox();
  const x = box.x + box.width / 2, y = box.y + box.height / 2;
  const cdp = await context.newCDPSession(page);
  const touch = (type, dx, dy) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x: x + dx, y: y + dy }] });
  await touch('touchStart', 0, 0);
  for (let i = 1; i <= 10; i++) {
    await touch('touchMove', i * 6, i * 4);
    await page.waitForTimeout(16);
  }
  await touch('touchEnd', 60, 40);
  await cdp.detach();
}

/** placeSteps: see above. */
export async function placeSteps(env) {
  const { page, context, here, grid, check, findings, shot, adminAPI, outbox } = env;
  const at = (p) => context.setGeolocation({ longitude: p[0], latitude: p[1], accuracy: 8 });
  const me = await page.evaluate(() => window.gridmapApp.me.name);
  const stored = async (text) => ((await adminAPI(`/v1/reports?kind=event&reporter=${encodeURIComponent(me)}`)).body?.reports ?? [])
    .find((r) => r.description === text);
  const other = await otherGrid(env);
  check(other, 'no other grid within 400 m of the worker\'s spot');
  if (!other) return;
  findings.otherGrid = other;

  // Opened in the worker's grid, shown again after a walk into the next one.
  await at([here.longitude, here.latitude]);
  await page.click('#tabs button[data-view=report]');
  await textOf(page, 'r-answer', new RegExp(grid));
  await page.click('#tabs button[data-view=home]');
  await at(other.point);
  await textOf(page, 'where-answer', new RegExp(other.code));
  await page.click('#tabs button[data-view=report]');
  const answer = await textOf(page, 'r-answer', new RegExp(other.code));
  const shown = await place(page);
  // The pin is drawn where the point is (in pixels of the form's map: 1 px is about 2 m at zoom 16).
  const pinOff = await page.evaluate((p) => {
    const map = window.gridmapApp.map;
    const m = document.querySelector('#report-map .maplibregl-marker').getBoundingClientRect();
    const c = map.getContainer().getBoundingClientRect();
    const q = map.project(p);
    return Math.hypot(m.left + m.width / 2 - c.left - q.x, m.bottom - c.top - q.y);
  }, other.point);
  findings.walkedForm = { answer, point: shown.point, pinOff };
  check(answer.includes(other.code) && !answer.includes(grid) && metres(shown.point, other.point) < 2 && pinOff < 20,
    `the form after a walk into ${other.code}: ${JSON.stringify(findings.walkedForm)}`);
  await pickCategory(page);
  const walked = `走到邻格测试 ${Date.now()}`;
  await page.fill('#r-description', walked);
  await page.locator('#r-answer').scrollIntoViewIfNeeded();
  await shot(page, 'm-report-walked.png');
  await page.click('#r-submit');
  await textOf(page, 'r-message', /已上报/);
  const s = await stored(walked);
  findings.walkedStored = s && { point: s.point_wgs84, grid: s.resolution?.grid?.code };
  check(s && s.resolution?.grid?.code === other.code && metres(s.point_wgs84, other.point) < 2,
    `the report filed after the walk is stored at ${JSON.stringify(findings.walkedStored)}, want ${other.code}`);

  // Walked outside every district with the form opened inside: a quick 提交 is refused on the phone.
  await page.click('#tabs button[data-view=home]');
  const outside = [116.0, 40.6];
  await at(outside);
  await page.waitForSelector('#where-answer .badge.outside', { timeout: 15_000 }).catch(() => {});
  await page.click('#tabs button[data-view=report]');
  await pickCategory(page);
  await page.fill('#r-description', '走出辖区测试');
  const before = (await outbox(page)).length;
  await page.click('#r-submit');
  findings.walkedOutside = await textOf(page, 'r-message', /辖区之外/, 10_000);
  check(/辖区之外/.test(findings.walkedOutside) && (await outbox(page)).length === before && /辖区外/.test(await page.textContent('#r-answer')),
    `walked outside every district, 提交 says: ${findings.walkedOutside}`);

  // A pin placed by hand stays where it was put when the phone moves, and is what is sent.
  await at([here.longitude, here.latitude]);
  await textOf(page, 'r-answer', new RegExp(grid));
  await page.evaluate(() => document.getElementById('report-map').scrollIntoView({ block: 'center' }));
  await dragPin(page, context);
  await page.waitForFunction(() => window.gridmapApp.report.place().dragged, null, { timeout: 5_000 }).catch(() => {});
  const dropped = await place(page);
  await at(other.point);
  await page.waitForTimeout(1500);
  const kept = await place(page);
  findings.pinned = { dropped, kept, said: await page.isVisible('#r-pinned') && await page.textContent('#r-pinned-text'),
    usefix: await page.isVisible('#r-usefix') };
  check(dropped.dragged && metres(kept.point, dropped.point) < 0.5 && /手动放置.*约 \d+ 米/.test(findings.pinned.said || '') && findings.pinned.usefix,
    `a pin placed by hand: ${JSON.stringify(findings.pinned)}`);
  await page.evaluate(() => document.getElementById('report-map').scrollIntoView({ block: 'center' }));
  await shot(page, 'm-report-pinned.png');
  await pickCategory(page);
  const pinned = `手动图钉测试 ${Date.now()}`;
  await page.fill('#r-description', pinned);
  await page.click('#r-submit');
  await textOf(page, 'r-message', /已上报/);
  const p = await stored(pinned);
  check(p && metres(p.point_wgs84, dropped.point) < 1, `the report of a pin placed by hand is stored at ${JSON.stringify(p?.point_wgs84)}, want ${dropped.point}`);
  // The next report starts where the worker is again.
  await page.waitForFunction((o) => { const f = window.gridmapApp.report.place(); return !f.dragged && f.point &&
    Math.abs(f.point[0] - o[0]) < 1e-4 && Math.abs(f.point[1] - o[1]) < 1e-4; }, other.point, { timeout: 10_000 })
    .catch(async () => check(false, `after a report from a hand-placed pin, the form does not follow the phone: ${JSON.stringify(await place(page))}`));
  await at([here.longitude, here.latitude]);
  await textOf(page, 'r-answer', new RegExp(grid));
}

/** formSteps: see above. */
export async function formSteps({ page, check, findings, shot }) {
  await page.click('#tabs button[data-view=report]');
  await page.fill('#r-description', '');
  await page.selectOption('#r-kind', 'event');
  await page.waitForTimeout(2100); // a tap right after the last report is taken for a late double tap
  await page.click('#r-submit');
  const asked = await textOf(page, 'r-message', /请选择分类/, 5_000);
  await page.fill('#r-search', '井盖');
  await page.click('#r-categories button.cat');
  const chosen = await page.textContent('#r-message');
  findings.staleMessages = { asked, afterCategory: chosen };
  check(/请选择分类/.test(asked) && chosen === '', `"choose a category" stays once one is chosen: ${JSON.stringify(findings.staleMessages)}`);
  await page.fill('#r-description', `消息测试 ${Date.now()}`);
  await page.click('#r-submit');
  findings.staleMessages.sent = await textOf(page, 'r-message', /已上报/);
  await page.fill('#r-description', '下一份');
  findings.staleMessages.typing = await page.textContent('#r-message');
  check(/已上报/.test(findings.staleMessages.sent) && findings.staleMessages.typing === '',
    `the last report's "已上报" stays while the next is written: ${JSON.stringify(findings.staleMessages)}`);

  // The counter, in characters as the server counts them (an emoji is one), stops at 2000.
  await page.fill('#r-description', '井'.repeat(2100));
  const long = await page.evaluate(() => ({ n: [...document.getElementById('r-description').value].length,
    count: document.getElementById('r-count').textContent, full: document.getElementById('r-count').classList.contains('full') }));
  await page.fill('#r-description', `${'😀'.repeat(1999)}ab`);
  const emoji = await page.evaluate(() => ({ n: [...document.getElementById('r-description').value].length,
    count: document.getElementById('r-count').textContent }));
  findings.counter = { long, emoji };
  check(long.n === 2000 && /^2000\/2000/.test(long.count) && long.full && emoji.n === 2000 && /^2000\/2000/.test(emoji.count),
    `the description's counter: ${JSON.stringify(findings.counter)}`);
  await page.fill('#r-description', '井盖松动，');
  findings.counterShort = await page.textContent('#r-count');
  check(findings.counterShort === '5/2000', `the counter of 5 characters: ${findings.counterShort}`);
  await page.locator('#r-count').scrollIntoViewIfNeeded();
  await shot(page, 'm-report-counter.png');
  await page.fill('#r-description', '');
}

// caseOutbox is the case steps the phone holds, with what they carry.
const caseOutbox = (page) => page.evaluate(async () => (await (await import('./store.js')).outbox())
  .filter((it) => it.kind === 'transition').map((it) => ({ id: it.id, state: it.state, status: it.status, body: it.body })));

// openCase shows case id from the list (fetched again when online).
async function openCase(page, id, refresh = true) {
  await page.click('#tabs button[data-view=cases]');
  if (await page.isVisible('#c-back')) await page.click('#c-back');
  if (refresh) await page.click('#c-refresh');
  await page.waitForSelector(`#c-list li[data-id="${id}"]`, { timeout: 15_000 });
  await page.click(`#c-list li[data-id="${id}"]`);
  await page.waitForSelector('#c-detail:not([hidden])');
}

/** offlineCase: see above. */
export async function offlineCase({ page, context, here, check, findings, shot, adminAPI, afterPhoto }) {
  const step = (id, s) => adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify(s) });
  const id = crypto.randomUUID();
  const filed = await adminAPI('/v1/reports', { method: 'POST', body: JSON.stringify({ id, kind: 'hazard', category: 'E0506', severity: 2,
    point: [here.longitude, here.latitude], crs: 'wgs84', description: '离线办理测试', reporter: '网格员丁' }) });
  check(filed.status === 201 && (await step(id, { action: 'accept' })).status === 200, `filing the offline case: ${filed.status}`);
  // Opened once online (the phone keeps that copy), then dispatched, and the list refreshed online.
  await openCase(page, id);
  await textOf(page, 'c-meta', /^已立案/);
  check(await page.evaluate(() => !!navigator.serviceWorker.controller), 'no service worker keeps the case opened');
  check((await step(id, { action: 'dispatch', assignee: '网格员王五' })).status === 200, 'dispatching the offline case');
  await page.click('#c-back');
  await page.click('#c-refresh');
  await page.waitForFunction((i) => document.querySelector(`#c-list li[data-id="${i}"] .state`)?.textContent === '已派遣', id, { timeout: 15_000 })
    .catch(() => check(false, 'the list does not show the case dispatched'));

  await context.setOffline(true);
  await openCase(page, id, false);
  const meta = await textOf(page, 'c-meta', /^已派遣/, 5_000);
  findings.offlineCase = { meta, handle: await page.isVisible('#c-handle'), accept: await page.isVisible('#c-accept'),
    stale: await page.textContent('#c-history li.stale').catch(() => '') };
  check(/^已派遣/.test(meta) && findings.offlineCase.handle && !findings.offlineCase.accept && /办理过程可能不完整/.test(findings.offlineCase.stale),
    `offline, a case the list showed dispatched opens as: ${JSON.stringify(findings.offlineCase)}`);
  await page.fill('#c-note', '离线处置：已清理');
  await page.setInputFiles('#c-photo', afterPhoto);
  await page.waitForSelector('#c-photos img');
  await page.click('#c-handle');
  const said = await textOf(page, 'c-message', /待网络恢复/, 10_000);
  const [queued] = await caseOutbox(page);
  findings.offlineStep = { said, body: queued?.body && { action: queued.body.action, expect: queued.body.expect, note: queued.body.note,
    photos: queued.body.attachments?.length } };
  check(/待网络恢复/.test(said) && queued?.body.action === 'handle' && queued.body.expect === 'dispatched' && queued.body.note === '离线处置：已清理' &&
    queued.body.attachments?.length === 1, `the step queued offline: ${JSON.stringify(findings.offlineStep)}`);
  await shot(page, 'm-case-offline-queued.png');

  // Meanwhile the street returns the case (回退): the step is refused on sync, and the case says so.
  check((await step(id, { action: 'return', note: '请先核实位置' })).status === 200, 'returning the offline case');
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  const refusal = await textOf(page, 'c-waiting', /上一步被拒.*已立案/);
  await page.waitForFunction(() => document.querySelectorAll('#c-photos img').length > 0 && document.querySelector('#c-photos img').naturalWidth > 0,
    null, { timeout: 10_000 }).catch(() => {});
  findings.refusedOnCase = { refusal, visible: await page.isVisible('#c-waiting'), message: await page.textContent('#c-message'),
    note: await page.inputValue('#c-note'), photos: await page.$$eval('#c-photos img', (l) => l.filter((i) => i.naturalWidth > 0).length),
    meta: await page.textContent('#c-meta'), net: await page.textContent('#net') };
  const r = findings.refusedOnCase;
  check(r.visible && /上一步被拒[:：]\s*案件状态已变为「已立案」/.test(r.refusal) && !/已保存/.test(r.message) && r.note === '离线处置：已清理' &&
    r.photos === 1 && /^已立案/.test(r.meta) && /被拒 1/.test(r.net), `a step refused on sync, its case says: ${JSON.stringify(r)}`);
  await page.evaluate(() => document.getElementById('c-waiting').scrollIntoView({ block: 'center' }));
  await shot(page, 'm-case-refused-on-sync.png');

  // Dispatched again: the step is taken again with what was typed, and done.
  check((await step(id, { action: 'dispatch', assignee: '网格员王五' })).status === 200, 'dispatching the offline case again');
  await openCase(page, id);
  await page.waitForSelector('#c-handle', { timeout: 15_000 });
  findings.retried = { note: await page.inputValue('#c-note'), photos: await page.$$eval('#c-photos img', (l) => l.length) };
  await page.click('#c-handle');
  findings.retried.said = await textOf(page, 'c-message', /已办理/);
  const s = (await adminAPI(`/v1/reports/${id}`)).body ?? {};
  const last = s.history?.at(-1) ?? {};
  findings.retried.server = { state: s.state, note: last.note, photos: last.attachments?.length };
  findings.retried.left = await caseOutbox(page);
  check(findings.retried.note === '离线处置：已清理' && findings.retried.photos === 1 && findings.retried.said === '已办理：处置完毕' &&
    s.state === 'handled' && last.note === '离线处置：已清理' && last.attachments?.length === 1 && findings.retried.left.length === 0,
  `the refused step taken again: ${JSON.stringify(findings.retried)}`);
  await page.click('#c-back');
}

/** longCase: see above. */
export async function longCase({ page, here, check, findings, shot, adminAPI }) {
  const id = crypto.randomUUID();
  const text = Array.from({ length: 40 }, (_, i) => `第${i + 1}段：楼道内堆放大量杂物，堵塞消防通道，多次劝说未果，住户反映强烈。`).join('\n');
  const filed = await adminAPI('/v1/reports', { method: 'POST', body: JSON.stringify({ id, kind: 'hazard', category: 'E0506', severity: 2,
    point: [here.longitude, here.latitude], crs: 'wgs84', description: text, reporter: '网格员丁' }) });
  check(filed.status === 201, `filing the long case: ${filed.status}`);
  for (const s of [{ action: 'accept' }, { action: 'dispatch' }]) {
    await adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify(s) });
  }
  await openCase(page, id);
  await page.waitForSelector('#c-handle', { timeout: 15_000 });
  await page.evaluate(() => document.querySelector('main').scrollTo(0, 0));
  const measure = () => page.evaluate(() => {
    const d = document.getElementById('c-description');
    const b = document.querySelector('#c-main button').getBoundingClientRect();
    const main = document.querySelector('main').getBoundingClientRect();
    return { height: Math.round(d.getBoundingClientRect().height), line: parseFloat(getComputedStyle(d).lineHeight),
      more: !document.getElementById('c-description-more').hidden && document.getElementById('c-description-more').textContent,
      button: Math.round(b.bottom), main: Math.round(main.bottom) };
  });
  const folded = await measure();
  await shot(page, 'm-case-long.png');
  await page.click('#c-description-more');
  const whole = await measure();
  findings.longCase = { folded, whole };
  check(folded.height <= folded.line * 3 + 2 && folded.more === '展开全文' && folded.button <= folded.main,
    `a long description folded, the case's buttons in view: ${JSON.stringify(folded)}`);
  check(whole.height > folded.height * 5 && whole.more === '收起', `a long description unfolded: ${JSON.stringify(whole)}`);
  await page.click('#c-back');
}

/** unreachable: see above. */
export async function unreachable({ page, context, base, here, check, findings, shot, adminAPI, outbox }) {
  const refuse = (route) => route.abort('connectionrefused');
  const api = `${base}/v1/**`;
  await context.route(api, refuse); // the context's routes see the service worker's requests too
  await page.click('#tabs button[data-view=report]');
  await context.setGeolocation({ ...here, latitude: here.latitude + 0.0003 }); // 33 m: the form asks again
  await textOf(page, 'net', /连不上服务器/);
  const answer = await textOf(page, 'r-answer', /连不上服务器/);
  await pickCategory(page);
  const text = `服务器连不上测试 ${Date.now()}`;
  await page.fill('#r-description', text);
  await page.click('#r-submit');
  const said = await textOf(page, 'r-message', /暂时连不上服务器/);
  const pill = await textOf(page, 'net', /待发 1/, 5_000);
  await page.locator('#r-message').scrollIntoViewIfNeeded();
  await shot(page, 'm-server-unreachable.png');
  await page.click('#tabs button[data-view=cases]');
  if (await page.isVisible('#c-back')) await page.click('#c-back');
  await page.click('#c-refresh');
  const cases = await textOf(page, 'c-status', /连不上服务器/);
  await page.click('#lang');
  const english = await textOf(page, 'net', /server unreachable/, 5_000);
  await page.click('#lang');
  findings.unreachable = { pill, answer, said, cases, english };
  check(/^⚠ 连不上服务器 · 待发 1$/.test(pill.trim()) && /连不上服务器：服务器收到后再判断归属/.test(answer) &&
    /已保存：暂时连不上服务器/.test(said) && /连不上服务器：显示上次获取的列表/.test(cases) && /server unreachable/.test(english) &&
    !/离线|在线/.test(pill + answer + said + cases), `the server unreachable, the phone says: ${JSON.stringify(findings.unreachable)}`);
  await context.unroute(api, refuse);
  await context.setGeolocation(here);
  await page.click('#tabs button[data-view=queue]');
  await page.click('#q-sync');
  for (let i = 0; i < 40 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  findings.reachable = await textOf(page, 'net', /^● 在线$/);
  const me = await page.evaluate(() => window.gridmapApp.me.name);
  const stored = ((await adminAPI(`/v1/reports?kind=event&reporter=${encodeURIComponent(me)}`)).body?.reports ?? []).some((r) => r.description === text);
  check(stored && (await outbox(page)).length === 0 && findings.reachable.trim() === '● 在线',
    `once the server answers: stored ${stored}, the header ${findings.reachable}`);
}

/** refusedWords: see above. */
export async function refusedWords({ page, check, findings, shot }) {
  await page.evaluate(async () => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    const id = crypto.randomUUID();
    await enqueue([{ id, kind: 'report', label: { key: 'label.report', vars: { name: '井盖', text: '原文测试' } }, body: { id, kind: 'event',
      category: 'C0101', severity: 2, description: '原文测试', point: [116.0, 40.6], crs: 'wgs84', observed_at: new Date().toISOString(), attachments: [] } }]);
    await syncNow();
  });
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#view-queue:not([hidden]) #q-list li.failed details.detail', { timeout: 10_000 });
  // What a closed details holds is not on the screen: it is left out of the
  // text by hand (innerText keeps it when the list is redrawn under the read).
  const seen = () => page.$eval('#q-list li.failed', (li) => {
    const copy = li.cloneNode(true);
    copy.querySelectorAll('details.detail:not([open]) > :not(summary)').forEach((e) => e.remove());
    return { text: copy.textContent, folded: li.querySelector('details.detail')?.open === false,
      shown: li.querySelector('div.detail')?.innerText ?? '' };
  });
  const zh = await seen();
  await shot(page, 'm-refused-chinese.png');
  await page.click('#lang');
  await page.waitForSelector('#q-list li.failed div.detail', { timeout: 10_000 }).catch(() => {});
  const en = await seen();
  await page.click('#lang');
  findings.refusedWords = { zh, en };
  check(zh.folded && /位置不在任何辖区内/.test(zh.text) && /服务器原文/.test(zh.text) && !/[a-z]{4,}/.test(zh.text.replace(/\d/g, '')),
    `a refusal in Chinese shows the server's English: ${JSON.stringify(zh)}`);
  check(/^400 · \S/.test(en.shown), `a refusal in English hides the server's words: ${JSON.stringify(en)}`);
  await page.click('#q-list li.failed button:text("放弃")');
}
