// Opening the big screen and acting on its cases, for screen.test.mjs (and,
// through its ctx, the screen-*.mjs checks it runs): a page opened at a size
// once it is drawn, a report posted and a workflow step taken as the test's
// grid workers, and the cases that turned overdue since a time.

/**
 * screenPages returns open, report, step and newlyOverdue for the server at
 * base; token is the reporting grid worker's, checker the second worker's
 * (who verifies and closes: 监管分离); check records a failure.
 */
export function screenPages({ browser, base, token, checker, check }) {
  // open loads the screen in a new page and waits until it is drawn.
  async function open(viewport, scale, path = '/screen?unit=120104') {
    const page = await browser.newPage({ viewport, deviceScaleFactor: scale });
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const outside = [];
    page.on('request', (r) => { if (!/^(data|blob):/.test(r.url()) && !r.url().startsWith(base)) outside.push(r.url()); });
    // When the screen last read the figures of the unit it opened on (see newlyOverdue).
    const reads = { overviewAt: 0 };
    const unitOf = new URL(path, base).searchParams.get('unit');
    page.on('request', (r) => { if (unitOf && r.url().endsWith(`/v1/stats/overview?unit=${unitOf}`)) reads.overviewAt = Date.now(); });
    await page.goto(`${base}${path}`, { waitUntil: 'load' });
    await page.waitForFunction(() => {
      const a = window.screenApp;
      const settled = document.getElementById('live').classList.contains('on') || a?.problem;
      return a && a.ready && a.map.loaded() && a.map.areTilesLoaded() && settled;
    }, null, { timeout: 90_000, polling: 250 });
    await page.waitForTimeout(1200); // charts animate in
    return { page, errors, outside, reads };
  }

  // report posts a hazard as the test's grid worker, observed now or at observedAt.
  async function report(id, category, point, observedAt, severity = 3) {
    const res = await fetch(`${base}/v1/reports`, { method: 'POST', headers: { Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json' }, body: JSON.stringify({ id, kind: 'hazard', category, severity,
      description: '消防通道被堵', point, observed_at: observedAt?.toISOString() }) });
    check(res.status === 201, `POST /v1/reports: ${res.status}`);
  }

  // step moves a report one workflow step as the test's grid worker; the
  // checker verifies and closes (whoever handled a case may not).
  async function step(id, action) {
    const who = action === 'verify' || action === 'close' ? checker : token;
    const res = await fetch(`${base}/v1/reports/${id}/transitions`, { method: 'POST', headers: { Authorization: `Bearer ${who}`,
      'Content-Type': 'application/json' }, body: JSON.stringify({ action, assignee: action === 'dispatch' ? '城管科' : undefined,
      note: action === 'reopen' ? '群众反映仍未清理' : undefined }) });
    check(res.ok, `${action} ${id}: ${res.status} ${res.ok ? '' : await res.text()}`);
  }

  // newlyOverdue counts the unit's open cases whose deadline passed after since (ms).
  async function newlyOverdue(unit, since) {
    const got = await fetch(`${base}/v1/reports?unit=${unit}&overdue=true&limit=1000`).then((r) => r.json());
    return (got.reports ?? []).filter((r) => Date.parse(r.due_at) > since).length;
  }

  return { open, report, step, newlyOverdue };
}
