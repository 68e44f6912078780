// China time: every date, time and day the app shows or reckons with.
// Cases, their deadlines and patrol days are China's (the server files a
// patrol under its China day, and a bare date means midnight in China), so a
// phone set to another zone — a worker back from abroad, a test phone left
// on UTC — must not show a due time eight hours off or call yesterday's
// item today's. This is the one place that says what a China day is.
import { serverNow } from './clock.js';
import { currentLang } from './i18n.js';

/** ZONE is the zone the app's times are in, whatever the phone is set to. */
export const ZONE = 'Asia/Shanghai';

// Intl formatters are costly to build and a case list writes hundreds of
// dates: one per language and style, kept.
const formats = new Map();
function format(locale, options) {
  const key = `${locale} ${JSON.stringify(options)}`;
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale, { ...options, timeZone: ZONE }));
  return formats.get(key);
}

/** chinaDay is the date (YYYY-MM-DD) of t in China, the day the server files patrols and reports under. */
export function chinaDay(t) {
  const parts = format('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date(t));
  const part = (type) => parts.find((p) => p.type === type).value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

// The locale dates are written in: the app's language, not the browser's
// (a phone set to English may be used in Chinese, and the other way round).
const locale = () => (currentLang() === 'en' ? 'en' : 'zh-CN');

// valid tells whether d is a time (Intl throws on an invalid one, where toLocaleString wrote "Invalid Date").
const valid = (d) => d != null && d !== '' && !Number.isNaN(new Date(d).getTime());

/** dateTime writes a date and time in the current language ('' for none): 2026年11月25日 08:30, Nov 25, 2026, 8:30 AM. */
export const dateTime = (d) => (valid(d) ? format(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(d)) : '');

/**
 * shortTime writes when d was in the current language: its time of day
 * (08:30, 8:30 AM), after its date when that is not today (12月3日 08:30,
 * Dec 3 8:30 AM), so that an item queued yesterday does not read as today's.
 */
export function shortTime(d) {
  if (!valid(d)) return '';
  const at = new Date(d);
  const time = format(locale(), { timeStyle: 'short' }).format(at);
  // Today is the server's (clock.js), as the times written are: a phone an
  // hour slow just after midnight would take what it sent a minute ago for
  // tomorrow's and write it with its date.
  if (chinaDay(at) === chinaDay(serverNow())) return time;
  return `${format(locale(), { month: 'short', day: 'numeric' }).format(at)} ${time}`;
}
