// A failed job explained (contract §5): what happened from kind and code, what to do, the technical
// note folded away, and Retry only when the server says it can (`can_retry`).

import { h } from './dom.js';
import { warnIcon } from './icons.js';
import { t } from './strings.js';
import { dateTime } from './format.js';
import { nameFor } from './media-actions.js';

/** `v` is a statusView of a failed job; `onRetry()` resolves to null when accepted, else `{text, again}`. */
export function failureBox(v, { onRetry, linkEstimated = false } = {}) {
  const f = v.failure;
  const problem = h('p', { class: 'retry-problem', role: 'alert' });
  const box = h('div', { class: ['failure', `failure-${f.kind}`], dataset: { kind: f.kind, code: f.code ?? '' } },
    h('p', { class: 'failure-title' }, warnIcon({ size: 18 }), h('span', { text: f.title })),
    f.text ? h('p', { class: 'failure-text', text: f.text }) : null,
    h('p', { class: 'failure-hint', text: f.hint }),
    f.detail || f.facts.length ? h('details', { class: 'failure-detail' }, h('summary', { text: t('fail.detail') }),
      f.facts.map((x) => h('p', { text: x })), f.detail ? h('code', { text: f.detail }) : null) : null);
  if (v.canRetry && onRetry) {
    const label = t('fail.retry');
    const button = h('button', { type: 'button', class: 'button primary small retry', 'aria-label': nameFor(label, v), text: label });
    button.addEventListener('click', async () => {
      button.disabled = true;
      button.textContent = t('fail.retrying');
      problem.textContent = '';
      const refused = await onRetry();
      // Accepted: the new state replaces this box. Refused: say why; offer it again only after a network error.
      if (!refused) return;
      problem.textContent = refused.text;
      if (refused.again) {
        button.disabled = false;
        button.textContent = label;
      } else button.remove();
    });
    const until = v.linkExpiresAt ? t(linkEstimated ? 'fail.linkUntilEstimated' : 'fail.linkUntil', { time: dateTime(v.linkExpiresAt) }) : '';
    box.append(h('div', { class: 'failure-actions' }, button, until ? h('span', { class: 'hint', text: until }) : null));
  }
  box.append(problem);
  return box;
}
