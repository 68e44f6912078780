// The big screen's case card (screen-case.js), run by screen.test.mjs on the
// case the Go test seeded (GRIDMAP_CASE: a hazard in 长虹街道 with a photo,
// accepted, dispatched to 城管科 and handled with a second photo).
// With the viewer's token scoped to 长虹街道: a click on the case's point on
// the map opens its card (and does not drill into the unit under it): its
// category, its steps with who took them, and both photos as thumbnails
// that loaded (fetched with the token, shown through blob: URLs); a
// thumbnail opens the full photo; a step taken meanwhile appears in the open
// card; the words are 18 px or more and the card fits the wall; an overdue
// case says so in red; a click outside closes it; a click on the case's feed
// line opens it again (screenshot out/screen-case.png); Escape closes it and
// every object URL it made is revoked; a photo the server refuses is a muted
// placeholder, not an error. An anonymous screen's card, from a feed line,
// has no photo and no name and says to sign in; in tour mode the card stays
// while the tour goes on.

const photoRequests = (page) => {
  const seen = [];
  page.on('request', (r) => { if (r.url().includes('/v1/attachments/')) seen.push({ url: r.url(), auth: !!r.headers().authorization }); });
  return seen;
};

// instrument records the object URLs the page makes (with their type) and revokes.
const instrument = (page) => page.evaluate(() => {
  const blobs = { made: [], revoked: [] };
  window.caseBlobs = blobs;
  const make = URL.createObjectURL.bind(URL), revoke = URL.revokeObjectURL.bind(URL);
  URL.createObjectURL = (b) => { const u = make(b); blobs.made.push({ url: u, type: b?.type ?? '' }); return u; };
  URL.revokeObjectURL = (u) => { blobs.revoked.push(u); revoke(u); };
});

// readCard reads the open card: its case, state, title, steps and photos.
const readCard = (page) => page.evaluate(() => {
  const card = document.getElementById('case-card');
  const back = document.getElementById('case-back');
  return { open: !!back && !back.hidden, report: card?.dataset.report, state: card?.dataset.state,
    title: card?.querySelector('.case-title')?.textContent, text: card?.innerText ?? '',
    steps: [...(card?.querySelectorAll('.case-history li') ?? [])].map((li) => ({ action: li.dataset.action,
      tag: li.querySelector('.tag')?.textContent, who: li.querySelector('.step-who')?.textContent ?? '' })),
    imgs: [...(card?.querySelectorAll('img') ?? [])].map((i) => ({ src: i.src, w: i.naturalWidth, complete: i.complete, sum: i.dataset.checksum })),
    placeholders: [...(card?.querySelectorAll('.thumb.none') ?? [])].map((p) => p.textContent) };
});

const waitCard = (page, id) => page.waitForFunction((rid) => {
  const card = document.getElementById('case-card');
  return !document.getElementById('case-back')?.hidden && card.dataset.report === rid && card.dataset.state === 'shown';
}, id, { timeout: 10_000 }).then(() => true, () => false);

const waitThumbs = (page, n) => page.waitForFunction((k) => {
  const imgs = [...document.querySelectorAll('#case-card img')];
  return imgs.length === k && imgs.every((i) => i.complete && i.naturalWidth > 0);
}, n, { timeout: 10_000 }).catch(() => {});

const closed = (page) => page.evaluate(() => document.getElementById('case-back').hidden);

export function caseCardChecks(ctx) {
  const { base, scoped, outDir, check, failures, findings, open, step } = ctx;
  const seeded = JSON.parse(process.env.GRIDMAP_CASE || 'null');
  const categoryName = () => fetch(`${base}/v1/categories`).then((r) => r.json())
    .then((c) => c.categories.find((x) => x.code === seeded.category)?.name);

  // mapPoint finds where the case's point is drawn on page, in page pixels (null: not drawn).
  const mapPoint = (page, id) => page.evaluate((rid) => {
    const { map } = window.screenApp;
    const f = map.queryRenderedFeatures({ layers: ['report-circle'] }).find((x) => x.properties.id === rid);
    if (!f) return null;
    const p = map.project(f.geometry.coordinates);
    const box = map.getContainer().getBoundingClientRect();
    const scale = box.width / map.getContainer().offsetWidth;
    return { x: box.left + p.x * scale, y: box.top + p.y * scale, zoom: Math.round(map.getZoom() * 10) / 10 };
  }, id);

  // caseCard: the scoped viewer's screen on 长虹街道.
  async function caseCard() {
    if (!seeded?.id) return failures.push('no seeded case (GRIDMAP_CASE)');
    const { id, photos } = seeded;
    const f = findings.caseCard = {};
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${seeded.street}&token=${scoped}`);
    const requests = photoRequests(page);
    await instrument(page);
    const name = await categoryName();

    // From the map: a click on the case's point opens its card, not the unit under it.
    let at = await mapPoint(page, id);
    if (!at) { // not drawn where the street is framed: closer in
      f.jumped = true;
      await page.evaluate((p) => window.screenApp.map.jumpTo({ center: p, zoom: 15.5 }), seeded.point);
      await page.waitForFunction(() => window.screenApp.map.loaded() && window.screenApp.map.areTilesLoaded(), null, { timeout: 20_000 })
        .catch(() => {});
      at = await mapPoint(page, id);
    }
    f.point = at;
    if (!at) return failures.push(`the seeded case ${id} is not drawn on the map`);
    const before = await page.evaluate(() => ({ unit: window.screenApp.unit, loads: window.screenApp.loads }));
    await page.mouse.click(at.x, at.y);
    f.fromMap = await waitCard(page, id);
    await waitThumbs(page, 2);
    const card = await readCard(page);
    const after = await page.evaluate(() => ({ unit: window.screenApp.unit, loads: window.screenApp.loads }));
    f.map = { before, after, title: card.title, steps: card.steps, imgs: card.imgs.map((i) => [i.w, i.src.slice(0, 5)]) };
    check(f.fromMap, `a click on the case's point did not open its card: ${JSON.stringify(card)}`);
    if (!f.fromMap) { // the rest is about the card, whichever way it opened
      await page.evaluate((rid) => window.screenApp.card.show(rid), id);
      await waitCard(page, id);
      await waitThumbs(page, 2);
    }
    check(after.unit === before.unit && after.loads === before.loads, `a click on a case point drilled into a unit: ${JSON.stringify(f.map)}`);
    check(card.title === name, `the card's category: ${card.title}, want ${name}`);
    const tags = card.steps.map((s) => s.tag);
    check(['上报', '立案', '派遣', '处置'].every((w) => tags.includes(w)) && card.steps.every((s) => /screen-test-worker/.test(s.who))
      && card.steps.some((s) => s.action === 'dispatch' && /→ 城管科/.test(s.who)), `the card's history: ${JSON.stringify(card.steps)}`);
    // The photos: the report's and the handling's, each an <img> that loaded through the token.
    check(card.imgs.length === 2 && card.imgs.every((i) => i.w > 0 && i.src.startsWith('blob:'))
      && photos.every((p) => card.imgs.some((i) => i.sum === p.checksum)), `the card's thumbnails: ${JSON.stringify(card.imgs)}`);
    check(requests.length >= 2 && requests.every((r) => r.auth), `photo requests without the token: ${JSON.stringify(requests)}`);
    // Read across a room: no word under 18 px, and the card fits the wall.
    f.look = await page.evaluate(() => {
      const card = document.getElementById('case-card');
      const small = [...card.querySelectorAll('*')].filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
        .map((e) => [e.className || e.tagName, parseFloat(getComputedStyle(e).fontSize)]).filter(([, px]) => px < 18);
      const r = card.getBoundingClientRect();
      return { small, box: [r.left, r.top, r.right, r.bottom].map(Math.round), fits: r.top >= 0 && r.bottom <= innerHeight && r.left >= 0 && r.right <= innerWidth,
        over: card.scrollWidth > card.clientWidth + 1 };
    });
    check(!f.look.small.length && f.look.fits && !f.look.over, `the card's words or size: ${JSON.stringify(f.look)}`);

    // A thumbnail opens the full photo, large; Escape takes it away and leaves the card.
    await page.click('#case-card .case-photos .thumb', { timeout: 10_000 }).catch(() => {});
    f.full = await page.waitForFunction(() => {
      const img = document.querySelector('#case-photo:not([hidden]) img');
      return img?.complete && img.naturalWidth > 0 && { w: img.naturalWidth, shown: Math.round(img.getBoundingClientRect().width) };
    }, null, { timeout: 10_000 }).then((h) => h.jsonValue()).catch(() => null);
    check(f.full?.w === photos[0].width && f.full.shown > 320, `the full photo: ${JSON.stringify(f.full)}, want ${photos[0].width} px wide`);
    await page.keyboard.press('Escape');
    f.afterPhoto = await page.evaluate(() => ({ photo: !document.getElementById('case-photo').hidden, card: !document.getElementById('case-back').hidden }));
    check(!f.afterPhoto.photo && f.afterPhoto.card, `Escape on the full photo: ${JSON.stringify(f.afterPhoto)}`);

    // A step taken while the card is open appears in it (the screen follows the case's events).
    const verified = Date.now();
    await step(id, 'verify');
    f.live = await page.waitForFunction(() => [...document.querySelectorAll('#case-card .case-history li[data-action="verify"]')]
      .map((li) => li.innerText).join(' '), null, { timeout: 10_000 }).then((h) => h.jsonValue()).catch(() => null);
    f.liveMs = Date.now() - verified;
    check(/核查/.test(f.live ?? '') && /screen-test-checker/.test(f.live ?? ''), `the open card did not show the verify step: ${f.live}`);
    // In English, the card too.
    await page.evaluate(() => document.getElementById('lang').click());
    f.english = (await readCard(page)).text;
    check(/history/.test(f.english) && /verified/.test(f.english) && !/办理过程|核查/.test(f.english), `the card in English: ${f.english}`);
    await page.evaluate(() => document.getElementById('lang').click());

    // A click outside the card closes it.
    await page.mouse.click(12, 1068);
    f.outside = await closed(page);
    check(f.outside, 'a click outside the card did not close it');

    // An overdue case (the server's) says so in red.
    const late = await fetch(`${base}/v1/reports?unit=${seeded.street}&overdue=true&limit=1`, { headers: { Authorization: `Bearer ${scoped}` } })
      .then((r) => r.json()).then((b) => b.reports?.[0]?.id);
    if (late) {
      await page.evaluate((rid) => window.screenApp.card.show(rid), late);
      await waitCard(page, late);
      f.overdue = await page.evaluate(() => {
        const due = document.querySelector('#case-card .case-late');
        return { due: due?.textContent, colour: due && getComputedStyle(due).color, state: document.querySelector('#case-card .case-state')?.textContent,
          ringed: !!document.querySelector('#case-card .case-state.late') };
      });
      check(/已超期/.test(f.overdue.due ?? '') && f.overdue.colour === 'rgb(255, 90, 95)' && f.overdue.ringed && /超期/.test(f.overdue.state),
        `an overdue case's card: ${JSON.stringify(f.overdue)}`);
      await page.keyboard.press('Escape');
    } else {
      failures.push(`no overdue case in ${seeded.street} for the card`);
    }

    // From the feed: a click on the case's line opens it again.
    await instrument(page); // count afresh
    await page.click(`#feed li[data-report="${id}"]`).catch((err) => failures.push(`no feed line of the case: ${err.message}`));
    f.fromFeed = await waitCard(page, id);
    await waitThumbs(page, 2);
    const again = await readCard(page);
    check(f.fromFeed && again.imgs.length === 2 && again.imgs.every((i) => i.w > 0), `the card from the feed line: ${JSON.stringify(again)}`);
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${outDir}/screen-case.png` });
    // Escape closes it and revokes every object URL it made.
    const urls = again.imgs.map((i) => i.src);
    await page.keyboard.press('Escape');
    f.escape = await page.evaluate(async (made) => {
      const gone = await Promise.all(made.map((u) => fetch(u).then(() => false, () => true)));
      const { made: all, revoked } = window.caseBlobs;
      return { closed: document.getElementById('case-back').hidden, gone,
        leaked: all.filter((m) => m.type.startsWith('image/') && !revoked.includes(m.url)).length, made: all.length, revoked: revoked.length };
    }, urls);
    check(f.escape.closed && f.escape.gone.length === 2 && f.escape.gone.every(Boolean) && f.escape.leaked === 0 && f.escape.made > 0,
      `Escape: ${JSON.stringify(f.escape)}`);

    // A photo the server refuses (403) is a muted placeholder that says so.
    const refused = (u) => u.pathname.endsWith(`/v1/attachments/${photos[1].checksum}`) && u.searchParams.get('size') === 'thumb';
    await page.route(refused, (r) => r.fulfill({ status: 403, contentType: 'application/problem+json', body: '{"status":403}' }));
    await page.evaluate((rid) => window.screenApp.card.show(rid), id);
    await waitCard(page, id);
    await page.waitForFunction(() => document.querySelectorAll('#case-card .thumb.none').length > 0, null, { timeout: 10_000 }).catch(() => {});
    f.refused = await readCard(page).then((c) => ({ placeholders: c.placeholders, imgs: c.imgs.length, failed: c.state }));
    check(f.refused.placeholders.length === 1 && /无权查看此照片/.test(f.refused.placeholders[0]) && f.refused.imgs === 1
      && f.refused.failed === 'shown', `a refused photo: ${JSON.stringify(f.refused)}`);
    await page.keyboard.press('Escape');
    await page.unroute(refused);
    // The refused photo's 403, and the revoked URLs the test itself asked for, are the browser's to log.
    const unexpected = errors.filter((e) => !/status of 403|ERR_FILE_NOT_FOUND/.test(e));
    check(unexpected.length === 0, `console errors with the case card: ${unexpected.join(' | ')}`);
    await page.close();
  }

  // anonCard: an anonymous screen's card has no photo and no name; in tour
  // mode it stays open while the tour goes on.
  async function anonCard() {
    if (!seeded?.id) return;
    const { id } = seeded;
    const f = findings.anonCard = {};
    const { page, errors } = await open({ width: 1920, height: 1080 }, 1, `/screen?unit=${seeded.street}`);
    const requests = photoRequests(page);
    await page.click(`#feed li[data-report="${id}"]`, { timeout: 5000 }).catch((err) => failures.push(`anonymous: no feed line of the case: ${err.message}`));
    f.opened = await waitCard(page, id);
    await page.waitForTimeout(1000); // photos would be asked for by now
    const card = await readCard(page);
    f.card = { steps: card.steps, imgs: card.imgs.length, placeholders: card.placeholders, requests: requests.length };
    check(f.opened && card.steps.length >= 5 && card.title, `the anonymous card: ${JSON.stringify(card)}`);
    check(card.imgs.length === 0 && requests.length === 0 && card.placeholders.length > 0 && card.placeholders.every((p) => p === '登录后可看照片'),
      `an anonymous card shows photos: ${JSON.stringify(f.card)}`);
    check(!/screen-test-worker|screen-test-checker|城管科|楼道堆放/.test(card.text), `an anonymous card names people: ${card.text}`);
    await page.screenshot({ path: `${outDir}/screen-case-anon.png` });
    await page.keyboard.press('Escape');
    check(await closed(page), 'Escape did not close the anonymous card');

    // Tour mode: the card stays open, on its case, while the tour moves on.
    await page.goto(`${base}/screen?unit=${seeded.street}&tour=3`, { waitUntil: 'load' });
    await page.waitForFunction(() => window.screenApp?.ready, null, { timeout: 30_000 }).catch(() => {});
    const start = await page.evaluate(() => window.screenApp.loads);
    await page.evaluate((rid) => window.screenApp.card.show(rid), id);
    await waitCard(page, id);
    await page.waitForTimeout(7000);
    f.tour = await page.evaluate((s) => ({ stops: window.screenApp.loads - s, unit: window.screenApp.unit,
      open: !document.getElementById('case-back').hidden, report: document.getElementById('case-card').dataset.report,
      state: document.getElementById('case-card').dataset.state }), start);
    check(f.tour.stops >= 1 && f.tour.open && f.tour.report === id && f.tour.state === 'shown', `the card in tour mode: ${JSON.stringify(f.tour)}`);
    await page.keyboard.press('Escape');
    check(errors.length === 0, `console errors on the anonymous card: ${errors.join(' | ')}`);
    await page.close();
  }

  return { caseCard, anonCard };
}
