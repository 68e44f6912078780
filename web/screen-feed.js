// The big screen's live feed: the unit's events, the newest first, at most
// feedMax. app is the screen's state (screen.js): app.feed keeps the events
// shown, so that they can be written again in another language; app.state
// names units and categories; app.flashes marks new reports on the map.
import { feedItem } from './screen-live.js';
import { el } from './dom.js';

const feedMax = 30;
const list = () => document.getElementById('feed');

/** addToFeed puts newly arrived events (oldest first) on top, highlighted, and flashes new reports. */
export function addToFeed(app, events) {
  const latest = events.slice(-feedMax);
  const shown = [...latest].reverse(); // the newest first
  const feed = list();
  feed.prepend(...shown.map((e) => feedItem(app.state, e, el)));
  app.feed = [...shown, ...app.feed].slice(0, feedMax);
  while (feed.children.length > feedMax) feed.lastChild.remove();
  for (const e of latest) if (e.kind === 'report.created' && e.data?.point) app.flashes.add(e.data);
}

/**
 * clearFeed empties the feed and the flashes when another unit is shown:
 * the last unit's events are not this one's.
 */
export function clearFeed(app) {
  app.pending = [];
  app.feed = [];
  list().replaceChildren();
  app.flashes?.clear();
}

/**
 * renderFeed writes the feed again (in the language now chosen), without
 * the arrival highlight: these events are not new.
 */
export function renderFeed(app) {
  if (!app.state) return;
  list().replaceChildren(...app.feed.map((e) => {
    const li = feedItem(app.state, e, el);
    li.classList.add('settled');
    return li;
  }));
}
