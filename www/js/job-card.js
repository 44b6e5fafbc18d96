// One job's card: progress while it runs, then the result (plan §5.5) or the failure.
// The card keeps the last status document; update() replaces it and render() redraws.

import { formatDateTime, h } from './dom.js';
import { closeIcon } from './icons.js';
import { failureBox } from './failure-view.js';
import { factsList, mediaActions, soraTag } from './media-actions.js';
import { statusView } from './status-view.js';
import { isSoraModel } from './catalog-view.js';
import { t } from './strings.js';

/** A document to show before the first poll answers, from the saved record. */
export function placeholderDocument(record) {
  return {
    task_id: record.task_id, status: 'queued', progress: 0, stage: '', model: record.model,
    duration: record.duration, orig_prompt: record.orig_prompt, created_at: record.submitted_at,
  };
}

/** `describe` gives `{label}` for a model id; `onDismiss`/`onRetryTransfer` act on this job. */
export function createJobCard({ record, describe, onDismiss, onRetryTransfer }) {
  let doc = placeholderDocument(record);
  let shown = 0;            // progress already shown, never goes backwards
  let problem = null;       // null | 'poll' | 'gone' | a message (failed retry)
  let bodyFor = null;       // status + locale the body was built for

  const tagSlot = h('span', { class: 'job-tags' });
  const modelEl = h('span', { class: 'job-model' });
  const badge = h('span', { class: 'badge' });
  const dismiss = h('button', { type: 'button', class: 'icon-button job-dismiss', on: { click: () => onDismiss() } }, closeIcon({ size: 16 }));
  const promptEl = h('p', { class: 'job-prompt' });
  const bar = h('progress', { max: 100, value: 0 });
  const percent = h('span', { class: 'job-percent' });
  const statusLine = h('p', { class: 'job-status', 'aria-live': 'polite' });
  const elapsedEl = h('span', { class: 'job-elapsed' });
  const idEl = h('span', { class: 'job-id' });
  const problemEl = h('p', { class: 'job-problem', role: 'status' });
  const body = h('div', { class: 'job-body' });
  const el = h('li', { class: 'job-card', dataset: { taskId: record.task_id } },
    h('div', { class: 'job-head' }, tagSlot, modelEl, badge, dismiss),
    promptEl,
    h('div', { class: 'job-progress' }, bar, percent),
    statusLine,
    h('p', { class: 'job-meta' }, elapsedEl, idEl),
    problemEl,
    body);

  function renderBody(v) {
    const key = `${v.status}|${document.documentElement.lang}|${v.videoURL}|${v.failure?.canRetryTransfer}`;
    if (key === bodyFor) return;
    bodyFor = key;
    if (v.succeeded) {
      const parts = [];
      if (v.videoURL) {
        const video = h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'job-video' });
        video.setAttribute('playsinline', '');
        if (v.posterURL) video.poster = v.posterURL;
        parts.push(video);
      } else {
        parts.push(h('p', { class: 'hint', text: t('result.noVideo') }));
      }
      parts.push(factsList(v, { model: describe(v.model).label }));
      if (v.videoURL) parts.push(mediaActions(v.videoURL, v.taskId));
      body.replaceChildren(...parts);
    } else if (v.failed) {
      body.replaceChildren(failureBox(v.failure, { onRetryTransfer }));
    } else {
      body.replaceChildren();
    }
  }

  function render(now = Date.now()) {
    const v = statusView(doc, { now, previousProgress: shown });
    shown = v.progress;
    el.dataset.status = v.status;
    el.classList.toggle('done', v.terminal);
    tagSlot.replaceChildren(...(isSoraModel(v.model) ? [soraTag()] : []));
    modelEl.textContent = describe(v.model).label;
    badge.className = `badge badge-${v.status}`;
    badge.textContent = t(v.statusKey);
    dismiss.hidden = !(v.terminal || problem === 'gone');
    dismiss.setAttribute('aria-label', t('job.dismiss'));
    dismiss.title = t('job.dismiss');
    promptEl.textContent = v.prompt;
    promptEl.title = v.prompt;
    bar.value = v.progress;
    bar.setAttribute('aria-label', t('job.progressLabel'));
    percent.textContent = `${Math.floor(v.progress)}%`;
    const stage = v.terminal ? '' : (v.stage || t('job.stageWaiting'));
    const line = [t(v.statusKey), stage].filter(Boolean).join(' · ');
    if (statusLine.textContent !== line) statusLine.textContent = line;
    elapsedEl.textContent = v.elapsedText ? t(v.terminal ? 'job.took' : 'job.elapsed', { time: v.elapsedText }) : '';
    idEl.textContent = v.createdAt ? `${formatDateTime(v.createdAt)} · ${v.taskId}` : v.taskId;
    const problemText = problem === 'gone' ? t('job.gone') : problem === 'poll' ? t('job.pollError') : (problem ?? '');
    if (problemEl.textContent !== problemText) problemEl.textContent = problemText;
    problemEl.hidden = !problemText;
    renderBody(v);
  }

  render();
  return {
    el,
    render,
    update(next) { doc = next; problem = null; render(); },
    setProblem(p) { problem = p; render(); },
    get document() { return doc; },
  };
}
