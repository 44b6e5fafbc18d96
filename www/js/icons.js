// Inline SVG icons (no icon font, no CDN), built with createElementNS: no HTML parsing involved.

const NS = 'http://www.w3.org/2000/svg';

function svg(paths, { size = 20 } = {}) {
  const el = document.createElementNS(NS, 'svg');
  const attrs = { viewBox: '0 0 24 24', width: size, height: size, fill: 'none', stroke: 'currentColor', 'stroke-width': '1.8',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', class: 'icon', 'aria-hidden': 'true', focusable: 'false' };
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const d of paths) {
    const p = document.createElementNS(NS, 'path');
    p.setAttribute('d', d);
    el.append(p);
  }
  return el;
}

const icon = (...paths) => (options) => svg(paths, options);

export const cameraIcon = icon('M5 6h8a2.5 2.5 0 0 1 2.5 2.5v7A2.5 2.5 0 0 1 13 18H5a2.5 2.5 0 0 1-2.5-2.5v-7A2.5 2.5 0 0 1 5 6z', 'M15.5 10.2 21 7v10l-5.5-3.2');
export const uploadIcon = icon('M12 16V4M7 9l5-5 5 5', 'M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3');
export const downloadIcon = icon('M12 4v12M7 11l5 5 5-5', 'M4 20h16');
export const linkIcon = icon('M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1', 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1');
export const closeIcon = icon('M6 6l12 12M18 6 6 18');
export const warnIcon = icon('M12 3 2 20h20L12 3z', 'M12 10v4M12 17h.01');
export const copyIcon = icon('M9 9h10v11H9z', 'M5 15V4h10');
export const editIcon = icon('M4 20h4L19 9l-4-4L4 16v4z', 'M13.5 6.5l4 4');
export const redoIcon = icon('M20 12a8 8 0 1 1-2.3-5.7', 'M20 4v5h-5');
