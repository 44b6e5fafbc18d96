// The library (`GET /api/jobs`): newest first, 50 a page, filters by status and model, search by
// prompt or job id, counts that follow the filters. Posters stand in for videos where there is one.
// One Tab stop per item: arrow keys move between an item's controls and between items.
// Live: the change feed and other tabs insert, update and remove items.

import { h } from './dom.js';
import { cameraIcon } from './icons.js';
import { jobActions, nameFor } from './media-actions.js';
import { shortId, statusView } from './status-view.js';
import { dateTime, usd } from './format.js';
import { matchesFilters, rovingMove } from './lists.js';
import { t } from './strings.js';

export const PAGE_SIZE = 50;
const STATUSES = ['succeeded', 'failed', 'cancelled', 'generating', 'transferring', 'queued'];

/** `api`; `describe(id)`; `openJob(doc)`; `remove(doc)` → Promise<true | false | error text>; `actions` (media-actions); `onList(answer)`; `errorText`. */
export function createLibrary({ api, describe, openJob, remove, actions, onList, errorText }) {
  const $ = (id) => document.getElementById(id);
  const listEl = $('library-list');
  const stateEl = $('library-state');
  const more = $('library-more');
  const q = $('library-q');
  const statusSelect = $('library-status');
  const modelSelect = $('library-model');

  let state = { items: [], nextBefore: null, total: null, loading: false, error: '', notice: '', models: [] };
  let generation = 0;        // answers to an older query are dropped
  const current = new Map(); // task id → index of the item's control that holds its Tab stop

  const filters = () => ({ status: statusSelect.value, model: modelSelect.value, q: q.value.trim() });

  async function load({ append = false } = {}) {
    const mine = ++generation;
    state = { ...state, loading: true, error: '', notice: append ? state.notice : '' };
    render();
    try {
      const answer = await api.jobs({ limit: PAGE_SIZE, before: append ? state.nextBefore : undefined, ...filters() });
      if (mine !== generation) return;
      const jobs = Array.isArray(answer.jobs) ? answer.jobs : [];
      const items = append ? [...state.items, ...jobs.filter((j) => !state.items.some((x) => x.task_id === j.task_id))] : jobs;
      state = { ...state, items, nextBefore: answer.next_before ?? null, total: Number.isFinite(answer.total) ? answer.total : null, loading: false };
      onList(answer);
    } catch (err) {
      if (mine !== generation) return;
      state = { ...state, loading: false, error: errorText(err) };
    }
    render();
  }

  async function del(doc) {
    const r = await remove(doc);
    if (r === true) drop(doc.task_id, t('library.deleted'));
    else if (typeof r === 'string') {
      state = { ...state, notice: r };
      render();
    }
  }

  function drop(id, notice = '') {
    if (!state.items.some((j) => j.task_id === id)) return;
    state = { ...state, items: state.items.filter((j) => j.task_id !== id), notice,
      total: Number.isFinite(state.total) ? state.total - 1 : state.total };
    render();
  }

  function thumb(doc, v) {
    let inner;
    if (v.posterURL) {
      inner = h('img', { src: v.posterURL, alt: '', loading: 'lazy', decoding: 'async' });
    } else if (v.videoURL) {
      inner = h('video', { preload: 'metadata', muted: true, src: `${v.videoURL}#t=0.1`, tabIndex: -1, 'aria-hidden': 'true' });
      inner.setAttribute('playsinline', '');
    } else {
      inner = h('span', { class: 'thumb-placeholder' }, cameraIcon({ size: 28 }), h('span', { text: t(v.statusKey) }));
    }
    return h('button', { type: 'button', class: ['thumb', doc.width > doc.height ? 'landscape' : 'portrait'],
      'aria-label': nameFor(t('library.open'), v), on: { click: () => openJob(doc) } }, inner);
  }

  const built = new Map();  // task id → {key, el}: unchanged items keep their element (and loaded thumbnail)

  function item(doc) {
    const key = `${doc.seq}|${doc.status}|${document.documentElement.lang}|${describe(doc.model).label}`;
    const cached = built.get(doc.task_id);
    if (cached?.key === key) return cached.el;
    const v = statusView(doc);
    const acts = jobActions(doc, v, actions, { media: false });
    const delButton = h('button', { type: 'button', class: 'button secondary small lib-delete', text: t('library.delete'),
      disabled: !v.terminal, 'aria-label': nameFor(t('library.delete'), v), on: { click: () => del(doc) } });
    acts.el.insertBefore(delButton, acts.el.lastElementChild);
    const el = h('li', { class: 'lib-item', dataset: { taskId: doc.task_id, status: v.status } },
      thumb(doc, v),
      h('div', { class: 'lib-info' },
        h('div', { class: 'lib-line' },
          h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }),
          h('span', { class: 'lib-model', text: describe(v.model).label })),
        h('p', { class: 'lib-prompt', text: v.prompt, title: v.prompt }),
        h('p', { class: 'lib-meta', text: [dateTime(v.createdAt), v.duration ? t('param.seconds', { n: v.duration }) : '',
          v.costUSD !== null ? usd(v.costUSD) : '', shortId(v.taskId)].filter(Boolean).join(' · ') }),
        acts.el));
    built.set(doc.task_id, { key, el });
    return el;
  }

  const controlsOf = (li) => [...li.querySelectorAll('button, a[href]')].filter((c) => !c.disabled);

  /** Roving tabindex: in every item only its current control is a Tab stop. */
  function rove() {
    for (const li of listEl.children) {
      const cs = controlsOf(li);
      const k = Math.min(current.get(li.dataset.taskId) ?? 0, cs.length - 1);
      for (const c of li.querySelectorAll('button, a[href]')) c.tabIndex = -1;
      cs.forEach((c, i) => { c.tabIndex = i === k ? 0 : -1; });
    }
  }

  listEl.addEventListener('keydown', (e) => {
    const li = e.target.closest?.('.lib-item');
    if (!li || e.altKey || e.ctrlKey || e.metaKey) return;
    const items = [...listEl.children];
    const cs = controlsOf(li);
    const move = rovingMove(e.key, { item: items.indexOf(li), control: Math.max(0, cs.indexOf(e.target)), count: items.length, controls: cs.length });
    if (!move) return;
    e.preventDefault();
    const target = items[move.item];
    const tcs = controlsOf(target);
    const k = Math.min(move.control, tcs.length - 1);
    current.set(target.dataset.taskId, k);
    rove();
    tcs[k]?.focus();
  });

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
    rove();
    listEl.setAttribute('aria-busy', String(state.loading));
    let text;
    if (state.loading) text = t('library.loading');
    else if (state.error) text = t('library.loadFailed', { message: state.error });
    else if (!state.items.length) text = t('library.empty');
    else text = state.total !== null ? t('library.countOf', { n: state.items.length, total: state.total }) : t('library.count', { n: state.items.length });
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
    /** Deletes after asking (the dialog's Delete). */
    remove: del,
    /** Catalog views, for the model filter and labels. */
    setModels(models) { state = { ...state, models }; renderFilters(); render(); },
    render() { built.clear(); renderFilters(); render(); },
    /** A newer document of a job: replaced, added on top (`isNew` and matching the filters), or dropped (no longer matching). */
    upsert(doc, { isNew = false } = {}) {
      const known = state.items.some((j) => j.task_id === doc.task_id);
      const fits = matchesFilters(doc, filters());
      if (known && !fits) return drop(doc.task_id);
      if (known) state = { ...state, items: state.items.map((j) => (j.task_id === doc.task_id && !(j.seq > doc.seq) ? doc : j)) };
      else if (fits && isNew && !state.loading) state = { ...state, items: [doc, ...state.items], total: Number.isFinite(state.total) ? state.total + 1 : state.total };
      render();
    },
    /** A job deleted elsewhere. */
    drop: (id) => drop(id),
  };
}
