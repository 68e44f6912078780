// The app's dates and times, in China time (../web/chinatime.js, shared
// with the console and the wall screen) and the app's language.
import { serverNow } from './clock.js';
import { currentLang } from './i18n.js';
import { chinaDay, inChina as format } from '../web/chinatime.js';

export { chinaDay };

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
