// A library entry opened in a <dialog>: the player (or the failure), its facts, and actions.

import { formatDateTime, h } from './dom.js';
import { closeIcon } from './icons.js';
import { failureBox } from './failure-view.js';
import { factsList, mediaActions, soraTag } from './media-actions.js';
import { statusView } from './status-view.js';
import { isSoraModel } from './catalog-view.js';
import { t } from './strings.js';

/** `describe(id)` → `{label}`; `onDelete(doc)` deletes (and may close the dialog). */
export function createVideoDialog({ dialog, describe, onDelete, onRetryTransfer }) {
  dialog.addEventListener('close', () => {
    dialog.querySelector('video')?.pause();
    dialog.replaceChildren();
  });
  // A click on the backdrop (outside the panel) closes, like Escape does.
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });

  return {
    open(doc) {
      const v = statusView(doc);
      const media = v.videoURL
        ? h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'dialog-video' })
        : null;
      if (media) {
        media.setAttribute('playsinline', '');
        if (v.posterURL) media.poster = v.posterURL;
      }
      const del = h('button', { type: 'button', class: 'button danger small', text: t('library.delete'),
        disabled: !v.terminal, on: { click: () => onDelete(doc) } });
      dialog.replaceChildren(h('div', { class: 'dialog-panel' },
        h('div', { class: 'dialog-head' },
          isSoraModel(v.model) ? soraTag() : null,
          h('h2', { id: 'video-dialog-title', text: describe(v.model).label }),
          h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }),
          h('button', { type: 'button', class: 'icon-button dialog-close', 'aria-label': t('dialog.close'), title: t('dialog.close'),
            on: { click: () => dialog.close() } }, closeIcon({ size: 18 }))),
        h('div', { class: ['dialog-body', !media && 'no-media'] },
          media ? h('div', { class: 'dialog-media' }, media) : null,
          v.failure ? failureBox(v.failure, { onRetryTransfer: () => onRetryTransfer(doc) }) : null,
          h('div', { class: 'dialog-info' },
            factsList(v, { created: formatDateTime(v.createdAt), id: v.taskId }),
            h('h3', { class: 'dialog-subtitle', text: t('job.prompt') }),
            h('p', { class: 'dialog-prompt', text: v.prompt }),
            v.actualPrompt ? h('h3', { class: 'dialog-subtitle', text: t('job.actualPrompt') }) : null,
            v.actualPrompt ? h('p', { class: 'dialog-prompt', text: v.actualPrompt }) : null,
            h('div', { class: 'dialog-actions' }, v.videoURL ? mediaActions(v.videoURL, v.taskId) : null, del)))));
      dialog.showModal();
      dialog.querySelector('.dialog-close').focus();
    },
    close() { if (dialog.open) dialog.close(); },
  };
}
