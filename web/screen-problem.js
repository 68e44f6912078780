// What the big screen shows while it cannot show a unit (screen.js
// showProblem): the message and its hint, the way out (another token, the
// city or the token's area), the title, the empty feed's line and the
// page's title, in the current language.
//
// The title names the unit by its name, never by a bare code: a wall that
// read "120104" above "not authorised" told the room nothing. The name is
// one the breadcrumb read, or asked for here without a token (a refused
// one is never sent again; with --public-reads=false there is no answer,
// and the title is the screen's own). The feed does not promise that new
// reports will show while none can: it says why it is empty.
import { t } from './i18n.js';
import { getJSON, token, refused, refusalKind, problemKind, problemWords } from './screen-api.js';
import { unbroken } from './refusal.js';

const $ = (id) => document.getElementById(id);

/** renderProblem writes app.problem's message, title and feed line; rename(code) re-renders once a name is read. */
export function renderProblem(app) {
  const err = app.problem;
  renderFeedLine(app);
  if (!err) return;
  const [text, hint] = problemWords(err);
  $('problem-text').replaceChildren(unbroken(text)); // an expiry's minute on one line
  $('problem-hint').textContent = hint;
  $('problem').dataset.refusal = refusalKind(err) ?? '';
  $('problem-city').hidden = refused(err); // the city would be refused too
  $('problem-city').textContent = t(app.scope ? 'showScope' : 'showCity'); // a scoped token's "city" is its area
  $('token-form').hidden = !refused(err); // another token is the way out
  const code = err.unknownUnit ?? app.unit;
  const name = code ? app.names[code] : t('city');
  $('unit-title').textContent = name ?? ''; // empty: the screen's own title stands alone (screen.css)
  document.title = `${name ? `${name} · ` : ''}${t(problemKind(err))} · gridmap`;
  if (code && !name) nameOf(app, code);
}

// nameOf reads the name of unit code for the title, once, without a token:
// a refused one is not sent again, and a kept one was not the question.
async function nameOf(app, code) {
  app.askedNames ??= new Set();
  if (token() || app.askedNames.has(code)) return;
  app.askedNames.add(code);
  const u = await getJSON(`v1/units/${encodeURIComponent(code)}`).catch(() => null);
  if (!u?.properties?.name) return;
  app.names[code] = u.properties.name;
  if (app.problem && (app.problem.unknownUnit ?? app.unit) === code) renderProblem(app);
}

// renderFeedLine says why the feed is empty: waiting for reports while the
// screen follows its unit; not authorised, or not following anything,
// while a problem is shown.
function renderFeedLine(app) {
  const key = !app.problem ? 'feedEmpty' : refused(app.problem) ? 'feedRefused' : 'feedStopped';
  const line = $('feed-empty');
  line.dataset.i18n = key; // a language switch (applyWords) writes the same line
  line.textContent = t(key);
}
