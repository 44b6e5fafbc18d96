// One job's card: the phase in our words, progress, elapsed and remaining time while it runs; then
// the result (video, parameters used, reuse actions) or the failure; Cancel and Retry only when the
// server offers them. update() takes a newer document, render() redraws.

import { h } from './dom.js';
import { closeIcon } from './icons.js';
import { failureBox } from './failure-view.js';
import { factsList, jobActions, nameFor, soraTag } from './media-actions.js';
import { shortId, statusView } from './status-view.js';
import { dateTime, duration } from './format.js';
import { t } from './strings.js';

/**
 * `doc` is the first document (or a generate answer); `describe(id)` → model view or a stub;
 * `actions` = media-actions' plus `cancel(doc)` and `retry(doc)` (→ null or `{text, again}`) and `dismiss()`.
 */
export function createJobCard({ doc: first, describe, actions }) {
  let doc = { status: 'queued', progress: 0, ...first };
  let shown = 0;            // progress shown, never goes back
  let elapsedShown = 0;     // elapsed seconds shown while running, never go back
  let problem = null;       // null | 'poll' | 'gone' | a text (a refused cancel)
  let bodyFor = null;       // what the body was built for
  const id = doc.task_id;

  const promptEl = h('p', { class: 'job-prompt', id: `job-${id}-prompt` });
  const tagSlot = h('span', { class: 'job-tags' });
  const modelEl = h('span', { class: 'job-model' });
  const badge = h('span', { class: 'badge' });
  const close = h('button', { type: 'button', class: 'icon-button job-dismiss', on: { click: () => actions.dismiss() } }, closeIcon({ size: 16 }));
  const bar = h('progress', { max: 100, value: 0 });
  const percent = h('span', { class: 'job-percent' });
  const statusLine = h('p', { class: 'job-status', 'aria-live': 'polite' });
  const meta = h('p', { class: 'job-meta' });
  const stageText = h('p', { class: 'job-stage-text' });
  const stageSummary = h('summary');
  const stage = h('details', { class: 'job-stage' }, stageSummary, stageText);
  const cancel = h('button', { type: 'button', class: 'button secondary small job-cancel', on: { click: async () => {
    cancel.disabled = true;
    problem = await actions.cancel(doc);
    cancel.disabled = false;
    render();
  } } });
  const problemEl = h('p', { class: 'job-problem', role: 'status' });
  const body = h('div', { class: 'job-body' });
  const el = h('li', { class: 'job-card', tabIndex: -1, 'aria-labelledby': promptEl.id, dataset: { taskId: id } },
    h('div', { class: 'job-head' }, tagSlot, modelEl, badge, close), promptEl,
    h('div', { class: 'job-progress' }, bar, percent), statusLine, meta, stage, cancel, problemEl, body);

  function renderBody(v) {
    const key = [v.status, document.documentElement.lang, v.videoURL, v.canRetry, doc.seq, doc.pending, describe(v.model).label].join('|');
    if (key === bodyFor) return;
    bodyFor = key;
    const parts = [];
    // A terminal state from the feed, before its document arrives: say so, do not guess.
    if (doc.pending) {
      body.replaceChildren(h('p', { class: 'hint', text: t('result.loading') }));
      return;
    }
    if (v.succeeded && v.videoURL) {
      const video = h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'job-video', 'aria-label': nameFor(t('result.video'), v) });
      video.setAttribute('playsinline', '');
      if (v.posterURL) video.poster = v.posterURL;
      parts.push(video);
    } else if (v.succeeded) parts.push(h('p', { class: 'hint', text: t('result.noVideo') }));
    if (v.failed) {
      parts.push(failureBox(v, { onRetry: () => actions.retry(doc), linkEstimated: doc.link_expiry_estimated === true }));
    }
    if (v.status === 'cancelled') parts.push(h('p', { class: 'hint', text: t('job.cancelledNote') }));
    const m = describe(v.model);
    if (v.terminal) parts.push(factsList(v, { model: m.label, order: (m.fields ?? []).map((p) => p.name) }), jobActions(doc, v, actions).el);
    body.replaceChildren(...parts);
  }

  function render(now = Date.now()) {
    const m = describe(doc.model);
    const v = statusView(doc, { now, previousProgress: shown, previousElapsed: elapsedShown, typical: m.typical });
    shown = v.progress;
    if (!v.terminal && v.elapsed !== null) elapsedShown = v.elapsed;
    el.dataset.status = v.status;
    el.classList.toggle('done', v.terminal);
    tagSlot.replaceChildren(...(m.isSora ? [soraTag()] : []));
    modelEl.textContent = m.label;
    badge.className = `badge badge-${v.status}`;
    badge.textContent = t(v.statusKey);
    close.hidden = !(v.terminal || problem === 'gone');
    close.setAttribute('aria-label', nameFor(t('job.dismiss'), v));
    close.title = t('job.dismiss');
    promptEl.textContent = v.prompt;
    promptEl.title = v.prompt;
    bar.value = v.progress;
    bar.setAttribute('aria-label', nameFor(t('job.progressLabel'), v));
    percent.textContent = `${Math.floor(v.progress)}%`;
    let line = t(v.phase.key, v.phase.vars);
    if (v.eta !== null) line += ` · ${v.eta > 0 ? t('job.eta', { time: duration(v.eta) }) : t('job.slow')}`;
    if (!v.terminal && statusLine.textContent !== line) statusLine.textContent = line;
    const time = v.elapsed === null ? '' : t(v.terminal ? 'job.took' : 'job.elapsed', { time: duration(v.elapsed) });
    meta.textContent = [time, dateTime(v.createdAt), shortId(v.taskId)].filter(Boolean).join(' · ');
    // The upstream's own words, folded away: for the curious, never the main text.
    stage.hidden = !v.stage;
    stageSummary.textContent = t('job.upstreamStage');
    stageText.textContent = v.stage;
    cancel.hidden = !v.canCancel;
    cancel.textContent = t('job.cancel');
    cancel.setAttribute('aria-label', nameFor(t('job.cancel'), v));
    const p = problem === 'gone' ? t('job.gone') : problem === 'poll' ? t('job.pollError') : (problem ?? '');
    if (problemEl.textContent !== p) problemEl.textContent = p;
    problemEl.hidden = !p;
    renderBody(v);
  }

  render();
  return {
    el,
    render,
    update(next) {
      doc = next;
      if (problem === 'poll' || problem === 'gone') problem = null;
      render();
    },
    setProblem(p) { problem = p; render(); },
    get document() { return doc; },
  };
}
