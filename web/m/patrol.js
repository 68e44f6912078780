// Patrol mode: while it is on (and the screen kept on, with a wake lock),
// every position fix is recorded; the track goes to the outbox in chunks
// of a minute or 60 fixes, each chunk a patrol with its own UUID, and the
// server answers with the share of the grid covered today (its H3 cells
// visited by anyone), which the screen shows.
import { getJSON, uuid } from './net.js';
import { kvGet, enqueue } from './store.js';
import { t, onLangChange } from './i18n.js';
import { here, distance } from './home.js';
import { syncNow, notify, onQueueChange } from './sync.js';

const $ = (id) => document.getElementById(id);
const CHUNK_FIXES = 60;
const CHUNK_MS = 60_000;
const p = { on: false, chunk: [], track: [], metres: 0, since: 0, lock: null, me: null, map: null };

/** initPatrol wires patrol mode. */
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
}

async function wakeLock() {
  try { return await navigator.wakeLock?.request('screen'); } catch { return null; }
}

async function start() {
  Object.assign(p, { on: true, chunk: [], track: [], metres: 0, since: Date.now() });
  p.lock = await wakeLock();
  if (here.fix) record(here.fix);
  render();
}

async function stop() {
  p.on = false;
  await flush();
  p.lock?.release?.();
  p.lock = null;
  render();
}

function record(fix) {
  if (!p.on) return;
  const last = p.track.at(-1);
  if (last) p.metres += distance(last, fix.point);
  p.track.push(fix.point);
  p.chunk.push({ point: fix.point, t: fix.at.toISOString(), accuracy_m: Math.round(fix.accuracy) });
  p.map.getSource('track')?.setData({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: p.track } });
  if (p.chunk.length >= CHUNK_FIXES || Date.now() - p.since >= CHUNK_MS) flush();
  render();
}

// flush queues the chunk recorded so far; the next chunk starts at its last
// fix, so the track has no gap between chunks.
async function flush() {
  if (p.chunk.length < 2) return;
  const fixes = p.chunk;
  p.chunk = [fixes.at(-1)];
  p.since = Date.now();
  const body = { id: uuid(), crs: 'wgs84', fixes };
  if (p.me?.unit?.level === 'grid') body.grid = p.me.unit.code;
  await enqueue([{ id: body.id, kind: 'patrol', label: `${fixes.length} fixes`, body }]);
  notify();
  syncNow();
}

function render() {
  $('p-toggle').textContent = t(p.on ? 'patrol.stop' : 'patrol.start');
  $('p-toggle').classList.toggle('on', p.on);
  $('p-state').textContent = p.on ? t('patrol.on') : '';
  $('p-fixes').textContent = t('patrol.fixes', { n: p.track.length, km: (p.metres / 1000).toFixed(2) });
}

/** showCoverage shows today's coverage of the worker's grid (the last answer, or asks). */
export async function showCoverage() {
  const grid = p.me?.unit?.level === 'grid' ? p.me.unit.code : null;
  if (!grid) { $('p-coverage').textContent = t('patrol.nogrid'); return; }
  let share = null;
  try {
    const c = await getJSON(`v1/patrols/coverage?unit=${grid}`);
    share = c.grids?.find((g) => g.code === grid)?.coverage ?? c.totals?.coverage ?? 0;
  } catch {
    share = (await kvGet('coverage'))?.coverage?.coverage ?? null;
  }
  $('p-coverage').textContent = share === null ? '—' : `${(share * 100).toFixed(1)}%`;
}
