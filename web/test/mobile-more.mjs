// More steps of the grid worker's app test, run by mobile.test.mjs: what a
// walkthrough of the app found on the phone.
//
//   caseLanguage  (after step 7)  中/EN redraws the case that is open, its
//                                 dates in the app's language.
//   caseSteps     (after step 7)  a case closed after the worker handled it
//                                 stays listed as 已结案; a step the server
//                                 refused is said on its case, whose steps
//                                 are offered again.
//   englishSteps  (step 9)        the home view and the report form in
//                                 English.
//   scopeSteps    (step 24)       a worker scoped to a community is warned on
//                                 leaving it; a gap a district handles is
//                                 worded with the district; the patrol card
//                                 speaks the worker's words.
//
//   Sign-in and a refused token are in mobile-signin.mjs, the phone's clock
//   and zone in mobile-clock.mjs.
//
// Each takes mobile.test.mjs's env (page, context, browser, base, worker,
// community, here, failures, findings, check, shot, adminAPI, outbox, ready).

import { pageErrors, phone } from './mobile-signin.mjs';

/** caseLanguage: with a case open, 中/EN redraws its state, severity, steps and category (findings.chosen), and back. */
export async function caseLanguage({ page, check, findings, shot }) {
  const cat = findings.chosen ?? {};
  const caseCategory = () => page.evaluate(() => ({ title: document.getElementById('c-title').textContent,
    listed: [...document.querySelectorAll('#c-list li strong')].map((s) => s.textContent) }));
  await page.click('#lang');
  await page.waitForTimeout(300);
  // The case list is fetched again in the new language.
  await page.waitForFunction((name) => [...document.querySelectorAll('#c-list li strong')].some((s) => s.textContent === name),
    cat.name_en, { timeout: 10_000 }).catch(() => {});
  findings.caseCategoryEnglish = await caseCategory();
  check(findings.caseCategoryEnglish.title === `${cat.type_name_en}/${cat.class_name_en}/${cat.name_en}` &&
    findings.caseCategoryEnglish.listed.includes(cat.name_en) && findings.caseCategoryEnglish.listed.every((n) => !/[\u4e00-\u9fff]/.test(n)),
  `the case's category in English: ${JSON.stringify(findings.caseCategoryEnglish)}, want ${cat.name_en}`);
  findings.caseEnglish = { meta: await page.textContent('#c-meta'), steps: await page.$$eval('#c-history li strong', (l) => l.map((s) => s.textContent)) };
  // Dates in the app's language, not the browser's (this phone's is zh-CN): "Nov 25, 2026, 8:30 AM".
  await page.waitForFunction(() => /[A-Z][a-z]{2} \d/.test(document.querySelector('#c-list li .muted')?.textContent), null, { timeout: 10_000 }).catch(() => {});
  findings.caseDatesEnglish = await caseDates(page);
  check(findings.caseDatesEnglish.length > 1 && findings.caseDatesEnglish.every((d) => /[A-Z][a-z]{2} \d{1,2}, \d{4}/.test(d) && !/[\u4e00-\u9fff]/.test(d)),
    `the case's dates in English: ${findings.caseDatesEnglish}`);
  // The unit's name is data (光明路社区第1网格): the app's own words are English.
  const [state, severity, , due] = findings.caseEnglish.meta.split(' · ');
  check(state === 'handled' && ![severity, due].some((w) => /[\u4e00-\u9fff]/.test(w)),
    `the open case's state in English: ${findings.caseEnglish.meta}`);
  check(findings.caseEnglish.steps.length > 0 && findings.caseEnglish.steps.every((s) => !/[\u4e00-\u9fff]/.test(s)),
    `the open case's steps in English: ${findings.caseEnglish.steps}`);
  await page.locator('#c-meta').scrollIntoViewIfNeeded();
  await shot(page, 'm-case-english.png');
  await page.click('#lang');
  await page.waitForTimeout(300);
  check(/^已处置 · /.test(await page.textContent('#c-meta')), `the open case back in Chinese: ${await page.textContent('#c-meta')}`);
  await page.waitForFunction((name) => [...document.querySelectorAll('#c-list li strong')].some((s) => s.textContent === name),
    cat.name, { timeout: 10_000 }).catch(() => {});
  findings.caseCategoryChinese = await caseCategory();
  check(findings.caseCategoryChinese.title === `${cat.type_name}/${cat.class_name}/${cat.name}` && findings.caseCategoryChinese.listed.includes(cat.name),
    `the case's category back in Chinese: ${JSON.stringify(findings.caseCategoryChinese)}, want ${cat.name}`);
  await page.waitForFunction(() => /年/.test(document.querySelector('#c-list li .muted')?.textContent), null, { timeout: 10_000 }).catch(() => {});
  findings.caseDatesChinese = await caseDates(page);
  check(findings.caseDatesChinese.length > 1 && findings.caseDatesChinese.every((d) => /\d{4}年\d{1,2}月\d{1,2}日/.test(d)),
    `the case's dates in Chinese: ${findings.caseDatesChinese}`);
}

/**
 * englishSteps (step 9): the home view in English (the tab labels line up,
 * "±8 m" on one line) and the report form's categories by their English
 * names, found by them and still by the Chinese ones; the app is left in
 * English on the home view.
 */
export async function englishSteps({ page, check, findings, shot }) {
  await page.click('#lang');
  await page.click('#tabs button[data-view=home]');
  check(await page.textContent('#tabs button[data-view=home]') === '◎Map', `the home tab in English: ${await page.textContent('#tabs button[data-view=home]')}`);
  await page.waitForTimeout(500);
  check(await page.textContent('#who-name') === '网格员王五', `the worker's name in English: ${await page.textContent('#who-name')}`);
  check(/managed by a grid/.test(await page.textContent('#where-answer')) && /accuracy/.test(await page.textContent('#where-accuracy')),
    `the answer in English: ${await page.textContent('#where')}`);
  findings.layout = await page.evaluate(() => {
    const tops = [...document.querySelectorAll('#tabs button span[data-i18n]')].map((e) => Math.round(e.getBoundingClientRect().top));
    const acc = document.getElementById('where-accuracy');
    return { tops, accuracyLines: Math.round(acc.getBoundingClientRect().height / parseFloat(getComputedStyle(acc).lineHeight)) };
  });
  check(new Set(findings.layout.tops).size === 1, `the tab labels do not line up: ${findings.layout.tops}`);
  check(findings.layout.accuracyLines === 1, `the accuracy wraps onto ${findings.layout.accuracyLines} lines`);
  await shot(page, 'm-english.png');

  // The report form in English: the categories by their English names, found by them (and still by the
  // Chinese ones, which a worker may type).
  await page.click('#tabs button[data-view=report]');
  const listed = async (q) => {
    await page.fill('#r-search', q);
    await page.waitForTimeout(200);
    return page.$$eval('#r-categories button.cat', (l) => l.map((b) => ({ code: b.dataset.code, text: b.textContent })));
  };
  findings.formEnglish = { lamp: await listed('lamp'), manhole: await listed('井盖') };
  check(findings.formEnglish.lamp.some((c) => c.code === 'C0111' && c.text === 'Street lamp Public utilities · C0111') &&
    findings.formEnglish.lamp.every((c) => /lamp/i.test(c.text) && !/[\u4e00-\u9fff]/.test(c.text)),
  `the English search for "lamp": ${JSON.stringify(findings.formEnglish.lamp)}`);
  check(findings.formEnglish.manhole.some((c) => c.code === 'C0101' && c.text === 'Water supply manhole cover Public utilities · C0101') &&
    findings.formEnglish.manhole.every((c) => / manhole cover /.test(c.text) && !/[\u4e00-\u9fff]/.test(c.text)),
  `the Chinese search in English: ${JSON.stringify(findings.formEnglish.manhole)}`);
  await listed('manhole');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator('#r-search').scrollIntoViewIfNeeded();
  await shot(page, 'm-report-english.png');
  await page.fill('#r-search', '');
  await page.click('#tabs button[data-view=home]');
}

/**
 * caseSteps: the street verifies and closes the case the worker handled: it
 * stays in 我的案件, as 已结案. Then a second case is dispatched, and a step
 * the phone queued against its older state is refused (409): the case says
 * so, and offers its steps again.
 */
export async function caseSteps({ page, check, findings, shot, adminAPI, report, here }) {
  const step = (id, s) => adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify(s) });
  for (const s of [{ action: 'verify' }, { action: 'close' }]) check((await step(report.id, s)).status === 200, `${s.action} the handled case`);
  await page.click('#c-back');
  findings.marksAfterBack = await page.evaluate(() => document.querySelectorAll('.maplibregl-marker').length);
  check(findings.marksAfterBack === 0, `back from the case, its mark stays on the map: ${findings.marksAfterBack}`);
  await page.click('#c-refresh');
  const state = (id) => page.evaluate((id) => document.querySelector(`#c-list li[data-id="${id}"] .state`)?.textContent ?? null, id);
  for (let i = 0; i < 40 && (await state(report.id)) !== '已结案'; i++) await page.waitForTimeout(250);
  findings.closedListed = await state(report.id);
  check(findings.closedListed === '已结案', `a closed case in 我的案件: ${findings.closedListed}`);

  // Filed by a colleague in the worker's grid (the Go test counts the worker's own reports).
  const id = crypto.randomUUID();
  const filed = await adminAPI('/v1/reports', { method: 'POST', body: JSON.stringify({ id, kind: 'hazard', category: 'E0506',
    severity: 2, point: [here.longitude, here.latitude], crs: 'wgs84', description: '拒收测试', reporter: '网格员乙' }) });
  check(filed.status === 201, `the second case was filed: ${filed.status} ${JSON.stringify(filed.body)}`);
  for (const s of [{ action: 'accept' }, { action: 'dispatch', assignee: '网格员' }]) check((await step(id, s)).status === 200, `${s.action} the second case`);
  await page.evaluate(async (id) => {
    const { enqueue } = await import('./store.js');
    const { syncNow } = await import('./sync.js');
    const client = crypto.randomUUID();
    await enqueue([{ id: client, kind: 'transition', report: id, label: { key: 'label.return', vars: { name: '拒收测试' } },
      body: { action: 'return', client_id: client, note: '按旧状态回退', expect: 'accepted' } }]);
    await syncNow();
  }, id);
  await page.click('#c-refresh');
  await page.waitForSelector(`#c-list li[data-id="${id}"]`, { timeout: 15_000 }).catch(() => {});
  await page.click(`#c-list li[data-id="${id}"]`).catch(() => {});
  await page.waitForFunction(() => !document.getElementById('c-waiting').hidden, null, { timeout: 10_000 }).catch(() => {});
  findings.refusedStep = { said: await page.textContent('#c-waiting'), shown: await page.isVisible('#c-waiting'),
    handle: await page.isVisible('#c-handle') };
  check(findings.refusedStep.shown && /上一步被拒/.test(findings.refusedStep.said) && findings.refusedStep.handle,
    `a refused step on its case: ${JSON.stringify(findings.refusedStep)}`);
  await shot(page, 'm-case-refused-step.png');
  // The refusal is given up, as a worker would, so that later steps start with an empty outbox.
  await page.evaluate(async () => {
    const { outbox, remove } = await import('./store.js');
    for (const it of await outbox()) if (it.kind === 'transition') await remove(it);
  });
  await page.click('#c-back');
}

// caseDates reads the dates the cases view writes: the steps' of the open
// case, its due time and the list's (each after the line's last " · ").
const caseDates = (page) => page.evaluate(() => [...document.querySelectorAll('#c-history li .muted, #c-list li .muted')]
  .map((e) => e.textContent.split(' · ').at(-1)).concat(document.getElementById('c-meta').textContent.split(' · ').at(-1).replace(/^(due|期限) /, ''))
  .filter((d) => /\d/.test(d)));

/**
 * scopeSteps: a worker scoped to a community (not a grid) at a gap 河东区
 * handles, outside every district, and back inside their community.
 */
export async function scopeSteps({ browser, base, community, here, check, failures, findings, shot, ready }) {
  const gap = { longitude: 117.30, latitude: 39.09, accuracy: 10 }; // 失管: 河东区 (a district) answers for it
  const context = await browser.newContext({ ...phone, geolocation: gap, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = pageErrors(page);
  await page.goto(`${base}/m/#token=${community}`);
  await ready(page);
  const card = () => page.textContent('#where-answer');
  await page.waitForSelector('#where-answer .badge.unmanaged', { timeout: 30_000 }).catch(() => failures.push('no 失管 answer at the gap'));
  findings.gapWords = await card();
  check(/将由区（河东区）处理/.test(findings.gapWords) && !/街道/.test(findings.gapWords), `a gap the district handles is worded: ${findings.gapWords}`);
  const warned = async (where) => {
    await page.waitForSelector('#warn:not([hidden])', { timeout: 15_000 }).catch(() => {});
    const w = await page.isVisible('#warn') && await page.textContent('#warn');
    check(/您已离开本社区（.+）/.test(w || ''), `a community's worker ${where} is not warned: ${w}`);
    return w;
  };
  findings.communityWarnGap = await warned('at a gap of another district');
  await shot(page, 'm-community-gap.png');
  await page.click('#lang');
  await page.waitForTimeout(300);
  findings.gapWordsEnglish = { card: await card(), warn: await page.textContent('#warn') };
  check(/the district \(河东区\) will act/.test(findings.gapWordsEnglish.card) && /You have left your community/.test(findings.gapWordsEnglish.warn),
    `the gap in English: ${JSON.stringify(findings.gapWordsEnglish)}`);
  await page.click('#lang');
  // Where two grids overlap (the demo's planted overlap in 向阳路街道) the
  // card names the other grid too, not only the one the rules chose.
  await context.setGeolocation({ longitude: 117.1627, latitude: 39.1178, accuracy: 10 });
  await page.waitForSelector('#where-answer .conflict', { timeout: 15_000 }).catch(() => failures.push('no overlap line at the planted overlap'));
  findings.overlapWords = await page.textContent('#where-answer .conflict').catch(() => '');
  check(/边界重叠：此处也划入了 向阳路社区第6网格/.test(findings.overlapWords), `the overlap is worded: ${findings.overlapWords}`);
  await shot(page, 'm-overlap.png');
  // Outside every district (Beijing): warned too, not only "辖区外 —".
  await context.setGeolocation({ longitude: 116.397, latitude: 39.909, accuracy: 10 });
  await page.waitForSelector('#where-answer .badge.outside', { timeout: 15_000 }).catch(() => failures.push('no "outside" answer in Beijing'));
  findings.communityWarnOutside = await warned('outside every district');
  await shot(page, 'm-community-outside.png');
  // Back in the community (the grid worker's spot lies in it): no warning.
  await context.setGeolocation(here);
  await page.waitForSelector('#warn', { state: 'hidden', timeout: 15_000 })
    .catch(async () => failures.push(`a community's worker inside it is warned: ${await page.textContent('#warn')}`));
  // The patrol card says why there is no grid figure in the worker's words.
  await page.click('#tabs button[data-view=patrol]');
  await page.waitForTimeout(500);
  findings.patrolCoverage = await page.textContent('#view-patrol .card');
  check(!/令牌|token/i.test(findings.patrolCoverage) && /网格员/.test(findings.patrolCoverage), `the patrol card of a community's worker: ${findings.patrolCoverage}`);
  await shot(page, 'm-community-patrol.png');
  check(errors.length === 0, `a community's worker, page errors: ${errors.join(' | ')}`);
  await context.close();
}
