// The report form: kind, a category picker over the national code list
// (search, the worker's recent ones first), severity, description, photos
// from the camera, and the point — from GPS, with a draggable pin — with
// the resolver's answer for it shown before sending. Submitting queues the
// photos and the report together; the outbox sends them when it can.
import { getJSON, uuid } from './net.js';
import { kvGet, kvSet, enqueue, outbox } from './store.js';
import { t } from './i18n.js';
import { prepare, photoItems, photoBlobs } from './photos.js';
import { here, pin, resolve, showAnswer, distance } from './home.js';
import { syncNow, notify } from './sync.js';

const $ = (id) => document.getElementById(id);
const form = { category: null, photos: [], point: null, dragged: false, marker: null };
let categories = [];

/** loadCategories fetches the code list, or uses the copy kept for offline use. */
export async function loadCategories() {
  try {
    const c = await getJSON('v1/categories');
    categories = c.categories;
    await kvSet('categories', categories);
  } catch {
    categories = (await kvGet('categories')) ?? [];
  }
  await renderCategories();
}

async function renderCategories() {
  const kind = $('r-kind').value;
  const q = $('r-search').value.trim().toLowerCase();
  const recent = (await kvGet('recent')) ?? [];
  const fits = categories.filter((c) => c.kinds.includes(kind) &&
    (!q || c.code.toLowerCase().includes(q) || c.name.includes(q) || c.class_name.includes(q)));
  fits.sort((a, b) => rank(recent, a) - rank(recent, b));
  const list = $('r-categories');
  list.replaceChildren(...fits.slice(0, 30).map((c) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `cat${form.category === c.code ? ' chosen' : ''}${recent.includes(c.code) ? ' recent' : ''}`;
    b.dataset.code = c.code;
    b.innerHTML = `<strong></strong> <span class="muted"></span>`;
    b.firstChild.textContent = c.name;
    b.lastChild.textContent = `${c.class_name} · ${c.code}`;
    b.onclick = () => { form.category = c.code; renderCategories(); };
    return b;
  }));
}

const rank = (recent, c) => (recent.includes(c.code) ? recent.indexOf(c.code) : 1000);

/** initReport wires the form; map is the app's map, moved into the form while it shows. */
export function initReport(map, me) {
  $('r-kind').onchange = renderCategories;
  $('r-search').oninput = renderCategories;
  $('r-photo').onchange = async (e) => {
    for (const f of e.target.files) form.photos.push(await prepare(f));
    e.target.value = '';
    renderPhotos();
  };
  $('r-submit').onclick = () => submit(me);
  // Until the worker drags the pin, it follows the phone.
  here.listeners.add((fix) => {
    if (form.marker && !form.dragged && (!form.point || distance(form.point, fix.point) > 10)) moveTo(fix.point);
  });
  return {
    show() {
      const at = form.point ?? here.fix?.point ?? map.getCenter().toArray();
      form.marker ??= pin(map, at, (p) => { form.dragged = true; moveTo(p); });
      form.marker.setLngLat(at);
      map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 16), duration: 0 });
      if (here.fix || form.point) moveTo(at);
    },
    hide() { form.marker?.remove(); form.marker = null; },
  };
}

async function moveTo(p) {
  form.point = p;
  form.marker?.setLngLat(p);
  const res = await resolve(p);
  const el = $('r-answer');
  if (res) showAnswer(el, res); else el.textContent = t('report.answeroffline');
}

function renderPhotos() {
  $('r-photos').replaceChildren(...form.photos.map((p) => Object.assign(document.createElement('img'), { src: p.preview, alt: '' })));
}

async function submit(me) {
  const msg = $('r-message');
  if (!form.category) { msg.textContent = t('report.need'); return; }
  const point = form.dragged ? form.point : (here.fix?.point ?? form.point);
  if (!point) { msg.textContent = t('report.nofix'); return; }
  const report = { id: uuid(), kind: $('r-kind').value, category: form.category,
    severity: Number(document.querySelector('input[name=r-sev]:checked').value), description: $('r-description').value,
    point, crs: 'wgs84', observed_at: new Date().toISOString(), attachments: form.photos.map((p) => p.checksum) };
  if (here.fix && !form.dragged) report.accuracy_m = Math.round(here.fix.accuracy);
  const label = `${form.category} ${report.description.slice(0, 20)}`;
  await enqueue([...photoItems(form.photos, label), { id: report.id, kind: 'report', label, body: report }], photoBlobs(form.photos));
  const recent = ((await kvGet('recent')) ?? []).filter((c) => c !== form.category);
  await kvSet('recent', [form.category, ...recent].slice(0, 8));
  notify();
  Object.assign(form, { category: null, photos: [], point: null, dragged: false });
  $('r-description').value = '';
  renderPhotos();
  renderCategories();
  msg.textContent = t('report.queued');
  await syncNow();
  const waiting = (await outbox()).find((it) => it.id === report.id);
  msg.textContent = waiting ? (waiting.error ?? t('report.queued')) : t('report.sent');
}
