// DOM helpers shared by the console (app.js) and the big screen. The
// grid worker's app (web/m) has its own module tree, kept apart for its
// offline cache.

/**
 * el makes an element with attributes and children (null ones skipped);
 * class and style are set as the element's className and style text.
 */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k === 'style') e.style.cssText = v; else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}
