// Tiny DOM helpers: build elements from data, fill static labels from the string table.
// Text always goes in through textContent / text nodes, never as HTML.

import { t } from './strings.js';

/**
 * `h('button', {class: 'x', type: 'button', on: {click}}, 'text', child)`.
 * Keys: `class`, `text`, `dataset`, `on`, `attrs` (setAttribute), `aria-*`/`data-*`/`role`
 * (setAttribute), everything else is assigned as a property.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false && (k.startsWith('aria-') || k.startsWith('data-'))) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'attrs') for (const [a, av] of Object.entries(v)) { if (av !== null && av !== undefined) el.setAttribute(a, av); }
    else if (k.startsWith('aria-') || k.startsWith('data-') || k === 'role' || k === 'for') el.setAttribute(k, v);
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Sets the static labels under `root` from `data-i18n*` attributes. */
export function applyStrings(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
}

/** Absolute form of a URL the API gave relative to the site (for copying). */
export function absoluteURL(url) {
  try { return new URL(url, document.baseURI).href; } catch { return String(url); }
}
