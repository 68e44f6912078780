// The street command centre's duty officer (街道指挥中心值班员) on the phone
// app, run by mobile.test.mjs after step 7: a street-scoped reporter works
// cases through the case detail's buttons.
//
//   supervisorSteps  a reported case is walked accept → dispatch (to a
//                    named person) → handled by the grid worker on their
//                    phone (who is then offered no check of their own
//                    fix: 监管分离) → verify → close, each step by its
//                    button, in Chinese and English; a worker who reopens
//                    their own fix is not offered to reject the case, the
//                    duty officer is; a reject without a note is held on
//                    the phone and said; a step on a case someone moved
//                    meanwhile (409) and on a case that left the street
//                    (403) is said, and the case read again; overdue cases
//                    carry a red 超期 tag and "只看超期" lists exactly the
//                    server's overdue cases; the report form names the
//                    community for a 突出 report, the street for a 重大 one;
//                    a street viewer sees no buttons.
//
// It takes mobile.test.mjs's env with supervisor, viewer (tokens), grid,
// afterPhoto and workerPage (the grid worker's page).

import { phone } from './mobile-signin.mjs';

/** supervisorSteps: see above. */
export async function supervisorSteps(env) {
  const { browser, base, here, check, findings, adminAPI, supervisor, ready } = env;
  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Refusals the steps provoke (400, 403, 409) are logged by Chromium as failed loads: expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[0139]|Failed to fetch/.test(m.text())) errors.push(m.text());
  });
  await page.goto(`${base}/m/#token=${supervisor}`);
  await ready(page);
  findings.supervisor = await page.evaluate(() => window.gridmapApp.me);
  const steps = { ...env, page, file: (text, sev = 2) => fileCase(env, text, sev) };

  await walk(steps);
  await rejectBar(steps);
  await refusals(steps);
  await leftScope(steps);
  await overdue(steps);
  await severityForm(steps);
  await viewerSees(env);
  check(errors.length === 0, `the duty officer's page errors: ${errors.join(' | ')}`);
  await context.close();
}

// fileCase files a case at the worker's spot, by a colleague (the Go test counts the worker's own reports).
async function fileCase({ adminAPI, here, check }, text, severity) {
  const id = crypto.randomUUID();
  const r = await adminAPI('/v1/reports', { method: 'POST', body: JSON.stringify({ id, kind: 'hazard', category: 'E0506', severity,
    point: [here.longitude, here.latitude], crs: 'wgs84', description: text, reporter: '网格员丙' }) });
  check(r.status === 201, `filing "${text}": ${r.status} ${JSON.stringify(r.body)}`);
  return id;
}

// open shows case id in the app (from the list, fetched again).
async function open(page, id) {
  await page.click('#tabs button[data-view=cases]');
  if (await page.isVisible('#c-back')) await page.click('#c-back');
  await page.click('#c-refresh');
  await page.waitForSelector(`#c-list li[data-id="${id}"]`, { timeout: 15_000 });
  await page.click(`#c-list li[data-id="${id}"]`);
  await page.waitForSelector('#c-detail:not([hidden])');
}

// buttons is what the open case offers: the main buttons and the others, by id, with their classes and texts.
const buttons = (page) => page.evaluate(() => ({
  shown: !document.getElementById('c-actions').hidden && !document.getElementById('c-buttons').hidden,
  main: [...document.querySelectorAll('#c-main button')].map((b) => ({ id: b.id, cls: b.className, text: b.textContent })),
  others: document.getElementById('c-others').hidden ? [] : [...document.querySelectorAll('#c-others button')].map((b) => ({ id: b.id, cls: b.className, text: b.textContent })),
}));

// stateIs waits for the open case's meta to begin with a state's name.
const stateIs = (page, name) => page.waitForFunction((n) => document.getElementById('c-meta').textContent.startsWith(`${n} · `), name, { timeout: 20_000 })
  .then(() => true, () => false);

const transitions = (page) => page.evaluate(() => new Promise((resolve) => {
  const req = indexedDB.open('gridmap-m');
  req.onsuccess = () => {
    const get = req.result.transaction('outbox').objectStore('outbox').getAll();
    get.onsuccess = () => resolve(get.result.filter((it) => it.kind === 'transition').length);
  };
}));

const serverCase = async (adminAPI, id) => (await adminAPI(`/v1/reports/${id}`)).body ?? {};

// shotActions takes a picture of the open case: from its title, or down to its message (said).
async function shotActions(page, shot, name, said = false) {
  await page.evaluate((s) => document.getElementById(s ? 'c-message' : 'c-title').scrollIntoView({ block: s ? 'end' : 'start' }), said);
  await shot(page, name);
}

// walk: accept → dispatch → (the worker handles) → verify → close, by the buttons.
async function walk({ page, check, findings, shot, adminAPI, file, workerPage: worker, afterPhoto }) {
  const id = await file('值班员测试：消防通道被堵');
  await open(page, id);
  await page.waitForSelector('#c-accept', { timeout: 15_000 });
  findings.reportedButtons = await buttons(page);
  const b = findings.reportedButtons;
  check(b.shown && b.main.map((x) => x.id).join() === 'c-accept' && /primary/.test(b.main[0].cls) && b.main[0].text === '立案' &&
    b.others.map((x) => x.id).join() === 'c-reject,c-escalate' && b.others[0].text === '不予立案' && /destructive/.test(b.others[0].cls),
  `a reported case offers 立案 first, 不予立案 and 吹哨 beside it: ${JSON.stringify(b)}`);
  await shotActions(page, shot, 'm-supervisor-case.png');
  await page.click('#lang');
  await page.waitForFunction(() => document.getElementById('c-accept')?.textContent === 'Accept', null, { timeout: 5_000 }).catch(() => {});
  findings.reportedButtonsEnglish = await buttons(page);
  const en = findings.reportedButtonsEnglish;
  check([...en.main, ...en.others].map((x) => x.text).join('|') === 'Accept|Reject|Escalate (one level up)',
    `the buttons in English: ${JSON.stringify(en)}`);
  await shotActions(page, shot, 'm-supervisor-case-english.png');
  await page.click('#lang');
  await page.waitForFunction(() => document.getElementById('c-accept')?.textContent === '立案', null, { timeout: 5_000 }).catch(() => {});

  await page.click('#c-accept');
  check(await stateIs(page, '已立案'), `立案: the case says ${await page.textContent('#c-meta')}`);
  await page.waitForFunction(() => /已办理：立案/.test(document.getElementById('c-message').textContent), null, { timeout: 5_000 })
    .catch(async () => check(false, `立案 is said: ${await page.textContent('#c-message')}`));
  await page.waitForSelector('#c-dispatch', { timeout: 10_000 });
  check(await page.isVisible('#c-assignee'), 'an accepted case offers no assignee field for 派遣');
  await page.fill('#c-assignee', '网格员王五');
  await shotActions(page, shot, 'm-supervisor-dispatch.png');
  await page.click('#c-dispatch');
  check(await stateIs(page, '已派遣'), `派遣: the case says ${await page.textContent('#c-meta')}`);
  findings.dispatchShown = await page.$$eval('#c-history li .assignee', (l) => l.map((e) => e.textContent).filter(Boolean));
  check(findings.dispatchShown.includes('派遣给 网格员王五'), `the dispatch's assignee in the history: ${findings.dispatchShown}`);
  let s = await serverCase(adminAPI, id);
  check(s.state === 'dispatched' && s.assignee === '网格员王五', `after 派遣 the server has ${s.state}, ${s.assignee}`);

  // The grid worker handles it on their phone.
  await handleOnPhone({ check, worker, afterPhoto }, id, '已清理通道');
  await worker.waitForFunction(() => /监管分离/.test(document.getElementById('c-readonly').textContent), null, { timeout: 5_000 }).catch(() => {});
  findings.ownFix = { note: await worker.textContent('#c-readonly'), shown: await worker.isVisible('#c-readonly'), buttons: await buttons(worker) };
  const offered = [...findings.ownFix.buttons.main, ...findings.ownFix.buttons.others].map((x) => x.id);
  check(findings.ownFix.shown && /监管分离/.test(findings.ownFix.note) && !offered.includes('c-verify') && !offered.includes('c-close'),
    `the worker who handled the case is offered no check of it: ${JSON.stringify(findings.ownFix)}`);
  await worker.click('#c-back');

  await open(page, id);
  await page.waitForSelector('#c-verify', { timeout: 15_000 });
  findings.handledButtons = await buttons(page);
  check(findings.handledButtons.main[0]?.text === '核查通过' && findings.handledButtons.others.some((x) => x.text === '核查不通过，重新办理'),
    `a handled case: ${JSON.stringify(findings.handledButtons)}`);
  await page.click('#c-verify');
  check(await stateIs(page, '已核查'), `核查: the case says ${await page.textContent('#c-meta')}`);
  await page.waitForSelector('#c-close', { timeout: 10_000 });
  await page.click('#c-close');
  check(await stateIs(page, '已结案'), `结案: the case says ${await page.textContent('#c-meta')}`);
  // The state is written before the actions are redrawn: wait for the close to go (a loaded machine showed it still).
  await page.waitForSelector('#c-close', { state: 'hidden', timeout: 5_000 }).catch(() => {});
  findings.closedButtons = await buttons(page);
  check(findings.closedButtons.main.length === 0 && findings.closedButtons.others.map((x) => x.id).join() === 'c-reopen',
    `a closed case offers 重新办理 alone: ${JSON.stringify(findings.closedButtons)}`);
  s = await serverCase(adminAPI, id);
  findings.walked = (s.history ?? []).map((h) => `${h.action}:${h.actor}`);
  const name = findings.supervisor?.name;
  check(s.state === 'closed' && findings.walked.join() ===
    ['report:网格员丙', `accept:${name}`, `dispatch:${name}`, 'handle:网格员王五', `verify:${name}`, `close:${name}`].join(),
  `the walked case on the server: ${s.state} ${findings.walked}`);
}

// refusals: a reject without a note stays on the phone; a step on a case
// moved meanwhile is a 409, said with the case's state now.
// handleOnPhone has the grid worker record 处置 of case id on their phone,
// with note and the photo of the fixed spot.
async function handleOnPhone({ check, worker, afterPhoto }, id, note) {
  await open(worker, id);
  await worker.waitForSelector('#c-handle', { timeout: 15_000 });
  await worker.fill('#c-note', note);
  await worker.setInputFiles('#c-photo', afterPhoto);
  await worker.waitForSelector('#c-photos img');
  await worker.click('#c-handle');
  check(await stateIs(worker, '已处置'), `the worker's 处置: ${await worker.textContent('#c-meta')}`);
}

// rejectBar: a grid worker who handled a case and then reopened their own
// fix is not offered 不予立案 for it, which would end it unchecked
// (监管分离; the server refuses it too); the duty officer is offered it.
async function rejectBar({ page, check, findings, adminAPI, file, workerPage: worker, afterPhoto }) {
  const id = await file('值班员测试：处置人不得作废');
  for (const step of [{ action: 'accept' }, { action: 'dispatch', assignee: '网格员王五' }]) {
    const r = await adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify(step) });
    check(r.status === 200, `${step.action} by the admin: ${r.status}`);
  }
  await handleOnPhone({ check, worker, afterPhoto }, id, '已清理');
  await worker.waitForSelector('#c-reopen', { timeout: 10_000 });
  await worker.click('#c-reopen');
  await worker.fill('#c-note', '撤回：通道仍被堵');
  await worker.click('#c-confirm');
  check(await stateIs(worker, '重新办理'), `the worker reopens their own fix: ${await worker.textContent('#c-meta')}`);
  await worker.waitForFunction(() => /监管分离/.test(document.getElementById('c-readonly').textContent), null, { timeout: 5_000 }).catch(() => {});
  findings.rejectBar = { worker: await buttons(worker), note: await worker.textContent('#c-readonly'), shown: await worker.isVisible('#c-readonly') };
  const offered = [...findings.rejectBar.worker.main, ...findings.rejectBar.worker.others].map((x) => x.id);
  check(!offered.includes('c-reject') && findings.rejectBar.shown && /不予立案须由他人决定/.test(findings.rejectBar.note),
    `the worker who handled the case is offered 不予立案 of it, or not told why: ${JSON.stringify(findings.rejectBar)}`);
  await worker.click('#c-back');
  await open(page, id);
  await page.waitForSelector('#c-dispatch', { timeout: 15_000 });
  findings.rejectBar.officer = await buttons(page);
  check([...findings.rejectBar.officer.main, ...findings.rejectBar.officer.others].some((x) => x.id === 'c-reject'),
    `the duty officer is offered 不予立案 of the reopened case: ${JSON.stringify(findings.rejectBar.officer)}`);
  await page.click('#c-back');
}

async function refusals({ page, check, findings, shot, adminAPI, file }) {
  const id = await file('值班员测试：重复上报');
  await open(page, id);
  await page.waitForSelector('#c-reject', { timeout: 15_000 });
  await page.click('#c-reject');
  await page.waitForSelector('#c-confirm', { timeout: 5_000 });
  findings.rejectAsked = { label: await page.textContent('#c-note-label'), confirm: await page.textContent('#c-confirm'),
    buttons: await buttons(page) };
  check(/不予立案原因（必填）/.test(findings.rejectAsked.label) && findings.rejectAsked.confirm === '确认不予立案' &&
    findings.rejectAsked.buttons.others.length === 0, `不予立案 asks for its reason: ${JSON.stringify(findings.rejectAsked)}`);
  await page.click('#c-confirm');
  await page.waitForTimeout(500);
  findings.rejectNoNote = { said: await page.textContent('#c-message'), queued: await transitions(page), state: (await serverCase(adminAPI, id)).state };
  check(/不予立案须说明原因/.test(findings.rejectNoNote.said) && findings.rejectNoNote.queued === 0 && findings.rejectNoNote.state === 'reported',
    `a reject without a note: ${JSON.stringify(findings.rejectNoNote)}`);
  await shotActions(page, shot, 'm-supervisor-reject-note.png', true);
  await page.click('#c-cancel');
  await page.waitForSelector('#c-accept');

  // Someone else files it meanwhile: 立案 on the phone is a 409.
  check((await adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify({ action: 'accept' }) })).status === 200,
    'the case accepted meanwhile');
  await page.click('#c-accept');
  await page.waitForFunction(() => /未办理/.test(document.getElementById('c-message').textContent), null, { timeout: 15_000 }).catch(() => {});
  await stateIs(page, '已立案');
  findings.moved = { said: await page.textContent('#c-message'), meta: await page.textContent('#c-meta'), queued: await transitions(page),
    buttons: (await buttons(page)).main.map((x) => x.id) };
  check(/未办理：案件状态已变为「已立案」/.test(findings.moved.said) && /^已立案 · /.test(findings.moved.meta) &&
    findings.moved.queued === 0 && findings.moved.buttons.join() === 'c-dispatch', `a 409 on the phone: ${JSON.stringify(findings.moved)}`);
  await shotActions(page, shot, 'm-supervisor-409.png', true);
  // Said again in English, the case redrawn.
  await page.click('#lang');
  await page.waitForTimeout(300);
  findings.movedEnglish = { said: await page.textContent('#c-message'), meta: await page.textContent('#c-meta') };
  check(/^Not done\. The case is now “accepted” \(someone acted on it meanwhile\)/.test(findings.movedEnglish.said) &&
    /^accepted · /.test(findings.movedEnglish.meta), `a 409 in English: ${JSON.stringify(findings.movedEnglish)}`);
  await shotActions(page, shot, 'm-supervisor-409-english.png', true);
  await page.click('#lang');
  await page.waitForTimeout(300);
  // Rejected with a reason: sent.
  await page.click('#c-reject');
  await page.fill('#c-note', '重复上报，已合并');
  await page.click('#c-confirm');
  check(await stateIs(page, '不予立案'), `不予立案 with a reason: ${await page.textContent('#c-meta')}`);
  const s = await serverCase(adminAPI, id);
  check(s.state === 'rejected' && s.history?.at(-1)?.note === '重复上报，已合并', `the rejected case: ${s.state} ${s.history?.at(-1)?.note}`);
}

// leftScope: the case goes up to the district while the officer looks at
// it: 立案 is a 403, said so, and the case is shown without buttons.
async function leftScope({ page, check, findings, adminAPI, file }) {
  const id = await file('值班员测试：升级到区');
  await open(page, id);
  await page.waitForSelector('#c-accept', { timeout: 15_000 });
  for (let i = 0; i < 3; i++) {
    const r = await adminAPI(`/v1/reports/${id}/transitions`, { method: 'POST', body: JSON.stringify({ action: 'escalate', note: '测试升级' }) });
    check(r.status === 200, `escalate ${i + 1}: ${r.status}`);
  }
  await page.click('#c-accept');
  await page.waitForFunction(() => /未办理/.test(document.getElementById('c-message').textContent), null, { timeout: 15_000 }).catch(() => {});
  findings.leftScope = { said: await page.textContent('#c-message'), buttons: (await buttons(page)).shown,
    readonly: await page.isVisible('#c-readonly') && await page.textContent('#c-readonly'), queued: await transitions(page) };
  check(/未办理：此案件已不在您的辖区内/.test(findings.leftScope.said) && !findings.leftScope.buttons && /不在您的辖区内|办理，您可查看/.test(findings.leftScope.readonly) &&
    findings.leftScope.queued === 0, `a 403 on the phone: ${JSON.stringify(findings.leftScope)}`);
}

// overdue: the demo's open cases past their deadline carry the tag; the
// filter lists exactly the server's overdue cases of the street.
async function overdue({ page, check, findings, shot, adminAPI }) {
  const street = findings.supervisor?.scope;
  const listed = await adminAPI(`/v1/reports?unit=${street}&overdue=true&kind=hazard,event&limit=100`);
  let want = listed.body?.reports;
  findings.overdueFilter = listed.status;
  if (listed.status !== 200) { // a server without the filter: its open cases past due_at
    const openList = await adminAPI(`/v1/reports?unit=${street}&state=reported,accepted,dispatched,handled,verified,reopened&kind=hazard,event&limit=100`);
    want = (openList.body?.reports ?? []).filter((r) => r.due_at && Date.parse(r.due_at) < Date.now());
  }
  want = (want ?? []).map((r) => r.id).sort();
  check(want.length > 0, `the demo street has no overdue case (${listed.status})`);
  await page.click('#c-back');
  await page.click('#c-refresh');
  await page.waitForSelector('#c-list li');
  const lines = () => page.$$eval('#c-list li', (l) => l.map((li) => ({ id: li.dataset.id, tag: li.querySelector('.tag.overdue')?.textContent ?? '',
    state: li.querySelector('.state').textContent })));
  const all = await lines();
  const tagged = all.filter((l) => l.tag);
  const firstPlain = all.findIndex((l) => !l.tag);
  findings.overdueFirst = firstPlain < 0 || firstPlain > all.findLastIndex((l) => l.tag);
  check(findings.overdueFirst, `the overdue cases head the list: ${JSON.stringify(all.map((l) => !!l.tag))}`);
  findings.overdueTagged = { listed: all.length, tagged: tagged.length, sample: tagged.slice(0, 3) };
  check(tagged.length > 0 && tagged.every((l) => /^超期 \d+ (分钟|小时|天)$/.test(l.tag) && !/已结案|不予立案/.test(l.state)) &&
    tagged.every((l) => want.includes(l.id)), `the 超期 tags in the list: ${JSON.stringify(findings.overdueTagged)}`);
  await page.check('#c-overdue-only');
  await page.waitForFunction(() => [...document.querySelectorAll('#c-list li')].every((li) => li.querySelector('.tag.overdue')), null, { timeout: 15_000 })
    .catch(() => {});
  await page.waitForTimeout(500);
  const only = await lines();
  findings.overdueOnly = { listed: only.length, want: want.length, untagged: only.filter((l) => !l.tag).length };
  check(only.length > 0 && only.every((l) => l.tag) && JSON.stringify(only.map((l) => l.id).sort()) === JSON.stringify(want),
    `只看超期 lists: ${JSON.stringify(findings.overdueOnly)}`);
  await page.evaluate(() => document.querySelector('main').scrollTo(0, 0));
  await shot(page, 'm-overdue.png');
  await page.click(`#c-list li[data-id="${only[0].id}"]`);
  await page.waitForSelector('#c-overdue:not([hidden])', { timeout: 10_000 }).catch(() => {});
  findings.overdueCase = await page.textContent('#c-overdue');
  check(/^已超期 \d+ (分钟|小时|天)（期限 .+）$/.test(findings.overdueCase), `an overdue case says: ${findings.overdueCase}`);
  await page.click('#lang');
  await page.click('#c-back');
  await page.waitForFunction(() => /^overdue \d/.test(document.querySelector('#c-list li .tag.overdue')?.textContent ?? ''), null, { timeout: 10_000 }).catch(() => {});
  findings.overdueEnglish = { tag: await page.textContent('#c-list li .tag.overdue').catch(() => ''), chip: await page.textContent('label.chip') };
  check(/^overdue \d+ (min|h|days?)$/.test(findings.overdueEnglish.tag) && findings.overdueEnglish.chip === 'Overdue only',
    `overdue in English: ${JSON.stringify(findings.overdueEnglish)}`);
  await shot(page, 'm-overdue-english.png');
  await page.click('#lang');
  await page.uncheck('#c-overdue-only');
}

// severityForm: the form names the unit that will handle the report.
async function severityForm({ page, check, findings, shot, adminAPI, here, grid }) {
  const res = (await adminAPI(`/v1/resolve?lng=${here.longitude}&lat=${here.latitude}`)).body ?? {};
  await page.click('#tabs button[data-view=report]');
  await page.waitForSelector('#r-answer .badge', { timeout: 15_000 });
  const said = async (sev) => {
    await page.click(`input[name=r-sev][value="${sev}"]`);
    await page.waitForTimeout(200);
    return { who: await page.textContent('#r-answer .who-answers'), all: await page.textContent('#r-answer') };
  };
  findings.formHandler = { 2: await said(2), 3: await said(3), 4: await said(4) };
  const f = findings.formHandler;
  check(f[2].who.includes(grid) && !/起办理/.test(f[2].all), `一般 goes to the grid: ${JSON.stringify(f[2])}`);
  check(f[3].who === `${res.community?.name} (${res.community?.code})` && /突出案件由社区起办理/.test(f[3].all) && f[3].all.includes(res.grid?.name),
    `突出 goes to the community ${res.community?.name}: ${JSON.stringify(f[3])}`);
  check(f[4].who === `${res.street?.name} (${res.street?.code})` && /重大案件由街道起办理/.test(f[4].all), `重大 goes to the street: ${JSON.stringify(f[4])}`);
  await said(3);
  await page.locator('#r-answer').scrollIntoViewIfNeeded();
  await shot(page, 'm-report-serious.png');
  await page.click('#lang');
  await page.waitForTimeout(300);
  findings.formHandlerEnglish = await page.textContent('#r-answer');
  check(/A serious case is handled from the community up/.test(findings.formHandlerEnglish), `突出 in English: ${findings.formHandlerEnglish}`);
  await page.click('#lang');
  await said(2);
}

// viewerSees: a viewer of the street opens a reported case: no buttons.
async function viewerSees({ browser, base, here, check, findings, viewer, ready, adminAPI }) {
  const id = await fileCase({ adminAPI, here, check }, '观察员测试', 2);
  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'] });
  const page = await context.newPage();
  await page.goto(`${base}/m/#token=${viewer}`);
  await ready(page);
  await open(page, id);
  await page.waitForFunction(() => /待立案/.test(document.getElementById('c-meta').textContent), null, { timeout: 10_000 }).catch(() => {});
  await page.waitForTimeout(300);
  findings.viewer = { meta: await page.textContent('#c-meta'), actions: await page.isVisible('#c-actions'),
    buttons: await page.$$eval('#c-main button, #c-others button', (l) => l.filter((b) => b.offsetParent).length) };
  check(/^待立案/.test(findings.viewer.meta) && !findings.viewer.actions && findings.viewer.buttons === 0, `a viewer's case: ${JSON.stringify(findings.viewer)}`);
  await context.close();
}
