// The library (README `GET /api/jobs`): newest first, pages of 50 with "load more", filters by
// status and model, prompt search, thumbnails, open in a dialog, delete with confirmation.

import { formatDateTime, h } from './dom.js';
import { cameraIcon } from './icons.js';
import { statusView, spendFromList } from './status-view.js';
import { formatUSD } from './catalog-view.js';
import { t } from './strings.js';

export const PAGE_SIZE = 50;
const STATUSES = ['succeeded', 'failed', 'generating', 'transferring', 'queued'];

/** `api` client; `describe(id)`; `openJob(doc)`; `confirmDelete()` → Promise<bool>; `onSpend(n)`; `onDeleted(id)`. */
export function createLibrary({ api, describe, openJob, confirmDelete, onSpend, onDeleted, errorText }) {
  const $ = (id) => document.getElementById(id);
  const listEl = $('library-list');
  const stateEl = $('library-state');
  const more = $('library-more');
  const q = $('library-q');
  const statusSelect = $('library-status');
  const modelSelect = $('library-model');

  let state = { items: [], nextBefore: null, loading: false, error: '', notice: '', models: [] };
  let generation = 0;  // answers of an older query are dropped

  function filters() {
    return { status: statusSelect.value, model: modelSelect.value, q: q.value.trim() };
  }

  async function load({ append = false } = {}) {
    const mine = ++generation;
    state = { ...state, loading: true, error: '', notice: append ? state.notice : '' };
    render();
    const f = filters();
    try {
      const answer = await api.jobs({ limit: PAGE_SIZE, before: append ? state.nextBefore : undefined, ...f });
      if (mine !== generation) return;
      const jobs = Array.isArray(answer.jobs) ? answer.jobs : [];
      const items = append ? [...state.items, ...jobs.filter((j) => !state.items.some((x) => x.task_id === j.task_id))] : jobs;
      state = { ...state, items, nextBefore: answer.next_before ?? null, total: Number.isFinite(answer.total) ? answer.total : null, loading: false };
      // The server's figure counts every job of today; without it, sum what the unfiltered list shows.
      const unfiltered = !f.status && !f.model && !f.q;
      if ((answer.today_cost_usd ?? null) !== null || unfiltered) onSpend(spendFromList({ ...answer, jobs: items }, Date.now()));
    } catch (err) {
      if (mine !== generation) return;
      state = { ...state, loading: false, error: errorText(err) };
    }
    render();
  }

  async function remove(doc) {
    if (!(await confirmDelete())) return false;
    try {
      await api.deleteJob(doc.task_id);
    } catch (err) {
      state = { ...state, notice: errorText(err) };
      render();
      return false;
    }
    state = { ...state, items: state.items.filter((j) => j.task_id !== doc.task_id), notice: t('library.deleted'),
      total: Number.isFinite(state.total) ? state.total - 1 : state.total };
    render();
    onDeleted(doc.task_id);
    return true;
  }

  function thumb(doc, v) {
    const label = t('library.open', { prompt: v.prompt.slice(0, 80) });
    let inner;
    if (v.videoURL) {
      inner = h('video', { preload: 'metadata', muted: true, src: `${v.videoURL}#t=0.1`, tabIndex: -1, 'aria-hidden': 'true' });
      inner.setAttribute('playsinline', '');
      if (v.posterURL) inner.poster = v.posterURL;
    } else {
      inner = h('span', { class: 'thumb-placeholder' }, cameraIcon({ size: 28 }), h('span', { text: t(v.statusKey) }));
    }
    return h('button', { type: 'button', class: ['thumb', doc.width > doc.height ? 'landscape' : 'portrait'], 'aria-label': label,
      on: { click: () => openJob(doc) } }, inner);
  }

  const built = new Map();  // task id → {key, el}: unchanged entries keep their element (and loaded thumbnail)

  function item(doc) {
    const key = `${doc.seq}|${doc.status}|${document.documentElement.lang}|${state.models.length}`;
    const cached = built.get(doc.task_id);
    if (cached && cached.key === key) return cached.el;
    const el = buildItem(doc);
    built.set(doc.task_id, { key, el });
    return el;
  }

  function buildItem(doc) {
    const v = statusView(doc);
    return h('li', { class: 'lib-item', dataset: { taskId: doc.task_id, status: v.status } },
      thumb(doc, v),
      h('div', { class: 'lib-info' },
        h('div', { class: 'lib-line' },
          h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }),
          h('span', { class: 'lib-model', text: describe(v.model).label })),
        h('p', { class: 'lib-prompt', text: v.prompt, title: v.prompt }),
        h('p', { class: 'lib-meta', text: [formatDateTime(v.createdAt), v.duration ? t('params.seconds', { n: v.duration }) : '',
          v.costUSD !== null ? formatUSD(v.costUSD) : ''].filter(Boolean).join(' · ') }),
        h('div', { class: 'lib-actions' },
          h('button', { type: 'button', class: 'button secondary small lib-delete', text: t('library.delete'),
            disabled: !v.terminal, 'aria-label': `${t('library.delete')}: ${v.prompt.slice(0, 40)}`,
            on: { click: () => remove(doc) } }))));
  }

  function renderFilters() {
    const keep = (sel, options) => {
      const value = sel.value;
      sel.replaceChildren(...options.map(([v, label]) => h('option', { value: v, text: label })));
      sel.value = options.some(([v]) => v === value) ? value : '';
    };
    keep(statusSelect, [['', t('library.all')], ...STATUSES.map((s) => [s, t(`status.${s}`)])]);
    keep(modelSelect, [['', t('library.all')], ...state.models.map((m) => [m.id, m.label])]);
  }

  function render() {
    listEl.replaceChildren(...state.items.map(item));
    for (const id of built.keys()) if (!state.items.some((j) => j.task_id === id)) built.delete(id);
    listEl.setAttribute('aria-busy', String(state.loading));
    let text = '';
    if (state.loading) text = t('library.loading');
    else if (state.error) text = t('library.loadFailed', { message: state.error });
    else if (!state.items.length) text = t('library.empty');
    else text = state.total !== null && state.total !== undefined
      ? t('library.countOf', { n: state.items.length, total: state.total }) : t('library.count', { n: state.items.length });
    if (state.notice && !state.loading) text = `${state.notice} · ${text}`;
    stateEl.textContent = text;
    stateEl.classList.toggle('error', Boolean(state.error));
    more.hidden = !state.nextBefore;
    more.disabled = state.loading;
  }

  let debounce = null;
  q.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(() => load(), 300); });
  statusSelect.addEventListener('change', () => load());
  modelSelect.addEventListener('change', () => load());
  $('library-filters').addEventListener('submit', (e) => { e.preventDefault(); clearTimeout(debounce); load(); });
  $('library-refresh').addEventListener('click', () => load());
  more.addEventListener('click', () => load({ append: true }));

  renderFilters();
  return {
    load,
    remove,
    /** Catalog views, for the model filter and labels. */
    setModels(models) { state = { ...state, models }; renderFilters(); render(); },
    render() { renderFilters(); render(); },
    /** Replaces one entry after a job changed (e.g. finished), without reloading. */
    upsert(doc) {
      if (!state.items.some((j) => j.task_id === doc.task_id)) return;
      state = { ...state, items: state.items.map((j) => (j.task_id === doc.task_id ? doc : j)) };
      render();
    },
  };
}
