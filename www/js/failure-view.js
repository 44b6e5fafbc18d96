// The explanation of a failed job (plan §5.5, README error kinds): a title and hint per kind,
// the server's own message, the technical detail folded away, and retry-transfer where allowed.

import { formatDateTime, h } from './dom.js';
import { warnIcon } from './icons.js';
import { t } from './strings.js';

/** `failure` is status-view.js's failureView; `onRetryTransfer()` resolves true once the retry was accepted. */
export function failureBox(failure, { onRetryTransfer } = {}) {
  const box = h('div', { class: ['failure', `failure-${failure.kind}`], role: 'alert' },
    h('p', { class: 'failure-title' }, warnIcon({ size: 18 }), h('span', { text: t(failure.titleKey) })),
    failure.message ? h('p', { class: 'failure-message', text: failure.message }) : null,
    h('p', { class: 'failure-hint', text: t(failure.hintKey) }),
    failure.detail ? h('details', { class: 'failure-detail' },
      h('summary', { text: t('fail.detail') }), h('code', { text: failure.detail })) : null);
  if (failure.canRetryTransfer && onRetryTransfer) {
    const button = h('button', { type: 'button', class: 'button primary small retry-transfer', text: t('fail.retryTransfer') });
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = t('fail.retrying');
      // Accepted: stay disabled until the next status document replaces this box.
      if (!(await onRetryTransfer().catch(() => false))) {
        button.disabled = false;
        button.textContent = t('fail.retryTransfer');
      }
    });
    box.append(h('div', { class: 'failure-actions' }, button,
      failure.linkExpiresAt ? h('span', { class: 'hint', text: t('fail.linkValidUntil', { time: formatDateTime(failure.linkExpiresAt) }) }) : null));
  }
  return box;
}
