// What the big screen says when it cannot show a unit's data, run by
// screen.test.mjs: a unit code that is not one, a refused token (the tab
// forgets it and asks for another, which opens the screen), a token revoked
// or expired while the screen is open (forgotten and asked for too), each
// refusal said as what it is (unknown, revoked, expired when: China time)
// under the unit's name, not its bare code, with a feed that says the screen
// is not authorised; and the network lost and found again.
import { problemOf, problemPages } from './screen-util.mjs';
import { chinaMinute } from './map.mjs';

// carries says whether request r sends secret (a header, or the stream's access_token).
const carries = (r, secret) => r.headers().authorization === `Bearer ${secret}` || new URL(r.url()).searchParams.get('access_token') === secret;

// asked reads whether the tab still keeps a token and whether it asks for another.
const asked = (page) => page.evaluate(() => ({ stored: sessionStorage.getItem('gridmap.token'),
  form: !document.getElementById('token-form').hidden, focused: document.activeElement?.id === 'token-input' }));

export function accessChecks(ctx) {
  const { token, outDir, check, findings, open } = ctx;
  const waitProblem = problemPages(ctx);

  // typeToken enters secret where the screen on page asks for a token: the
  // screen starts again with it and must be live on 南开区, the secret kept
  // for the tab and not in the address.
  async function typeToken(page, secret) {
    await page.fill('#token-input', secret);
    await Promise.all([page.waitForEvent('load', { timeout: 20_000 }), page.press('#token-input', 'Enter')]);
    return page.waitForFunction(() => {
      const a = window.screenApp;
      return a?.ready && !a.problem && document.getElementById('live').classList.contains('on') && {
        title: document.getElementById('unit-title').textContent, stored: sessionStorage.getItem('gridmap.token'), address: location.href };
    }, null, { timeout: 30_000, polling: 250 }).then((h) => h.jsonValue()).catch(() => null);
  }
  // badUnitCode: /screen?unit=abc says so in Chinese, not in the server's English.
  async function badUnitCode() {
    const page = await waitProblem('/screen?unit=abc');
    findings.badUnit = await problemOf(page);
    const p = findings.badUnit;
    check(/abc/.test(p.message) && /无效|不存在/.test(p.message) && !/[a-z]{4,}/i.test(p.message.replace('?unit=…', '')),
      `unit=abc: ${JSON.stringify(p)}`);
    await page.close();
  }

  // refusedToken: a bad token in the URL (public reads on here) is refused
  // with the message, not a blank page and not silently anonymous. The tab
  // forgets it, says so and asks for another; nothing sends it again, and
  // the worker's token typed in opens the screen.
  async function refusedToken() {
    const bad = 'not-a-token';
    const page = await waitProblem(`/screen?unit=120104&token=${bad}`);
    const again = []; // requests sending it after the refusal was shown
    page.on('request', (r) => { if (carries(r, bad)) again.push(r.url()); });
    // The title is the unit's name, read without the token once it is forgotten (public reads are on here).
    await page.waitForFunction(() => document.getElementById('unit-title').textContent, null, { timeout: 10_000 }).catch(() => {});
    findings.refused = { ...(await problemOf(page)), ...(await asked(page)) };
    const p = findings.refused;
    check(p.shown && /无法识别此大屏令牌：请检查是否完整复制/.test(p.message) && p.refusal === 'unknown' && p.state === 'authFailed'
      && !/已过期、已吊销或无效/.test(p.message) && !/\d/.test(p.figures), `a refused token: ${JSON.stringify(p)}`);
    check(p.title === '南开区' && /未授权/.test(p.feed) && !/新上报将在此实时显示/.test(p.feed),
      `a refused token's title and feed: ${JSON.stringify({ title: p.title, feed: p.feed })}`);
    check(p.stored === null && /本页已将其清除/.test(p.message) && p.form && p.focused, `a refused token is kept, or no other asked for: ${JSON.stringify(p)}`);
    await page.screenshot({ path: `${outDir}/screen-refused.png` });
    await page.click('#lang');
    const en = { ...(await problemOf(page)), ask: await page.getAttribute('#token-input', 'placeholder') };
    check(/ask an administrator/.test(en.message) && /has forgotten it/.test(en.message) && en.ask === 'a new screen token',
      `a refused token in English: ${JSON.stringify(en)}`);
    await page.click('#lang');
    await page.waitForTimeout(1000);
    check(!again.length, `the refused token was sent again: ${again.join(' ')}`);
    findings.refusedThen = await typeToken(page, token);
    const t = findings.refusedThen;
    check(t?.title === '南开区' && t.stored === token && !t.address.includes(token), `a token typed in after a refusal: ${JSON.stringify(t)}`);
    await page.close();
  }

  // revoked: the screen is drawn, then its token stops working — the stream
  // is refused (EventSource closes for good) and so is the overview. The
  // screen retries and shows the message, instead of old figures under
  // "connecting".
  async function revoked() {
    let overviews = 0;
    const page = await waitProblem('/screen?unit=120104', async (p) => {
      await p.route('**/v1/events**', (r) => r.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"status":401}' }));
      await p.route('**/v1/stats/overview**', (r) => (overviews++ === 0 ? r.continue()
        : r.fulfill({ status: 401, contentType: 'application/problem+json', body: '{"status":401,"detail":"token revoked"}' })));
    });
    findings.revoked = { ...(await problemOf(page)), overviews };
    const p = findings.revoked;
    check(p.shown && /授权已失效/.test(p.message) && p.state === 'authFailed' && overviews >= 2, `a revoked token: ${JSON.stringify(p)}`);
    await page.close();
  }

  // linkDrop drops the screen's event stream and fails its reconnects for
  // a while: after the grace a banner says since when the link is down and
  // the figures are dimmed; once the stream is back the banner says so,
  // and the figures are bright again.
  async function linkDrop() {
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1);
    const bannerOf = () => page.evaluate(() => ({ shown: !document.getElementById('link-banner').hidden,
      text: document.getElementById('link-banner').textContent, stale: document.body.classList.contains('stale'),
      state: window.screenApp.status }));
    // The stream is dropped as a server going away drops it (closed, with
    // an error), and every reconnect fails as against a server that is
    // down; the screen's own reconnecting is what is tested.
    await page.route('**/v1/events**', (r) => r.abort('connectionrefused'));
    await page.evaluate(() => { const es = window.screenApp.stream; es.close(); es.dispatchEvent(new Event('error')); });
    findings.linkLost = await page.waitForFunction(() => document.body.classList.contains('stale'), null, { timeout: 20_000 })
      .then(bannerOf).catch(() => null);
    const l = findings.linkLost;
    check(l && l.shown && /连接已中断（自 \d\d:\d\d:\d\d 起）/.test(l.text), `the link dropped: ${JSON.stringify(l)}`);
    await page.screenshot({ path: `${outDir}/screen-link-lost.png` });
    await page.unroute('**/v1/events**');
    findings.linkBack = await page.waitForFunction(() => window.screenApp.link.state === 'back', null, { timeout: 30_000 })
      .then(bannerOf).catch(() => null);
    const b = findings.linkBack;
    check(b && b.shown && /已重新连接 · 中断 \d+ 秒/.test(b.text) && !b.stale && b.state === 'live',
      `the link back: ${JSON.stringify(b)}`);
    const unexpected = errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e));
    check(unexpected.length === 0, `console errors across the drop: ${unexpected.join(' | ')}`);
    await page.close();
  }

  // revokedWhileLive: a live screen's token is revoked — its stream drops
  // and the overview is refused (401). The message says so, and no banner
  // says the link is being retried beside it (a newcomer saw both at once);
  // the tab forgets the token and asks for another.
  async function revokedWhileLive() {
    const { page } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=120104&token=${token}`);
    // First a 401 that is not the server's refusal of the token (a proxy on
    // the way asking for its own sign-in): the token stays.
    const proxy = { status: 401, contentType: 'text/plain', headers: { 'WWW-Authenticate': 'Basic realm="proxy"' }, body: 'proxy' };
    await page.route('**/v1/categories**', (r) => r.fulfill(proxy));
    await page.evaluate(async () => {
      const { getJSON } = await import(new URL('web/screen-api.js', location.href));
      await getJSON('v1/categories').catch(() => {});
    });
    findings.proxyRefusal = await asked(page);
    check(findings.proxyRefusal.stored === token, `a proxy's 401 wiped the token: ${JSON.stringify(findings.proxyRefusal)}`);
    await page.unroute('**/v1/categories**');
    // As the server refuses a revoked token (RFC 6750's invalid_token).
    const refusal = { status: 401, contentType: 'application/problem+json', body: '{"status":401,"detail":"the token has been revoked","token":"revoked"}',
      headers: { 'WWW-Authenticate': 'Bearer realm="gridmap", error="invalid_token"' } };
    await page.route('**/v1/events**', (r) => r.fulfill(refusal));
    await page.route('**/v1/stats/overview**', (r) => r.fulfill(refusal));
    await page.evaluate(() => { const es = window.screenApp.stream; es.close(); es.dispatchEvent(new Event('error')); });
    await page.waitForFunction(() => !document.getElementById('problem').hidden, null, { timeout: 30_000 }).catch(() => {});
    await page.waitForTimeout(4000); // past the banner's grace
    findings.revokedWhileLive = { ...(await page.evaluate(() => ({ problem: !document.getElementById('problem').hidden,
      banner: !document.getElementById('link-banner').hidden, stale: document.body.classList.contains('stale'),
      text: document.getElementById('problem-text').textContent, hint: document.getElementById('problem-hint').textContent }))),
    ...(await asked(page)) };
    const r = findings.revokedWhileLive;
    check(r.problem && !r.banner && !r.stale, `a token revoked while live: ${JSON.stringify(r)}`);
    check(r.text === '大屏令牌已被吊销：请联系管理员重新发放', `a revoked token is not said as such: ${JSON.stringify(r)}`);
    check(r.stored === null && r.form && /本页已将其清除/.test(r.hint), `a token revoked while live is kept: ${JSON.stringify(r)}`);
    await page.close();
  }

  // expiring: a screen opened on 南开区 with a token that expires while it
  // is open (secret, good until the instant until). The server itself then
  // refuses it, as it refuses a revoked one: the stream ends, and the
  // screen must show why, forget the token and ask for another, which
  // brings it back. start() opens the screen; finish(), called late in the
  // run, waits for the refusal.
  function expiring(secret, until) {
    let opened = null;
    return {
      async start() {
        // Smaller than a wall: it stays open all the run, and what is tested is its token.
        opened = await open({ width: 1280, height: 720 }, 1, `/screen?unit=120104&token=${secret}`);
        await opened.page.evaluate(() => new MutationObserver(() => { window.problemAt ??= Date.now(); })
          .observe(document.getElementById('problem'), { attributes: true, attributeFilter: ['hidden'] }));
        findings.expiringOpen = { ...(await asked(opened.page)), secsLeft: Math.round((until - Date.now()) / 1000),
          live: await opened.page.evaluate(() => window.screenApp.status) };
        const o = findings.expiringOpen;
        check(o.stored === secret && o.live === 'live' && o.secsLeft > 0, `the screen with a token about to expire: ${JSON.stringify(o)}`);
      },
      async finish() {
        const { page } = opened;
        // When the message came, after the expiry (the stream ends at its next heartbeat, the reconnect is refused).
        const seen = await page.waitForFunction(() => !document.getElementById('problem').hidden && window.problemAt, null,
          { timeout: Math.max(0, until - Date.now()) + 60_000, polling: 500 }).then((h) => h.jsonValue()).catch(() => null);
        findings.expired = { ...(await problemOf(page)), ...(await asked(page)), secsAfterExpiry: seen && Math.round((seen - until) / 1000) };
        const e = findings.expired;
        check(seen >= until && e.state === 'authFailed' && /本页已将其清除/.test(e.message) && e.stored === null && e.form,
          `a token that expired while the screen was open: ${JSON.stringify(e)}`);
        // Said as expired, at its minute in China time; titled by the unit's name, the feed not promising reports.
        const at = chinaMinute(until);
        check(e.refusal === 'expired' && e.message.includes(`大屏令牌已于 ${at}（北京时间）过期：请联系管理员重新发放`),
          `an expired token is not said as expired at ${at} China time: ${JSON.stringify(e)}`);
        check(e.title === '南开区' && /未授权/.test(e.feed), `an expired token's title and feed: ${JSON.stringify({ title: e.title, feed: e.feed })}`);
        await page.screenshot({ path: `${outDir}/screen-token-expired.png` });
        findings.expiredThen = await typeToken(page, token);
        check(findings.expiredThen?.stored === token, `a token typed in after one expired: ${JSON.stringify(findings.expiredThen)}`);
        await page.close();
      },
    };
  }

  return { badUnitCode, refusedToken, revoked, linkDrop, revokedWhileLive, expiring };
}
