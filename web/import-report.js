// What the console's import panel (import.js) shows of a job: its status,
// progress, the report's metadata and counts, the units it retired or
// would retire, and its findings (severity, kind, feature, unit code,
// message), listed in the page's words and, those with a location, drawn
// on the map (a click flies there); the offer to import for real what a
// clean dry run checked, and the whole job as a JSON download.
import { t } from './i18n.js';

const SHOWN = 200; // findings listed; the map draws all, the downloaded report has all
const rank = { error: 0, warning: 1, note: 2 };
const colours = { error: '#c62828', warning: '#ef6c00', note: '#607d8b' };

/** final says whether a job's status is one it ends in. */
export const final = (s) => s && s !== 'queued' && s !== 'running';

/**
 * unreadable is the reader's message when job j was refused because its
 * file could not be read at all (truncated, not the format its name says):
 * rejected with nothing read from it — no features — and the reason in the
 * job's error (or a finding of kind unreadable). Its counts would be zeros
 * and "no problems" untrue, so neither is shown. '' for any other job.
 */
export function unreadable(j) {
  const r = j?.report;
  if (j?.status !== 'rejected' || (r?.counts?.features ?? 0) > 0) return '';
  const found = (r?.issues ?? []).find((i) => i.kind === 'unreadable');
  if (found) return found.message ?? j.error ?? '';
  return !r?.errors && j.error ? j.error : '';
}

/**
 * initReport returns the box a job is shown in (box), show(job, { offer,
 * stale }) writing it there — offer: a clean dry run's files may be
 * imported for real (commit is called to do so), stale: the form changed
 * since one — and draw(report), marking its findings on the map (drawn
 * counts them).
 */
export function initReport({ map, el, word, commit }) {
  const box = el('div', { id: 'import-result' });
  let blob = null; // the download's object URL
  let drawn = 0;

  function show(j, { offer, stale }) {
    if (!j) { box.replaceChildren(); return; }
    const r = j.report;
    const out = [el('p', { class: 'import-head' },
      el('span', { class: `badge import-st ${j.status}`, id: 'import-status', 'data-status': j.status }, t(`im.st.${j.status}`)),
      ` #${j.id} · `, el('span', { class: 'import-name' }, j.source ?? ''))];
    if (!final(j.status)) {
      out.push(el('p', { class: 'small muted' }, j.phase || t('im.st.queued'), j.total ? ` ${j.done} / ${j.total}` : ''),
        el('progress', j.total ? { max: j.total, value: j.done } : {}));
    }
    const unread = unreadable(j);
    if (unread) {
      // What it was read as, and that nothing was: no counts, no findings.
      // (The message above says it in the page's words: import.js.)
      if (r) out.push(metaOf(r));
      out.push(el('p', { class: 'small muted import-detail', id: 'import-error', 'data-unreadable': 'true' }, t('im.serverSaid', { detail: unread })));
    } else {
      if (j.error && !r?.errors) out.push(el('p', { class: 'small', id: 'import-error' }, j.error));
      if (r) out.push(...reportOf(j));
    }
    if (offer) {
      const btn = word('button', { type: 'button', id: 'import-commit', class: 'primary' }, 'im.commit');
      btn.addEventListener('click', () => commit());
      out.push(el('div', { class: 'import-offer' }, word('p', { class: 'small' }, 'im.commitHelp'), btn));
    } else if (j.status === 'dry_run' && r?.errors === 0) {
      out.push(word('p', { class: 'small import-note' }, stale ? 'im.stale' : 'im.strictStops'));
    }
    if (final(j.status)) {
      if (blob) URL.revokeObjectURL(blob);
      blob = URL.createObjectURL(new Blob([JSON.stringify(j, null, 2)], { type: 'application/json' }));
      out.push(el('p', { class: 'small' }, word('a', { href: blob, download: `import-${j.id}.json`, id: 'import-download' }, 'im.download')));
    }
    box.replaceChildren(...out);
  }

  // reportOf is what job j's report says: what the file is, the counts,
  // the units retired and the findings.
  function reportOf(j) {
    const r = j.report;
    const out = [metaOf(r)];
    // A file with errors would write nothing: what it holds, not what an import would do.
    const c = r.counts ?? {};
    const refused = r.errors > 0;
    const keys = refused ? ['features', 'repaired'] : ['features', 'created', 'changed', 'unchanged', 'retired', 'repaired'];
    out.push(word('p', { class: 'small import-counts-title' }, j.status === 'succeeded' ? 'im.countsDone' : refused ? 'im.countsRead' : 'im.countsIf'),
      el('table', { class: 'import-counts', id: 'import-counts' }, el('tr', {}, ...keys
        .map((k) => el('td', { 'data-count': k }, el('strong', {}, String(c[k] ?? 0)), el('br'), t(`im.c.${k}`))))));
    if (r.retired_units?.length) out.push(retiredList(el, r, j.status === 'succeeded'));
    out.push(findings(r));
    return out;
  }

  // metaOf is what report r says the file is.
  function metaOf(r) {
    return dl([['im.m.format', [r.format, r.layer].filter(Boolean).join(' · ')], ['im.m.crs', r.crs], ['im.m.encoding', r.encoding],
      ['im.m.levels', (r.levels ?? []).map((l) => t(l === 'enclave' ? 'ed.kind.enclave' : `level.${l}`)).join(t('listSep'))],
      ['im.m.took', r.duration_s != null ? `${r.duration_s.toFixed(1)} s` : '']]);
  }

  // findings lists the report's issues, errors first, each with its
  // feature (#index in the file), unit code and the server's message.
  function findings(r) {
    const all = [...(r.issues ?? [])].sort((a, b) => rank[a.severity] - rank[b.severity] || a.index - b.index);
    const notes = all.filter((i) => i.severity === 'note').length;
    const head = el('p', { id: 'import-summary', class: 'small' }, all.length || r.errors || r.warnings
      ? t('im.findings', { errors: r.errors ?? 0, warnings: r.warnings ?? 0, notes }) : t(r.counts?.features ? 'im.none' : 'im.noFeatures'),
    all.some((i) => i.location) ? el('span', { class: 'muted' }, ` · ${t('im.onMap')}`) : null);
    const list = el('ul', { id: 'import-issues', class: 'import-issues' }, ...all.slice(0, SHOWN).map((is) => {
      const kind = t(`wk.${is.kind}`) === `wk.${is.kind}` ? is.kind : t(`wk.${is.kind}`);
      const item = el(is.location ? 'button' : 'div', { class: `import-issue ${is.severity}`, 'data-kind': is.kind, 'data-code': is.code ?? '',
        ...(is.location ? { type: 'button', title: t('ed.showWhere') } : {}) },
      el('span', { class: `badge sev-${is.severity}` }, t(`im.sev.${is.severity}`)), ' ', el('strong', {}, kind), ' ',
      el('span', { class: 'muted' }, is.index >= 0 ? `#${is.index} ` : is.code ? '' : t('im.wholeFile')), is.code ? el('code', {}, is.code) : null,
      is.other ? ` ↔ ${is.other}` : '', is.area_m2 ? el('span', { class: 'muted' }, ` · ${area(is.area_m2)}`) : null,
      is.location ? el('span', { class: 'import-where' }, t('ed.showWhere')) : null,
      gist(is) ? el('div', { class: 'import-gist' }, gist(is)) : null,
      el('div', { class: gist(is) ? 'import-msg muted' : 'import-msg' }, is.message));
      if (is.location) item.addEventListener('click', () => map.flyTo({ center: is.location, zoom: Math.max(map.getZoom(), 16) }));
      return el('li', {}, item);
    }));
    const rest = all.length > SHOWN || r.issues_truncated ? word('p', { class: 'small muted' }, 'im.moreIssues', { n: Math.max(all.length - SHOWN, 0) }) : null;
    return el('div', {}, head, list, rest);
  }

  // draw marks the findings with a location on the map: a diamond in the
  // severity's colour, white-rimmed, above every other layer — not a dot,
  // which reads as a hazard (findingMarks).
  function draw(r) {
    const fc = { type: 'FeatureCollection', features: (r?.issues ?? []).filter((i) => i.location)
      .map((i) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: i.location }, properties: { severity: i.severity, code: i.code ?? '' } })) };
    drawn = fc.features.length;
    if (map.getSource('import-issues')) map.getSource('import-issues').setData(fc);
    else if (r) map.addSource('import-issues', { type: 'geojson', data: fc });
    else return;
    if (!map.getLayer('import-issues')) {
      findingMarks(map);
      map.addLayer({ id: 'import-issues', type: 'symbol', source: 'import-issues', layout: {
        'icon-image': ['match', ['get', 'severity'], 'error', 'finding-error', 'warning', 'finding-warning', 'finding-note'],
        'icon-allow-overlap': true, 'icon-ignore-placement': true,
        'symbol-sort-key': ['match', ['get', 'severity'], 'error', 3, 'warning', 2, 1] } }); // errors on top
    }
    map.moveLayer('import-issues'); // above what was added since (edit mode's, the audit's)
  }

  const dl = (rows) => el('dl', { class: 'small' }, ...rows.filter(([, v]) => v).flatMap(([k, v]) => [el('dt', {}, t(k)), el('dd', {}, v)]));

  return { box, show, draw, get drawn() { return drawn; } };
}

// findingMarks adds the map's images of findings (finding-error,
// finding-warning, finding-note): a diamond of the severity's colour with
// a white rim and a thin dark edge, "!" (or "i" for a note) inside, drawn at
// twice its size for sharp edges. Hazards are round dots; these are not.
function findingMarks(map) {
  const px = 2;
  const size = 24 * px;
  const m = size / 2;
  const r = m - 3 * px;
  for (const [sev, colour] of Object.entries(colours)) {
    const id = `finding-${sev}`;
    if (map.hasImage(id)) continue;
    const canvas = Object.assign(document.createElement('canvas'), { width: size, height: size });
    const g = canvas.getContext('2d');
    g.beginPath();
    g.moveTo(m, m - r); g.lineTo(m + r, m); g.lineTo(m, m + r); g.lineTo(m - r, m);
    g.closePath();
    g.lineJoin = 'round';
    g.lineWidth = 4.5 * px; g.strokeStyle = 'rgba(0,0,0,.6)'; g.stroke();
    g.lineWidth = 2.5 * px; g.strokeStyle = '#fff'; g.stroke();
    g.fillStyle = colour; g.fill();
    g.fillStyle = '#fff';
    g.font = `bold ${11 * px}px sans-serif`;
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(sev === 'note' ? 'i' : '!', m, m + 0.5 * px);
    map.addImage(id, g.getImageData(0, 0, size, size), { pixelRatio: px });
  }
}

function area(m2) {
  return m2 >= 1e6 ? `${(m2 / 1e6).toFixed(3)} km²` : `${m2 >= 10 ? m2.toFixed(0) : m2.toFixed(2)} m²`;
}

// gist says a finding in the page's language from its fields, where the
// server's message is English prose (a newcomer read English sentences in
// the Chinese console); the message stays beneath it. '' when the page is
// in the message's language, or the kind has no gist.
function gist(is) {
  const key = `wg.${is.kind}${is.kind === 'sliver' && is.severity === 'note' ? '.before' : ''}${is.lies_in ? '.in' : ''}`;
  const s = t(key, { other: is.other ?? '', area: is.area_m2 ? area(is.area_m2) : '', in: is.lies_in ?? '' });
  return s === key ? '' : s;
}

// retiredList names the units an import retired, or would retire (its
// report lists them, the counts count them); el makes elements (dom.js).
function retiredList(el, r, done) {
  const units = r.retired_units;
  const shown = units.slice(0, 50);
  const more = (r.counts?.retired ?? units.length) - shown.length;
  return el('details', { class: 'import-retired', id: 'import-retired', open: '' },
    el('summary', { class: 'small' }, t(done ? 'im.retiredDone' : 'im.retiredIf', { n: r.counts?.retired ?? units.length })),
    el('ul', { class: 'small' }, ...shown.map((u) => el('li', {}, el('code', {}, u.code), ` ${u.name}`)),
      more > 0 ? el('li', { class: 'muted' }, t('im.retiredMore', { n: more })) : null));
}
