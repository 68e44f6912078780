// The big screen's live feed: the unit's events, the newest first, at most
// feedMax. app is the screen's state (screen.js): app.feed keeps the events
// shown, so that they can be written again in another language; app.state
// names units and categories; app.flashes marks new reports on the map.
import { feedItem, whereOf } from './screen-feed-item.js';
import { getJSON } from './screen-api.js';
import { el } from './dom.js';

const feedMax = 30;
const lookupMax = 5; // dispatches of one flush whose assignee is asked for; a burst's others say only 派遣
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
  latest.filter((e) => e.kind === 'report.updated' && e.data?.state === 'dispatched' && e.data.id && !e.data.assignee)
    .slice(-lookupMax).forEach((e) => nameAssignee(app, e));
}

// nameAssignee finds whom a dispatch sent the case to — the event does not
// say (it carries the case, not the step) — in the case's history, and
// writes it into the event's line. A caller who may not see it (an
// anonymous screen: names are personal data) is answered without it, and
// the line stays "派遣".
async function nameAssignee(app, e) {
  const r = await getJSON(`v1/reports/${encodeURIComponent(e.data.id)}`).catch(() => null);
  const steps = (r?.history ?? []).filter((x) => x.to === 'dispatched' && x.assignee);
  // The step of this event: the last dispatch taken before it was sent (a
  // later re-dispatch may already be in the history).
  const at = Date.parse(e.at) + 2000;
  const step = steps.filter((x) => Date.parse(x.at) <= at).at(-1) ?? steps.at(-1);
  if (!step || !app.state || !app.feed.includes(e)) return;
  e.data.assignee = step.assignee;
  const li = list().querySelector(`li[data-event="${CSS.escape(String(e.event_id))}"]`);
  const where = li?.querySelector('.where');
  if (!where) return;
  where.textContent = whereOf(app.state, e);
  li.title = feedItem(app.state, e, el).title;
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
