// A library item in a <dialog>, loaded on first use: player or failure, facts, prompt, every action.

import { closeIcon, h, loadLaterStyles } from './dom.js';
import { factsList, failureBox, jobActions, nameFor, soraTag } from './jobs.js';
import { statusView } from './status-view.js';
import { failureWordsLoaded, hasFailureWords, loadFailureWords, t } from './strings.js';

loadLaterStyles();

// The failure box once its wording is here; until then a line saying the result is being read
// (closing the dialog empties it: the box then goes nowhere).
function failurePart(box) {
  if (hasFailureWords()) return box();
  const pending = h('p', { class: 'hint', text: t('result.loading') });
  failureWordsLoaded().then(() => pending.isConnected && pending.replaceWith(box()));
  return pending;
}

export function createVideoDialog({ dialog, describe, actions, onDelete }) {
  dialog.addEventListener('close', () => dialog.replaceChildren());
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });

  return {
    async open(doc) {
      if (doc.status === 'failed') await loadFailureWords().catch(() => {});
      const v = statusView(doc);
      const m = describe(v.model);
      const video = v.videoURL && h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'dialog-video', 'aria-label': nameFor(t('result.video'), v) });
      if (video && v.posterURL) video.poster = v.posterURL;
      const acts = jobActions(doc, v, { ...actions, edit: (d) => { dialog.close(); actions.edit(d); } });
      acts.insertBefore(h('button', { type: 'button', class: 'button danger small', text: t('library.delete'), disabled: !v.terminal,
        'aria-label': nameFor(t('library.delete'), v), on: { click: () => onDelete(doc) } }), acts.lastChild);
      const text = (cls, s) => s && h(cls === 'sub' ? 'h3' : 'p', { class: cls === 'sub' ? 'dialog-subtitle' : 'dialog-prompt', text: s });
      dialog.replaceChildren(h('div', { class: 'dialog-panel' },
        h('div', { class: 'dialog-head' }, m.isSora && soraTag(), h('h2', { id: 'video-dialog-title', text: m.label }),
          h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }),
          h('button', { type: 'button', class: 'icon-button dialog-close', 'aria-label': t('dialog.close'), on: { click: () => dialog.close() } }, closeIcon({ size: 18 }))),
        h('div', { class: ['dialog-body', !video && 'no-media'] },
          video && h('div', { class: 'dialog-media' }, video),
          v.failed && failurePart(() => failureBox(statusView(doc), { onRetry: () => actions.retry(doc).then((r) => { if (!r) dialog.close(); return r; }), linkEstimated: doc.link_expiry_estimated === true })),
          h('div', { class: 'dialog-info' }, factsList(v, { model: m.label, created: true, order: (m.fields ?? []).map((p) => p.name) }),
            text('sub', t('job.prompt')), text('p', v.prompt), text('sub', v.actualPrompt && t('job.actualPrompt')), text('p', v.actualPrompt), acts))));
      dialog.showModal();
      dialog.querySelector('.dialog-close').focus();
    },
    close() { if (dialog.open) dialog.close(); },
  };
}
