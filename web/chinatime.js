// China time: the zone of every date, time and day the console, the wall
// screen and the grid worker's app (m/time.js) show or reckon with. Cases,
// their deadlines, patrol days and the charts' days are China's (the server
// files and counts things under China days, and a bare date means midnight
// in China), so a browser set to another zone — a laptop left on UTC, a
// worker back from abroad — must not show a time eight hours off or call
// yesterday's item today's. This is the one place that says what China time
// is; it imports nothing, so both apps can load it (the phone's service
// worker keeps it with the app's own files).

/** ZONE is the zone the apps' times are in, whatever the browser is set to. */
export const ZONE = 'Asia/Shanghai';

// Intl formatters are costly to build and a list writes hundreds of dates:
// one per locale and style, kept.
const formats = new Map();

/** inChina returns a formatter of instants in China time for locale ("zh-CN", "en") and Intl options. */
export function inChina(locale, options) {
  const key = `${locale} ${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale, { ...options, timeZone: ZONE }));
  return formats.get(key);
}

/**
 * dateAndTime are the fields toLocaleString writes (2026/12/6 09:57:18 in
 * zh-CN), for inChina: a formatter asked for no fields writes the date alone.
 */
export const dateAndTime = { year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  hour12: false };

// numeric are an instant's fields in China as two-digit (four for the
// year) numbers, whatever the language: the day and minute below.
const numeric = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
function fieldsInChina(t) {
  const parts = inChina('en-US', numeric).formatToParts(new Date(t));
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

/** chinaDay is the date (YYYY-MM-DD) of an instant in China, the day the server files and counts it under. */
export function chinaDay(t) {
  const f = fieldsInChina(t);
  return `${f.year}-${f.month}-${f.day}`;
}

/** chinaMinute is an instant's date and minute in China (YYYY-MM-DD HH:mm), the same in either language. */
export function chinaMinute(t) {
  const f = fieldsInChina(t);
  return `${f.year}-${f.month}-${f.day} ${f.hour}:${f.minute}`;
}
