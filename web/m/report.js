// The report form: kind, a category picker over the national code list
// (search, the worker's recent ones first), severity, description, photos
// from the camera, and the point — from GPS, with a draggable pin — with
// the resolver's answer for it shown before sending. Submitting queues the
// photos and the report together; the outbox sends them when it can.
//
// The place shown is the place sent: the pin, the unit named for it and
// the report's point are one (form.point). Until the worker places the pin
// by hand it follows the phone, also while the form is out of sight; a pin
// placed by hand stays, and the form says so.
import { uuid, unansweredKey } from './net.js';
import { kvGet, kvSet, enqueue, outbox, remove } from './store.js';
import { t, onLangChange } from './i18n.js';
import { addPhotos, photoItems, photoBlobs } from './photos.js';
import { here, pin, resolve, showAnswer, distance, showPoorFix } from './home.js';
import { limitText } from './text.js';
import { syncNow, notify, refusalText, waitingKey, onQueueChange } from './sync.js';
import { serverNow, clockOffset, restamp } from './clock.js';
import { fetchCategories, categories, categoryName, className, matches, handlerOf } from './categories.js';

const $ = (id) => document.getElementById(id);
// id: the report's UUID, made once per form, so that a second submit of
// the same form is the same report (the server answers "already stored").
// answer/answerAt: the resolver's last answer and the point it is for.
// kept: the checksums of photos sent already (a refused report being edited).
// observed: when a refused report being edited was seen (by the server's clock).
// resolving: the resolver's answer on its way for form.point (a submit waits for it).
const form = { id: null, category: null, photos: [], kept: [], point: null, dragged: false, marker: null,
  answer: null, answerAt: null, resolving: null, busy: false, observed: null };

/** loadCategories fetches the code list (or uses the copy kept for offline use) and shows it. */
export async function loadCategories() {
  recent = (await kvGet('recent')) ?? [];
  await fetchCategories();
  await renderCategories();
}

// recent: the worker's recent categories, read once (loadCategories) and
// kept here, so that the list is drawn at once: a list drawn after a wait
// could replace the one the worker was tapping (a tap then chose a
// category the new list no longer shows).
let recent = [];

async function renderCategories() {
  const kind = $('r-kind').value;
  const q = $('r-search').value.trim().toLowerCase();
  // In English the search finds the English names too (categories.js).
  const fits = categories().filter((c) => c.kinds.includes(kind) && matches(c, q));
  fits.sort((a, b) => rank(recent, a) - rank(recent, b));
  const list = $('r-categories');
  list.replaceChildren(...fits.slice(0, 30).map((c) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `cat${form.category === c.code ? ' chosen' : ''}${recent.includes(c.code) ? ' recent' : ''}`;
    b.dataset.code = c.code;
    b.innerHTML = `<strong></strong> <span class="muted"></span>`;
    b.firstChild.textContent = categoryName(c);
    b.lastChild.textContent = `${className(c)} · ${c.code}`;
    b.onclick = () => { Object.assign(form, { category: c.code, cleared: false }); changed(); renderCategories(); };
    return b;
  }));
}

const rank = (list, c) => (list.includes(c.code) ? list.indexOf(c.code) : 1000);

/** initReport wires the form; map is the app's map, moved into the form while it shows. */
export function initReport(map) {
  $('r-kind').onchange = () => { changed(); renderCategories(); };
  $('r-search').oninput = renderCategories;
  $('r-photo').onchange = async (e) => {
    await addPhotos(e.target, form.photos, $('r-photo-error'));
    changed();
    renderPhotos();
  };
  $('r-description').addEventListener('input', changed);
  // The server's limit, shown while typing: the worker does not learn it on submit.
  countDescription = limitText($('r-description'), $('r-count'), DESCRIPTION_MAX);
  $('r-submit').onclick = submit;
  // The unit named before sending follows the severity: 突出 goes to the community, 重大 to the street.
  for (const r of document.querySelectorAll('input[name=r-sev]')) r.onchange = () => { changed(); renderAnswer(); };
  $('r-usefix').onclick = () => {
    if (!here.fix) return;
    form.dragged = false;
    map.easeTo({ center: here.fix.point, duration: 300 });
    moveTo(here.fix.point);
  };
  // Until the worker drags the pin, it follows the phone — also while the
  // form is not shown: it opens where the worker is, not where it was left.
  here.listeners.add((fix) => {
    if (!form.dragged && (!form.point || distance(form.point, fix.point) > 10)) {
      if (!form.marker) unplace();
      else {
        moveTo(fix.point);
        // The form's map keeps to its pin: one that walked out of view is brought back.
        if (!map.getBounds().contains(fix.point)) map.easeTo({ center: fix.point, duration: 300 });
      }
    }
    renderPoor();
  });
  onLangChange(renderPoor);
  onLangChange(renderAnswer);
  onLangChange(renderCategories);
  onLangChange(retell);
  onQueueChange(retell);
  return {
    show() {
      const at = (form.dragged ? form.point : here.fix?.point ?? form.point) ?? map.getCenter().toArray();
      form.marker ??= pin(map, at, (p) => { form.dragged = true; moveTo(p); });
      form.marker.setLngLat(at);
      map.easeTo({ center: at, zoom: Math.max(map.getZoom(), 16), duration: 0 });
      if (here.fix || form.point) moveTo(at); else renderPinned();
    },
    hide() { form.marker?.remove(); form.marker = null; },
    // For the browser test: the point the form shows and would send.
    place: () => ({ point: form.point, dragged: form.dragged, answered: form.answerAt === form.point }),
  };
}

// countDescription redraws the description's counter (set by initReport).
let countDescription = () => {};

// unplace forgets a point the pin followed the phone to (the form is not
// shown): what was said of it is not about where the worker is now.
function unplace() {
  Object.assign(form, { point: null, answer: null, answerAt: null, resolving: null });
  $('r-answer').replaceChildren();
}

// moveTo puts the form's point at p — the pin, the unit named and the
// point sent — and asks who answers there. Until the answer is in, the
// unit named for another place is not shown.
function moveTo(p) {
  const far = !form.answerAt || distance(form.answerAt, p) > 15;
  form.point = p;
  form.marker?.setLngLat(p);
  if (far) {
    form.answer = null;
    $('r-answer').textContent = t('report.answering');
  }
  if (aboutPlace) say(''); // "outside every district", "no position yet": said of the place before
  renderPoor();
  renderPinned();
  form.resolving = (async () => {
    const { answer, status } = await resolve(p);
    if (form.point !== p) return; // the pin moved on meanwhile: that answer is due
    Object.assign(form, { answer, answerAt: p });
    if (answer) renderAnswer();
    else $('r-answer').textContent = t(unansweredKey('report.answeroffline', 'report.answerfault', status, 'report.answerunreach'));
  })();
  return form.resolving;
}

// renderPinned says that the pin was placed by hand, and how far the
// worker is from it, with a button to take the phone's position again.
function renderPinned() {
  const off = form.dragged && form.point && here.fix ? Math.round(distance(form.point, here.fix.point)) : 0;
  $('r-pinned').hidden = !form.dragged || !form.point;
  $('r-pinned-text').textContent = off > 10 ? t('report.pinned', { m: off }) : t('report.pinnedhere');
  $('r-usefix').hidden = off <= 10;
}

// severity is the severity chosen in the form.
const severity = () => Number(document.querySelector('input[name=r-sev]:checked')?.value ?? 2);

// renderAnswer writes the resolver's answer for the pin, naming the unit
// that will handle the report: a severity handled from higher up (the
// server's policy: 突出 from the community, 重大 from the street) goes to
// the unit of the place's chain there, not to its grid. Without an answer
// (offline) what was said stays.
function renderAnswer() {
  const answer = form.answer;
  if (!answer || form.answerAt !== form.point) return; // an answer for another place is never shown
  const el = $('r-answer');
  showAnswer(el, answer);
  const sev = severity();
  const up = handlerOf(answer, sev);
  if (!up) return;
  el.querySelector('.who-answers').textContent = `${up.name || up.code} (${up.code})`;
  const here = answer.responsible;
  el.append(Object.assign(document.createElement('div'), { className: 'notice floor', textContent: t('report.floor', {
    sev: t(`sev.${sev}`), from: t(`level.${up.from}`), here: here ? t(`level.${here.level}`) : '', name: here?.name ?? '' }) }));
}

// renderPoor warns of a poor GPS fix while the pin follows it (a dragged
// pin is a place the worker chose).
function renderPoor() {
  showPoorFix($('r-poor'), !form.dragged);
  renderPinned();
}

function renderPhotos() {
  $('r-photos').replaceChildren(...form.photos.map((p) => Object.assign(document.createElement('img'), { src: p.preview, alt: '' })));
  $('r-kept').textContent = form.kept.length ? t('report.kept', { n: form.kept.length }) : '';
}

// outside tells whether the resolver placed the point outside every
// district (the server would refuse it); an answer for a point more than
// 15 m away is not about it.
const outside = (point) => form.answer?.status === 'outside' && distance(form.answerAt, point) <= 15;

/** edit brings a refused report back into the form, to be corrected and submitted again. */
export async function editRefused(item) {
  const b = item.body;
  // It keeps the time it was seen, corrected if the phone's clock was found wrong since.
  Object.assign(form, { id: null, category: b.category, photos: [], kept: b.attachments ?? [], dragged: true, cleared: false,
    observed: restamp(item).body.observed_at ?? null });
  $('r-kind').value = b.kind;
  $('r-description').value = b.description ?? '';
  countDescription();
  const sev = document.querySelector(`input[name=r-sev][value="${b.severity}"]`);
  if (sev) sev.checked = true;
  renderAnswer();
  await remove(item);
  notify();
  // Its point is kept, as a pin placed by hand: the form shows and names it, and sends it.
  Object.assign(form, { point: b.point, answer: null, answerAt: null });
  renderPhotos();
  await renderCategories();
  say(t('report.editing'), null, true);
}

async function submit() {
  if (form.busy) return; // a double tap: the first one is being queued
  form.busy = true;
  $('r-submit').disabled = true;
  try {
    await queue();
  } finally {
    form.busy = false;
    $('r-submit').disabled = false;
  }
}

// queue checks the form, queues the report with its photos, clears the
// form (only once it is queued) and sends what waits.
async function queue() {
  // A late second tap on the form just cleared keeps the "sent" message;
  // a tap on a form filled in since is a new report, and needs a category.
  if (!form.category && form.cleared && Date.now() - form.clearedAt < lateTapMs && untouched()) return;
  if (!form.category) { say(t('report.need')); return; }
  const length = [...$('r-description').value].length; // characters, as the server counts them (an emoji is one)
  if (length > DESCRIPTION_MAX) { say(t('text.toolong', { n: length, max: DESCRIPTION_MAX })); return; }
  // The point sent is the one shown, once the resolver has said who answers
  // there (or could not): a place outside every district is not sent.
  for (let i = 0; i < 3 && form.point && form.answerAt !== form.point; i++) await form.resolving;
  const point = form.point;
  if (!point) { say(t('report.nofix')); aboutPlace = true; return; }
  if (outside(point)) { say(t('report.outside')); aboutPlace = true; return; }
  form.id ??= uuid();
  const report = { id: form.id, kind: $('r-kind').value, category: form.category,
    severity: severity(), description: $('r-description').value,
    point, crs: 'wgs84', observed_at: form.observed ?? serverNow().toISOString(), // by the server's clock (clock.js)
    attachments: [...form.kept, ...form.photos.map((p) => p.checksum)] };
  if (here.fix && !form.dragged) report.accuracy_m = Math.round(here.fix.accuracy);
  // The label names the category by its code, said in the language of the
  // moment it is shown (app.js); name is the Chinese one, for an older version.
  const name = categories().find((c) => c.code === form.category)?.name ?? form.category;
  const label = { key: 'label.report', vars: { name, category: form.category, text: report.description.slice(0, 20) } };
  // clock: the offset the time was corrected by, should the server still find it wrong (sync.js retry).
  await enqueue([...photoItems(form.photos, label), { id: report.id, kind: 'report', label, body: report, clock: clockOffset() }],
    photoBlobs(form.photos));
  recent = [form.category, ...recent.filter((c) => c !== form.category)].slice(0, 8);
  await kvSet('recent', recent);
  notify();
  const placed = form.dragged;
  Object.assign(form, { id: null, category: null, photos: [], kept: [], dragged: false, cleared: true, clearedAt: Date.now(),
    observed: null });
  $('r-description').value = '';
  countDescription();
  document.querySelector('input[name=r-sev][value="2"]').checked = true; // the next report starts at 一般, as the first did
  // The next report starts where the worker is (a pin placed by hand was for this one).
  if (placed && here.fix && form.marker) moveTo(here.fix.point); else renderAnswer();
  renderPinned();
  renderPhotos();
  renderCategories();
  say(t('report.queued'), report.id);
  await syncNow();
  await retell();
}

// told is the report whose fate the form's message says (null: it says
// something else). The message follows it as the outbox changes: a report
// saved offline is said sent once it is, and waiting for a new token once
// the server refuses the token, not "waiting for the network" meanwhile.
let told = null;
// sticky: the message says what the form is for (a refused report being
// edited), not what came of something: it stays while the form is changed.
let sticky = false;
// aboutPlace: the message is about the form's place; it goes when the place changes.
let aboutPlace = false;

// say writes the form's message; id is the report it tells the fate of.
function say(text, id = null, keep = false) {
  told = id;
  sticky = keep;
  aboutPlace = false;
  $('r-message').textContent = text;
}

// changed is called when the worker changes the form: what the message
// said (the last report's fate, "choose a category") is no longer about it.
function changed() {
  if (!sticky) say('');
}

// retell says again what became of the report told of.
async function retell() {
  const id = told;
  if (!id) return;
  const text = await outcome(id);
  if (told === id) $('r-message').textContent = text;
}

// DESCRIPTION_MAX is the server's limit of a description, in characters.
const DESCRIPTION_MAX = 2000;

// lateTapMs is how long after a report is queued a tap on the empty form is
// taken for the tail of a double tap.
const lateTapMs = 2000;

// untouched says whether nothing was entered since the form was cleared.
const untouched = () => !$('r-description').value && !form.photos.length && !form.kept.length;

// outcome says what became of a submitted report: sent, waiting (for the
// network or a new token) or refused, with the server's reason.
async function outcome(id) {
  const waiting = (await outbox()).find((it) => it.id === id);
  if (!waiting) return t('report.sent');
  if (waiting.state === 'failed') return `${t('queue.failed')}: ${refusalText(waiting)}`;
  return t(waitingKey('report.queued', 'report.queuedfault', 'report.queuedunreach'));
}
