// The dashboard's unit panel and edit mode's token field, run by
// dashboard.test.mjs: the chain of the clicked grid's panel, each unit of it
// a link that selects it (its panel, hazards and highlight on the map), its
// properties as rows; a token checked as it is entered (a wrong one refused
// at once and not used, a revoked one and an expired one each said as such —
// the expiry in China time —, a viewer's said unable to edit boundaries,
// editors' with their role and scope, in Chinese and English).
import { enterToken, chinaMinute } from './map.mjs';

export function panelChecks({ page, shot, tokens, check, failures, findings }) {
  // chainLinks: the clicked grid's panel lists its district, street and
  // community as links, and its properties as rows (an anonymous reader's: no
  // phone). A click on the community selects it as a click on the map would:
  // its name and chain in the panel, its hazards, its highlight on the map
  // (and the grid's gone), no popup or answer for a point left over; the
  // district's link then selects the district (its audit button shown). The
  // panel is checked in English too; at the end the grid is clicked again.
  async function chainLinks(target) {
    const panel = () => page.evaluate(() => ({
      name: document.getElementById('unit-name')?.textContent,
      links: [...document.querySelectorAll('#unit-chain .chain-link')].map((b) => ({ code: b.dataset.code, name: b.textContent })),
      current: document.querySelector('#unit-chain li[aria-current] strong')?.textContent ?? '',
      props: [...document.querySelectorAll('#unit-props dt')].map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]),
      version: document.querySelector('#unit dd[data-key=version]')?.textContent ?? null,
    }));
    const state = (layer, code) => page.evaluate(([sourceLayer, id]) =>
      Boolean(window.gridmap.map.getFeatureState({ source: 'gridmap', sourceLayer, id })?.selected), [layer, Number(code)]);
    const grid = await panel();
    findings.chain = grid;
    check(grid.links.map((l) => l.code).join() === [6, 9, 12].map((n) => target.code.slice(0, n)).join() && grid.links.every((l) => l.name && l.name !== l.code),
      `the grid's chain is not its district, street and community as links: ${JSON.stringify(grid.links)}`);
    check(grid.current.includes(target.code), `the chain does not end with the grid: ${grid.current}`);
    const props = Object.fromEntries(grid.props);
    check(/^\d+$/.test(props['户数'] ?? '') && props['网格员'] && !('电话' in props), `the grid's properties as rows (anonymous): ${JSON.stringify(grid.props)}`);
    check(grid.version === '1', `the grid's version row: ${grid.version}`);
    check(await state('grid', target.code), 'the clicked grid is not highlighted');
    const community = grid.links[2];
    if (!community) return;
    await page.click(`#unit-chain .chain-link[data-code="${community.code}"]`);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name && document.querySelector('#unit-chain li[aria-current]')
      && document.querySelector('#unit dd[data-key=version]'), community.name, { timeout: 15_000 })
      .catch(() => failures.push(`the chain's link to ${community.code} did not show its panel`));
    await page.waitForFunction((code) => document.querySelector('#hazards p')?.dataset.unit === code, community.code, { timeout: 15_000 })
      .catch(() => failures.push(`the chain's link to ${community.code} did not show its hazards`));
    const picked = await panel();
    findings.chainPicked = { ...picked, highlighted: await state('community', community.code), gridStill: await state('grid', target.code),
      popup: await page.$('.maplibregl-popup') !== null, answer: await page.isVisible('#answer'),
      clicked: await page.evaluate(() => window.gridmap.state.clicked?.f?.properties?.code) };
    check(picked.current.includes(community.code) && picked.links.length === 2, `the community's panel: ${JSON.stringify(picked)}`);
    check(findings.chainPicked.highlighted && !findings.chainPicked.gridStill, `the community is not highlighted instead of the grid: ${JSON.stringify(findings.chainPicked)}`);
    check(!findings.chainPicked.popup && !findings.chainPicked.answer, 'the popup or the answer of the grid\'s point is left after picking the community');
    check(findings.chainPicked.clicked === community.code, `the selection is ${findings.chainPicked.clicked}, not the community`);
    await page.waitForTimeout(500); // the highlight drawn
    await page.screenshot({ path: shot.replace(/\.png$/, '-chain.png') });
    await page.click(`#unit-chain .chain-link[data-code="${grid.links[0].code}"]`);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name && document.getElementById('audit-run'),
      grid.links[0].name, { timeout: 15_000 }).catch(() => failures.push('the chain\'s link to the district did not show its panel'));
    check(await state('district', grid.links[0].code) && !(await state('community', community.code)), 'the district is not the one selected on the map');
    await page.waitForTimeout(500); // the district's highlight drawn
    await page.screenshot({ path: shot.replace(/\.png$/, '-district.png') });
    // The grid again, in English: the chain's links and the rows relabelled.
    await page.mouse.click(target.x, target.y);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name && document.querySelector('#unit-props'),
      target.name, { timeout: 15_000 }).catch(() => failures.push('the grid clicked again did not show its panel'));
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#unit dd[data-key=version]')?.previousElementSibling?.textContent === 'version',
      null, { timeout: 15_000 }).catch(() => {});
    findings.chainEN = await page.evaluate(() => document.getElementById('unit').innerText);
    check(/households/.test(findings.chainEN) && /grid worker/.test(findings.chainEN) && /Attributes/.test(findings.chainEN) && /district · /.test(findings.chainEN),
      `the unit panel in English: ${findings.chainEN}`);
    await page.evaluate(() => document.getElementById('selection').scrollIntoView());
    await page.screenshot({ path: shot.replace(/\.png$/, '-chain-en.png') });
    await page.click('#lang');
    await page.waitForFunction(() => document.querySelector('#unit dd[data-key=version]')?.previousElementSibling?.textContent === '版本',
      null, { timeout: 15_000 }).catch(() => failures.push('the unit panel was not written again in Chinese'));
    await resolverChain(target, grid.links[1]);
  }

  // resolverChain: the answer for a clicked point lists its chain as links
  // too (it was plain text); the street's selects the street. The grid is
  // clicked again after.
  async function resolverChain(target, street) {
    await page.waitForFunction(() => document.querySelectorAll('#resolve .chain-link').length >= 4, null, { timeout: 15_000 })
      .catch(() => failures.push('the resolver\'s answer lists no chain of links'));
    findings.resolverChain = await page.evaluate(() => [...document.querySelectorAll('#resolve .chain-link')].map((b) => b.dataset.code));
    check(findings.resolverChain.join() === [6, 9, 12, 15].map((n) => target.code.slice(0, n)).join(),
      `the answer's chain: ${JSON.stringify(findings.resolverChain)}`);
    if (!street) return;
    await page.click(`#resolve .chain-link[data-code="${street.code}"]`);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name, street.name, { timeout: 15_000 })
      .catch(() => failures.push(`the answer's link to ${street.code} did not show its panel`));
    await page.mouse.click(target.x, target.y);
    await page.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name, target.name, { timeout: 15_000 })
      .catch(() => failures.push('the grid clicked after the answer\'s link did not show its panel'));
  }

  // tokenTold: a token is checked as it is entered, before any save. A wrong
  // one is refused at once and not used; a viewer's is set and said to be
  // unable to edit boundaries; an editor's scoped to 长虹街道 and one for
  // everywhere say their role and scope (also in English); a wrong one while
  // a good one is set leaves the good one; an empty one forgets it.
  async function tokenTold() {
    const told = () => page.evaluate(() => ({ status: document.getElementById('edit-token-state').dataset.status,
      state: document.getElementById('edit-token-state').innerText }));
    const enter = (tok) => enterToken(page, tok, 10_000);
    await page.click('#edit-toggle');
    const saves = [];
    const onRequest = (r) => { if (['PUT', 'POST'].includes(r.method())) saves.push(r.url()); };
    page.on('request', onRequest);
    findings.tokenBad = await enter('not-a-token');
    check(findings.tokenBad.kind.includes('error') && /无法识别此令牌，请检查是否完整复制/.test(findings.tokenBad.message) && findings.tokenBad.token === null
      && findings.tokenBad.status === 'none' && findings.tokenBad.ms < 5000, `a wrong token is not refused at once: ${JSON.stringify(findings.tokenBad)}`);
    // Which refusal it is, not the three it might be (the API's 401 says: api/auth.go refuseToken).
    check(!/可能输入有误|已过期或已吊销/.test(findings.tokenBad.message), `a wrong token's refusal lists the causes: ${findings.tokenBad.message}`);
    if (tokens.revoked) {
      findings.tokenRevoked = await enter(tokens.revoked);
      check(findings.tokenRevoked.kind.includes('error') && /令牌已被吊销，请向管理员申请新令牌/.test(findings.tokenRevoked.message)
        && findings.tokenRevoked.token === null, `a revoked token: ${JSON.stringify(findings.tokenRevoked)}`);
    }
    if (tokens.expired) {
      const at = chinaMinute(Date.parse(tokens.expiredAt)); // e.g. 2026-12-05 19:23, China time
      findings.tokenExpired = await enter(tokens.expired);
      check(findings.tokenExpired.kind.includes('error') && findings.tokenExpired.message.includes(`令牌已于 ${at}（北京时间）过期，请向管理员申请新令牌`)
        && findings.tokenExpired.token === null, `an expired token (expired at ${at} China time): ${JSON.stringify(findings.tokenExpired)}`);
      await page.screenshot({ path: shot.replace(/\.png$/, '-token-expired.png') });
      await page.click('#lang');
      findings.tokenExpiredEN = await page.evaluate(() => document.getElementById('edit-message').innerText);
      check(findings.tokenExpiredEN.includes(`The token expired on ${at} (China time): ask an administrator for a new one`),
        `an expired token in English: ${findings.tokenExpiredEN}`);
      await page.click('#lang');
    }
    if (tokens.viewer) {
      findings.tokenViewer = await enter(tokens.viewer);
      check(findings.tokenViewer.status === 'valid' && /查看员/.test(findings.tokenViewer.state) && /不能编辑边界/.test(findings.tokenViewer.state)
        && findings.tokenViewer.kind.includes('warn') && /不能编辑边界/.test(findings.tokenViewer.message), `a viewer's token: ${JSON.stringify(findings.tokenViewer)}`);
      // The unit panel is read again with the token (no "not signed in" note).
      await page.waitForFunction(() => !document.querySelector('#unit .note'), null, { timeout: 10_000 }).catch(() => {});
      await page.evaluate(() => document.getElementById('edit').scrollIntoView());
      await page.screenshot({ path: shot.replace(/\.png$/, '-token-viewer.png') });
    }
    if (tokens.scoped) {
      findings.tokenScoped = await enter(tokens.scoped);
      check(findings.tokenScoped.status === 'valid' && /角色：编辑员/.test(findings.tokenScoped.state) && /范围：长虹街道（120104001）/.test(findings.tokenScoped.state)
        && /可编辑长虹街道（120104001）范围内的边界/.test(findings.tokenScoped.state) && findings.tokenScoped.kind.includes('ok'),
      `a scoped editor's token: ${JSON.stringify(findings.tokenScoped)}`);
      await page.click('#lang');
      findings.tokenScopedEN = await told();
      check(/Valid token/.test(findings.tokenScopedEN.state) && /role: editor/.test(findings.tokenScopedEN.state) && /scope: 长虹街道 \(120104001\)/.test(findings.tokenScopedEN.state)
        && /may edit the boundaries within/.test(findings.tokenScopedEN.state), `a scoped editor's token in English: ${JSON.stringify(findings.tokenScopedEN)}`);
      await page.screenshot({ path: shot.replace(/\.png$/, '-token-en.png') });
      await page.click('#lang');
    }
    let asked = 0; // GET /v1/me: the token check and the upload panel share one answer
    const countMe = (r) => { if (new URL(r.url()).pathname.endsWith('/v1/me')) asked += 1; };
    page.on('request', countMe);
    findings.tokenEditor = await enter(tokens.editor);
    await page.waitForFunction(() => document.getElementById('import')?.dataset.may === 'true', null, { timeout: 10_000 }).catch(() => {});
    page.off('request', countMe);
    findings.meAsked = asked;
    check(asked === 1, `entering an editor's token asked GET /v1/me ${asked} times, want once`);
    check(findings.tokenEditor.status === 'valid' && /角色：编辑员/.test(findings.tokenEditor.state) && /范围：全部/.test(findings.tokenEditor.state)
      && /可编辑所有边界/.test(findings.tokenEditor.state), `an editor's token: ${JSON.stringify(findings.tokenEditor)}`);
    await page.screenshot({ path: shot.replace(/\.png$/, '-token.png') });
    findings.tokenBadKept = await enter('still-not-a-token');
    check(findings.tokenBadKept.kind.includes('error') && /仍使用之前设置的令牌/.test(findings.tokenBadKept.message) && findings.tokenBadKept.token === tokens.editor
      && findings.tokenBadKept.status === 'valid', `a wrong token after a good one: ${JSON.stringify(findings.tokenBadKept)}`);
    const forgotten = await enter('');
    check(forgotten.token === null && forgotten.status === 'none', `an empty token does not forget it: ${JSON.stringify(forgotten)}`);
    page.off('request', onRequest);
    check(saves.length === 0, `checking tokens sent writes: ${saves.join(' ')}`);
    await page.click('#edit-toggle');
  }

  return { chainLinks, tokenTold };
}
