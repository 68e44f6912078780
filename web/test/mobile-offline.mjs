// The grid worker's app offline (step 3), run by mobile.test.mjs after the
// first visit online, which alone leaves the app and its map on the phone:
//
//   openOffline   a service worker controls the app after that visit;
//                 offline, the app and its map open from its cache: it says
//                 离线, the worker's grid is drawn from the cached tiles and
//                 the last answer is marked as offline.
//   queueReport   a report with a photo (resized on the phone) is queued,
//                 counted and listed as one, its photo shown in its
//                 line — in Chinese and in English, its category by its
//                 English name; no write gets through.
//
// offlineSteps runs both; it takes mobile.test.mjs's env (page, context,
// photo, ready, writes, failures, findings, check, shot, adminAPI, outbox).

// queueShown reads what the phone says waits: the header, the tab's count and the outbox's lines.
const queueShown = (page) => page.evaluate(() => ({ net: document.getElementById('net').textContent,
  badge: document.getElementById('queue-count').textContent,
  lines: [...document.querySelectorAll('#q-list > li')].map((li) => ({ kind: li.dataset.kind, text: li.querySelector('strong').textContent,
    photos: li.querySelectorAll('.queued-photos img').length, said: li.querySelector('.queued-photos')?.textContent ?? '' })) }));

/** offlineSteps: step 3, above; the app is left offline, in Chinese, on the outbox. */
export async function offlineSteps(env) {
  await openOffline(env);
  await queueReport(env);
}

// openOffline: above; it leaves the phone offline.
async function openOffline({ page, context, ready, failures, findings, check, shot }) {
  // The first visit alone leaves the app and its map on the phone, as a worker enrolled in the office
  // and walking out of signal would have it: no reload online. The service worker takes control during
  // the visit; the app then asks again, through it, for what the map fetched before (gridmapApp.kept).
  await page.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 30_000 })
    .catch(() => failures.push('no service worker controls the app after the first visit'));
  findings.keptForOffline = await page.evaluate(() => window.gridmapApp.kept);

  // Offline: the app opens from its cache.
  await context.setOffline(true);
  await page.reload();
  await ready(page);
  await page.waitForFunction(() => /离线/.test(document.getElementById('net').textContent), null, { timeout: 10_000 })
    .catch(async () => failures.push(`offline not shown: ${await page.textContent('#net')}`));
  await page.waitForFunction(() => window.gridmapApp.map.loaded() && window.gridmapApp.map.areTilesLoaded() &&
    document.querySelector('#where-answer .badge'), null, { timeout: 30_000 })
    .catch(() => failures.push('offline after the first visit, the map does not load (its style is not kept)'));
  await page.waitForTimeout(800);
  findings.offlineDrawn = await page.evaluate(() => {
    const map = window.gridmapApp.map;
    return map.isStyleLoaded() && map.getLayer('my-unit') ? map.queryRenderedFeatures({ layers: ['my-unit'] }).length : 0;
  });
  check(findings.offlineDrawn > 0, 'offline after the first visit, the map does not draw the grid from the cached tiles');
  check(/离线/.test(await page.textContent('#where-status')), 'offline, the last answer is not marked as such');
  await shot(page, 'm-offline.png');
}

// queueReport: above, offline; it ends in Chinese, on the outbox.
async function queueReport({ page, photo, writes, failures, findings, check, shot, adminAPI, outbox }) {
  await page.click('#tabs button[data-view=report]');
  await page.fill('#r-search', '井盖');
  await page.click('#r-categories button.cat');
  findings.category = await page.getAttribute('#r-categories button.cat.chosen', 'data-code');
  await page.fill('#r-description', '光明路东侧井盖破损，有行人绊倒风险');
  await page.setInputFiles('#r-photo', photo);
  await page.waitForSelector('#r-photos img', { timeout: 20_000 });
  findings.resized = await page.evaluate(() => new Promise((resolve) => {
    const img = document.querySelector('#r-photos img');
    const done = () => resolve([img.naturalWidth, img.naturalHeight]);
    if (img.complete) done(); else img.onload = done;
  }));
  check(Math.max(...findings.resized) <= 1600, `the photo was not resized on the phone: ${findings.resized}`);
  await page.locator('#report-map').scrollIntoViewIfNeeded();
  await shot(page, 'm-report.png');
  await page.click('#r-submit');
  await page.waitForFunction(() => /待网络恢复/.test(document.getElementById('r-message').textContent), null, { timeout: 15_000 });
  const queued = await outbox(page);
  findings.queued = queued.map((it) => it.kind);
  check(queued.length === 2 && queued[0].kind === 'photo' && queued[1].kind === 'report', `queued ${JSON.stringify(queued)}`);
  await page.click('#tabs button[data-view=queue]');
  await page.waitForSelector('#q-list li');
  // One report waits, with its photo: the worker counts one and the outbox lists one, the report, its photo
  // shown in its line (the photo goes first, as an item of its own, but is part of the report).
  await page.waitForFunction(() => /待发 1/.test(document.getElementById('net').textContent) &&
    document.getElementById('queue-count').textContent === '1' && document.querySelectorAll('#q-list > li').length === 1, null, { timeout: 10_000 })
    .catch(() => {});
  findings.queuedShown = await queueShown(page);
  const [line] = findings.queuedShown.lines;
  check(/待发 1/.test(findings.queuedShown.net) && findings.queuedShown.badge === String(findings.queuedShown.lines.length) &&
    findings.queuedShown.lines.length === 1 && line.kind === 'report' && line.photos === 1 && /附照片 1 张/.test(line.said),
    `the outbox counts and lists the report with its photo as one: ${JSON.stringify(findings.queuedShown)}`);
  await page.waitForFunction(() => document.querySelector('#q-list .queued-photos img')?.naturalWidth > 0, null, { timeout: 10_000 })
    .catch(() => failures.push('the queued report\'s photo is not shown in its outbox line'));
  const chosen = (await adminAPI('/v1/categories')).body?.categories?.find((c) => c.code === findings.category) ?? {};
  findings.chosen = chosen;
  check(line.text.includes(chosen.name), `the outbox names the category in Chinese: ${line.text}, want ${chosen.name}`);
  await shot(page, 'm-queued.png');
  // The same in English: the category by its English name, the count and the list still one.
  await page.click('#lang');
  await page.waitForFunction(() => /1 waiting/.test(document.getElementById('net').textContent), null, { timeout: 10_000 }).catch(() => {});
  findings.queuedEnglish = await queueShown(page);
  const [en] = findings.queuedEnglish.lines;
  check(/1 waiting/.test(findings.queuedEnglish.net) && findings.queuedEnglish.badge === '1' && findings.queuedEnglish.lines.length === 1 &&
    en.text.startsWith(`report ${chosen.name_en} `) && !en.text.includes(chosen.name) && /with 1 photo$/.test(en.said),
    `the outbox in English: ${JSON.stringify(findings.queuedEnglish)}, want ${chosen.name_en}`);
  await shot(page, 'm-queued-english.png');
  await page.click('#lang');
  check(!writes.some((w) => /201|200/.test(w)), `a write got through while offline: ${writes}`);
}
