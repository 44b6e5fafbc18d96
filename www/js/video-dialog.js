// A library item opened in a <dialog>: the player (or the failure), its facts and parameters, the
// prompt, and every action (download, copy, Edit, Regenerate, Retry, Delete).

import { h } from './dom.js';
import { closeIcon } from './icons.js';
import { failureBox } from './failure-view.js';
import { factsList, jobActions, nameFor, soraTag } from './media-actions.js';
import { statusView } from './status-view.js';
import { t } from './strings.js';

/** `describe(id)` → model view; `actions` (media-actions) plus `retry(doc)`; `onDelete(doc)`. */
export function createVideoDialog({ dialog, describe, actions, onDelete }) {
  dialog.addEventListener('close', () => {
    dialog.querySelector('video')?.pause();
    dialog.replaceChildren();
  });
  // A click on the backdrop (outside the panel) closes, like Escape.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });

  return {
    open(doc) {
      const v = statusView(doc);
      const m = describe(v.model);
      const media = v.videoURL ? h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'dialog-video',
        'aria-label': nameFor(t('result.video'), v) }) : null;
      if (media) {
        media.setAttribute('playsinline', '');
        if (v.posterURL) media.poster = v.posterURL;
      }
      const del = h('button', { type: 'button', class: 'button danger small', text: t('library.delete'), disabled: !v.terminal,
        'aria-label': nameFor(t('library.delete'), v), on: { click: () => onDelete(doc) } });
      const acts = jobActions(doc, v, { ...actions, edit: (d) => { dialog.close(); actions.edit(d); } });
      acts.el.insertBefore(del, acts.el.lastElementChild);
      dialog.replaceChildren(h('div', { class: 'dialog-panel' },
        h('div', { class: 'dialog-head' },
          m.isSora ? soraTag() : null,
          h('h2', { id: 'video-dialog-title', text: m.label }),
          h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }),
          h('button', { type: 'button', class: 'icon-button dialog-close', 'aria-label': t('dialog.close'), title: t('dialog.close'),
            on: { click: () => dialog.close() } }, closeIcon({ size: 18 }))),
        h('div', { class: ['dialog-body', !media && 'no-media'] },
          media ? h('div', { class: 'dialog-media' }, media) : null,
          v.failed ? failureBox(v, { onRetry: async () => {
            const r = await actions.retry(doc);
            if (!r) dialog.close();
            return r;
          }, linkEstimated: doc.link_expiry_estimated === true }) : null,
          h('div', { class: 'dialog-info' },
            factsList(v, { model: m.label, created: true, order: (m.fields ?? []).map((p) => p.name) }),
            h('h3', { class: 'dialog-subtitle', text: t('job.prompt') }),
            h('p', { class: 'dialog-prompt', text: v.prompt }),
            v.actualPrompt ? h('h3', { class: 'dialog-subtitle', text: t('job.actualPrompt') }) : null,
            v.actualPrompt ? h('p', { class: 'dialog-prompt', text: v.actualPrompt }) : null,
            acts.el))));
      dialog.showModal();
      dialog.querySelector('.dialog-close').focus();
    },
    close() { if (dialog.open) dialog.close(); },
  };
}
