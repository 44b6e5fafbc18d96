// Inline SVG icons (no icon font, no CDN). Built with createElementNS so no HTML parsing is involved.

const NS = 'http://www.w3.org/2000/svg';

function svg(paths, { size = 20, label = null } = {}) {
  const el = document.createElementNS(NS, 'svg');
  el.setAttribute('viewBox', '0 0 24 24');
  el.setAttribute('width', String(size));
  el.setAttribute('height', String(size));
  el.setAttribute('fill', 'none');
  el.setAttribute('stroke', 'currentColor');
  el.setAttribute('stroke-width', '1.8');
  el.setAttribute('stroke-linecap', 'round');
  el.setAttribute('stroke-linejoin', 'round');
  el.setAttribute('class', 'icon');
  if (label) {
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', label);
  } else {
    el.setAttribute('aria-hidden', 'true');
    el.setAttribute('focusable', 'false');
  }
  for (const d of paths) {
    const p = document.createElementNS(NS, d.tag ?? 'path');
    for (const [k, v] of Object.entries(d)) if (k !== 'tag') p.setAttribute(k, v);
    el.append(p);
  }
  return el;
}

/** Video camera (the plan's VideoCameraOutlined). */
export function cameraIcon(options) {
  return svg([
    { tag: 'rect', x: '2.5', y: '6', width: '13', height: '12', rx: '2.5' },
    { d: 'M15.5 10.2 21 7v10l-5.5-3.2' },
  ], options);
}

export function uploadIcon(options) {
  return svg([{ d: 'M12 16V4M7 9l5-5 5 5' }, { d: 'M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3' }], options);
}

export function downloadIcon(options) {
  return svg([{ d: 'M12 4v12M7 11l5 5 5-5' }, { d: 'M4 20h16' }], options);
}

export function linkIcon(options) {
  return svg([{ d: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1' }, { d: 'M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1' }], options);
}

export function closeIcon(options) {
  return svg([{ d: 'M6 6l12 12M18 6 6 18' }], options);
}

export function warnIcon(options) {
  return svg([{ d: 'M12 3 2 20h20L12 3z' }, { d: 'M12 10v4M12 17h.01' }], options);
}
