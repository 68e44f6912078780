// The big screen's breadcrumb: the units above the one on screen, each a
// link back up, and what a scoped token may not open named as plain text.
import { t } from './i18n.js';
import { el } from './dom.js';
import { getJSON } from './screen-api.js';

/**
 * drawCrumbs writes into nav the way from the city down to unit, reading
 * the units' names (kept in app.names, by code, for the title); show(code)
 * opens a step.
 */
export async function drawCrumbs(nav, app, unit, show) {
  const codes = [6, 9, 12, 15].filter((n) => n <= unit.length).map((n) => unit.slice(0, n));
  const names = await Promise.all(codes.map((c) => getJSON(`v1/units/${c}`).then((u) => {
    app.names[c] = u.properties.name;
    return u.properties.name;
  }).catch(() => c)));
  // A step is a link, except for the unit on screen and the units above a
  // token's scope (the server refuses them; a click would only show the refusal).
  const crumb = (code, name) => {
    const open = code !== unit && (!app.scope || code.startsWith(app.scope));
    if (!open) return el('span', { 'data-unit': code }, name);
    const a = el('a', { 'data-unit': code }, name);
    a.addEventListener('click', () => show(code));
    return a;
  };
  nav.replaceChildren(crumb('', t('city')), ...codes.map((c, i) => crumb(c, names[i])));
}

/** relabelCrumbs writes the breadcrumb's first step, a word (the others are names), in the current language. */
export function relabelCrumbs(nav) {
  nav.querySelector('[data-unit=""]')?.replaceChildren(t('city'));
}
