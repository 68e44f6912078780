// Browser test of importing boundary files from the dashboard (web/import.js):
// Debian's headless Chromium, driven by playwright-core, against a running
// gridmap (imports enabled) holding the demo city. The Go test
// (TestDashboardImportInBrowser) made an editor's and a viewer's token and
// GeoJSON files (GRIDMAP_IMPORT = {code, name, overlaps, orphan, props, good, bad, truncated, notjson}).
//
//  1. Who sees it: the import panel is hidden from an anonymous reader and
//     from a viewer's token (GET /v1/me has no edit_boundaries), and shown
//     to the editor's.
//  2. A file with an error: "bad" is picked with the file input and checked
//     (a dry run, the default): the job ends rejected, the unknown_parent
//     error is listed with the orphan's code, and no import is offered.
//  2b. Files that cannot be read — a GeoJSON cut short, a CSV named .geojson —
//     are said so in Chinese first (文件无法读取), the reader's English
//     message beneath as the detail; no counts and no "no problems found".
//  3. Refusals: a scope that is no unit code is refused by the server (400):
//     its detail and field are said and the scope box is marked; a 429 and
//     a 503 (made by the test) say to wait Retry-After seconds and hold the
//     button that long; a 413 says the upload is too large.
//  4. The good file is dropped on the panel and checked: dry_run, 1 to
//     create, the overlap with the grid it lies in listed (with codes) and
//     drawn on the map as a diamond above every layer (not a dot, which
//     reads as a hazard); "import for real" sends the same file without
//     dry_run: the job succeeds, the map requests its tiles with
//     min_version = the import's data version and draws the new grid, GET
//     /v1/units/{code} has it and GET /v1/imports/{id} says succeeded.
//     Clicked on the map, the new grid's attributes (its properties) are
//     rows of the unit panel: the ten first shown (网格员, 电话, 户数, 人口
//     first: the columns the import keeps under gridmap's names),
//     the rest behind "N more", the long value wrapped within the panel in
//     four lines until "show all".
//  5. The language switch relabels the panel and its outcome (English).
//  6. An anonymous reader sees the grid's attributes without its phone.
//
//   GRIDMAP_TOKEN_EDITOR=… GRIDMAP_TOKEN_VIEWER=… GRIDMAP_IMPORT='{…}' node import.test.mjs http://127.0.0.1:8080 out
//
// It prints one JSON line of findings and exits non-zero on any failure.
import { launch, settled, clickable } from './map.mjs';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [base, outDir = 'out'] = process.argv.slice(2);
const editorToken = process.env.GRIDMAP_TOKEN_EDITOR;
const viewerToken = process.env.GRIDMAP_TOKEN_VIEWER;
const fx = JSON.parse(process.env.GRIDMAP_IMPORT ?? 'null');
if (!base || !editorToken || !viewerToken || !fx) {
  console.error('usage: GRIDMAP_TOKEN_EDITOR=… GRIDMAP_TOKEN_VIEWER=… GRIDMAP_IMPORT=… node import.test.mjs BASE_URL [OUT_DIR]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); return ok; };
const findings = { screenshots: [], fixture: { code: fx.code, overlaps: fx.overlaps, orphan: fx.orphan } };
const long = { timeout: 60_000 };
const apiGet = async (path, token = editorToken) => {
  const res = await fetch(`${base}/${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/json' } });
  return { status: res.status, body: await res.json().catch(() => null) };
};

const browser = await launch();
const errors = [];
// The refusals this test provokes are logged by Chromium as failed loads.
const provoked = /Failed to load resource: the server responded with a status of (400|413|429|503)/;
let page;
const shot = async (name) => {
  const path = join(outDir, name);
  await page.screenshot({ path });
  findings.screenshots.push(path);
};
try {
  // 1. Who sees the panel.
  for (const [who, token] of [['anonymous', null], ['viewer', viewerToken]]) {
    const p = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await p.goto(`${base}/${token ? `?token=${token}` : ''}`, { waitUntil: 'load' });
    await p.waitForFunction(() => document.getElementById('import')?.dataset.may, null, long);
    const seen = await p.evaluate(() => ({ may: document.getElementById('import').dataset.may, hidden: document.getElementById('import').hidden }));
    check(seen.may === 'false' && seen.hidden, `the import panel is shown to ${who}: ${JSON.stringify(seen)}`);
    await p.close();
  }

  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.on('console', (m) => { if (m.type() === 'error' && !provoked.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => d.accept());
  const tiles = [];
  page.on('request', (r) => { if (/\/tiles\/[^/]+\/\d+\/\d+\/\d+\.mvt/.test(r.url())) tiles.push(r.url()); });
  await page.goto(`${base}/?token=${editorToken}`, { waitUntil: 'load' });
  await settled(page, 90_000);
  await page.waitForFunction(() => document.getElementById('import')?.dataset.may === 'true', null, long);
  check(await page.isVisible('#import summary'), 'the import panel is not shown to an editor');
  await page.click('#import summary');
  const start = await page.evaluate(() => ({ send: document.getElementById('import-send').textContent,
    disabled: document.getElementById('import-send').disabled, dry: document.getElementById('import-dry_run').checked }));
  findings.start = start;
  check(start.dry && start.send === '校验' && start.disabled, `before a file: ${JSON.stringify(start)}`);

  // 2. A file with an error, picked with the file input.
  await page.setInputFiles('#import-file', fx.bad);
  const listed = await page.textContent('#import-files');
  check(listed.includes(basename(fx.bad)), `the picked file is not listed: ${listed}`);
  const bad = await run('#import-send');
  findings.bad = { status: bad.status, issues: bad.issues };
  check(bad.status === 'rejected', `the file with an error ended ${bad.status}`);
  check(bad.issues.some((i) => i.severity === 'error' && i.kind === 'unknown_parent' && i.code === fx.orphan),
    `the unknown parent is not listed: ${JSON.stringify(bad.issues)}`);
  check(!bad.commit, 'an import is offered after a check with errors');
  check(/未导入/.test(bad.message), `message after the rejected check: ${bad.message}`);
  // A file with errors writes nothing: what it holds is told, not what an import would do.
  check(bad.counts.features === '2' && !('created' in bad.counts) && /文件中/.test(await page.textContent('#import-result')),
    `counts of a rejected file: ${JSON.stringify(bad.counts)}`);
  await shot('import-1-rejected.png');

  // 2b. Files that cannot be read: no features, the reason in the job's error.
  for (const [name, file, detail] of [['truncated', fx.truncated, /ends too early|truncated|unexpected end/i], ['notjson', fx.notjson, /not a GeoJSON/i]]) {
    await page.click('#import-clear');
    await page.setInputFiles('#import-file', file);
    const r = await run('#import-send');
    const card = await page.evaluate(() => ({ text: document.getElementById('import-result').innerText,
      detail: document.getElementById('import-error')?.textContent ?? '', summary: Boolean(document.getElementById('import-summary')) }));
    findings[`unreadable-${name}`] = { status: r.status, message: r.message, counts: r.counts, ...card };
    check(r.status === 'rejected' && /^未导入：文件无法读取/.test(r.message) && !/[A-Za-z]{3,}/.test(r.message),
      `an unreadable file (${name}) is not said so in Chinese: ${JSON.stringify(findings[`unreadable-${name}`])}`);
    check(Object.keys(r.counts).length === 0 && !card.summary && !/未发现问题|若正式导入|要素/.test(card.text),
      `an unreadable file (${name}) shows counts or "no problems": ${JSON.stringify(findings[`unreadable-${name}`])}`);
    check(detail.test(card.detail) && /^服务器说明：/.test(card.detail), `the reader's detail for ${name}: ${card.detail}`);
    if (name === 'truncated') {
      await shot('import-1b-unreadable.png');
      await page.click('#lang');
      findings.unreadableEN = await page.textContent('#import-message');
      check(/^Not imported: the file cannot be read/.test(findings.unreadableEN), `an unreadable file in English: ${findings.unreadableEN}`);
      await page.click('#lang');
    }
  }
  await page.click('#import-clear');
  await page.setInputFiles('#import-file', fx.bad); // the refusals below send it

  // 3. Refusals. The server's: a scope that is no unit code.
  await page.check('#import-retire_missing');
  await page.fill('#import-scope', 'abc');
  await page.click('#import-send');
  await page.waitForFunction(() => document.querySelector('#import-message.error'), null, long);
  findings.e400 = await refusal();
  check(/abc/.test(findings.e400.message) && /字段 scope/.test(findings.e400.message) && findings.e400.marked === 'import-scope',
    `a 400 for the scope: ${JSON.stringify(findings.e400)}`);
  check(findings.e400.result === 'rejected', `the previous outcome is gone after a refusal: ${findings.e400.result}`);
  await page.fill('#import-scope', '');
  await page.uncheck('#import-retire_missing');
  // 429 and 503 with Retry-After hold the button; 413 says the upload is too large.
  for (const [status, secs, detail, field] of [[429, 2, 'too many requests from this token'], [503, 2, 'the import queue is full'],
    [413, null, 'the upload exceeds 1073741824 bytes', 'file']]) {
    await page.route('**/v1/imports', (route) => route.fulfill({ status, contentType: 'application/problem+json',
      headers: secs ? { 'Retry-After': String(secs) } : {}, body: JSON.stringify({ status, code: 'x', detail, field }) }), { times: 1 });
    await page.click('#import-send');
    const r = await refusal(true);
    findings[`e${status}`] = r;
    check(r.message.includes(detail) || status === 429, `the ${status}'s detail is not said: ${r.message}`);
    if (secs) {
      check(r.message.includes(`${secs} 秒`) && r.disabled && /等待/.test(r.send), `a ${status} does not hold the button: ${JSON.stringify(r)}`);
      await page.waitForFunction(() => !document.getElementById('import-send').disabled, null, { timeout: (secs + 3) * 1000 })
        .catch(() => failures.push(`the button stays held after a ${status}'s Retry-After`));
    } else {
      check(/超过服务器允许的大小/.test(r.message) && /字段 file/.test(r.message) && r.marked === 'import-drop', `a 413: ${JSON.stringify(r)}`);
    }
  }

  // 4. The good file, dropped on the panel (with a side file ArcGIS keeps,
  //    left out without an error): checked, then imported for real.
  await page.click('#import-clear');
  await page.evaluate(({ name, text }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], name, { type: 'application/geo+json' }));
    dt.items.add(new File(['index'], '网格.sbn'));
    const zone = document.getElementById('import-drop');
    for (const type of ['dragenter', 'dragover', 'drop']) zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { name: basename(fx.good), text: readFileSync(fx.good, 'utf8') });
  const dropped = await page.evaluate(() => [...document.querySelectorAll('#import-files .import-name')].map((e) => e.textContent));
  check(dropped.length === 1 && dropped[0] === basename(fx.good), `the dropped file is not the one listed: ${JSON.stringify(dropped)}`);
  findings.sideFile = await page.evaluate(() => ({ text: document.getElementById('import-message').textContent,
    error: document.getElementById('import-message').classList.contains('error') }));
  check(/网格\.sbn/.test(findings.sideFile.text) && /辅助文件/.test(findings.sideFile.text) && !findings.sideFile.error,
    `the side file: ${JSON.stringify(findings.sideFile)}`);
  const dry = await run('#import-send');
  findings.dry = { status: dry.status, counts: dry.counts, issues: dry.issues, message: dry.message, drawn: dry.drawn };
  check(dry.status === 'dry_run', `the check of the good file ended ${dry.status}: ${dry.message}`);
  check(dry.counts.features === '1' && dry.counts.created === '1', `dry-run counts ${JSON.stringify(dry.counts)}`);
  check(dry.issues.every((i) => i.severity !== 'error'), `errors in the good file: ${JSON.stringify(dry.issues)}`);
  check(dry.issues.some((i) => i.kind === 'overlap' && (i.code === fx.code || i.text.includes(fx.overlaps)) && i.text.includes(fx.overlaps)),
    `the overlap with ${fx.overlaps} is not listed: ${JSON.stringify(dry.issues)}`);
  check(dry.drawn > 0, 'the findings are not drawn on the map');
  // A finding is a diamond above every other layer, not a dot like a hazard; its "show where" flies to it.
  await page.click('.import-issue[data-kind=overlap]');
  await page.waitForTimeout(2500);
  await settled(page);
  findings.findingMark = await page.evaluate(() => {
    const { map } = window.gridmap;
    const layers = map.getStyle().layers;
    return { type: map.getLayer('import-issues')?.type, top: layers.at(-1).id, images: ['error', 'warning', 'note'].every((k) => map.hasImage(`finding-${k}`)),
      shown: map.queryRenderedFeatures({ layers: ['import-issues'] }).map((f) => f.properties.severity) };
  });
  const m = findings.findingMark;
  check(m.type === 'symbol' && m.top === 'import-issues' && m.images && m.shown.length > 0, `the findings' marks on the map: ${JSON.stringify(m)}`);
  await shot('import-2b-finding-on-map.png');
  // Each finding said in Chinese from its fields, above the server's English message.
  findings.gists = await page.evaluate(() => [...document.querySelectorAll('.import-issue')].map((e) => [e.dataset.kind, e.querySelector('.import-gist')?.textContent]));
  check(findings.gists.every(([, g]) => g && /[\u4e00-\u9fff]/.test(g)) && findings.gists.some(([k, g]) => k === 'overlap' && g.includes(fx.overlaps)),
    `the findings' Chinese lines: ${JSON.stringify(findings.gists)}`);
  check(dry.commit, 'no "import for real" after a clean check');
  check((await apiGet(`v1/units/${fx.code}`)).status === 404, `${fx.code} exists after a dry run`);
  await page.evaluate(() => document.getElementById('import').scrollIntoView());
  await shot('import-2-checked.png');

  const before = tiles.length;
  const done = await run('#import-commit');
  const job = await page.evaluate(() => window.gridmap.importer.job);
  findings.commit = { status: done.status, counts: done.counts, message: done.message, id: job?.id, index_version: job?.report?.index_version };
  check(done.status === 'succeeded' && job?.report?.committed, `the import ended ${done.status}: ${done.message}`);
  check(done.counts.created === '1', `import counts ${JSON.stringify(done.counts)}`);
  const version = job?.report?.index_version;
  check(version > 0, `no data version in the report: ${version}`);
  for (let i = 0; i < 60 && !tiles.slice(before).some((u) => u.includes(`min_version=${version}`)); i++) await page.waitForTimeout(250);
  findings.tilesAfter = tiles.slice(before, before + 3);
  check(tiles.slice(before).some((u) => u.includes(`min_version=${version}`)), `tiles not reloaded with min_version=${version}: ${findings.tilesAfter}`);
  const unit = await apiGet(`v1/units/${fx.code}`);
  check(unit.status === 200 && unit.body?.properties?.name === fx.name, `GET /v1/units/${fx.code}: ${unit.status} ${JSON.stringify(unit.body?.properties)}`);
  const api = await apiGet(`v1/imports/${job?.id}`);
  findings.apiJob = { status: api.status, job: api.body?.status, committed: api.body?.report?.committed };
  check(api.status === 200 && api.body?.status === 'succeeded', `GET /v1/imports/${job?.id}: ${JSON.stringify(findings.apiJob)}`);
  // The map draws the new grid (its tiles were reloaded).
  const center = unit.body?.geometry?.coordinates?.flat(3);
  await page.evaluate(async ([x, y]) => {
    window.gridmap.map.jumpTo({ center: [x, y], zoom: 16 });
    await new Promise((ok) => window.gridmap.map.once('idle', ok));
  }, [center?.[0] ?? 117.15, center?.[1] ?? 39.1]);
  await settled(page);
  findings.onMap = await page.evaluate((code) => window.gridmap.map.querySourceFeatures('gridmap', { sourceLayer: 'grid' })
    .some((f) => f.properties.code === code), fx.code);
  check(findings.onMap, `the map does not draw ${fx.code} after the import`);
  await page.evaluate(() => document.getElementById('import').scrollIntoView());
  await shot('import-3-imported.png');
  // Its attributes, as rows of the unit panel.
  const box = unit.body?.geometry?.coordinates?.flat(3) ?? [];
  const mid = [0, 1].map((i) => (Math.min(...box.filter((_, j) => j % 2 === i)) + Math.max(...box.filter((_, j) => j % 2 === i))) / 2);
  findings.props = await propertiesOf(page, mid);
  // The properties as stored (the import keeps 网格员, 电话, 户数 and 常住人口
  // under gridmap's names), as the editor may see them: each is a row.
  const props = unit.body?.properties?.properties ?? {};
  const keys = Object.keys(props);
  const all = [...findings.props.shown, ...findings.props.more];
  check(keys.length === Object.keys(fx.props).length, `the grid's properties as stored: ${JSON.stringify(props)}`);
  check(findings.props.name === fx.name, `clicking the imported grid showed ${findings.props.name}`);
  check(findings.props.shown.length === 10 && findings.props.more.length === keys.length - 10 && findings.props.summary === `另有 ${keys.length - 10} 项属性`,
    `the properties listed: ${findings.props.shown.length} shown, ${findings.props.more.length} more (${findings.props.summary})`);
  check(JSON.stringify(findings.props.shown.slice(0, 4).map(([label, , key]) => [key, label]))
    === JSON.stringify([['grid_worker', '网格员'], ['phone', '电话'], ['households', '户数'], ['population', '人口']]),
  `the first rows: ${JSON.stringify(findings.props.shown.slice(0, 4))}`);
  const want = (v) => (typeof v === 'boolean' ? (v ? '是' : '否') : typeof v === 'object' ? JSON.stringify(v) : String(v));
  for (const k of keys) {
    const row = all.find(([, , key]) => key === k);
    check(row && row[1] === want(props[k]), `the row of ${k}: ${JSON.stringify(row)}, want ${want(props[k])}`);
  }
  check(findings.props.longRow?.lines === 4 && findings.props.longRow.right <= findings.props.panelRight,
    `the long value is not wrapped in four lines within the panel: ${JSON.stringify(findings.props.longRow)}`);
  // "Show all" shows it whole.
  await page.click('#unit-props dd[data-prop="备注"] .value-more');
  findings.props.longOpen = await page.evaluate(() => {
    const v = document.querySelector('#unit-props dd[data-prop="备注"] .value');
    return { lines: Math.round(v.getBoundingClientRect().height / parseFloat(getComputedStyle(v).lineHeight)),
      button: v.nextElementSibling?.textContent };
  });
  check(findings.props.longOpen.lines > 8 && findings.props.longOpen.button === '收起', `"show all" of the long value: ${JSON.stringify(findings.props.longOpen)}`);
  await page.click('#unit-props .props-more summary');
  await page.evaluate(() => document.getElementById('selection').scrollIntoView());
  await shot('import-5-properties.png');

  // A retiring check names what it would retire: the community's other grids.
  await page.check('#import-retire_missing');
  await page.fill('#import-scope', fx.code.slice(0, 12));
  const retiring = await run('#import-send');
  findings.retiring = await page.evaluate(() => ({ summary: document.querySelector('#import-retired summary')?.textContent,
    codes: [...document.querySelectorAll('#import-retired li code')].map((c) => c.textContent) }));
  check(retiring.status === 'dry_run' && Number(retiring.counts.retired) > 0 && findings.retiring.codes.length === Number(retiring.counts.retired)
    && !findings.retiring.codes.includes(fx.code) && findings.retiring.codes.every((c) => c.startsWith(fx.code.slice(0, 12)))
    && findings.retiring.summary === `将停用 ${retiring.counts.retired} 个单元：`, `a retiring check: ${JSON.stringify({ counts: retiring.counts, ...findings.retiring })}`);
  await page.fill('#import-scope', '');
  await page.uncheck('#import-retire_missing');

  // 5. English.
  await page.click('#lang');
  findings.english = await page.evaluate(() => ({ title: document.querySelector('#import summary h2').textContent,
    status: document.getElementById('import-status').textContent, send: document.getElementById('import-send').textContent,
    message: document.getElementById('import-message').textContent, counts: document.getElementById('import-counts').innerText,
    retired: document.querySelector('#import-retired summary')?.textContent, gists: document.querySelectorAll('.import-gist').length }));
  // The last outcome is the retiring check's.
  check(findings.english.title === 'Import boundary files' && findings.english.status === 'checked' && findings.english.send === 'Check'
    && /^Checked: 0 errors, \d+ warnings?\. /.test(findings.english.message) && /retired/.test(findings.english.counts)
    && findings.english.retired === `Would retire ${retiring.counts.retired} unit${retiring.counts.retired === '1' ? '' : 's'}:`
    && findings.english.gists === 0,
  `in English: ${JSON.stringify(findings.english)}`);
  await shot('import-4-english.png');
  await page.waitForFunction(() => /Attributes/.test(document.getElementById('unit-props')?.innerText ?? ''), null, long).catch(() => {});
  findings.propsEnglish = await page.evaluate(() => document.getElementById('unit-props')?.innerText ?? '');
  check(/Attributes/.test(findings.propsEnglish) && /3 more attributes/.test(findings.propsEnglish) && /grid worker/.test(findings.propsEnglish)
    && /population/.test(findings.propsEnglish) && /楼长/.test(findings.propsEnglish),
    `the properties in English: ${findings.propsEnglish}`);
  await page.evaluate(() => document.getElementById('selection').scrollIntoView());
  await shot('import-6-properties-en.png');

  // 6. An anonymous reader: the same rows, but no phone (the API hides it).
  const anon = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await anon.goto(`${base}/#16/${mid[1]}/${mid[0]}`, { waitUntil: 'load' });
  await settled(anon, 90_000);
  findings.propsAnonymous = await propertiesOf(anon, mid);
  const anonAll = [...findings.propsAnonymous.shown, ...findings.propsAnonymous.more];
  check(findings.propsAnonymous.name === fx.name && anonAll.length === keys.length - 1 && !anonAll.some(([, , k]) => k === 'phone')
    && !findings.propsAnonymous.text.includes(fx.props['电话']) && findings.propsAnonymous.signedOut,
  `an anonymous reader's properties: ${JSON.stringify(findings.propsAnonymous)}`);
  await anon.close();
  check(errors.length === 0, `console errors: ${errors.join(' | ')}`);
} catch (err) {
  failures.push(String(err?.stack ?? err));
  if (page) await shot('import-failure.png').catch(() => {});
  if (errors.length) failures.push(`console errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
}
console.log(JSON.stringify({ ok: failures.length === 0, failures, ...findings }));
process.exit(failures.length === 0 ? 0 : 1);

// run clicks a button that sends the import and waits for the job's end;
// it returns the outcome as the panel shows it.
async function run(button) {
  const seq = await page.evaluate(() => window.gridmap.importer.job?.id ?? 0);
  await page.click(button);
  await page.waitForFunction((prev) => {
    const s = document.getElementById('import-status')?.dataset.status;
    const job = window.gridmap.importer.job;
    return job && job.id !== prev && window.gridmap.importer.phase === 'idle' && s && s !== 'queued' && s !== 'running';
  }, seq, long);
  return page.evaluate(() => ({
    status: document.getElementById('import-status').dataset.status,
    message: document.getElementById('import-message').textContent,
    counts: Object.fromEntries([...document.querySelectorAll('#import-counts td')].map((td) => [td.dataset.count, td.querySelector('strong').textContent])),
    issues: [...document.querySelectorAll('.import-issue')].map((e) => ({ severity: ['error', 'warning', 'note'].find((s) => e.classList.contains(s)),
      kind: e.dataset.kind, code: e.dataset.code, text: e.textContent })),
    commit: Boolean(document.getElementById('import-commit')),
    drawn: window.gridmap.importer.drawn,
  }));
}

// propertiesOf clicks the imported grid on page p near lngLat and returns
// its unit panel: the name, the property rows shown and those behind "N
// more" ([label, value, key]), the long value's lines and right edge.
async function propertiesOf(p, lngLat) {
  const at = await clickable(p, fx.code, lngLat);
  if (!check(at, `no place where a click picks ${fx.code}`)) return { shown: [], more: [] };
  await p.mouse.click(at.x, at.y);
  await p.waitForFunction((name) => document.getElementById('unit-name')?.textContent === name && document.getElementById('unit-props'),
    fx.name, long).catch(() => failures.push(`the unit panel of ${fx.code} has no properties`));
  return p.evaluate(() => {
    const rows = (dl) => [...(dl?.querySelectorAll('dt') ?? [])].map((dt) => [dt.textContent,
      dt.nextElementSibling.getAttribute('title') ?? dt.nextElementSibling.querySelector('.value').textContent, dt.nextElementSibling.dataset.prop]);
    const box = document.getElementById('unit-props');
    const long = box?.querySelector('dd[data-prop="备注"] .value');
    const r = long?.getBoundingClientRect();
    return { name: document.getElementById('unit-name')?.textContent, shown: rows(box?.querySelector(':scope > dl')),
      more: rows(box?.querySelector('.props-more dl')), summary: box?.querySelector('.props-more summary')?.textContent,
      longRow: r && { lines: Math.round(r.height / parseFloat(getComputedStyle(long).lineHeight)), right: r.right },
      panelRight: document.getElementById('panel').getBoundingClientRect().right,
      text: document.getElementById('unit').innerText, signedOut: Boolean(document.querySelector('#unit .note')) };
  });
}

// readRefusal reads, in the page, what the panel says after a refused upload.
function readRefusal() {
  return {
    message: document.getElementById('import-message').textContent,
    marked: document.querySelector('#import .invalid')?.id ?? null,
    send: document.getElementById('import-send').textContent,
    disabled: document.getElementById('import-send').disabled,
    result: document.getElementById('import-status')?.dataset.status ?? null,
  };
}

// refusal is what the panel says after a refused upload. shown waits for it
// to say one and reads it as it appears, in the page: a button held for a
// Retry-After of 2 s may be released before one more round trip to the
// page on a loaded machine.
async function refusal(shown = false) {
  if (!shown) return page.evaluate(readRefusal);
  const said = await page.waitForFunction(`document.querySelector('#import-message.error') && (${readRefusal})()`, null, long);
  return said.jsonValue();
}
