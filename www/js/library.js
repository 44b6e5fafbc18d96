// The library: filters, search by prompt or id, counts that follow them, posters, one Tab stop per
// item (arrow keys move inside and between items).

import { cameraIcon, h } from './dom.js';
import { jobActions, nameFor } from './jobs.js';
import { shortId, statusView } from './status-view.js';
import { dateTime, t, usd } from './strings.js';

export function matchesFilters(doc, { status = '', model = '', q = '' } = {}) {
  const needle = q.trim().toLowerCase();
  return (!status || doc.status === status) && (!model || doc.model === model) && (!needle
    || String(doc.task_id).toLowerCase().startsWith(needle.replace(/^#/, '')) || String(doc.orig_prompt).toLowerCase().includes(needle));
}

export function rovingMove(key, { item, control, count, controls }) {
  const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
  return {
    ArrowRight: { item, control: clamp(control + 1, controls) },
    ArrowLeft: { item, control: clamp(control - 1, controls) },
    ArrowDown: { item: clamp(item + 1, count), control },
    ArrowUp: { item: clamp(item - 1, count), control },
    Home: { item: 0, control: 0 },
    End: { item: count - 1, control: 0 },
  }[key] ?? null;
}

export const PAGE_SIZE = 50;
const STATUSES = ['succeeded', 'failed', 'cancelled', 'generating', 'transferring', 'queued'];

export function createLibrary({ api, describe, openJob, remove, actions, onList, errorText }) {
  const $ = (id) => document.getElementById(id);
  const listEl = $('library-list');
  const q = $('library-q');
  const statusSelect = $('library-status');
  const modelSelect = $('library-model');
  // capped: a search's count stopped at 1000 ("1000+"); it stays put as jobs come and go.
  let state = { items: [], nextBefore: null, total: null, loading: false, error: '', notice: '', models: [] };
  let generation = 0;
  const current = new Map();
  const built = new Map();
  const filters = () => ({ status: statusSelect.value, model: modelSelect.value, q: q.value.trim() });
  const set = (next) => { state = { ...state, ...next }; render(); };

  async function load(append = false) {
    const mine = ++generation;
    set({ loading: true, error: '', notice: append ? state.notice : '' });
    try {
      const a = await api.jobs({ limit: PAGE_SIZE, before: append ? state.nextBefore : undefined, ...filters() });
      if (mine !== generation) return;
      const jobs = (a.jobs ?? []).filter((j) => !append || !state.items.some((x) => x.task_id === j.task_id));
      set({ items: append ? [...state.items, ...jobs] : jobs, nextBefore: a.next_before ?? null, total: a.total ?? null, capped: a.total_capped, loading: false });
      onList(a);
    } catch (err) {
      if (mine === generation) set({ loading: false, error: errorText(err) });
    }
  }

  async function del(doc) {
    const r = await remove(doc);
    if (r === true) drop(doc.task_id, t('library.deleted'));
    else if (r) set({ notice: r });
  }

  function drop(id, notice = '') {
    if (state.items.some((j) => j.task_id === id)) set({ items: state.items.filter((j) => j.task_id !== id), notice, total: state.total && state.total - !state.capped });
  }

  function item(doc) {
    const key = `${doc.seq}|${doc.status}|${document.documentElement.lang}|${describe(doc.model).label}`;
    if (built.get(doc.task_id)?.key === key) return built.get(doc.task_id).el;
    const v = statusView(doc);
    let thumb;
    if (v.posterURL) thumb = h('img', { src: v.posterURL, alt: '', loading: 'lazy' });
    else if (v.videoURL) thumb = h('video', { preload: 'metadata', muted: true, src: `${v.videoURL}#t=0.1`, tabIndex: -1, 'aria-hidden': 'true' });
    else thumb = h('span', { class: 'thumb-placeholder' }, cameraIcon({ size: 28 }), h('span', { text: t(v.statusKey) }));
    const acts = jobActions(doc, v, actions, { media: false });
    acts.insertBefore(h('button', { type: 'button', class: 'button secondary small lib-delete', text: t('library.delete'), disabled: !v.terminal,
      'aria-label': nameFor(t('library.delete'), v), on: { click: () => del(doc) } }), acts.lastChild);
    const el = h('li', { class: 'lib-item', dataset: { taskId: doc.task_id, status: v.status } },
      h('button', { type: 'button', class: 'thumb', 'aria-label': nameFor(t('library.open'), v), on: { click: () => openJob(doc) } }, thumb),
      h('div', { class: 'lib-info' },
        h('div', { class: 'lib-line' }, h('span', { class: `badge badge-${v.status}`, text: t(v.statusKey) }), h('span', { class: 'lib-model', text: describe(v.model).label })),
        h('p', { class: 'lib-prompt', text: v.prompt, title: v.prompt }),
        h('p', { class: 'lib-meta', text: [dateTime(v.createdAt), v.duration && t('param.seconds', { n: v.duration }), v.costUSD !== null && usd(v.costUSD), shortId(v.taskId)].filter(Boolean).join(' · ') }),
        acts));
    built.set(doc.task_id, { key, el });
    return el;
  }

  const controlsOf = (li) => [...li.querySelectorAll('button, a[href]')].filter((c) => !c.disabled);

  function rove() {
    for (const li of listEl.children) {
      for (const c of li.querySelectorAll('button, a[href]')) c.tabIndex = -1;
      const cs = controlsOf(li);
      cs[Math.min(current.get(li.dataset.taskId) ?? 0, cs.length - 1)].tabIndex = 0;
    }
  }

  listEl.addEventListener('keydown', (e) => {
    const li = e.target.closest('.lib-item');
    if (!li) return;
    const items = [...listEl.children];
    const cs = controlsOf(li);
    const move = !e.altKey && !e.ctrlKey && !e.metaKey && rovingMove(e.key, { item: items.indexOf(li), control: Math.max(0, cs.indexOf(e.target)), count: items.length, controls: cs.length });
    if (!move) return;
    e.preventDefault();
    const target = items[move.item];
    const tcs = controlsOf(target);
    current.set(target.dataset.taskId, Math.min(move.control, tcs.length - 1));
    rove();
    tcs[current.get(target.dataset.taskId)].focus();
  });

  function renderFilters() {
    for (const [sel, options] of [[statusSelect, STATUSES.map((s) => [s, t(`status.${s}`)])], [modelSelect, state.models.map((m) => [m.id, m.label])]]) {
      const value = sel.value;
      sel.replaceChildren(...[['', t('library.all')], ...options].map(([v, text]) => h('option', { value: v, text })));
      sel.value = options.some(([v]) => v === value) ? value : '';
    }
  }

  function render() {
    const els = state.items.map(item);
    // Unchanged items keep their place (and the keyboard focus a live update would otherwise take).
    if (els.length !== listEl.children.length || els.some((el, i) => listEl.children[i] !== el)) {
      const focused = listEl.contains(document.activeElement) && document.activeElement;
      listEl.replaceChildren(...els);
      if (focused?.isConnected) focused.focus();
    }
    for (const id of built.keys()) if (!state.items.some((j) => j.task_id === id)) built.delete(id);
    rove();
    listEl.setAttribute('aria-busy', String(state.loading));
    const n = state.items.length;
    const text = state.loading ? t('library.loading') : state.error ? t('library.loadFailed', { message: state.error })
      : !n ? t('library.empty') : state.total !== null ? t(state.capped ? 'library.countCapped' : 'library.countOf', { n, total: state.total }) : t('library.count', { n });
    $('library-state').textContent = state.notice && !state.loading ? `${state.notice} · ${text}` : text;
    $('library-state').classList.toggle('error', Boolean(state.error));
    $('library-more').hidden = !state.nextBefore;
    $('library-more').disabled = state.loading;
  }

  let debounce = null;
  q.addEventListener('input', () => { clearTimeout(debounce); debounce = setTimeout(load, 300); });
  statusSelect.addEventListener('change', () => load());
  modelSelect.addEventListener('change', () => load());
  $('library-filters').addEventListener('submit', (e) => { e.preventDefault(); load(); });
  $('library-refresh').addEventListener('click', () => load());
  $('library-more').addEventListener('click', () => load(true));

  renderFilters();
  return {
    load: () => load(),
    remove: del,
    drop,
    setModels(models) { state.models = models; renderFilters(); render(); },
    render() { built.clear(); renderFilters(); render(); },
    upsert(doc, { isNew = false } = {}) {
      const known = state.items.some((j) => j.task_id === doc.task_id);
      if (known && !matchesFilters(doc, filters())) drop(doc.task_id);
      else if (known) set({ items: state.items.map((j) => (j.task_id === doc.task_id && !(j.seq > doc.seq) ? doc : j)) });
      else if (isNew && !state.loading && matchesFilters(doc, filters())) set({ items: [doc, ...state.items], total: state.total === null ? null : state.total + !state.capped });
    },
  };
}
