// Time on the grid worker's phone, run by mobile.test.mjs: the phone's
// clock may be wrong and its zone another than China's, and what it sends
// and shows must be by the server's clock, in China time, all the same.
//
//   clockSteps    (step 25)       a phone whose clock is 30 min fast files
//                                 reports (online, offline) and a patrol with
//                                 the server's time, which the outbox and the
//                                 recent list show; a report stamped by the
//                                 bad clock is refused in Chinese, with the
//                                 difference, and 重试 sends it corrected.
//   dayBehindSteps (step 26)      a phone whose clock is a day behind writes
//                                 what it sent now as today's (a time
//                                 alone), by the server's day, not its own.
//   zoneSteps     (step 33)       a phone set to New York's time shows the
//                                 cases' dates, the due time and the outbox's
//                                 times in China time, and takes China's day
//                                 for today.
//
// Each takes mobile.test.mjs's env (browser, base, worker, here, failures,
// findings, check, shot, adminAPI, outbox, ready).

import { phone } from './mobile-signin.mjs';

// pageErrors collects a page's uncaught exceptions.
function pageErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

// near tells whether an RFC 3339 time is within 2 minutes of the real time at.
const near = (iso, at) => Math.abs(Date.parse(iso) - at) < 2 * 60_000;

// CHINA_MS is China's offset from UTC (no daylight saving): the app writes
// every time in China time, whatever the phone's zone (the test machine's).
const CHINA_MS = 8 * 3600_000;

// shownNear tells whether the time of day in text (…17:12…), as the phone
// wrote it, is within 2 minutes of the real time at in China.
function shownNear(text, at) {
  const m = /(\d{1,2}):(\d{2})/.exec(text ?? '');
  if (!m) return false;
  const real = Math.floor(((at + CHINA_MS) % 86_400_000) / 60_000);
  const off = Math.abs(Number(m[1]) * 60 + Number(m[2]) - real) % 1440;
  return Math.min(off, 1440 - off) <= 2;
}

// chinaDate is the month and day of at in China, as the app writes them in Chinese (12月3日).
const chinaDate = (at) => { const d = new Date(at + CHINA_MS); return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`; };

/**
 * clockSteps: the worker's phone runs 30 minutes fast (the test's clock is
 * the real one). What it sends carries the server's time. An item queued
 * yesterday shows its date in the outbox, not a time of day alone.
 */
export async function clockSteps({ browser, base, worker, here, check, failures, findings, shot, adminAPI, outbox, ready }) {
  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'], serviceWorkers: 'allow' });
  await context.clock.install({ time: Date.now() + 30 * 60_000 });
  // A phone dates its positions by its own clock; Chromium's emulated ones carry the real time.
  await context.addInitScript(() => {
    const watch = navigator.geolocation.watchPosition.bind(navigator.geolocation);
    navigator.geolocation.watchPosition = (ok, fail, options) =>
      watch((pos) => ok({ coords: pos.coords, timestamp: Date.now() }), fail, options);
  });
  const page = await context.newPage();
  const errors = pageErrors(page);
  const posts = [];
  context.on('response', (r) => { if (r.request().method() === 'POST') posts.push(`${new URL(r.url()).pathname.split('/')[2]} ${r.status()}`); });
  const stored = async (text) => ((await adminAPI('/v1/reports?kind=event&reporter=' + encodeURIComponent(findings.workerName ?? ''))).body?.reports ?? [])
    .find((r) => r.description === text);
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  findings.workerName = await page.evaluate(() => window.gridmapApp.me.name);
  await page.waitForSelector('#where-answer .badge', { timeout: 30_000 });

  // Online: filed and stored at the server's time.
  const file = async (text) => {
    await page.click('#tabs button[data-view=report]');
    await page.selectOption('#r-kind', 'event');
    await page.fill('#r-search', '井盖');
    await page.click('#r-categories button.cat');
    await page.fill('#r-description', text);
    await page.click('#r-submit');
  };
  const online = `时钟快30分钟 ${Date.now()}`;
  let at = Date.now();
  await file(online);
  await page.waitForFunction(() => /已上报/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 })
    .catch(async () => failures.push(`a fast clock, the report: ${await page.textContent('#r-message')}`));
  const first = await stored(online);
  findings.clockOnline = first?.observed_at;
  check(first && near(first.observed_at, at), `a fast clock, the report was stored observed at ${first?.observed_at}`);

  // Offline: queued with the corrected time of its capture, sent later.
  const offline = `时钟快30分钟离线 ${Date.now()}`;
  await context.setOffline(true);
  at = Date.now();
  await file(offline);
  await page.waitForFunction(() => /待网络恢复/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 });
  // The outbox shows the time the report is dated with (the server's clock), not the phone's.
  await page.click('#tabs button[data-view=queue]');
  findings.clockOutbox = await page.textContent('#q-list li[data-kind=report] .row .muted').catch(() => '');
  check(shownNear(findings.clockOutbox, at), `a fast clock, the outbox shows the report queued at ${findings.clockOutbox}`);
  await shot(page, 'm-clock-outbox.png');
  // An item queued yesterday shows its date before the time: a time of day alone would read as today's.
  const yesterday = new Date(Date.now() - 86_400_000);
  await page.evaluate(async (at) => {
    const { enqueue } = await import('./store.js');
    await enqueue([{ id: crypto.randomUUID(), kind: 'report', label: '昨日测试', queued_at: at, body: {} }]);
  }, yesterday.toISOString());
  await page.click('#tabs button[data-view=home]');
  await page.click('#tabs button[data-view=queue]');
  const row = page.locator('#q-list li', { hasText: '昨日测试' }).locator('.row .muted');
  findings.yesterdayOutbox = await row.textContent({ timeout: 5_000 }).catch(() => '');
  const day = chinaDate(yesterday.getTime());
  check(findings.yesterdayOutbox.startsWith(day) && shownNear(findings.yesterdayOutbox, yesterday.getTime()),
    `an item queued yesterday shows ${findings.yesterdayOutbox}, want ${day} and its time`);
  await shot(page, 'm-outbox-yesterday.png');
  await page.evaluate(async () => {
    const { outbox, remove } = await import('./store.js');
    for (const it of await outbox()) if (it.label === '昨日测试') await remove(it);
  });
  await page.waitForTimeout(3000);
  await context.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  for (let i = 0; i < 40 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  const second = await stored(offline);
  findings.clockOffline = second?.observed_at;
  check(second && near(second.observed_at, at), `a fast clock, the offline report was stored observed at ${second?.observed_at}`);
  // So does the list of what was sent.
  await page.waitForSelector('#q-sent li', { timeout: 10_000 }).catch(() => {});
  findings.clockSent = await page.textContent('#q-sent li').catch(() => '');
  check(shownNear(findings.clockSent, Date.now()), `a fast clock, the recent list shows ${findings.clockSent}`);

  // queueRaw queues a report stamped by the phone's bad clock, dated with
  // the clock offset given (undefined: as an older version queued it).
  const queueRaw = (text, known) => page.evaluate(async ([text, point, known]) => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    const { clockOffset } = await import('./clock.js');
    const id = crypto.randomUUID();
    await enqueue([{ id, kind: 'report', label: { key: 'label.report', vars: { name: '井盖', text } }, body: { id, kind: 'event',
      category: 'C0101', severity: 2, description: text, point, crs: 'wgs84', observed_at: new Date().toISOString() },
      clock: known ? clockOffset() : undefined }]);
    await syncNow();
  }, [text, [here.longitude, here.latitude], known]);

  // Queued before the app knew the clock (an older version's item, or one
  // queued offline before any answer): refused, and sent again at once with
  // its time corrected by what the refusal taught, without a tap.
  const early = `时钟后知 ${Date.now()}`;
  at = Date.now();
  await queueRaw(early, false);
  for (let i = 0; i < 40 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  const redated = await stored(early);
  findings.clockRedated = redated?.observed_at ?? JSON.stringify(await outbox(page));
  check(redated && near(redated.observed_at, at), `a report dated before the clock was known, not sent corrected: ${findings.clockRedated}`);

  // Stamped by the bad clock although the app knew better (not expected):
  // refused in the worker's words; 重试 sends it with the time corrected.
  const raw = `时钟未校正 ${Date.now()}`;
  at = Date.now();
  await queueRaw(raw, true);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#q-list li.failed', { timeout: 10_000 }).catch(() => failures.push('the report stamped by the bad clock was not refused'));
  findings.clockRefusal = await page.textContent('#q-list li.failed .error').catch(() => '');
  check(/手机时间比服务器快约 30 分钟/.test(findings.clockRefusal) && !/服务器拒收/.test(findings.clockRefusal),
    `the clock refusal is said: ${findings.clockRefusal}`);
  await shot(page, 'm-clock-refused.png');
  await page.click('#q-list li.failed button:text("重试")').catch(() => {});
  for (let i = 0; i < 40 && (await outbox(page)).length > 0; i++) await page.waitForTimeout(250);
  const retried = await stored(raw);
  findings.clockRetried = retried?.observed_at ?? JSON.stringify(await outbox(page));
  check(retried && near(retried.observed_at, at), `after 重试, the report stamped by the bad clock: ${findings.clockRetried}`);

  // A patrol: its fixes carry the server's time, also the one it opens
  // with when that position was taken before the app knew the clock (a
  // phone offline since it woke up): it is re-dated, not sent 30 min
  // ahead with every later fix held there.
  await page.click('#tabs button[data-view=patrol]');
  await page.evaluate(async () => {
    const { here } = await import('./home.js');
    here.fix = { ...here.fix, at: new Date(), clock: 0 };
  });
  await page.click('#p-toggle');
  for (let i = 1; i <= 4; i++) {
    await context.setGeolocation({ ...here, latitude: here.latitude + i * 0.0001 });
    await page.waitForTimeout(400);
  }
  await page.click('#p-toggle');
  for (let i = 0; i < 40 && !posts.some((p) => p.startsWith('patrols')); i++) await page.waitForTimeout(250);
  findings.clockPatrol = posts.filter((p) => p.startsWith('patrols'));
  check(findings.clockPatrol.length > 0 && findings.clockPatrol.every((p) => p === 'patrols 201'), `a fast clock, the patrol: ${findings.clockPatrol}`);
  check(errors.length === 0, `a fast clock, page errors: ${errors.join(' | ')}`);
  await context.close();
}

/**
 * dayBehindSteps: the phone's clock is 26 hours behind (a day earlier
 * whatever the hour; just after midnight in China a clock an hour or two
 * slow is enough). The outbox and the recent list are dated by the server's
 * clock, so whether an item is today's is the server's day too: one sent
 * now shows its time alone, one of a day ago its date as well.
 */
export async function dayBehindSteps({ browser, base, worker, here, check, findings, ready }) {
  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'], serviceWorkers: 'block' });
  await context.clock.install({ time: Date.now() - 26 * 3600_000 });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  await page.waitForFunction(async () => (await import('./clock.js')).clockOffset() > 20 * 3600_000, null, { timeout: 15_000 })
    .catch(() => {});
  findings.dayBehind = await page.evaluate(async () => {
    const { shortTime } = await import('./time.js');
    const { serverNow } = await import('./clock.js');
    const now = serverNow();
    return { now: shortTime(now), dayAgo: shortTime(new Date(now.getTime() - 24 * 3600_000)) };
  });
  check(!/月/.test(findings.dayBehind.now), `a phone a day behind writes what it sent now as another day's: ${findings.dayBehind.now}`);
  check(/月/.test(findings.dayBehind.dayAgo), `a phone a day behind writes what it sent a day ago as today's: ${findings.dayBehind.dayAgo}`);
  check(errors.length === 0, `page errors with a clock a day behind: ${errors.join('; ')}`);
  await context.close();
}

/**
 * zoneSteps: a phone set to New York's time (12 or 13 hours behind China)
 * writes the cases' observation and due times and the outbox's times in
 * China time, as a phone in China shows them; an item of China's today
 * (yesterday in New York, or the other way round) is today's or not by
 * China's day. What is expected is written by Intl in China's zone, apart
 * from the app's code; the New York writing is checked to differ from it,
 * or the test would prove nothing.
 */
export async function zoneSteps({ browser, base, worker, here, check, findings, shot, adminAPI, ready }) {
  const context = await browser.newContext({ ...phone, timezoneId: 'America/New_York', geolocation: here, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${base}/m/#token=${worker}`);
  await ready(page);
  const zone = await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  check(zone === 'America/New_York', `the phone's zone is ${zone}, not New York's`);
  // written writes an instant as the phone would in China and in its own zone.
  const written = (at, options) => page.evaluate(([ms, o]) => ({
    china: new Intl.DateTimeFormat('zh-CN', { ...o, timeZone: 'Asia/Shanghai' }).format(ms),
    phone: new Intl.DateTimeFormat('zh-CN', o).format(ms) }), [Date.parse(at), options]);
  const medium = { dateStyle: 'medium', timeStyle: 'short' };

  // The case list: each line ends with when the case was seen.
  await page.click('#tabs button[data-view=cases]');
  await page.waitForSelector('#c-list li', { timeout: 15_000 });
  const line = await page.evaluate(() => { const li = document.querySelector('#c-list li');
    return { id: li.dataset.id, shown: li.querySelector('.muted').textContent.split(' · ').at(-1) }; });
  const kase = (await adminAPI(`/v1/reports/${line.id}`)).body ?? {};
  const seen = await written(kase.observed_at, medium);
  findings.zoneList = { ...line, ...seen };
  check(line.shown === seen.china && seen.china !== seen.phone, `in New York, the case list's time: ${JSON.stringify(findings.zoneList)}`);
  // The open case: its due time.
  await page.click(`#c-list li[data-id="${line.id}"]`);
  await page.waitForSelector('#c-detail:not([hidden])');
  const due = await written(kase.due_at, medium);
  findings.zoneDue = { meta: await page.textContent('#c-meta'), ...due };
  check(kase.due_at && findings.zoneDue.meta.endsWith(`期限 ${due.china}`) && due.china !== due.phone,
    `in New York, the case's due time: ${JSON.stringify(findings.zoneDue)}`);
  await page.locator('#c-meta').scrollIntoViewIfNeeded();
  await shot(page, 'm-zone-case.png');
  await page.click('#c-back');

  // The outbox: an item of the last day whose day is today in China and not
  // in New York, or the other way round, shows its date by China's day.
  const day = (ms, timeZone) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(ms);
  const now = Date.now();
  let at = now - 3600_000;
  while ((day(at, 'Asia/Shanghai') === day(now, 'Asia/Shanghai')) === (day(at, 'America/New_York') === day(now, 'America/New_York'))) at -= 3600_000;
  await page.evaluate(async (iso) => {
    const { enqueue } = await import('./store.js');
    await enqueue([{ id: crypto.randomUUID(), kind: 'report', label: '时区测试', queued_at: iso, body: {} }]);
  }, new Date(at).toISOString());
  await page.click('#tabs button[data-view=queue]');
  const shown = await page.locator('#q-list li', { hasText: '时区测试' }).locator('.row .muted').textContent({ timeout: 5_000 }).catch(() => '');
  const time = await written(new Date(at).toISOString(), { timeStyle: 'short' });
  const date = await written(new Date(at).toISOString(), { month: 'short', day: 'numeric' });
  const today = day(at, 'Asia/Shanghai') === day(now, 'Asia/Shanghai');
  findings.zoneOutbox = { shown, today, want: today ? time.china : `${date.china} ${time.china}` };
  check(shown === findings.zoneOutbox.want && time.china !== time.phone, `in New York, the outbox's time: ${JSON.stringify(findings.zoneOutbox)}`);
  await shot(page, 'm-zone-outbox.png');
  // The day the phone reckons with (patrol coverage kept for today) is China's: 20:00 in New York is the next day there.
  findings.zoneDay = await page.evaluate(async () => (await import('./time.js')).chinaDay(Date.parse('2026-03-01T20:00:00-05:00')));
  check(findings.zoneDay === '2026-03-02', `in New York, China's day of 1 March 20:00 EST: ${findings.zoneDay}`);
  await page.evaluate(async () => {
    const { outbox, remove } = await import('./store.js');
    for (const it of await outbox()) if (it.label === '时区测试') await remove(it);
  });
  check(errors.length === 0, `a phone in New York's time, page errors: ${errors.join(' | ')}`);
  await context.close();
}
