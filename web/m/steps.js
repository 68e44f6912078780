// The steps a case may take next, offered on its detail as the workflow
// (casework/workflow.go) allows them in its state, to a token whose role
// may move cases: the state's usual next step prominent (立案, 派遣, 处置,
// 核查通过, 结案), the others beside it, smaller. A step that needs a reason
// (不予立案, 回退, 重新办理) or that cannot be undone asks first, with its
// note. A step is queued like a report, with a client_id that makes its
// upload idempotent, and sent at once when the network allows. A step
// queued offline and refused later is said on its case, and what was
// typed for it (its note, its photos) is put back, for the step to be
// taken again as the case is now.
import { uuid, tokenRefused } from './net.js';
import { kvGet, kvSet, enqueue, outbox } from './store.js';
import { t } from './i18n.js';
import { addPhotos, photoItems, photoBlobs, thumb } from './photos.js';
import { syncNow, notify, refusalText, movedTo, discard, onQueueChange, waitingKey } from './sync.js';
import { limitText } from './text.js';
import { handlerMayVerify } from './categories.js';

const $ = (id) => document.getElementById(id);

// NEXT is, by state, the step usually taken next (null: none) and the
// others allowed; escalate (吹哨) is allowed in every open state besides.
const NEXT = {
  reported: ['accept', 'reject'],
  accepted: ['dispatch', 'reject'],
  dispatched: ['handle', 'return'],
  handled: ['verify', 'reopen'],
  verified: ['close', 'reopen'],
  closed: [null, 'reopen'],
  rejected: [null, 'reopen'],
  reopened: ['dispatch', 'reject'],
};
// The steps the server refuses without a note (400, field note).
const NEEDS_NOTE = new Set(['reject', 'return', 'reopen']);
// The steps that take photos: a handle must show the fixed spot (处置后).
const PHOTOS = { handle: 'required', verify: 'optional', reopen: 'optional' };
// The steps that are asked again before they are sent (the others go at a tap).
const ASKED = new Set(['reject', 'return', 'reopen', 'escalate']);
const NOTE_MAX = 2000; // characters: the server's limit of a step's note
const ASSIGNEES = 8; // the recent assignees offered

// The steps that check a fix: not for whoever handled it (监管分离), unless
// the server allows it.
const CHECKS = new Set(['verify', 'close']);

/** allowed is what may be done to a case in state: { primary (or null), others }. */
export function allowed(state) {
  const [primary = null, ...others] = NEXT[state] ?? [];
  const open = state in NEXT && state !== 'closed' && state !== 'rejected';
  return { primary, others: open ? [...others, 'escalate'] : others };
}

/** handledByMe tells whether this token recorded case r's latest handle, since it was last reopened. */
function handledByMe(r) {
  const last = (r.history ?? []).findLast((h) => h.action === 'handle' || h.action === 'reopen');
  return !!me?.name && last?.action === 'handle' && last.actor === me.name;
}

/**
 * handledSinceClosed tells whether this token recorded a handle on case r
 * since it was last closed: it may not reject the case (监管分离), as the server says.
 */
function handledSinceClosed(r) {
  for (const h of [...(r.history ?? [])].reverse()) {
    if (h.action === 'close') return false;
    if (h.action === 'handle' && !!me?.name && h.actor === me.name) return true;
  }
  return false;
}

/** stepsFor is what this token may do to case r: allowed(), less the checks of its own fix and a reject of a case it handled. */
function stepsFor(r) {
  const steps = allowed(r.state);
  if (handlerMayVerify()) return { ...steps, ownFix: false, ownReject: false };
  const ownFix = handledByMe(r);
  const barred = new Set(ownFix ? CHECKS : []);
  const ownReject = [steps.primary, ...steps.others].includes('reject') && handledSinceClosed(r);
  if (ownReject) barred.add('reject');
  return { primary: barred.has(steps.primary) ? null : steps.primary, others: steps.others.filter((a) => !barred.has(a)), ownFix, ownReject };
}

// form: the case the steps are for and its state then, the step asked
// about (null: the usual one shows), the photos taken for it, whether a
// step is being queued (a double tap queues one) and what was said of the
// last one (a function of the language). kept: the checksums of photos a
// refused step carried, put back with its note (restored: that step's
// id); told: the step queued whose fate the message follows, with its
// case and action.
const form = { id: null, state: null, asked: null, photos: [], kept: [], restored: null, told: null, busy: false, said: null, tone: '' };
let me = null;
let hooks = { reread: async () => {}, reload: () => {}, redraw: async () => {} };
let countNote = () => {}; // redraws the note's counter (text.js)

/**
 * initSteps wires the steps' form; who is /v1/me's answer. reread(r) reads
 * the case again and draws it; reload() fetches the list again.
 */
export function initSteps(who, h) {
  me = who;
  hooks = h;
  $('c-photo').onchange = async (e) => {
    await addPhotos(e.target, form.photos, $('c-message'));
    say($('c-message').textContent ? () => t('report.badphoto') : null, 'bad'); // a photo the phone cannot read
    drawPhotos();
  };
  $('c-note').oninput = () => $('c-note-box').classList.remove('missing');
  countNote = limitText($('c-note'), $('c-note-count'), NOTE_MAX);
  onQueueChange(retell);
}

/** clearSteps empties the form (note, assignee, photos, the step asked about) for a case just opened. */
export function clearSteps() {
  Object.assign(form, { id: null, state: null, asked: null, photos: [], kept: [], restored: null, told: null });
  $('c-note').value = '';
  countNote();
  $('c-assignee').value = '';
  say(null);
  drawPhotos();
}

// drawPhotos shows the photos taken for the step, those a refused step carried first.
const drawPhotos = () => $('c-photos').replaceChildren(...form.kept.map((sum) => thumb(sum, true)),
  ...form.photos.map((p) => Object.assign(document.createElement('img'), { src: p.preview, alt: '' })));

/** mayMove tells whether the token's role may move cases (GET /v1/me's permissions). */
export const mayMove = () => !!me?.permissions?.includes('report');

/**
 * showSteps offers the steps case r may take, unless one waits to be sent.
 * A step the server refused is said, with why, and may be given up; the
 * steps are offered again: the case may have moved on meanwhile. place is
 * the name of the unit handling it (for a case outside the token's scope).
 */
export async function showSteps(r, place) {
  if (form.id !== r.id || form.state !== r.state) Object.assign(form, { id: r.id, state: r.state, asked: null });
  const box = $('c-actions');
  const queued = (await outbox()).filter((it) => it.kind === 'transition' && it.report === r.id);
  const waiting = queued.filter((it) => it.state !== 'failed');
  const refused = queued.filter((it) => it.state === 'failed').at(-1);
  const { primary, others, ownFix, ownReject } = stepsFor(r);
  const any = !!primary || others.length > 0;
  const mine = !r.outside && (!me?.scope || (r.assigned_code ?? '').startsWith(me.scope));
  const own = mine && (ownFix || ownReject); // what this token may not do, and why
  box.hidden = !mayMove() || (!any && queued.length === 0);
  $('c-readonly').hidden = (mine || !any) && !own;
  $('c-readonly').textContent = own ? t(ownFix ? 'cases.ownfix' : 'cases.ownreject')
    : r.outside ? t('cases.outside') : t('cases.readonly', { code: place });
  if (refused && !waiting.length) await restore(refused);
  $('c-waiting').hidden = waiting.length === 0 && !refused;
  $('c-waiting').textContent = waiting.length ? queuedText() : refused ? t('cases.refused', { why: refusalText(refused) }) : '';
  $('c-waiting').classList.toggle('bad', !waiting.length && !!refused);
  $('c-discard').hidden = !refused || waiting.length > 0;
  $('c-discard').onclick = async () => { await discard(refused); showSteps(r, place); };
  $('c-buttons').hidden = !mine || !any || waiting.length > 0;
  drawButtons(r, primary, others);
  drawSaid();
}

// restore puts what a refused step carried back in the form, once: its
// note (unless one is being typed) and its photos (those the server took:
// they are its already), for the step to be taken again.
async function restore(refused) {
  if (form.restored === refused.id) return;
  form.restored = refused.id;
  const note = refused.body?.note ?? '';
  if (note && !$('c-note').value.trim()) {
    $('c-note').value = note;
    countNote();
  }
  const bad = new Set((await outbox()).filter((it) => it.kind === 'photo' && it.state === 'failed').map((it) => it.id));
  const taken = new Set(form.photos.map((p) => p.checksum));
  form.kept = [...new Set([...form.kept, ...(refused.body?.attachments ?? [])])].filter((c) => !bad.has(c) && !taken.has(c));
  drawPhotos();
}

// queuedText says a step waits, and for what: the network, or the server.
const queuedText = () => t(waitingKey('report.queued', 'report.queuedfault', 'report.queuedunreach'));

// doneName is a step said once done: the button's hint (需处置后照片) is not part of it.
const doneName = (a) => t(['handle', 'escalate'].includes(a) ? `done.${a}` : `do.${a}`);

// drawButtons writes the step shown (the one asked about, else the usual
// one) with the fields it takes, and the other steps as smaller buttons.
function drawButtons(r, primary, others) {
  const asked = form.asked && others.includes(form.asked) ? form.asked : null;
  const step = asked ?? primary;
  const what = (a) => t(a === 'reopen' && ['handled', 'verified'].includes(r.state) ? 'do.reopencheck' : `do.${a}`);
  $('c-fields').hidden = !step;
  $('c-assignee-box').hidden = step !== 'dispatch';
  const required = NEEDS_NOTE.has(step);
  $('c-note-label').textContent = required ? t('cases.noterequired', { what: t(`do.${step}`) }) : t('cases.noteoptional');
  $('c-note-box').classList.toggle('required', required);
  if (!required) $('c-note-box').classList.remove('missing');
  $('c-photo-box').hidden = !PHOTOS[step];
  $('c-photo-label').textContent = t(PHOTOS[step] === 'required' ? 'report.addphoto' : 'cases.checkphoto');
  const main = [];
  if (asked) {
    main.push(button('c-confirm', t('cases.confirm', { what: what(asked) }), 'danger', () => act(r, asked), asked));
    main.push(button('c-cancel', t('cases.cancel'), '', () => { form.asked = null; drawButtons(r, primary, others); }));
  } else if (primary) {
    main.push(button(`c-${primary}`, what(primary), 'primary', () => act(r, primary), primary));
  }
  $('c-main').replaceChildren(...main);
  $('c-others').hidden = !!asked || others.length === 0;
  $('c-others').replaceChildren(...others.map((a) => button(`c-${a}`, what(a), ['reject', 'reopen'].includes(a) ? 'secondary destructive' : 'secondary',
    () => (ASKED.has(a) ? ask(r, a, primary, others) : act(r, a)), a)));
}

// ask shows a step that is asked about first, with its note field (and
// its photos): the step is sent by its confirm button.
function ask(r, a, primary, others) {
  form.asked = a;
  say(null);
  drawButtons(r, primary, others);
  if (NEEDS_NOTE.has(a)) $('c-note').focus();
}

function button(id, text, className, onclick, action = '') {
  const b = Object.assign(document.createElement('button'), { id, type: 'button', className, textContent: text, onclick });
  b.dataset.action = action;
  return b;
}

// act queues step action on case r, as the case was when it was drawn
// (expect: a case moved on meanwhile is a 409, not a step on a case the
// person did not see), sends it, and says what became of it. A refused
// step it takes the place of (its note and photos put back) is given up.
async function act(r, action) {
  if (form.busy) return;
  const note = $('c-note').value.trim();
  const photos = PHOTOS[action] ? form.photos : [];
  const kept = PHOTOS[action] ? form.kept : [];
  if (PHOTOS[action] === 'required' && photos.length + kept.length === 0) { say(() => t('cases.needphoto'), 'bad'); return; }
  if (NEEDS_NOTE.has(action) && !note) {
    say(() => t(`need.${action}`), 'bad');
    $('c-note-box').classList.add('missing');
    $('c-note').focus();
    return;
  }
  // The server's limit, in characters (an emoji is one, not two as maxlength counts).
  const length = [...note].length;
  if (length > NOTE_MAX) { say(() => t('text.toolong', { n: length, max: NOTE_MAX }), 'bad'); return; }
  form.busy = true;
  let outcome;
  let tone = 'bad';
  try {
    const clientID = uuid();
    const body = { action, client_id: clientID, note, expect: r.state, attachments: [...kept, ...photos.map((p) => p.checksum)] };
    const assignee = action === 'dispatch' ? $('c-assignee').value.trim() : '';
    if (assignee) body.assignee = assignee;
    // Named by its category's code in the language it is shown in (app.js); name is the Chinese one, for an older version.
    const label = { key: `label.${action}`, vars: { name: r.category_name?.split('/').pop() ?? r.category, category: r.category } };
    await enqueue([...photoItems(photos, label), { id: clientID, kind: 'transition', report: r.id, label, body }], photoBlobs(photos));
    // Queued first: the photos the two share stay (sync.js discard).
    const replaced = form.restored && (await outbox()).find((it) => it.id === form.restored && it.state === 'failed');
    if (replaced) await discard(replaced);
    if (assignee) await rememberAssignee(assignee);
    notify();
    say(() => t('cases.queued'));
    await syncNow();
    const left = (await outbox()).find((it) => it.id === clientID);
    if (left?.state === 'failed' && (movedTo(left) || left.status === 403)) {
      // Said here, in front of the person who asked: the step is given up
      // and the case read again, to be acted on as it is now; what was
      // typed for it stays in the form.
      outcome = () => t('cases.notdone', { why: refusalText(left) });
      await discard(left);
    } else {
      outcome = () => (!left ? t('cases.done', { what: doneName(action) }) : tokenRefused() ? t('auth.refused')
        : left.state === 'failed' ? t('cases.refused', { why: refusalText(left) }) : queuedText());
      tone = !left ? 'good' : left.state === 'failed' || tokenRefused() ? 'bad' : '';
      // Its fate, while it waits, is followed (retell).
      if (left && left.state !== 'failed') Object.assign(form, { told: clientID, toldCase: r, toldAction: action });
      // Queued or sent: the form starts again for the next step (a refused
      // one keeps what was typed, for another try).
      if (left?.state !== 'failed') {
        Object.assign(form, { asked: null, photos: [], kept: [], restored: null });
        $('c-note').value = '';
        countNote();
        $('c-assignee').value = '';
        drawPhotos();
      }
    }
  } finally {
    form.busy = false;
  }
  await hooks.reread(r);
  say(outcome, tone); // once the case shows as it is now
  hooks.reload();
}

// retell follows the step queued last as the outbox changes: sent (said
// done, the case read again), refused (said on the case, with what was
// typed for it put back: showSteps), or still waiting, and for what (the
// network, the server). Any change redraws the open case's steps.
async function retell() {
  if (form.busy) return;
  const id = form.told;
  const it = id && (await outbox()).find((x) => x.id === id);
  if (id && form.told === id && !form.busy && (!it || it.state === 'failed')) {
    form.told = null;
    const action = form.toldAction;
    // Refused, it waits no more: "saved, waiting" goes at once, not after the case is read again
    // (a redraw meanwhile shows the refusal on the case, and the two must not be said together).
    if (it) say(null, 'bad');
    await hooks.reread(form.toldCase); // the case as the server has it now, its steps with it
    say(it ? null : () => t('cases.done', { what: doneName(action) }), it ? 'bad' : 'good');
    if (it) $('c-waiting').scrollIntoView({ block: 'nearest' });
    return;
  }
  // A retell begun before a later one told the step's fate (sent, refused) read the outbox before it: it says nothing.
  if (id && it && form.told === id) say(queuedText);
  await hooks.redraw();
}

// say writes the steps' message; fn gives it in the language of the
// moment, so that it is said again in the other one when 中/EN is tapped.
// tone: 'bad' (held or refused: red, brought into view) or 'good' (done).
function say(fn, tone = '') {
  Object.assign(form, { said: fn, tone });
  drawSaid();
  if (fn && tone === 'bad') $('c-message').scrollIntoView({ block: 'nearest' });
}

function drawSaid() {
  $('c-message').textContent = form.said?.() ?? '';
  $('c-message').className = form.said ? form.tone : '';
}

// The departments and people cases were lately sent to, offered when dispatching.
async function rememberAssignee(name) {
  const recent = ((await kvGet('assignees')) ?? []).filter((a) => a !== name);
  await kvSet('assignees', [name, ...recent].slice(0, ASSIGNEES));
  await offerAssignees();
}

/** offerAssignees fills the assignee field's suggestions: the recent ones. */
export async function offerAssignees() {
  const recent = (await kvGet('assignees').catch(() => [])) ?? [];
  $('c-assignees').replaceChildren(...recent.map((a) => Object.assign(document.createElement('option'), { value: a })));
}
