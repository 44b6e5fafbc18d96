// Download and copy-link buttons for a stored video, shared by result cards and the video dialog.

import { absoluteURL, h } from './dom.js';
import { cameraIcon, downloadIcon, linkIcon } from './icons.js';
import { t } from './strings.js';
import { formatUSD } from './catalog-view.js';
import { formatBytes } from './validate.js';

/** Copies `text`; the async Clipboard API needs a secure context, so fall back to execCommand. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall through */ }
  const area = h('textarea', { value: text, readOnly: true, class: 'offscreen', 'aria-hidden': 'true' });
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

/** `<div class="media-actions">` with a download link and a copy-link button plus its feedback line. */
export function mediaActions(videoURL, taskId) {
  const url = absoluteURL(videoURL);
  const feedback = h('p', { class: 'copy-feedback', role: 'status' });
  const copy = h('button', { type: 'button', class: 'button secondary small', on: { click: async () => {
    const ok = await copyText(url);
    if (ok) {
      feedback.replaceChildren(t('result.copied'));
    } else {
      const manual = h('input', { type: 'text', readOnly: true, value: url, class: 'manual-copy', 'aria-label': t('result.copy') });
      feedback.replaceChildren(t('result.copyFailed'), ' ', manual);
      manual.select();
    }
  } } }, linkIcon({ size: 16 }), h('span', { text: t('result.copy') }));
  copy.dataset.url = url;
  const download = h('a', { class: 'button primary small', href: videoURL, download: `sora-${taskId || 'video'}.mp4` },
    downloadIcon({ size: 16 }), h('span', { text: t('result.download') }));
  return h('div', { class: 'media-actions' }, download, copy, feedback);
}

/** A `<dl>` of a job's facts (status-view.js view); rows without a value are left out. */
export function factsList(v, rows) {
  const all = {
    'job.model': rows.model ?? '',
    'job.duration': v.duration ? t('params.seconds', { n: v.duration }) : '',
    'job.resolution': v.resolution,
    'job.size': v.sizeBytes ? formatBytes(v.sizeBytes) : '',
    'job.cost': v.costUSD !== null ? formatUSD(v.costUSD) : '',
    'job.created': rows.created ?? '',
    'job.id': rows.id ?? '',
  };
  return h('dl', { class: 'job-facts' }, Object.entries(all).filter(([, val]) => val)
    .map(([k, val]) => [h('dt', { text: t(k) }), h('dd', { text: val })]));
}

/** The purple "Sora 2" tag of results (plan §5.5). */
export function soraTag() {
  return h('span', { class: 'tag tag-sora2' }, cameraIcon({ size: 14 }), 'Sora 2');
}
