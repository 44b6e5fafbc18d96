// The jobs column: a card per job in progress (anyone's) or recent result, and the pieces
// library items and the dialog share (facts, actions, failure box). Remembers followed jobs.

import { absoluteURL, cameraIcon, closeIcon, copyIcon, downloadIcon, editIcon, h, linkIcon, redoIcon, warnIcon } from './dom.js';
import { bytes, dateTime, duration, failureWordsLoaded, hasFailureWords, t, usd } from './strings.js';
import { paramRows } from './api.js';
import { createPoller, isTerminal, shortId, statusView } from './status-view.js';

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

export const nameFor = (action, v) => `${action}: ${v.prompt.length > 40 ? `${v.prompt.slice(0, 40)}…` : v.prompt} ${shortId(v.taskId)}`;

export function factsList(v, { model = '', created = false, order = [] } = {}) {
  const cost = v.costUSD === null ? '' : v.costState && v.costState !== 'settled' ? `${usd(v.costUSD)} (${t(`costState.${v.costState}`)})` : usd(v.costUSD);
  const rows = [[t('job.model'), model], ...(v.params ? paramRows(v.params, order) : [[t('param.duration'), v.duration && t('param.seconds', { n: v.duration })]]),
    [t('job.resolution'), v.resolution], [t('job.size'), v.sizeBytes && bytes(v.sizeBytes)], [t('job.cost'), cost],
    [t('job.created'), created && dateTime(v.createdAt)], [t('job.id'), created && v.taskId]];
  return h('dl', { class: 'job-facts' }, rows.filter(([, x]) => x).map(([k, x]) => [h('dt', { text: k }), h('dd', { text: x })]));
}

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

function createJobCard({ doc: first, describe, actions }) {
  let doc = { status: 'queued', progress: 0, ...first };
  let shown = 0;
  let elapsedShown = 0;
  let problem = null;
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
    const words = !v.failed || hasFailureWords();
    const key = [v.status, document.documentElement.lang, v.videoURL, v.canRetry, doc.seq, doc.pending, m.label, words].join('|');
    if (key === bodyFor) return;
    bodyFor = key;
    // A terminal state from the feed, before its document: guess nothing.
    if (doc.pending) return body.replaceChildren(h('p', { class: 'hint', text: t('result.loading') }));
    // The first failure shown loads the failure wording; until then, say it is coming.
    if (!words) {
      failureWordsLoaded().then(() => render());
      return body.replaceChildren(h('p', { class: 'hint', text: t('result.loading') }));
    }
    const video = v.videoURL && h('video', { controls: true, preload: 'metadata', src: v.videoURL, class: 'job-video', 'aria-label': nameFor(t('result.video'), v) });
    if (video) {
      video.setAttribute('playsinline', '');
      if (v.posterURL) video.poster = v.posterURL;
    }
    body.replaceChildren(...[video || (v.succeeded && h('p', { class: 'hint', text: t('result.noVideo') })),
      v.failed && failureBox(v, { onRetry: () => actions.retry(doc), linkEstimated: doc.link_expiry_estimated === true }),
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
    stage.hidden = !v.stage || v.terminal;
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

export const STORAGE_KEY = 'sora-fcgi.jobs.v1';
export const DISMISSED_KEY = 'sora-fcgi.dismissed.v1';
export const MAX_KEPT = 50;
export const MAX_DISMISSED = 200;

const valid = (e) => typeof e?.task_id === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(e?.task_id) && typeof e?.status_url === 'string' && e.status_url !== '';

function read(storage, key) {
  try {
    const v = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

function write(storage, key, list) {
  try {
    storage.setItem(key, JSON.stringify(list));
  } catch { /* full or disabled (private mode): remembering is a convenience */ }
}

export const loadJobs = (storage) => read(storage, STORAGE_KEY).filter(valid);

export const recordFrom = (doc, now) => ({ task_id: doc.task_id, status_url: doc.status_url, model: doc.model ?? '',
  orig_prompt: doc.orig_prompt ?? '', submitted_at: doc.created_at ?? new Date(now).toISOString() });

export function rememberJob(storage, record) {
  if (valid(record)) write(storage, STORAGE_KEY, [...loadJobs(storage).filter((j) => j.task_id !== record.task_id), record].slice(-MAX_KEPT));
}

export const forgetJob = (storage, id) => write(storage, STORAGE_KEY, loadJobs(storage).filter((j) => j.task_id !== id));

export const loadDismissed = (storage) => new Set(read(storage, DISMISSED_KEY).filter((x) => typeof x === 'string'));

export const dismiss = (storage, id) => write(storage, DISMISSED_KEY, [...read(storage, DISMISSED_KEY).filter((x) => x !== id), id].slice(-MAX_DISMISSED));

export const LATEST = 3;

export function createJobsPanel({ list, empty, storage, describe, actions, onDocument }) {
  const entries = new Map();
  const running = (e) => !isTerminal(e.card.document.status);
  const updateEmpty = () => { empty.hidden = entries.size > 0; };

  function add(doc, { top = true, follow = false } = {}) {
    const id = doc.task_id;
    if (follow && !isTerminal(doc.status)) rememberJob(storage, recordFrom(doc, Date.now()));
    let e = entries.get(id);
    if (e) {
      if (doc.seq > (e.card.document.seq ?? 0)) e.card.update(doc);
      if (!isTerminal(doc.status)) e.poller.poke();
      return e;
    }
    e = {};
    e.card = createJobCard({ doc, describe, actions: { ...actions, dismiss: () => close(id),
      retry: async (d) => actions.retry(d).then((r) => { if (!r) e.poller.poke(); return r; }) } });
    e.poller = createPoller({
      url: doc.status_url, fetchImpl: (...a) => fetch(...a), schedule: setTimeout, cancel: clearTimeout, initial: doc.seq ? doc : null,
      onDocument(next) {
        e.card.update(next);
        onDocument(next);
        if (isTerminal(next.status)) forgetJob(storage, id);
      },
      onError: ({ count }) => count >= 3 && e.card.setProblem('poll'),
      onGone() {
        forgetJob(storage, id);
        e.card.setProblem('gone');
      },
    });
    entries.set(id, e);
    list[top ? 'prepend' : 'append'](e.card.el);
    if (!isTerminal(doc.status)) e.poller.start(doc.seq ? 1000 : 300);
    updateEmpty();
    return e;
  }

  function remove(id) {
    const e = entries.get(id);
    if (!e) return;
    e.poller.stop();
    e.card.el.remove();
    entries.delete(id);
    forgetJob(storage, id);
    updateEmpty();
  }

  function close(id) {
    const el = entries.get(id).card.el;
    const next = el.nextElementSibling ?? el.previousElementSibling ?? document.getElementById('jobs-title');
    dismiss(storage, id);
    remove(id);
    next.focus();
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') for (const e of entries.values()) if (running(e)) e.poller.poke();
  });
  setInterval(() => { for (const e of entries.values()) if (running(e)) e.card.render(); }, 1000);

  updateEmpty();
  return {
    submitted: (job) => add(job, { follow: true }),
    show: (doc) => add(doc),
    seed(docs) {
      const closed = loadDismissed(storage);
      for (const r of loadJobs(storage)) add({ ...r, created_at: r.submitted_at });
      const latest = docs.filter((d) => isTerminal(d.status) && !closed.has(d.task_id)).slice(0, LATEST);
      for (const d of [...docs].reverse()) if (!isTerminal(d.status) || latest.includes(d)) add(d);
    },
    event({ job: id, status, progress }) {
      const e = entries.get(id);
      const d = e.card.document;
      if (isTerminal(status) && status !== d.status) e.card.update({ ...d, status, progress: progress ?? d.progress, pending: true });
      e.poller.poke();
    },
    remove,
    has: (id) => entries.has(id),
    focus: (id) => entries.get(id)?.card.el.focus(),
    render() { for (const e of entries.values()) e.card.render(); },
  };
}
