// Importing boundary files in the console (导入边界文件), shown only to a token
// that may edit boundaries (GET /v1/me): pick a .zip, .geojson/.json, .gpkg
// or a shapefile's parts (or drop them anywhere on the page), choose the
// options of POST /v1/imports (api/imports.go) and send them — a dry run
// unless that box is cleared. The job is polled (GET /v1/imports/{id}) and
// its outcome shown: status, counts and the report's findings (severity,
// kind, feature, unit code, message; those with a location are drawn on the
// map, a click flies there). A dry run without errors offers to import the
// very files and options checked for real; a committed import reloads the
// tiles at its data version. Refusals (application/problem+json) say the
// server's detail and field; 429 and 503 hold the button for Retry-After.
// This file holds the form, the upload and the polling; which files an
// import takes is import-files.js's, what a job shows import-report.js's.
import './edit-words.js'; // first: what it adds is read as the modules below load
import { exts, pickFiles, problems, unsendable, size } from './import-files.js';
import { initReport, final, unreadable } from './import-report.js';
import { t, said } from './i18n.js';
import { whoami } from './me.js';
import { refusalText } from './refusal.js';

const levels = ['', 'district', 'street', 'community', 'grid', 'microgrid', 'enclave'];
const encodings = ['', 'utf-8', 'gbk', 'gb18030'];
const systems = [['wgs84', 'WGS 84'], ['cgcs2000', 'CGCS2000 (EPSG:4490)'], ['gcj02', 'GCJ-02'], ['bd09', 'BD-09'],
  ['EPSG:4548', 'CGCS2000 3° GK CM 117E'], ['EPSG:4527', 'CGCS2000 3° GK zone 39']];
const more = ['code_field', 'name_field', 'parent_field', 'level_field', 'props', 'managing_field', 'status_field', 'reason_field', 'min_area', 'min_width'];
const tolerance = { min_area: '10', min_width: '1' }; // geo.DefaultTolerance
const problemFields = { 'tolerance.area_m2': 'min_area', 'tolerance.width_m': 'min_width' };
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

export function initImport({ map, api, el, authHeaders, reloadTiles }) {
  // phase: idle · uploading · running (polling a job). checked: the files
  // and fields of the last clean dry run, offered for a real import; stale:
  // the form changed since.
  const st = { phase: 'idle', files: [], job: null, sent: null, checked: null, stale: false, holdUntil: 0, seq: 0, who: 0, said: null, xhr: null };
  const $ = (id) => document.getElementById(id);
  const section = $('import');
  const word = (tag, attrs, name, vars) => el(tag, { ...attrs, ...said(name, vars) }, t(name, vars));
  const ph = (name) => ({ 'data-i18n-ph': name, placeholder: t(name) });
  const option = (value, name, text) => el('option', { value, ...(name ? said(name) : {}) }, name ? t(name) : text);

  const input = el('input', { type: 'file', id: 'import-file', multiple: '', accept: exts.join(','), hidden: '' });
  const pick = word('button', { type: 'button', id: 'import-pick' }, 'im.pick');
  const files = el('ul', { id: 'import-files' });
  const hints = el('ul', { id: 'import-hints', class: 'small' });
  const ctl = {
    level: el('select', {}, ...levels.map((v) => option(v, v ? (v === 'enclave' ? 'ed.kind.enclave' : `level.${v}`) : 'im.autoLevel'))),
    srs: el('input', { list: 'import-srs-list', spellcheck: 'false', ...ph('im.autoSrs') }),
    encoding: el('select', {}, ...encodings.map((v) => option(v, v ? null : 'im.autoEnc', v.toUpperCase()))),
    layer: el('input', { spellcheck: 'false', ...ph('im.layerPh') }),
    strict: el('input', { type: 'checkbox' }),
    retire_missing: el('input', { type: 'checkbox' }),
    scope: el('input', { spellcheck: 'false', inputmode: 'numeric', ...ph('im.scopePh') }),
    ...Object.fromEntries(more.map((k) => [k, el('input', { spellcheck: 'false', ...(tolerance[k] ? { inputmode: 'decimal', placeholder: tolerance[k] } : ph('im.guess')) })])),
  };
  for (const [k, c] of Object.entries(ctl)) Object.assign(c, { id: `import-${k}`, name: k });
  const dry = el('input', { type: 'checkbox', id: 'import-dry_run', checked: '' });
  const labelled = (k, name) => el('label', { class: 'import-field' }, word('span', {}, name), ctl[k]);
  const check = (box, name) => el('label', { class: 'small edit-check' }, box, ' ', word('span', {}, name));
  const sendBtn = el('button', { type: 'button', id: 'import-send', class: 'primary' });
  const cancelBtn = word('button', { type: 'button', id: 'import-cancel', hidden: '' }, 'im.cancel');
  const clearBtn = word('button', { type: 'button', id: 'import-clear' }, 'im.clear');
  const advanced = el('details', { class: 'import-more' }, el('summary', {}, word('span', {}, 'im.more')),
    el('div', { class: 'import-grid' }, ...more.map((k) => labelled(k, `im.f.${k}`))));
  const message = el('div', { id: 'import-message', role: 'status', 'aria-live': 'polite' });
  // The job's outcome (import-report.js); its offer imports for real what a clean dry run checked.
  const report = initReport({ map, el, word, commit: () => {
    const n = st.job?.report?.counts?.retired ?? 0;
    if (n > 0 && !confirm(t('im.confirmRetire', { n }))) return;
    send(st.checked.files, { ...st.checked.fields, dry_run: 'false' });
  } });
  const form = el('form', { id: 'import-form' },
    el('div', { id: 'import-drop', class: 'import-drop' }, word('p', {}, 'im.drop'), pick, input, word('p', { class: 'muted small' }, 'im.kinds')),
    files, hints,
    el('div', { class: 'import-grid' }, labelled('level', 'im.level'), labelled('srs', 'im.srs'), labelled('encoding', 'im.encoding'), labelled('layer', 'im.layer')),
    el('datalist', { id: 'import-srs-list' }, ...systems.map(([v, label]) => el('option', { value: v }, label))),
    check(ctl.strict, 'im.strict'), check(ctl.retire_missing, 'im.retire'),
    el('label', { class: 'import-field import-scope' }, word('span', {}, 'im.scope'), ctl.scope),
    advanced, check(dry, 'im.dry'),
    el('p', { class: 'edit-row' }, sendBtn, cancelBtn, clearBtn));
  section.append(el('div', { class: 'import-body' }, form, message, report.box));

  pick.addEventListener('click', () => input.click());
  input.addEventListener('change', () => { addFiles(input.files); input.value = ''; });
  form.addEventListener('submit', (e) => e.preventDefault());
  form.addEventListener('input', (e) => (e.target === input ? null : e.target === dry ? render() : changed()));
  sendBtn.addEventListener('click', () => send(st.files, fields()));
  cancelBtn.addEventListener('click', () => st.xhr?.abort());
  clearBtn.addEventListener('click', () => { st.files = []; changed(); say('', ''); });

  // Files dropped anywhere on the page come here while the panel is shown
  // (rather than the browser leaving the console to open them).
  const carriesFiles = (e) => !section.hidden && [...(e.dataTransfer?.types ?? [])].includes('Files');
  let dragEnd = 0;
  document.addEventListener('dragover', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    section.classList.add('dropping');
    clearTimeout(dragEnd);
    dragEnd = setTimeout(() => section.classList.remove('dropping'), 300);
  });
  document.addEventListener('drop', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    Object.assign(section, { open: true }).classList.remove('dropping');
    addFiles(e.dataTransfer.files);
    section.scrollIntoView({ block: 'nearest' });
  });

  // ---- the files ---------------------------------------------------------
  function addFiles(list) {
    const { files: picked, skipped, side } = pickFiles(st.files, list);
    st.files = picked;
    changed();
    if (skipped.length) say('error', () => t('im.skipped', { names: skipped.join(', ') }));
    else say(side.length ? 'info' : '', side.length ? () => t('im.sideFiles', { names: side.join(', ') }) : '');
  }

  function renderFiles() {
    files.replaceChildren(...st.files.map((f) => {
      const rm = el('button', { type: 'button', class: 'linklike', title: t('im.remove'), 'aria-label': `${t('im.remove')} ${f.name}` }, '✕');
      rm.addEventListener('click', () => { st.files = st.files.filter((g) => g !== f); changed(); });
      return el('li', {}, el('span', { class: 'import-name' }, f.name), el('span', { class: 'muted' }, size(f.size)), rm);
    }));
    hints.replaceChildren(...problems(st.files, ctl.srs.value.trim()).map((p) => el('li', {}, p)));
  }

  // changed: the files or options differ from what the last dry run checked.
  function changed() {
    for (const c of form.querySelectorAll('.invalid')) c.classList.remove('invalid');
    if (st.checked) { st.checked = null; st.stale = true; renderJob(); }
    render();
  }

  // fields are the form's options as POST /v1/imports takes them.
  function fields() {
    const f = { dry_run: String(dry.checked) };
    for (const [k, c] of Object.entries(ctl)) {
      if (c.type === 'checkbox') { if (c.checked) f[k] = 'true'; } else if (c.value.trim()) f[k] = c.value.trim();
    }
    if (!f.retire_missing) delete f.scope;
    return f;
  }

  // ---- sending and following the job ---------------------------------------
  async function send(list, f) {
    if (st.phase !== 'idle' || Date.now() < st.holdUntil || list.length === 0) return;
    const seq = ++st.seq;
    const body = new FormData();
    for (const [k, v] of Object.entries(f)) body.append(k, v);
    for (const file of list) body.append('file', file, file.name);
    const before = { sent: st.sent, job: st.job, checked: st.checked, stale: st.stale }; // back if no job starts
    Object.assign(st, { phase: 'uploading', sent: { files: [...list], fields: f }, job: null, checked: null, stale: false });
    report.draw(null);
    renderJob();
    say('info', () => t('im.uploading', { pct: 0 }));
    render();
    const back = () => { Object.assign(st, { phase: 'idle', ...before }); renderJob(); };
    let res;
    try {
      res = await post(body, (pct) => say('info', () => t('im.uploading', { pct })));
    } catch (err) {
      back();
      say('error', () => t(err.name === 'AbortError' ? 'im.cancelled' : 'im.unreachable'));
      return render();
    }
    if (res.status !== 202 || !res.body?.id) { back(); refused(res); return render(); }
    Object.assign(st, { phase: 'running', job: res.body });
    say('info', () => t('im.queued', { id: res.body.id }));
    renderJob();
    render();
    follow(seq, res.body.id);
  }

  // post sends the upload with XMLHttpRequest, whose upload progress fetch
  // does not give; it resolves with the status, headers and JSON body.
  function post(body, progress) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      st.xhr = x;
      x.open('POST', api('v1/imports'));
      for (const [k, v] of Object.entries({ Accept: 'application/json, application/problem+json', ...authHeaders() })) x.setRequestHeader(k, v);
      x.upload.onprogress = (e) => { if (e.lengthComputable) progress(Math.floor((100 * e.loaded) / e.total)); };
      x.onload = () => {
        let json = null;
        try { json = JSON.parse(x.responseText); } catch { /* not JSON: said by status */ }
        resolve({ status: x.status, header: (n) => x.getResponseHeader(n), body: json });
      };
      x.onerror = () => reject(new Error('network'));
      x.onabort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
      x.send(body);
    }).finally(() => { st.xhr = null; });
  }

  // follow polls the job until it ends, waiting longer while it runs and
  // as long as a 429 or 503 asks; a lost connection is tried again.
  async function follow(seq, id) {
    let wait = 300;
    for (;;) {
      await sleep(wait);
      if (seq !== st.seq) return;
      const res = await fetch(api(`v1/imports/${id}`), { headers: { Accept: 'application/json', ...authHeaders() }, cache: 'no-store' }).catch(() => null);
      const body = await res?.json().catch(() => null);
      if (seq !== st.seq) return;
      if (!res) { say('info', () => t('im.reconnecting', { id })); wait = Math.min(wait * 2, 5000); continue; }
      if (res.status === 429 || res.status === 503) { wait = 1000 * (retryAfter(res.headers.get('Retry-After')) ?? 2); continue; }
      if (!res.ok || !body) { st.phase = 'idle'; say('error', () => t('im.lost', { id, detail: body?.detail ?? `HTTP ${res.status}` })); return render(); }
      st.job = body;
      if (final(body.status)) break;
      renderJob();
      wait = Math.min(wait * 1.5, 2000);
    }
    finished(st.job);
  }

  function finished(job) {
    const r = job.report;
    const strictStops = st.sent.fields.strict && r?.warnings > 0;
    st.phase = 'idle';
    st.checked = job.status === 'dry_run' && r && r.errors === 0 && !strictStops ? st.sent : null;
    if (job.status === 'succeeded') reloadTiles(r?.index_version || null);
    const kind = { dry_run: r?.errors || r?.warnings ? 'info' : 'ok', succeeded: 'ok' }[job.status] ?? 'error';
    // A rejection with errors in its report is said in these words; one
    // without (the database refused the write) by the job's error.
    const counted = { errors: r?.errors ?? 0, warnings: r?.warnings ?? 0 };
    // A file that could not be read is said so in the page's words; the
    // reader's (English) message is the detail in the job's card.
    if (unreadable(job)) say('error', () => t('im.unreadable'));
    else say(kind, () => t(`im.done.${job.status}`, { ...counted, why: job.status === 'rejected' && r?.errors ? t('im.rejectedN', counted) : job.error ?? '',
      created: r?.counts?.created ?? 0, changed: r?.counts?.changed ?? 0, retired: r?.counts?.retired ?? 0 }));
    report.draw(r);
    renderJob();
    render();
  }

  // refused says why the server did not take the upload.
  function refused(res) {
    const b = res.body ?? {};
    const detail = (res.status === 401 && refusalText(b)) || (b.detail ?? b.title ?? `HTTP ${res.status}`);
    const field = b.field ? t('ed.fieldNote', { field: b.field }) : '';
    const secs = retryAfter(res.header('Retry-After')) ?? (res.status === 429 || res.status === 503 ? 5 : 0);
    if (secs) hold(secs);
    const key = { 400: 'im.e400', 422: 'im.e400', 401: 'im.e401', 403: 'im.e403', 413: 'im.e413', 429: 'im.e429', 503: 'im.e503' }[res.status] ?? 'im.eOther';
    say('error', () => t(key, { detail, field, secs, status: res.status }));
    const c = b.field === 'file' || b.field === 'body' ? $('import-drop') : ctl[problemFields[b.field] ?? b.field];
    if (c) { c.classList.add('invalid'); advanced.open ||= more.includes(c.name); c.focus?.(); }
  }

  // hold keeps the buttons off for secs seconds, counting down on them.
  function hold(secs) {
    st.holdUntil = Date.now() + secs * 1000;
    const tick = setInterval(() => { render(); if (Date.now() >= st.holdUntil) clearInterval(tick); }, 1000);
  }

  // ---- the outcome ---------------------------------------------------------
  function renderJob() {
    report.show(st.job, { offer: Boolean(st.checked), stale: st.stale });
  }

  // ---- the panel -------------------------------------------------------------
  function render() {
    const wait = Math.ceil((st.holdUntil - Date.now()) / 1000);
    const blocked = unsendable(st.files);
    sendBtn.disabled = st.phase !== 'idle' || blocked || wait > 0;
    sendBtn.textContent = wait > 0 ? t('im.wait', { secs: wait }) : st.phase !== 'idle' ? t('im.busy') : t(dry.checked ? 'im.check' : 'im.import');
    sendBtn.classList.toggle('danger', !dry.checked);
    const commit = $('import-commit');
    if (commit) Object.assign(commit, { disabled: st.phase !== 'idle' || wait > 0, textContent: wait > 0 ? t('im.wait', { secs: wait }) : t('im.commit') });
    cancelBtn.hidden = st.phase !== 'uploading';
    clearBtn.disabled = st.phase === 'uploading' || st.files.length === 0;
    ctl.scope.disabled = !ctl.retire_missing.checked;
    renderFiles();
  }

  // say shows a message; text is a string or a function writing it in the
  // language chosen (written again by relabel).
  function say(kind, text) {
    st.said = { kind, text };
    message.className = kind ? `edit-msg ${kind}` : '';
    message.replaceChildren(typeof text === 'function' ? text() : text);
  }

  // refresh shows the panel to a token that may edit boundaries, and hides
  // it from anybody else (no token, a viewer's, one the server refuses).
  async function refresh() {
    const n = ++st.who;
    let may = false;
    const tok = authHeaders().Authorization?.replace(/^Bearer /, '');
    if (tok) {
      const { me } = await whoami(api, tok);
      may = Boolean(me?.permissions?.includes('edit_boundaries'));
    }
    if (n !== st.who) return;
    section.hidden = !may;
    section.dataset.may = String(may);
  }

  render();
  refresh();
  return {
    refresh,
    relabel() { render(); renderJob(); if (st.said) say(st.said.kind, st.said.text); },
    // For the browser test and operators' consoles.
    get phase() { return st.phase; },
    get job() { return st.job; },
    get drawn() { return report.drawn; }, // the findings marked on the map
  };
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) as whole seconds.
function retryAfter(v) {
  if (!v) return null;
  const secs = /^\d+$/.test(v.trim()) ? Number(v) : Math.ceil((Date.parse(v) - Date.now()) / 1000);
  return Number.isFinite(secs) ? Math.max(1, secs) : null;
}
