// The merge step of the dashboard's topology test (2), run by
// topology.test.mjs after the move: two of the grids that are siblings are
// merged with the merge tool (the second picked on the map): 200, sent with
// a client_id that is a UUID; one code is retired (GET: 404), the other has
// a new version — and the unit panel says which of the two the neighbour it
// shows became.
//
// It takes topology.test.mjs's env (page, long, failures, findings, check,
// isUUID, shot, settled, unit, loadUnit, panelShows, panelVersion), the two
// sibling grids and the code of the neighbour the unit panel shows.

/** mergeSteps: step 2, above; pair is [kept, retired]. */
export async function mergeSteps(env, pair, watched) {
  const { page, long, failures, findings, check, isUUID, shot, settled, unit, loadUnit, panelShows, panelVersion } = env;
  const [keep, drop] = pair;
  const before = await Promise.all(pair.map((c) => unit(c)));
  await loadUnit(keep);
  await page.click('#edit-merge');
  await page.waitForFunction(() => window.gridmap.editor.phase === 'merging', null, long);
  await settled();
  const label = await page.evaluate((code) => {
    const { map } = window.gridmap;
    const f = map.queryRenderedFeatures({ layers: ['grid-fill'] }).find((x) => x.properties.code === code);
    if (!f) return null;
    // a point inside the grid: the middle of its rendered label, else of its bounds
    const lbl = map.querySourceFeatures('gridmap', { sourceLayer: 'grid_label' }).find((x) => x.properties.code === code);
    const c = lbl ? lbl.geometry.coordinates : null;
    const p = map.project(c ?? f.geometry.coordinates[0][0]);
    const r = map.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, drop);
  if (label) {
    await page.mouse.click(label.x, label.y);
  } else {
    await page.fill('#edit-merge-form [name=add]', drop);
    await page.click('#edit-merge-add');
  }
  await page.waitForFunction(() => document.querySelectorAll('#edit-merge-list li').length === 2, null, long)
    .catch(() => failures.push(`${drop} was not picked for the merge`));
  findings.mergePickedOnMap = Boolean(label);
  await page.waitForTimeout(300);
  await shot('topology-4-merge-picked.png');
  const [merged] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/units:merge'), long),
    page.click('#edit-merge-go'),
  ]);
  const mergeBody = await merged.json().catch(() => null);
  findings.merge = { status: merged.status(), sent: JSON.parse(merged.request().postData()), retired: mergeBody?.retired };
  check(merged.status() === 200, `merge answered ${merged.status()}: ${JSON.stringify(mergeBody)}`);
  check(isUUID(findings.merge.sent.client_id), `the merge was sent with client_id ${findings.merge.sent.client_id}, want a UUID`);
  await page.waitForSelector('#edit-message.ok', long);
  findings.merged = await page.textContent('#edit-message');
  const [k, d] = [await unit(keep), await unit(drop)];
  check(k.status === 200 && k.feature.properties.version === before[0].feature.properties.version + 1, `GET ${keep} after the merge: ${k.status} v${k.feature?.properties.version}`);
  check(d.status === 404, `GET ${drop} after the merge: ${d.status}, want 404 (retired)`);
  // The neighbour in the unit panel: kept (a new version) or merged away.
  if (pair.includes(watched)) {
    if (watched === keep) await panelVersion(String(k.feature?.properties.version)).catch(() => {});
    else await page.waitForSelector('#unit-gone', long).catch(() => {});
    findings.panelMerged = await panelShows();
    check(watched === keep ? findings.panelMerged.version === String(k.feature?.properties.version) && !findings.panelMerged.gone : findings.panelMerged.gone,
      `after the merge the unit panel shows ${JSON.stringify(findings.panelMerged)} for ${watched} (${watched === keep ? 'kept' : 'retired'})`);
  }
  await settled();
  await shot('topology-5-merged.png');
}
