// Long texts on a phone: a field the server limits in characters shows
// how many are left and takes no more (the worker learns it while typing,
// not on submit), and a long text shown (a case's description) is
// collapsed to its first lines, so that what comes after it — the case's
// buttons — stays in reach of a thumb.
import { t, onLangChange } from './i18n.js';

/**
 * limitText keeps area (a textarea) at most max characters — counted as
 * the server counts them, by code point: an emoji is one, not two as
 * maxlength has it — and writes "n/max" in counter. Text typed or pasted
 * past the limit is cut where it went in, not at the end of what was
 * written. It returns a function that redraws the counter, for a value set
 * by code.
 */
export function limitText(area, counter, max) {
  const draw = () => {
    const n = [...area.value].length;
    counter.textContent = n >= max ? `${n}/${max} · ${t('text.limit', { max })}` : `${n}/${max}`;
    counter.classList.toggle('near', n >= max * 0.9);
    counter.classList.toggle('full', n >= max);
  };
  area.addEventListener('input', () => {
    const chars = [...area.value];
    const excess = chars.length - max;
    if (excess > 0) {
      const caret = area.selectionEnd ?? area.value.length;
      const head = [...area.value.slice(0, caret)];
      const tail = [...area.value.slice(caret)];
      // The characters just put in sit before the caret: those go first.
      const keep = head.slice(0, Math.max(0, head.length - excess)).join('');
      const rest = head.length >= excess ? tail : tail.slice(0, tail.length - (excess - head.length));
      area.value = keep + rest.join('');
      area.setSelectionRange(keep.length, keep.length);
    }
    draw();
  });
  onLangChange(draw);
  draw();
  return draw;
}

/**
 * collapsible shows a text in el cut to the lines its CSS allows (class
 * "clamped"), with button toggling the whole of it; the button shows only
 * when the text is longer than that. It returns show(text, whole), whole
 * telling whether the text is shown whole at first (kept while the same
 * case is redrawn).
 */
export function collapsible(el, button) {
  let whole = false;
  const draw = () => {
    el.classList.toggle('clamped', !whole);
    // Measured clamped: the text overflows its lines, or it does not need the button.
    el.classList.add('clamped');
    const long = el.scrollHeight > el.clientHeight + 1;
    el.classList.toggle('clamped', !whole);
    button.hidden = !long;
    button.textContent = t(whole ? 'cases.less' : 'cases.more');
    button.setAttribute('aria-expanded', String(whole));
  };
  button.onclick = () => { whole = !whole; draw(); };
  onLangChange(draw);
  return (text, keepWhole = false) => {
    el.textContent = text;
    whole = keepWhole && whole;
    draw();
  };
}
