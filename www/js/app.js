// The page shell: wiring, banner, sign-in on 401, live updates from the change feed (everyone's
// jobs) and a BroadcastChannel (this browser's tabs).

import { LOCALES, getLocale, lang, loadLocale, pickLocale, setLocale, t, usd } from './strings.js';
import { applyStrings, cameraIcon, h, warnIcon } from './dom.js';
import { bannerModel, catalogView, createApi, errorText, isSoraModel, newIdempotencyKey, normalizeParams, priceUSD, regenerateRequest } from './api.js';
import { createGenerateForm } from './generate-form.js';
import { createJobsPanel } from './jobs.js';
import { createLibrary } from './library.js';
import { createFeedWatcher, isTerminal, statusURLFor } from './status-view.js';

const $ = (id) => document.getElementById(id);

function renderBanner(el, { simulated, problems, failure }) {
  const parts = [failure && h('p', { text: t('banner.healthFailed', { message: failure }) }), simulated && h('p', { text: t('banner.simulated') }),
    problems.length > 0 && [h('p', { text: `${t('banner.problems')}:` }), h('ul', {}, problems.map((p) => h('li', { text: p })))]].flat().filter(Boolean);
  el.hidden = !parts.length;
  el.className = `banner banner-${simulated && !problems.length && !failure ? 'simulated' : 'error'}`;
  el.replaceChildren(...(parts.length ? [h('span', { class: 'banner-icon' }, warnIcon({ size: 22 })), h('div', {}, parts)] : []));
}

const LOCALE_KEY = 'sora-fcgi.locale';
let storage = window.localStorage;
try {
  storage.getItem(LOCALE_KEY);
} catch {
  storage = { getItem: () => null, setItem() {} };
}
const startLocale = pickLocale(storage.getItem(LOCALE_KEY), navigator.languages);
await loadLocale(startLocale);
setLocale(startLocale);

let rawModels = [];
let views = [];
let session = null;
let spend = null;
let health = { data: null, error: '' };
let feed = null;
let knownStatusURL = null;
const tabs = window.BroadcastChannel ? new BroadcastChannel('sora-fcgi') : null;

let signin = null;
/** The sign-in screen, loaded on the first 401. */
async function showSignin() {
  signin ??= (await import('./signin.js')).createSignin({ login: (password) => api.login(password), onSignedIn: () => start() });
  signin.show();
}
const api = createApi({ onUnauthorized: showSignin });

const describe = (id) => views.find((m) => m.id === id) ?? { id, label: id ?? '', isSora: isSoraModel(id), retired: true };
const usableModel = (id) => views.find((m) => m.id === id && !m.retired);
const seen = (doc) => { if (doc?.status_url) knownStatusURL = doc.status_url; };

function setSpend(next) {
  spend = next;
  renderSpend();
  form.refresh();
}

function renderSpend() {
  $('today-spend').textContent = spend ? usd(spend.today_usd) : '—';
  $('spend-left').textContent = spend?.budget_usd === undefined ? ''
    : spend.budget_usd === null ? t('spend.noCapLeft') : t('spend.left', { left: usd(spend.left_usd), budget: usd(spend.budget_usd) });
}

const statusDocument = (id) => fetch(`${statusURLFor(id, knownStatusURL)}?_=${Date.now()}`, { cache: 'no-store' }).then((r) => (r.ok ? r.json() : null));

function submitted(job, focus = true) {
  seen(job);
  jobs.submitted(job);
  if (focus) jobs.focus(job.task_id);
}

const actions = {
  async regenerate(doc) {
    try {
      const { job } = await api.generate(regenerateRequest(doc, usableModel(doc.model)?.raw), newIdempotencyKey());
      submitted(job);
      tabs?.postMessage({ type: 'created', job });
      return t('action.regenerated');
    } catch (err) {
      return errorText(err);
    }
  },
  edit: (doc) => form.edit(doc),
  priceOf: (doc) => usableModel(doc.model) && priceUSD(usableModel(doc.model).raw, normalizeParams(usableModel(doc.model).raw, doc.params, doc.mode)),
  usable: (doc) => Boolean(usableModel(doc.model)),
  async cancel(doc) {
    try {
      jobs.show(await api.cancel(doc.task_id));
      return null;
    } catch (err) {
      return errorText(err);
    }
  },
  async retry(doc) {
    try {
      const next = await api.retry(doc.task_id);
      jobs.show({ status_url: doc.status_url, ...next });
      library.upsert(next);
      return null;
    } catch (err) {
      return { text: t('fail.retryRefused', { reason: errorText(err) }), again: err.status === 0 };
    }
  },
};

const confirmDialog = $('confirm-dialog');
async function removeJob(doc) {
  const media = session?.delete_media_with_job;
  $('confirm-body').textContent = t(media === true ? 'confirm.withMedia' : media === false ? 'confirm.keepsMedia' : 'confirm.mediaUnknown');
  confirmDialog.returnValue = '';
  confirmDialog.showModal();
  await new Promise((resolve) => confirmDialog.addEventListener('close', resolve, { once: true }));
  if (confirmDialog.returnValue !== 'confirm') return false;
  try {
    await api.deleteJob(doc.task_id);
  } catch (err) {
    return errorText(err);
  }
  jobs.remove(doc.task_id);
  dialog?.close();
  tabs?.postMessage({ type: 'deleted', id: doc.task_id });
  return true;
}

const jobs = createJobsPanel({
  list: $('job-list'), empty: $('jobs-empty'), storage, describe, actions,
  onDocument(doc) {
    seen(doc);
    library.upsert(doc, { isNew: true });
  },
});
let dialog = null;
/** A library item in the video dialog, loaded on first use. */
async function openJob(doc) {
  dialog ??= (await import('./video-dialog.js')).createVideoDialog({ dialog: $('video-dialog'), describe, actions, onDelete: (d) => library.remove(d) });
  dialog.open(doc);
}
const library = createLibrary({
  api, describe, errorText, actions, remove: removeJob, openJob,
  onList: (answer) => answer.jobs?.forEach(seen),
});
const form = createGenerateForm({
  api, errorText,
  spendLeft: () => spend?.left_usd ?? null,
  onSubmitted(job) {
    submitted(job);
    tabs?.postMessage({ type: 'created', job });
  },
});

async function loadModels() {
  try {
    rawModels = await api.models();
    const cv = catalogView(rawModels, form.selectedId);
    views = cv.models;
    form.setModels(views, cv.selectedId);
    library.setModels(views);
    jobs.render();
  } catch (err) {
    form.showModelsError(errorText(err));
  }
}

async function loadHealth() {
  health = await api.health().then((data) => ({ data, error: '' }), (err) => ({ data: null, error: errorText(err) }));
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
  $('spend-simulated').hidden = health.data?.upstream?.simulated !== true;
}

async function seedJobs() {
  const docs = await api.jobs({ limit: 20 }).then((a) => a.jobs ?? [], () => []);
  docs.forEach(seen);
  jobs.seed(docs);
}

async function onEvent(e) {
  if (e.type === 'deleted') {
    jobs.remove(e.job);
    library.drop(e.job);
  } else if (jobs.has(e.job)) jobs.event(e);
  else {
    const doc = await statusDocument(e.job).catch(() => null);
    if (!doc) return;
    library.upsert(doc, { isNew: e.type === 'created' });
    if (e.type === 'created' || !isTerminal(doc.status)) jobs.show(doc);
  }
}

tabs?.addEventListener('message', ({ data }) => {
  if (data.type === 'created') {
    submitted(data.job, false);
    statusDocument(data.job.task_id).then((d) => d && library.upsert(d, { isNew: true }), () => {});
  } else if (data.type === 'deleted') onEvent({ type: 'deleted', job: data.id });
  else if (data.type === 'signed-out') showSignin();
});
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && feed?.poke());

$('signout').addEventListener('click', async () => {
  await api.logout().catch(() => null);
  feed?.stop();
  tabs?.postMessage({ type: 'signed-out' });
  showSignin();
});

async function start() {
  try {
    session = await api.session();
  } catch (err) {
    if (err.code === 'unauthorized') return;
    session = {};
  }
  $('signout').hidden = session.via !== 'session';
  setSpend(session.spend ?? null);
  feed?.stop();
  feed = session.feed_url && createFeedWatcher({
    url: session.feed_url, fetchImpl: (...a) => fetch(...a), schedule: setTimeout, cancel: clearTimeout,
    onEvents: (events) => events.forEach(onEvent),
    onReload() { library.load(); seedJobs(); },
    onSpend: setSpend,
  });
  loadHealth();
  await loadModels();
  library.load();
  seedJobs();
}

function renderAll() {
  document.documentElement.lang = lang();
  document.title = t('app.title');
  applyStrings();
  renderSpend();
  views = catalogView(rawModels, form.selectedId).models;
  if (views.length) form.setModels(views, form.selectedId);
  library.setModels(views);
  form.render();
  jobs.render();
  library.render();
  signin?.render();
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
}

const localeSelect = $('locale-select');
localeSelect.replaceChildren(...LOCALES.map((l) => h('option', { value: l.id, text: l.name, lang: l.htmlLang })));
localeSelect.value = getLocale();
localeSelect.addEventListener('change', async () => {
  await loadLocale(localeSelect.value);
  setLocale(localeSelect.value);
  storage.setItem(LOCALE_KEY, getLocale());
  renderAll();
});

$('brand-icon').append(cameraIcon({ size: 26 }));
renderAll();
start();
