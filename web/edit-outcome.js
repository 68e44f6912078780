// What edit mode (edit.js) shows of a save's answer: the validation
// warnings, listed and marked on the map (click one to fly to it), and,
// when someone else saved meanwhile (a 412, or a 409 naming the current
// version), their version drawn as a dashed outline with who, when and
// which version, to be reloaded or saved over.
import { t, locale } from './i18n.js';
import { inChina, dateAndTime } from './chinatime.js';
import { refusalText } from './refusal.js';

const empty = () => ({ type: 'FeatureCollection', features: [] });

export function initOutcome({ map, el, word, say, target, load, saveOver, focusToken, holdSaves }) {
  // Overlays of our own: the other person's version (dashed) and the spots
  // of the warnings. terra-draw's layers go above them.
  map.addSource('edit-theirs', { type: 'geojson', data: empty() });
  map.addSource('edit-issues', { type: 'geojson', data: empty() });
  map.addLayer({ id: 'edit-theirs-fill', type: 'fill', source: 'edit-theirs', paint: { 'fill-color': '#ef6c00', 'fill-opacity': 0.08 } });
  map.addLayer({ id: 'edit-theirs-line', type: 'line', source: 'edit-theirs',
    paint: { 'line-color': '#e65100', 'line-width': 3, 'line-dasharray': [2, 1.5] } });
  map.addLayer({ id: 'edit-issues-ring', type: 'circle', source: 'edit-issues', filter: ['==', ['get', 'focus'], true],
    paint: { 'circle-radius': 18, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': '#d84315', 'circle-stroke-width': 3 } });
  map.addLayer({ id: 'edit-issues-dot', type: 'circle', source: 'edit-issues',
    paint: { 'circle-radius': 7, 'circle-color': '#f57c00', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });

  const conflictBox = el('div', { id: 'edit-conflict', class: 'edit-conflict', hidden: '' });
  const warningsBox = el('div', { id: 'edit-warnings', hidden: '' }, word('h3', {}, 'ed.warnings'), el('ul', {}));
  let spots = []; // the warnings' points, as drawn

  // refused says why a save was refused: a 401 sends the editor to the
  // token field, a 429 holds Save for its Retry-After, a conflict naming
  // the current version is drawn, anything else is said with the spot it
  // names, if any.
  function refused(res, body) {
    const code = target().code;
    const detail = body?.detail ?? body?.title ?? `HTTP ${res.status}`;
    switch (res.status) {
      case 401:
        say('error', () => t('ed.e401', { detail: refusalText(body) || detail }));
        focusToken();
        return;
      case 403:
        say('error', () => t('ed.e403', { code, detail }));
        return;
      case 429: {
        const secs = Math.max(1, parseInt(res.headers.get('Retry-After') ?? '1', 10) || 1);
        holdSaves(secs);
        say('error', () => t('ed.e429', { secs }));
        return;
      }
      case 412:
      case 409:
        if (body?.current) {
          showConflict(res, body);
          return;
        }
        say('error', () => (res.status === 412 ? t('ed.gone', { code, detail }) : t('ed.notSaved', { detail })));
        return;
      default:
        say('error', () => t('ed.notSaved', { detail: problemText(res, body) }), locationIn(body?.detail));
    }
  }

  // showConflict draws the version that won and offers to continue from it.
  function showConflict(res, body) {
    const cur = body.current;
    const p = cur.properties ?? {};
    // In China time, as the console's other times, whatever the browser's zone.
    const when = p.valid_from ? `${inChina(locale(), dateAndTime).format(new Date(p.valid_from))}${t('ed.chinaTime')}` : t('ed.unknown');
    const theirEtag = res.headers.get('ETag') ?? `"v${p.version}"`;
    showTheirs(cur);
    const reloadBtn = word('button', { type: 'button', id: 'edit-reload-theirs', class: 'primary' }, 'ed.reloadTheirs');
    const overBtn = word('button', { type: 'button', id: 'edit-save-over' }, 'ed.saveOver');
    reloadBtn.addEventListener('click', () => {
      try {
        load(cur, theirEtag);
        say('info', () => t('ed.loadedTheirs', { version: p.version, code: p.code }));
      } catch (err) {
        say('error', err.message);
      }
    });
    overBtn.addEventListener('click', () => saveOver(theirEtag));
    conflictBox.replaceChildren(
      el('p', {}, res.status === 412 ? word('strong', {}, 'ed.someoneElse') : el('strong', {}, `⚠ ${body.detail ?? t('ed.conflict')}`)),
      dl([['ed.theirVersion', `v${p.version}`], ['ed.savedBy', p.created_by || t('ed.unknown')], ['ed.savedAt', when],
        ['ed.youEdited', res.status === 412 ? `v${String(target().etag).replace(/\D/g, '')}` : '—']]),
      word('p', { class: 'small' }, 'ed.theirsDrawn'),
      el('p', { class: 'edit-row' }, reloadBtn, overBtn));
    conflictBox.hidden = false;
    say('error', () => t('ed.nowAt', { code: p.code, version: p.version }));
  }

  // showTheirs draws another person's version (null: none, and no conflict).
  function showTheirs(feature) {
    map.getSource('edit-theirs')?.setData(feature ? { type: 'FeatureCollection', features: [feature] } : empty());
    if (!feature) {
      conflictBox.hidden = true;
      conflictBox.replaceChildren();
    }
  }

  let shown = []; // the warnings listed, to write again in another language
  function showWarnings(warnings) {
    shown = warnings;
    const ul = warningsBox.querySelector('ul');
    ul.replaceChildren();
    const points = [];
    warnings.forEach((w, i) => {
      const loc = w.location;
      if (loc) points.push({ type: 'Feature', id: i, geometry: { type: 'Point', coordinates: loc }, properties: { i, focus: false } });
      const btn = el('button', { type: 'button', class: 'edit-warning', 'data-kind': w.kind }, el('span', { class: 'badge warn' }, warningKind(w)),
        ' ', warningText(w));
      if (loc) btn.addEventListener('click', () => focusOn(loc, i));
      else btn.disabled = true;
      ul.append(el('li', {}, btn));
    });
    spots = points;
    map.getSource('edit-issues')?.setData({ type: 'FeatureCollection', features: points });
    warningsBox.hidden = warnings.length === 0;
  }

  // focusOn flies to a spot (warning number index, or an error's) and rings it.
  function focusOn(loc, index = -1) {
    const features = spots.map((f) => ({ ...f, properties: { ...f.properties, focus: f.properties.i === index } }));
    if (index < 0) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: loc }, properties: { i: -1, focus: true } });
    map.getSource('edit-issues')?.setData({ type: 'FeatureCollection', features });
    map.flyTo({ center: loc, zoom: Math.max(map.getZoom(), 16), duration: 600 });
    document.querySelectorAll('.edit-warning').forEach((b, i) => b.classList.toggle('focused', i === index));
  }

  // dl lists [word name, value] rows.
  function dl(rows) {
    const d = el('dl');
    for (const [k, v] of rows) d.append(word('dt', {}, k), el('dd', {}, String(v)));
    return d;
  }

  // relabel lists the warnings again in the language now chosen.
  const relabel = () => showWarnings(shown);

  return { conflictBox, warningsBox, refused, showTheirs, showWarnings, focusOn, relabel };
}

// problemText is a problem+json answer's title, detail and field.
export function problemText(res, body) {
  if (!body) return `HTTP ${res.status}`;
  return `${[body.title, body.detail].filter(Boolean).join(': ')}${body.field ? t('ed.fieldNote', { field: body.field }) : ''}`;
}

// locationIn finds "at LNG,LAT" in a problem's detail (an invalid boundary
// names the spot of the self-intersection).
function locationIn(detail) {
  const m = /at (-?\d+(?:\.\d+)?),\s*(-?\d+(?:\.\d+)?)/.exec(detail ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

// warningKind is a warning's kind in the page's language.
function warningKind(w) {
  const k = t(`wk.${w.kind}`);
  return k === `wk.${w.kind}` ? w.kind : k;
}

// warningText is a warning in the page's language: the server's message
// (English), or Chinese words for the kinds whose fields say it all.
function warningText(w) {
  const parent = (code) => code.slice(0, code.length - 3); // codes nest: 6, 9, 12, 15 digits
  let key = `wm.${w.kind}`;
  if (w.kind === 'overlap' && w.code && w.other && parent(w.code) !== parent(w.other)) key = 'wm.overlapAcross';
  if (w.kind === 'outside_parent' && w.lies_in) key = 'wm.outsideInto';
  const zh = t(key, { other: w.other ?? '', parent: parent(w.other ?? ''), in: w.lies_in, area: areaText(w.area_m2 ?? 0) });
  return zh && zh !== key && (w.kind === 'gap' || w.other) ? zh : w.message;
}

// areaText is an area as the server's messages give it (geo.FormatArea).
function areaText(m2) {
  if (m2 >= 1e6) return `${(m2 / 1e6).toFixed(3)} km²`;
  return m2 >= 10 ? `${m2.toFixed(0)} m²` : `${m2.toFixed(2)} m²`;
}
