// Entry point: wires the parts of the page together, signs in, loads the first data and keeps the
// page live (the static change feed for everyone's jobs, a BroadcastChannel between this browser's tabs).

import { LOCALES, getLocale, lang, loadLocale, pickLocale, setLocale, t } from './strings.js';
import { applyStrings, h } from './dom.js';
import { createApi, errorText } from './api.js';
import { catalogView, isSoraModel } from './catalog-view.js';
import { usd } from './format.js';
import { bannerModel, renderBanner } from './banner.js';
import { cameraIcon } from './icons.js';
import { createGenerateForm } from './generate-form.js';
import { createJobsPanel } from './jobs-panel.js';
import { createLibrary } from './library.js';
import { createVideoDialog } from './video-dialog.js';
import { createConfirm } from './confirm-dialog.js';
import { createSignin } from './signin.js';
import { createFeedWatcher } from './feed.js';
import { normalizeParams } from './params.js';
import { priceUSD } from './price.js';
import { isTerminal, statusURLFor } from './status-view.js';
import { newIdempotencyKey, regenerateRequest } from './validate.js';

const LOCALE_KEY = 'sora-fcgi.locale';
const $ = (id) => document.getElementById(id);

function safeStorage() {
  try {
    const s = window.localStorage;
    s.getItem('x');
    return s;
  } catch {
    const mem = new Map();
    return { getItem: (k) => mem.get(k) ?? null, setItem: (k, v) => mem.set(k, String(v)), removeItem: (k) => mem.delete(k) };
  }
}

const storage = safeStorage();
const startLocale = pickLocale(storage.getItem(LOCALE_KEY), navigator.languages);
if (!(await loadLocale(startLocale).catch(() => false))) await loadLocale('zh');
setLocale(startLocale);

let rawModels = [];
let views = [];
let session = null;          // /api/session (null: a core without sessions)
let spend = null;            // {today_usd, left_usd, budget_usd, …}
let health = { data: null, error: '' };
let feed = null;
let knownStatusURL = null;   // any job's status_url: the shape of the others'
const tabs = 'BroadcastChannel' in window ? new BroadcastChannel('sora-fcgi') : null;

const api = createApi({ onUnauthorized: () => signin.show() });
const signin = createSignin({ login: (password) => api.login(password), errorText, onSignedIn: () => start() });

/** The catalog view of model `id`, or a stand-in for a model the catalog no longer has. */
function describe(id) {
  return views.find((m) => m.id === id) ?? { id, label: id ?? '', typical: null, isSora: isSoraModel(id), retired: true, raw: null };
}
const usableModel = (id) => views.find((m) => m.id === id && !m.retired) ?? null;

function setSpend(next) {
  if (next && typeof next === 'object') spend = next;
  renderSpend();
  form.render();
}

function renderSpend() {
  $('today-spend').textContent = spend ? usd(spend.today_usd) : t('spend.unknown');
  $('spend-left').textContent = !spend || spend.budget_usd === undefined ? ''
    : spend.budget_usd === null ? t('spend.noCapLeft') : t('spend.left', { left: usd(spend.left_usd), budget: usd(spend.budget_usd) });
}

async function statusDocument(id) {
  const res = await fetch(`${statusURLFor(id, knownStatusURL)}?_=${Date.now()}`, { cache: 'no-store' });
  return res.ok ? res.json() : null;
}

function seen(doc) {
  if (doc?.status_url) knownStatusURL = doc.status_url;
}

/** A job this page or another tab just submitted. */
function submitted(job, { focus = true } = {}) {
  seen(job);
  jobs.submitted(job);
  if (focus) {
    jobs.focus(job.task_id);
    $(`job-${job.task_id}-prompt`)?.closest('li')?.scrollIntoView({ block: 'nearest' });
  }
}

const actions = {
  async regenerate(doc) {
    const m = usableModel(doc.model);
    try {
      const { job } = await api.generate(regenerateRequest(doc, m?.raw), newIdempotencyKey());
      submitted(job);
      tabs?.postMessage({ type: 'created', job });
      return t('action.regenerated');
    } catch (err) {
      return errorText(err);
    }
  },
  edit: (doc) => form.edit(doc),
  priceOf(doc) {
    const m = usableModel(doc.model);
    return m ? priceUSD(m.raw, normalizeParams(m.raw, doc.params, doc.mode ?? null)) : null;
  },
  usable: (doc) => Boolean(usableModel(doc.model)),
  async cancel(doc) {
    try {
      const next = await api.cancel(doc.task_id);
      if (next?.task_id) jobs.show(next);
      return null;
    } catch (err) {
      return errorText(err);
    }
  },
  /** Retry through the server; the answer's new state is shown at once. Null when accepted. */
  async retry(doc) {
    try {
      const next = await api.retry(doc.task_id, typeof doc.can_retry !== 'boolean');
      seen(next);
      if (next?.task_id) {
        jobs.show({ status_url: doc.status_url, ...next });
        if (next.seq) library.upsert(next);
      }
      return null;
    } catch (err) {
      return { text: t('fail.retryRefused', { reason: errorText(err) }), again: err.status === 0 };
    }
  },
};

async function removeJob(doc) {
  const media = session?.delete_media_with_job;
  const body = t(media === true ? 'confirm.withMedia' : media === false ? 'confirm.keepsMedia' : 'confirm.mediaUnknown');
  if (!(await confirmDelete(body))) return false;
  try {
    await api.deleteJob(doc.task_id);
  } catch (err) {
    return errorText(err);
  }
  jobs.remove(doc.task_id);
  dialog.close();
  tabs?.postMessage({ type: 'deleted', id: doc.task_id });
  return true;
}

const confirmDelete = createConfirm($('confirm-dialog'), $('confirm-body'));

const jobs = createJobsPanel({
  list: $('job-list'), empty: $('jobs-empty'), storage, describe,
  actions: () => actions,
  onDocument(doc) {
    seen(doc);
    library.upsert(doc, { isNew: true });
  },
  onFinished() { if (!session?.feed_url) library.load(); },
});

const dialog = createVideoDialog({ dialog: $('video-dialog'), describe, actions, onDelete: (doc) => library.remove(doc) });

const library = createLibrary({
  api, describe, errorText, actions, remove: removeJob,
  openJob: (doc) => dialog.open(doc),
  onList(answer) {
    for (const d of answer.jobs ?? []) seen(d);
    // Cores without sessions give today's spend only here.
    if (!session && Number.isFinite(answer.today_cost_usd)) setSpend({ today_usd: answer.today_cost_usd });
  },
});

const form = createGenerateForm({
  api, errorText,
  spendLeft: () => (Number.isFinite(spend?.left_usd) ? spend.left_usd : null),
  onSubmitted(job) {
    submitted(job);
    tabs?.postMessage({ type: 'created', job });
  },
});

async function loadModels() {
  form.showModelsLoading();
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
  try {
    health = { data: await api.health(), error: '' };
  } catch (err) {
    health = { data: null, error: errorText(err) };
  }
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
  $('spend-simulated').hidden = health.data?.upstream?.simulated !== true;
}

/** Fills the right column: jobs followed here, everyone's unfinished jobs and the latest results. */
async function seedJobs() {
  let docs = [];
  try {
    docs = (await api.jobs({ limit: 20 })).jobs ?? [];
  } catch { /* the column still resumes the jobs followed here */ }
  docs.forEach(seen);
  jobs.seed(docs);
}

/** One change-feed or other-tab event. */
async function onEvent(e) {
  if (e.type === 'deleted') {
    jobs.remove(e.job);
    library.drop(e.job);
    return;
  }
  if (jobs.has(e.job)) return jobs.event(e);
  const doc = await statusDocument(e.job).catch(() => null);
  if (!doc) return;
  library.upsert(doc, { isNew: e.type === 'created' });
  if (!isTerminal(doc.status) || e.type === 'created') jobs.show(doc);
}

function startFeed(url) {
  feed?.stop();
  feed = url ? createFeedWatcher({
    url, fetchImpl: (...a) => fetch(...a), schedule: (fn, ms) => setTimeout(fn, ms), cancel: (x) => clearTimeout(x),
    onEvents: (events) => events.forEach(onEvent),
    onReload() { library.load(); seedJobs(); },
    onSpend: setSpend,
  }) : null;
}

tabs?.addEventListener('message', ({ data }) => {
  if (data?.type === 'created' && data.job?.task_id) {
    submitted(data.job, { focus: false });
    statusDocument(data.job.task_id).then((d) => d && library.upsert(d, { isNew: true })).catch(() => {});
  } else if (data?.type === 'deleted') onEvent({ type: 'deleted', job: data.id });
  else if (data?.type === 'signed-out') signin.show();
});
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') feed?.poke(); });

$('signout').addEventListener('click', async () => {
  await api.logout().catch(() => null);
  feed?.stop();
  tabs?.postMessage({ type: 'signed-out' });
  signin.show();
});

async function start() {
  try {
    session = await api.session();
  } catch (err) {
    if (err.code === 'unauthorized') return;   // the sign-in screen is up
    session = null;
  }
  // Sign-out only means something for a cookie session (not with sign-in off, or a token).
  $('signout').hidden = !session || (session.via !== undefined && session.via !== 'session');
  if (session?.spend) setSpend(session.spend);
  startFeed(session?.feed_url ?? null);
  loadHealth();
  await loadModels();
  library.load();
  seedJobs();
}

function renderAll() {
  document.documentElement.lang = lang();
  document.title = t('app.title');
  applyStrings(document);
  renderSpend();
  if (rawModels.length) {
    views = catalogView(rawModels, form.selectedId).models;
    form.setModels(views, form.selectedId);
    library.setModels(views);
  }
  form.render();
  jobs.render();
  library.render();
  signin.render();
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
}

const localeSelect = $('locale-select');
localeSelect.replaceChildren(...LOCALES.map((l) => h('option', { value: l.id, text: l.name, lang: l.htmlLang })));
localeSelect.value = getLocale();
localeSelect.addEventListener('change', async () => {
  if (!(await loadLocale(localeSelect.value).catch(() => false))) { localeSelect.value = getLocale(); return; }
  setLocale(localeSelect.value);
  storage.setItem(LOCALE_KEY, getLocale());
  renderAll();
});

$('brand-icon').append(cameraIcon({ size: 26 }));
renderAll();
start();
