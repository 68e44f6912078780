// Edit mode's token (edit.js hooks it in): the field an editor enters a
// token in, checked with the server as it is entered (GET /v1/me), not at
// the first save. A token the server refuses is said so at once — which it
// is: unknown (mistyped, cut short), revoked, or expired when — and not used — the token set before stays; a good one
// is kept for the browser tab (sessionStorage, where app.js reads it) and
// the panel says whose it is, its role, its scope and until when, and
// whether it may edit boundaries at all (a viewer's may not). A token set
// before edit mode opens (/?token=…) is checked when it opens. When the
// server cannot be asked, the token is kept and checked at the first save,
// as before.
import { t } from './i18n.js';
import { chinaDay } from './chinatime.js';
import { whoami } from './me.js';
import { refusalText, unbroken } from './refusal.js';

const key = 'gridmap.token';

/**
 * initToken returns the token's form (form, input) and its state line
 * (state); render() writes the state line again (a language switch),
 * check() asks the server about the token set if it has not been asked
 * yet, ready() waits for the answer about a token being entered. onChange
 * is called when a token is set or forgotten.
 */
export function initToken({ api, el, word, say, onChange }) {
  const input = el('input', { type: 'password', id: 'edit-token', autocomplete: 'off', placeholder: t('ed.tokenPh'), spellcheck: 'false' });
  const form = el('form', { id: 'edit-token-form', class: 'edit-row' }, word('label', { for: 'edit-token' }, 'ed.token'), input,
    word('button', { type: 'submit' }, 'ed.use'));
  const state = el('div', { id: 'edit-token-state', class: 'small' });
  const told = new Map(); // token → what the server said of it: { status: valid|refused|unchecked, me, detail }
  let checking = null; // the token entered, while the server is asked about it
  let seq = 0; // a later entry wins
  let entered = Promise.resolve(); // the last entry, until the server has answered about it
  const current = () => sessionStorage.getItem(key);

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const tok = input.value.trim();
    input.value = '';
    entered = enter(tok);
  });

  // enter sets tok as the tab's token if the server does not refuse it, or
  // forgets the token for an empty one.
  async function enter(tok) {
    const n = ++seq;
    if (!tok) {
      checking = null;
      sessionStorage.removeItem(key);
      say('info', () => t('ed.tokenForgotten'));
      render();
      onChange();
      return;
    }
    checking = tok;
    say('info', () => t('ed.tokenChecking'));
    render();
    const r = await whoami(api, tok);
    if (n !== seq) return;
    checking = null;
    if (r.status === 'refused') {
      say('error', () => unbroken(t(current() ? 'ed.tokenRefusedKept' : 'ed.tokenRefused', { why: why(r) })));
      render();
      input.focus();
      return;
    }
    told.set(tok, r);
    sessionStorage.setItem(key, tok);
    if (r.status === 'unchecked') say('info', () => t('ed.tokenUnchecked', { why: r.detail }));
    else if (mayEdit(r.me)) say('ok', () => t('ed.tokenSet'));
    else say('warn', () => t('ed.tokenCannotEdit', { role: role(r.me) }));
    render();
    onChange(); // the page's panels were read with the previous token
  }

  async function check() {
    const tok = current();
    if (!tok || told.has(tok) || checking) return;
    const n = seq;
    const r = await whoami(api, tok);
    if (n !== seq || current() !== tok) return;
    told.set(tok, r);
    render();
  }

  function render() {
    const tok = current();
    const r = tok ? told.get(tok) : null;
    input.placeholder = t(tok ? 'ed.tokenSetPh' : 'ed.tokenPh');
    const line = (cls, ...text) => el('p', { class: cls }, ...text);
    state.dataset.status = checking ? 'checking' : r?.status ?? (tok ? 'set' : 'none');
    if (checking) {
      state.replaceChildren(line('muted', t('ed.tokenChecking')));
    } else if (!tok) {
      state.replaceChildren(line('muted', t('ed.tokenNeeded'), ' ', el('code', {}, 'gridmap token create --role editor …')));
    } else if (r?.status === 'valid') {
      const me = r.me;
      const scope = me.unit ? t('ed.scopeUnit', { name: me.unit.name, code: me.unit.code }) : me.scope ?? t('ed.scopeAll');
      const can = mayEdit(me);
      state.replaceChildren(
        line('token-ok', t('ed.tokenValid', { name: me.name ?? '' })),
        line('token-what', el('span', { 'data-key': 'role' }, t('ed.tokenRole', { role: role(me) })), ' · ',
          el('span', { 'data-key': 'scope' }, t('ed.tokenScope', { scope })),
          me.expires_at ? ` · ${t('ed.tokenExpires', { day: chinaDay(me.expires_at) })}` : ''),
        line(can ? 'token-ok' : 'token-warn', can ? t(me.scope ? 'ed.mayEditIn' : 'ed.mayEditAll', { scope }) : t('ed.mayNotEdit', { role: role(me) })),
        line('muted', t('ed.tokenReplace')));
    } else if (r?.status === 'refused') {
      state.replaceChildren(line('token-bad', unbroken(t('ed.tokenStoredRefused', { why: why(r) }))), line('muted', t('ed.tokenReplace')));
    } else if (r?.status === 'unchecked') {
      state.replaceChildren(line('muted', t('ed.tokenUncheckedState', { why: r.detail })), line('muted', t('ed.tokenReplace')));
    } else {
      state.replaceChildren(line('muted', t('ed.tokenIsSet')));
    }
  }

  render();
  // ready waits for the server's answer about a token being entered: a save
  // made meanwhile goes with the token it decides.
  return { form, input, state, render, check, ready: () => entered };
}

// why says why the server refused a token: which it is (unknown, revoked,
// expired when), or — a server that does not say — its detail and the
// three it may be.
const why = (r) => refusalText(r.problem) || t('ed.tokenRefusedWhy', { detail: r.detail });
const mayEdit = (me) => Boolean(me?.permissions?.includes('edit_boundaries'));
const role = (me) => {
  const w = t(`role.${me?.role}`);
  return w === `role.${me?.role}` ? String(me?.role ?? '?') : w;
};
