// The wall screen's link to the server, as a room sees it. A drop of the
// event stream showed only the small status dot turning "connecting" while
// the figures and the feed looked as live as before. Now, after a short
// grace (a blip is not news), a banner across the screen says the link is
// down and since when, and the figures and charts are dimmed as stale; once
// the stream is back and screen.js has read the figures again, the banner
// says for a while how long it was down, and the figures are bright again.
import { t } from './i18n.js';
import { inChina } from './chinatime.js';

const graceMs = 3000; // a drop shorter than this is not shown
const backMs = 10_000; // how long "reconnected" stays up

const clockOf = (d) => inChina('zh-CN', { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(d);

/**
 * linkWatch drives banner (an element) and body's "stale" class from the
 * stream's state: lost() when a live stream drops, back() when it is live
 * again; relabel() writes the banner in the current language.
 */
export function linkWatch(banner, body) {
  let lostAt = null; // when the stream dropped; null while live
  let shown = null; // what the banner says: null, 'lost' or 'back'
  let downSecs = 0;
  let timer = null;
  const render = () => {
    banner.hidden = !shown;
    banner.className = shown ?? '';
    body.classList.toggle('stale', shown === 'lost');
    if (shown === 'lost') banner.textContent = t('linkLost', { since: clockOf(lostAt) });
    if (shown === 'back') banner.textContent = t('linkBack', { secs: downSecs });
  };
  const show = (what) => {
    shown = what;
    render();
  };
  return {
    lost() {
      if (lostAt) return;
      lostAt = new Date();
      clearTimeout(timer);
      if (shown === 'back') show(null); // dropped again: no "reconnected" through the grace
      timer = setTimeout(() => show('lost'), graceMs);
    },
    back() {
      if (!lostAt) return;
      clearTimeout(timer);
      downSecs = Math.round((Date.now() - lostAt) / 1000);
      const wasShown = shown === 'lost';
      lostAt = null;
      if (!wasShown) return show(null);
      show('back');
      timer = setTimeout(() => show(null), backMs);
    },
    // reset forgets a drop: a refused token or a unit that does not exist
    // is said by the screen's message, not as a link being retried.
    reset() {
      clearTimeout(timer);
      lostAt = null;
      show(null);
    },
    relabel: render,
    get state() { return shown; },
  };
}
