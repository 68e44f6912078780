// The phone's clock against the server's (the wall screen keeps its PC's
// by it too: screen-api.js). A phone's clock can be minutes or hours wrong
// (set by hand, reset with a flat battery), and the server refuses a
// report or a patrol fix dated more than 5 minutes in its future.
// The app keeps the offset between the two clocks, read from the Date
// header of the server's answers, and dates what it sends by the server's
// clock. The offset is kept across reloads: a report filed offline is dated
// with the last one known.
const KEY = 'gridmap.m.clock';
// COPY marks an answer the service worker served from its caches: its Date
// is the day it was stored, not the server's time now.
const COPY = 'X-Gridmap-Copy';
// A new reading that differs from the kept offset by less than this is the
// Date header's rounding and the network's delay: the offset stays, so the
// times of one patrol keep their order.
const NOISE_MS = 2000;

let offset = Number(localStorage.getItem(KEY)) || 0;

/** clockOffset is the server's clock minus the phone's, in ms (0 until an answer told). */
export const clockOffset = () => offset;

/** serverNow is the time now by the server's clock. */
export const serverNow = () => new Date(Date.now() + offset);

/** noteServerDate reads the server's time from an answer's Date header; it returns the answer. */
export function noteServerDate(res) {
  const date = Date.parse(res.headers.get('Date') ?? '');
  if (Number.isNaN(date) || res.headers.has(COPY)) return res;
  const seen = date + 500 - Date.now(); // the header is truncated to the second: its middle is the better guess
  if (Math.abs(seen - offset) > NOISE_MS) {
    offset = seen;
    localStorage.setItem(KEY, String(Math.round(offset)));
  }
  return res;
}

/**
 * fixTime is when a position was taken, by the server's clock. A position's
 * timestamp is the phone's clock's, at most a few seconds old; one older or
 * in the future comes from some other clock and counts as "now".
 */
export function fixTime(timestamp) {
  const age = Date.now() - timestamp;
  return new Date(Date.now() - (age >= 0 && age < 60_000 ? age : 0) + offset);
}

// The fields of a refused item that hold a time the server found wrong.
const timeField = /^(observed_at|fixes\[(\d+)\]\.t)$/;

/** isClockRefusal tells whether a refused item was refused for its time (the phone's clock). */
export const isClockRefusal = (it) => timeField.test(it.field ?? '') && Math.abs(it.skew ?? 0) >= 60_000;

/**
 * skewOf is how far the time the server refused in item it lies from the
 * server's time (ms; > 0: in the future), res being the refusal; undefined
 * when the refusal is not about a time.
 */
export function skewOf(it, res) {
  const m = timeField.exec(it.field ?? '');
  const sent = m && Date.parse(m[2] === undefined ? it.body?.observed_at : it.body?.fixes?.[m[2]]?.t);
  const server = Date.parse(res.headers.get('Date') ?? '');
  return sent && !Number.isNaN(server) ? sent - server : undefined;
}

/**
 * restamp returns an item refused for its time with its times moved by what
 * the app has learnt of the phone's clock since it was dated (it.clock: the
 * offset then; none: an item dated by the phone's clock alone). No time
 * moves past the server's now: what was seen was seen before it.
 */
export function restamp(it) {
  const shift = offset - (it.clock ?? 0);
  const now = serverNow().getTime();
  const moved = (iso) => new Date(Math.min(Date.parse(iso) + shift, now)).toISOString();
  const body = { ...it.body };
  if (body.observed_at) body.observed_at = moved(body.observed_at);
  if (body.fixes) body.fixes = body.fixes.map((f) => ({ ...f, t: moved(f.t) }));
  // The outbox shows when the item was queued: dated by the same clock, it moves with them.
  const queued = it.queued_at && { queued_at: moved(it.queued_at) };
  return { ...it, ...queued, body, clock: offset };
}
