// A job's card: the phase in our words, progress and times (the upstream's raw stage folded away),
// then the result or the failure (from kind and code; Retry only when `can_retry`), the parameters
// used and the reuse actions, which library items and the dialog share.

import { absoluteURL, cameraIcon, closeIcon, copyIcon, downloadIcon, editIcon, h, linkIcon, redoIcon, warnIcon } from './dom.js';
import { bytes, dateTime, duration, t, usd } from './strings.js';
import { paramRows } from './catalog.js';
import { shortId, statusView } from './status-view.js';

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = h('textarea', { value: text, class: 'offscreen' });
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

/** A unique name: `Regenerate: a red fox… #F0H2J4`. */
export const nameFor = (action, v) => `${action}: ${v.prompt.length > 40 ? `${v.prompt.slice(0, 40)}…` : v.prompt} ${shortId(v.taskId)}`;

export function factsList(v, { model = '', created = false, order = [] } = {}) {
  const cost = v.costUSD === null ? '' : v.costState && v.costState !== 'settled' ? `${usd(v.costUSD)} (${t(`costState.${v.costState}`)})` : usd(v.costUSD);
  const rows = [[t('job.model'), model], ...(v.params ? paramRows(v.params, order) : [[t('param.duration'), v.duration && t('param.seconds', { n: v.duration })]]),
    [t('job.resolution'), v.resolution], [t('job.size'), v.sizeBytes && bytes(v.sizeBytes)], [t('job.cost'), cost],
    [t('job.created'), created && dateTime(v.createdAt)], [t('job.id'), created && v.taskId]];
  return h('dl', { class: 'job-facts' }, rows.filter(([, x]) => x).map(([k, x]) => [h('dt', { text: k }), h('dd', { text: x })]));
}

/** `actions`: {regenerate(doc) → message, edit, priceOf, usable}. */
export function jobActions(doc, v, actions, { media = true } = {}) {
  const feedback = h('p', { class: 'copy-feedback', role: 'status' });
  const button = (icon, text, click, extra = {}) => h('button', { type: 'button', class: 'button secondary small',
    'aria-label': nameFor(text, v), on: { click }, ...extra }, icon({ size: 16 }), h('span', { text }));
  const usable = actions.usable(doc) ? {} : { disabled: true, title: t('action.modelGone') };
  const price = actions.priceOf(doc);
  const parts = [];
  if (v.videoURL && media) {
    parts.push(h('a', { class: 'button primary small', href: v.videoURL, download: `video-${v.taskId}.mp4`, 'aria-label': nameFor(t('result.download'), v) },
      downloadIcon({ size: 16 }), h('span', { text: t('result.download') })));
    parts.push(button(linkIcon, t('result.copy'), async () => {
      const url = absoluteURL(v.videoURL);
      feedback.textContent = (await copyText(url)) ? t('result.copied') : `${t('result.copyFailed')} ${url}`;
    }));
  }
  parts.push(button(copyIcon, t('action.copyPrompt'), async () => {
    feedback.textContent = t((await copyText(v.prompt)) ? 'action.promptCopied' : 'action.copyFailed');
  }));
  parts.push(button(editIcon, t('action.edit'), () => actions.edit(doc), usable));
  const regen = button(redoIcon, price === null ? t('action.regenerate') : t('action.regeneratePrice', { price: usd(price) }), async () => {
    regen.disabled = true;
    feedback.textContent = await actions.regenerate(doc);
    regen.disabled = false;
  }, { ...usable, class: 'button secondary small regenerate' });
  parts.push(regen);
  return h('div', { class: 'job-actions' }, parts, feedback);
}

export const soraTag = () => h('span', { class: 'tag tag-sora2' }, cameraIcon({ size: 14 }), 'Sora 2');

/** `v`: a failed job's statusView; `onRetry()` → null when accepted, else `{text, again}`. */
export function failureBox(v, { onRetry, linkEstimated = false }) {
  const f = v.failure;
  const problem = h('p', { class: 'retry-problem', role: 'alert' });
  const box = h('div', { class: ['failure', `failure-${f.kind}`], dataset: { kind: f.kind, code: f.code ?? '' } },
    h('p', { class: 'failure-title' }, warnIcon({ size: 18 }), h('span', { text: f.title })),
    f.text && h('p', { class: 'failure-text', text: f.text }),
    h('p', { class: 'failure-hint', text: f.hint }),
    (f.detail || f.facts.length > 0) && h('details', { class: 'failure-detail' }, h('summary', { text: t('fail.detail') }),
      f.facts.map((x) => h('p', { text: x })), f.detail && h('code', { text: f.detail })));
  if (v.canRetry) {
    const label = t('fail.retry');
    const button = h('button', { type: 'button', class: 'button primary small retry', 'aria-label': nameFor(label, v), text: label, on: { click: async () => {
      button.disabled = true;
      button.textContent = t('fail.retrying');
      problem.textContent = '';
      const refused = await onRetry();
      // Refused: say why, and offer it again only after a network error.
      if (refused?.again) Object.assign(button, { disabled: false, textContent: label });
      else if (refused) button.remove();
      if (refused) problem.textContent = refused.text;
    } } });
    const until = v.linkExpiresAt && t(linkEstimated ? 'fail.linkUntilEstimated' : 'fail.linkUntil', { time: dateTime(v.linkExpiresAt) });
    box.append(h('div', { class: 'failure-actions' }, button, until && h('span', { class: 'hint', text: until })));
  }
  box.append(problem);
  return box;
}

/** `actions`: media-actions' plus cancel, retry, dismiss. */
export function createJobCard({ doc: first, describe, actions }) {
  let doc = { status: 'queued', progress: 0, ...first };
  let shown = 0;          // progress and elapsed time shown never go back
  let elapsedShown = 0;
  let problem = null;     // 'poll' | 'gone' | a refused cancel
  let bodyFor = null;
  const id = doc.task_id;
  const part = (tag, cls, ...kids) => h(tag, { class: cls }, ...kids);

  const promptEl = h('p', { class: 'job-prompt', id: `job-${id}-prompt` });
  const tags = part('span', 'job-tags');
  const modelEl = part('span', 'job-model');
  const badge = part('span', 'badge');
  const close = h('button', { type: 'button', class: 'icon-button job-dismiss', on: { click: () => actions.dismiss() } }, closeIcon({ size: 16 }));
  const bar = h('progress', { max: 100, value: 0 });
  const percent = part('span', 'job-percent');
  const statusLine = h('p', { class: 'job-status', 'aria-live': 'polite' });
  const meta = part('p', 'job-meta');
  const stageSummary = h('summary');
  const stageText = part('p', 'job-stage-text');
  const stage = part('details', 'job-stage', stageSummary, stageText);
  const cancel = h('button', { type: 'button', class: 'button secondary small job-cancel', on: { click: async () => {
    cancel.disabled = true;
    problem = await actions.cancel(doc);
    cancel.disabled = false;
    render();
  } } });
  const problemEl = h('p', { class: 'job-problem', role: 'status' });
  const body = part('div', 'job-body');
  const el = h('li', { class: 'job-card', tabIndex: -1, 'aria-labelledby': promptEl.id, dataset: { taskId: id } },
    part('div', 'job-head', tags, modelEl, badge, close), promptEl, part('div', 'job-progress', bar, percent),
    statusLine, meta, stage, cancel, problemEl, body);

  function renderBody(v, m) {
    const key = [v.status, document.documentElement.lang, v.videoURL, v.canRetry, doc.seq, doc.pending, m.label].join('|');
    if (key === bodyFor) return;
    bodyFor = key;
    // A terminal state from the feed, before its document: guess nothing.
    if (doc.pending) return body.replaceChildren(h('p', { class: 'hint', text: t('result.loading') }));
    const video = v.videoURL && h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'job-video', 'aria-label': nameFor(t('result.video'), v) });
    if (video) {
      video.setAttribute('playsinline', '');
      if (v.posterURL) video.poster = v.posterURL;
    }
    body.replaceChildren(...[video || (v.succeeded && h('p', { class: 'hint', text: t('result.noVideo') })),
      v.failed && failureBox(v, { onRetry: () => actions.retry(doc), linkEstimated: doc.link_expiry_estimated === true }),
      v.status === 'cancelled' && h('p', { class: 'hint', text: t('job.cancelledNote') }),
      v.terminal && factsList(v, { model: m.label, order: (m.fields ?? []).map((p) => p.name) }),
      v.terminal && jobActions(doc, v, actions)].filter(Boolean));
  }

  function render(now = Date.now()) {
    const m = describe(doc.model);
    const v = statusView(doc, { now, previousProgress: shown, previousElapsed: elapsedShown, typical: m.typical });
    shown = v.progress;
    if (!v.terminal && v.elapsed !== null) elapsedShown = v.elapsed;
    el.dataset.status = v.status;
    el.classList.toggle('done', v.terminal);
    tags.replaceChildren(...(m.isSora ? [soraTag()] : []));
    modelEl.textContent = m.label;
    badge.className = `badge badge-${v.status}`;
    badge.textContent = t(v.statusKey);
    close.hidden = !v.terminal && problem !== 'gone';
    close.setAttribute('aria-label', nameFor(t('job.dismiss'), v));
    promptEl.textContent = v.prompt;
    bar.value = v.progress;
    bar.setAttribute('aria-label', nameFor(t('job.progressLabel'), v));
    percent.textContent = `${Math.floor(v.progress)}%`;
    const eta = v.eta === null ? '' : ` · ${v.eta > 0 ? t('job.eta', { time: duration(v.eta) }) : t('job.slow')}`;
    const line = t(v.phase.key, v.phase.vars) + eta;
    if (!v.terminal && statusLine.textContent !== line) statusLine.textContent = line;
    const time = v.elapsed === null ? '' : t(v.terminal ? 'job.took' : 'job.elapsed', { time: duration(v.elapsed) });
    meta.textContent = [time, dateTime(v.createdAt), shortId(id)].filter(Boolean).join(' · ');
    stage.hidden = !v.stage;
    stageSummary.textContent = t('job.upstreamStage');
    stageText.textContent = v.stage;
    cancel.hidden = !v.canCancel;
    cancel.textContent = t('job.cancel');
    cancel.setAttribute('aria-label', nameFor(t('job.cancel'), v));
    problemEl.textContent = problem === 'gone' || problem === 'poll' ? t(`job.${problem}`) : problem ?? '';
    renderBody(v, m);
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
