// A street's desk with more cases than the server answers in a page, run
// by mobile.test.mjs (step 34): 华苑街道's duty officer, whose street gets
// 560 open cases (one batch, as a sync gateway would file them), all past
// their deadline (the Go test's operator moves it two days back).
//
//   deskSteps  the list reads the server's pages by their cursors (limit=100)
//              up to 500 cases and says that it holds the newest 500, not
//              all, offering 加载更多; that adds the rest, and the count then
//              is the server's, the cases exactly the server's, and the most
//              overdue case — on the last page — heads the list. 只看超期
//              does the same with the overdue cases, in Chinese and English.
//
// It takes mobile.test.mjs's env with desk (the officer's token), deskPoint
// ([lng, lat] in one of the street's grids) and control (the operator).

import { phone } from './mobile-signin.mjs';

const FILED = 560;
const OPEN = 'reported,accepted,dispatched,handled,verified,reopened';

// everything lists every page of a listing as the admin sees it (ids and deadlines).
async function everything(adminAPI, path) {
  const all = [];
  let cursor = '';
  do {
    const got = await adminAPI(`${path}&limit=1000${cursor && `&cursor=${encodeURIComponent(cursor)}`}`);
    all.push(...(got.body?.reports ?? []).map((r) => ({ id: r.id, due: r.due_at })));
    cursor = got.body?.next_cursor ?? '';
  } while (cursor);
  return all;
}

// fileMany files FILED cases at point by a colleague, and ages them; it returns their ids.
async function fileMany({ adminAPI, control, check }, point) {
  const reports = Array.from({ length: FILED }, (_, i) => ({ id: crypto.randomUUID(), kind: 'hazard', category: 'E0506', severity: 2,
    point, crs: 'wgs84', description: `分页测试 ${i + 1}`, reporter: '华苑网格员丁' }));
  const filed = await adminAPI('/v1/reports:batch', { method: 'POST', body: JSON.stringify({ reports }) });
  const stored = (filed.body?.results ?? []).filter((r) => r.status === 201).length;
  check(stored === FILED, `filing ${FILED} cases in one batch: ${filed.status}, ${stored} stored`);
  const aged = await fetch(`${control}/overdue`, { method: 'POST', body: JSON.stringify(reports.map((r) => r.id)) });
  const moved = Number(await aged.text());
  check(moved === FILED, `making the ${FILED} cases overdue: ${aged.status} ${moved}`);
  return reports.map((r) => r.id);
}

/** deskSteps: see above. */
export async function deskSteps(env) {
  const { browser, base, desk, deskPoint, here, check, failures, findings, shot, adminAPI, ready } = env;
  await fileMany(env, deskPoint);
  const street = (await (await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${desk}` } })).json()).scope;
  check(/^\d{9}$/.test(street ?? ''), `the desk's token is not a street's: ${street}`);
  const open = await everything(adminAPI, `/v1/reports?unit=${street}&state=${OPEN}&kind=hazard,event`);
  const overdue = await everything(adminAPI, `/v1/reports?unit=${street}&overdue=true&kind=hazard,event`);
  check(open.length > 500 && overdue.length > 500, `the street's open and overdue cases: ${open.length}, ${overdue.length}`);

  const context = await browser.newContext({ ...phone, geolocation: here, permissions: ['geolocation'] });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const asked = [];
  context.on('request', (r) => { if (/\/v1\/reports\?/.test(r.url())) asked.push(new URL(r.url()).searchParams); });
  await page.goto(`${base}/m/#token=${desk}`);
  await ready(page);
  await page.click('#tabs button[data-view=cases]');

  // shown is the list as drawn: its count line, the ids of its open cases (in order) and whether it offers more.
  const shown = () => page.evaluate(() => ({ count: document.getElementById('c-count').hidden ? '' : document.getElementById('c-count').textContent,
    open: [...document.querySelectorAll('#c-list li')].filter((li) => !/已结案|不予立案|closed|rejected/.test(li.querySelector('.state').textContent))
      .map((li) => li.dataset.id),
    more: !document.getElementById('c-more').hidden }));
  // pages checks one list of the desk (what: its words; want: the server's cases) before and after 加载更多.
  const pages = async (what, want, countRe, partialRe) => {
    await page.waitForFunction((re) => new RegExp(re).test(document.getElementById('c-count').textContent), partialRe.source, { timeout: 30_000 })
      .catch(() => {});
    const first = await shown();
    check(partialRe.test(first.count) && first.open.length === 500 && first.more,
      `${what}, the first pages: ${JSON.stringify({ ...first, open: first.open.length })}`);
    await page.locator('#c-more').scrollIntoViewIfNeeded();
    await shot(page, `m-desk-${what}-partial.png`);
    await page.click('#c-more');
    await page.waitForFunction(() => document.getElementById('c-more').hidden, null, { timeout: 30_000 }).catch(() => {});
    const all = await shown();
    const ids = new Set(want.map((r) => r.id));
    const oldest = Math.min(...want.map((r) => Date.parse(r.due)));
    const head = want.find((r) => r.id === all.open[0]);
    findings[`desk_${what}`] = { first: first.count, all: all.count, listed: all.open.length, server: want.length, more: all.more };
    check(countRe(want.length).test(all.count) && !all.more && all.open.length === want.length && all.open.every((id) => ids.has(id)),
      `${what}, after 加载更多: ${JSON.stringify(findings[`desk_${what}`])}`);
    check(head && Date.parse(head.due) === oldest, `${what}, the most overdue case does not head the list: ${JSON.stringify(head)}`);
  };
  await pages('open', open, (n) => new RegExp(`^待办案件 ${n} 件$`), /^已列出最近上报的 500 件待办案件，更早上报的尚未列出$/);
  await page.check('#c-overdue-only');
  await pages('overdue', overdue, (n) => new RegExp(`^超期案件 ${n} 件$`), /^已列出最近上报的 500 件超期案件，更早上报的尚未列出$/);
  await page.evaluate(() => document.querySelector('main').scrollTo(0, 0));
  await shot(page, 'm-desk-overdue.png');
  // In English, the count (the list is read again, as many pages as it had).
  await page.click('#lang');
  await page.waitForFunction(() => /overdue case/.test(document.getElementById('c-count').textContent), null, { timeout: 30_000 }).catch(() => {});
  findings.deskEnglish = (await shown()).count;
  check(findings.deskEnglish === `${overdue.length} overdue cases`, `the count in English: ${findings.deskEnglish}`);
  await page.click('#lang');
  // The pages were read by their cursors, a page at a time (no larger page asked for).
  const cursors = asked.filter((q) => q.has('cursor')).length;
  findings.deskRequests = { reads: asked.length, cursors, limits: [...new Set(asked.map((q) => q.get('limit')))] };
  check(cursors >= 10 && asked.every((q) => Number(q.get('limit')) <= 100), `the desk's reads: ${JSON.stringify(findings.deskRequests)}`);
  if (errors.length) failures.push(`the desk's page errors: ${errors.join(' | ')}`);
  await context.close();
}
