// Elements from data (text only as text), labels from the string table, inline SVG icons.

import { t } from './strings.js';

export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') el.className = [v].flat().filter(Boolean).join(' ');
    else if (k === 'text') el.textContent = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (/^(aria-|data-|role$|for$)/.test(k)) el.setAttribute(k, v);
    else el[k] = v;
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

export function applyStrings(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

export function absoluteURL(url) {
  try { return new URL(url, document.baseURI).href; } catch { return String(url); }
}

const NS = 'http://www.w3.org/2000/svg';
export const icon = (...paths) => ({ size = 20 } = {}) => {
  const el = document.createElementNS(NS, 'svg');
  const attrs = { viewBox: '0 0 24 24', width: size, height: size, fill: 'none', stroke: 'currentColor', 'stroke-width': 1.8,
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', class: 'icon', 'aria-hidden': 'true', focusable: 'false' };
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const d of paths) el.appendChild(document.createElementNS(NS, 'path')).setAttribute('d', d);
  return el;
};

export const cameraIcon = icon('M5 6h8a2.5 2.5 0 0 1 2.5 2.5v7A2.5 2.5 0 0 1 13 18H5a2.5 2.5 0 0 1-2.5-2.5v-7A2.5 2.5 0 0 1 5 6zM15.5 10.2 21 7v10l-5.5-3.2');
export const downloadIcon = icon('M12 4v12M7 11l5 5 5-5M4 20h16');
export const linkIcon = icon('M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1');
export const closeIcon = icon('M6 6l12 12M18 6 6 18');
export const warnIcon = icon('M12 3 2 20h20L12 3zM12 10v4M12 17h.01');
export const copyIcon = icon('M9 9h10v11H9zM5 15V4h10');
export const editIcon = icon('M4 20h4L19 9l-4-4L4 16v4zM13.5 6.5l4 4');
export const redoIcon = icon('M20 12a8 8 0 1 1-2.3-5.7M20 4v5h-5');

/** Adds the styles of the parts loaded on first use (css/later.css, same version as this module). */
export function loadLaterStyles() {
  if (document.getElementById('later-css')) return;
  document.head.append(h('link', { rel: 'stylesheet', id: 'later-css', href: new URL('../css/later.css', import.meta.url).href }));
}
