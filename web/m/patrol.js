// Patrol mode: while it is on (and the screen kept on, with a wake lock),
// every position fix is recorded; the track goes to the outbox in chunks
// of a minute or 60 fixes, each chunk a patrol with its own UUID, and the
// server answers with the share of the grid covered today (its H3 cells
// visited by anyone), which the screen shows.
import { getJSON, uuid } from './net.js';
import { kvGet, kvSet, enqueue, isMine, whose } from './store.js';
import { t, onLangChange } from './i18n.js';
import { here, distance, askPosition } from './home.js';
import { syncNow, notify, onQueueChange } from './sync.js';
import { clockOffset, serverNow } from './clock.js';
import { chinaDay } from './time.js';

const $ = (id) => document.getElementById(id);
const CHUNK_FIXES = 60;
const CHUNK_MS = 60_000;
// chunkId: the UUID of the chunk being recorded, made when it starts, so
// that a chunk saved again after a reload is the same patrol (not sent twice).
// track: the patrol's fixes as parts, a part for each stretch recorded
// without a reload between (a reload's gap is not drawn as walked).
// noticeN: the fixes of an interrupted patrol saved at start-up, to say so;
// resumed: whether that patrol went on (resume).
// clock: the clock offset (clock.js) the chunk's times are by.
const p = { on: false, chunk: [], chunkId: null, track: [[]], metres: 0, since: 0, lock: null, me: null, map: null, noticeN: 0,
  resumed: false, clock: 0, lastFixAt: 0, beat: null, release: null, elsewhere: false };
// FRESH_MS is how old the last position may be to open a patrol: an older
// one is where the worker was, not where the patrol starts.
const FRESH_MS = 30_000;
// RESUME_MS is how long after its last sign of life a patrol a reload
// interrupted goes on by itself. Android kills a background tab without
// warning (a worker taking a photo for a report, answering a call), and the
// worker coming back to the app would find their patrol off and nothing
// recorded since. Within the server's 10 minutes (a longer gap is not
// tracked) it goes on; after that the worker may have stopped, and the
// screen only says what was saved.
const RESUME_MS = 10 * 60_000;

/** initPatrol wires patrol mode, and saves a patrol a reload or a killed tab interrupted. */
export function initPatrol(map, me) {
  Object.assign(p, { map, me });
  $('p-toggle').onclick = () => (p.on ? stop() : start());
  here.listeners.add(record);
  onQueueChange(showCoverage);
  onLangChange(render);
  render();
  document.addEventListener('visibilitychange', async () => {
    if (p.on && document.visibilityState === 'visible') p.lock = await wakeLock();
  });
  recover().then(render);
}

async function wakeLock() {
  try { return await navigator.wakeLock?.request('screen'); } catch { return null; }
}

// start opens a patrol where the worker stands. The last fix is that
// place only while fresh; a worker who stood still before tapping start
// (reading the screen, waiting for colleagues) got no new fix from the
// watch, and their track began at their first steps, the start left out.
// So without a fresh fix one is asked for, recorded as it comes (record
// is one of here.listeners).
async function start() {
  if (!(await own())) {
    p.elsewhere = true;
    return render();
  }
  Object.assign(p, { on: true, chunk: [], chunkId: uuid(), track: [[]], metres: 0, since: Date.now(), noticeN: 0, resumed: false,
    elsewhere: false, clock: clockOffset(), lastFixAt: 0 });
  await keepTrack();
  if (here.fix && serverNow() - dated(here.fix) < FRESH_MS) record(here.fix); else { keep(); askPosition(FRESH_MS); }
  beat(true);
  render();
  p.lock = await wakeLock();
}

async function stop() {
  Object.assign(p, { on: false, noticeN: 0, resumed: false });
  beat(false);
  await flush();
  await Promise.all([kvSet('patrol', null), kvSet('patrol-track', null)]);
  disown();
  p.lock?.release?.();
  p.lock = null;
  render();
}

// dated is when a fix was taken by the server's clock as the app knows it
// now: the fix was dated with the offset known then (fix.clock).
const dated = (fix) => fix.at.getTime() + clockOffset() - (fix.clock ?? clockOffset());

// redate moves the chunk's times when the clock's offset was corrected
// since they were written (an answer came after a spell offline): a fix
// dated an hour ahead must not hold every later one there (they never
// precede it), nor go to the server so.
function redate() {
  const shift = clockOffset() - p.clock;
  if (!shift) return;
  p.chunk = p.chunk.map((f) => ({ ...f, t: new Date(Date.parse(f.t) + shift).toISOString() }));
  p.clock = clockOffset();
}

function record(fix) {
  if (!p.on) return;
  // A fix taken before the last one recorded (the position asked for at the
  // start, answered from the browser's cache after the watch's newer one)
  // would send the track back: it is left out.
  // Compared by the server's clock (dated): a fix taken before the app
  // knew the phone's clock is wrong carries the phone's time.
  if (dated(fix) < p.lastFixAt) return;
  p.lastFixAt = dated(fix);
  redate();
  const part = p.track.at(-1);
  if (part.length) p.metres += distance(part.at(-1), fix.point);
  part.push(fix.point);
  // A fix never precedes the one before (the server refuses a track out of
  // order): the times of the phone and of its positions may disagree a little.
  const at = Math.max(dated(fix), p.chunk.length ? Date.parse(p.chunk.at(-1).t) : 0);
  p.chunk.push({ point: fix.point, t: new Date(at).toISOString(), accuracy_m: Math.round(fix.accuracy) });
  drawTrack();
  if (p.chunk.length >= CHUNK_FIXES || Date.now() - p.since >= CHUNK_MS) flush(); else keep();
  render();
}

const fixCount = () => p.track.reduce((n, part) => n + part.length, 0);

function drawTrack() {
  const coordinates = p.track.filter((part) => part.length > 1);
  p.map.getSource('track')?.setData({ type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates } });
}

// keep writes the fixes not queued yet to the phone's storage as they come:
// Android kills a background tab without warning, and a reload loses memory.
// alive is when the patrol last showed it was on (server's clock): a
// worker standing still gets no fix, so a heartbeat keeps it too (beat).
function keep() {
  if (!p.on) return Promise.resolve(); // stopped while a chunk was queued: stop has cleared what was kept
  return kvSet('patrol', { chunk: p.chunk, chunkId: p.chunkId, total: fixCount(), metres: p.metres, grid: gridOf(), clock: p.clock,
    alive: serverNow().getTime(), ...whose() }).catch(() => {});
}

// keepTrack writes the track drawn so far, but for the fixes of the chunk
// being recorded (keep has those): at every chunk, not at every fix, since
// a patrol of hours is thousands of points.
function keepTrack() {
  if (!p.on) return Promise.resolve();
  const parts = p.track.map((part, i) => (i === p.track.length - 1 ? part.slice(0, part.length - p.chunk.length + 1) : part));
  return kvSet('patrol-track', parts).catch(() => {});
}

const BEAT_MS = 60_000;
function beat(on) {
  clearInterval(p.beat);
  p.beat = on ? setInterval(keep, BEAT_MS) : null;
}

// own takes the patrol for this tab until disown (Web Locks): two tabs of
// the app (a second window, the installed app beside the browser) would
// otherwise both record into the one patrol kept, and a tab opened during
// a patrol would send its chunk and take it over. False when another tab
// has it.
function own() {
  if (!navigator.locks) return Promise.resolve(true);
  if (p.release) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request('gridmap-patrol', { ifAvailable: true }, (lock) => {
      resolve(!!lock);
      return lock && new Promise((release) => { p.release = release; });
    }).catch(() => resolve(true));
  });
}

function disown() {
  p.release?.();
  p.release = null;
}

// recover queues the fixes a patrol left unsent when the app was closed
// under it, and goes on with the patrol (resume) when it was alive a moment
// ago and is the signed-in worker's: by its token's id, not by name and
// scope (two workers may share both; one saved by an older version, which
// kept no id, by those, as it did). Otherwise the screen says how many
// fixes were saved — unless the patrol was another worker's: its fixes wait
// for them (store.js), counted with what else they left (owner.js).
async function recover() {
  const left = await kvGet('patrol');
  // Another tab's patrol is that tab's to keep; one started here meanwhile, this tab's.
  if (!left || p.on || !(await own())) return;
  const mine = isMine(left);
  const theirs = mine ? {} : { who: left.who ?? '', ...(left.owner == null ? {} : { owner: left.owner }) };
  if (left.chunk.length >= 2) await queueChunk(left.chunkId, left.chunk, left.grid, left.clock ?? clockOffset(), theirs);
  const alive = Math.max(left.alive ?? 0, ...left.chunk.map((f) => Date.parse(f.t)));
  if (mine && serverNow() - alive < RESUME_MS) return resume(left, (await kvGet('patrol-track')) ?? [], alive);
  await Promise.all([kvSet('patrol', null), kvSet('patrol-track', null)]);
  disown();
  p.noticeN = mine ? left.total : 0;
}

// resume goes on with a patrol a reload interrupted: its track and distance
// as they were, and a new part and chunk from the next fix taken after alive
// (the gap is not walked: no fix joins the two).
async function resume(left, parts, alive) {
  const track = parts.length ? parts.map((part) => [...part]) : [[]];
  const last = track.at(-1);
  track[track.length - 1] = last.concat(left.chunk.slice(last.length ? 1 : 0).map((f) => f.point));
  track.push([]);
  Object.assign(p, { on: true, chunk: [], chunkId: uuid(), track, metres: left.metres ?? 0, since: Date.now(), noticeN: left.total,
    resumed: true, clock: clockOffset(), lastFixAt: alive + 1 });
  await Promise.all([keepTrack(), keep()]);
  beat(true);
  if (p.map.getSource('track')) drawTrack(); else p.map.once('load', drawTrack);
  askPosition(FRESH_MS);
  p.lock = await wakeLock();
}

const gridOf = () => (p.me?.unit?.level === 'grid' ? p.me.unit.code : undefined);

// queueChunk queues a chunk of fixes; theirs: whose it is when not the
// signed-in worker's (a patrol another worker left: recover).
async function queueChunk(id, fixes, grid, clock, theirs = {}) {
  const body = { id, crs: 'wgs84', fixes };
  if (grid) body.grid = grid;
  // clock: the offset the fixes' times are by (clock.js), should the server still find them wrong.
  await enqueue([{ id, kind: 'patrol', label: { key: 'label.patrol', vars: { n: fixes.length } }, body, clock, ...theirs }]);
  notify();
  syncNow();
}

// flush queues the chunk recorded so far; the next chunk starts at its last
// fix, so the track has no gap between chunks.
async function flush() {
  redate();
  if (p.chunk.length < 2) return;
  const [fixes, id] = [p.chunk, p.chunkId];
  Object.assign(p, { chunk: [fixes.at(-1)], chunkId: uuid(), since: Date.now() });
  await queueChunk(id, fixes, gridOf(), p.clock);
  await Promise.all([keepTrack(), keep()]);
}

/** patrolling tells whether a patrol is on in this tab. */
export const patrolling = () => p.on;

/** stopPatrol ends a patrol that is on (signing out): its track is queued as the worker's. */
export const stopPatrol = () => (p.on ? stop() : Promise.resolve());

function render() {
  $('p-toggle').textContent = t(p.on ? 'patrol.stop' : 'patrol.start');
  $('p-toggle').classList.toggle('on', p.on);
  const notice = p.resumed ? t('patrol.resumed', { n: p.noticeN }) : t('patrol.interrupted', { n: p.noticeN });
  const elsewhere = !p.on && p.elsewhere && t('patrol.elsewhere');
  $('p-state').textContent = [p.on && t('patrol.on'), p.noticeN && notice, elsewhere].filter(Boolean).join('\n'); // pre-line (app.css)
  $('p-fixes').textContent = t('patrol.fixes', { n: fixCount(), km: (p.metres / 1000).toFixed(2) });
}

/** showCoverage shows today's coverage of the worker's grid (the last answer, or asks). */
export async function showCoverage() {
  const grid = p.me?.unit?.level === 'grid' ? p.me.unit.code : null;
  // A worker of a community or a street has no grid of their own: the card says whose figure it is.
  $('p-coverage').classList.toggle('muted', !grid);
  if (!grid) { $('p-coverage').textContent = t('patrol.nogrid'); return; }
  let share = null;
  try {
    const c = await getJSON(`v1/patrols/coverage?unit=${grid}`);
    share = c.grids?.find((g) => g.code === grid)?.coverage ?? c.totals?.coverage ?? 0;
  } catch {
    // Offline: the last upload's answer, if it is this grid's today. One of
    // yesterday (or of a chunk begun before midnight) is not today's figure.
    const kept = await kvGet('coverage');
    share = kept?.grid === grid && kept.date === chinaDay(serverNow()) ? kept.coverage?.coverage ?? null : null;
  }
  $('p-coverage').textContent = share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}
