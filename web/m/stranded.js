// Work a worker's old token left unsent. The app sends an item with the
// token that recorded it alone (owner.js), and a token revoked or expired —
// re-issued after a leak or a lost phone: a new token, with a new id — can
// send nothing more: its items would wait for ever. A worker signed in
// with the same name and scope as the one who recorded them, under a token
// the server refused for good (markGone), is offered to send them with the
// token they hold now: explicitly, told first what happens (they become
// this token's and are stored as sent through it), for the server records
// which token sent what. Never items of another name or scope (another
// person's), nor of a token that may still sign in (they wait for it).
import { kvGet, everything, update, remove, outbox, owner, whose } from './store.js';
import { entries, notify, syncNow } from './sync.js';
import { t } from './i18n.js';

const $ = (id) => document.getElementById(id);

/**
 * strandedTest resolves to a test of whether an item is one the signed-in
 * worker may take over: of their name and scope, recorded under another
 * token the server refused for good. None while the server has not
 * confirmed whose the phone's token is (owner.js).
 */
export async function strandedTest() {
  const id = owner();
  const gone = new Set((await kvGet('gone')) ?? []);
  const { who } = whose();
  return (it) => id !== null && it.owner != null && it.owner !== id && gone.has(it.owner) && it.who === who;
}

const stranded = async () => (await everything()).filter(await strandedTest());

/**
 * initStranded wires the outbox's section of what the worker's old token
 * left: send it with the current token (after the question), or delete it.
 */
export function initStranded() {
  $('q-adopt').onclick = () => {
    $('q-adopt-confirm').hidden = false;
    $('q-adopt-confirm').scrollIntoView({ block: 'nearest' });
  };
  $('q-adopt-no').onclick = () => { $('q-adopt-confirm').hidden = true; };
  $('q-adopt-yes').onclick = adopt;
  $('q-stranded-discard').onclick = discardStranded;
}

/**
 * renderStranded draws the section: each entry (line draws it, as the
 * outbox's own, without their actions), why it cannot go as it is, and the
 * question once asked. It resolves to the number of entries.
 */
export async function renderStranded(line) {
  const list = await entries(await stranded());
  const name = whose().who.split('\n')[0];
  $('q-stranded').hidden = !list.length;
  if (!list.length) $('q-adopt-confirm').hidden = true;
  $('q-stranded-why').textContent = t('stranded.why', { n: list.length, name });
  $('q-adopt-ask').textContent = t('stranded.ask');
  $('q-adopt-what').textContent = t('stranded.what', { n: list.length, name });
  $('q-stranded-list').replaceChildren(...list.map(line));
  return list.length;
}

// adopt makes what the worker's old token left theirs (the current
// token's) and sends it: the ids that make each upload idempotent stay, so
// an item the old token had sent (its answer lost) is not stored twice.
async function adopt() {
  $('q-adopt-confirm').hidden = true;
  const id = owner();
  if (id === null) return; // signed out meanwhile (another tab): nothing is taken over
  const { who } = whose();
  for (const it of await stranded()) await update({ ...it, owner: id, who });
  notify();
  syncNow();
}

// discardStranded deletes what the worker's old token left, once they
// confirm; a photo one of their current items lists stays.
async function discardStranded() {
  const items = await stranded();
  const n = (await entries(items)).length;
  if (!n || !window.confirm(t('stranded.confirm', { n }))) return;
  const used = new Set((await outbox()).flatMap((it) => it.body?.attachments ?? []));
  for (const it of items) if (!(it.kind === 'photo' && used.has(it.id))) await remove(it);
  notify();
}
