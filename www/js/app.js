// Entry point: wires the parts of the page together and loads the first data.

import { LOCALES, getLocale, hasString, loadLocale, pickLocale, setLocale, t, translateTag } from './strings.js';
import { applyStrings, h } from './dom.js';
import { createApi } from './api.js';
import { catalogView } from './catalog-view.js';
import { formatUSD } from './catalog-view.js';
import { bannerModel, renderBanner } from './banner.js';
import { cameraIcon } from './icons.js';
import { createGenerateForm } from './generate-form.js';
import { createJobsPanel } from './jobs-panel.js';
import { createLibrary } from './library.js';
import { createVideoDialog } from './video-dialog.js';
import { createConfirm } from './confirm-dialog.js';

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
const startLocale = pickLocale(storage.getItem(LOCALE_KEY));
// Chinese is built in; another saved locale is loaded before the first render.
if (await loadLocale(startLocale).catch(() => false)) setLocale(startLocale);

const api = createApi({ hasKey: hasString });
let rawModels = [];
let views = [];
let spend = null;
let health = { data: null, error: '' };

/** Words an ApiError (or anything thrown) for the user; an untranslated API error adds the server's message. */
function errorText(err) {
  if (!err || !err.key) return t('err.network');
  const local = t(err.key, err.vars);
  return err.key === 'err.http' && err.serverMessage ? `${local}：${err.serverMessage}` : local;
}

function describe(id) {
  return views.find((m) => m.id === id) ?? { label: id ?? '' };
}

function renderSpend() {
  $('today-spend').textContent = spend === null ? t('spend.unknown') : formatUSD(spend);
}

function computeViews() {
  const preferred = form?.selectedId ?? null;
  const cv = catalogView(rawModels, { t, translateTag, locale: getLocale() }, preferred);
  views = cv.models;
  return cv;
}

const confirmDelete = createConfirm($('confirm-dialog'));

const jobs = createJobsPanel({
  list: $('job-list'),
  empty: $('jobs-empty'),
  storage,
  describe,
  retryTransfer: (id) => api.retryTransfer(id),
  errorText,
  onUpdate(doc) { library.upsert(doc); },
  onFinished() { library.load(); },
});

const dialog = createVideoDialog({
  dialog: $('video-dialog'),
  describe,
  async onDelete(doc) { if (await library.remove(doc)) dialog.close(); },
  async onRetryTransfer(doc) {
    try {
      await api.retryTransfer(doc.task_id);
    } catch (err) {
      window.alert(errorText(err));
      return false;
    }
    dialog.close();
    // Follow the retried job in the progress panel like a new one.
    jobs.add({ task_id: doc.task_id, status_url: doc.status_url, model: doc.model, duration: doc.duration, orig_prompt: doc.orig_prompt })
      .card.el.scrollIntoView({ block: 'nearest' });
    return true;
  },
});

const library = createLibrary({
  api, describe, errorText, confirmDelete,
  openJob: (doc) => dialog.open(doc),
  onSpend(n) { spend = n; renderSpend(); },
  onDeleted(id) { jobs.remove(id); },
});

const form = createGenerateForm({
  api, errorText,
  onSubmitted(job) {
    // On a phone the progress panel is below the form: bring the new card into view.
    jobs.add(job).card.el.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    library.load();
  },
});

async function loadModels() {
  form.showModelsLoading();
  try {
    rawModels = await api.models();
    const cv = computeViews();
    form.setModels(cv.models, cv.selectedId);
    library.setModels(cv.models);
  } catch (err) {
    form.showModelsError(errorText(err), loadModels);
  }
}

async function loadHealth() {
  try {
    health = { data: await api.health(), error: '' };
  } catch (err) {
    // A 503 health answer still carries the document; show its problems rather than a bare failure.
    health = { data: null, error: errorText(err) };
  }
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
  // With the simulator, costs are what the models would cost: say that none was charged.
  $('spend-simulated').hidden = health.data?.upstream?.simulated !== true;
}

function renderAll() {
  const meta = LOCALES.find((l) => l.id === getLocale());
  document.documentElement.lang = meta?.htmlLang ?? 'zh-CN';
  document.title = t('app.title');
  applyStrings(document);
  renderSpend();
  if (rawModels.length) {
    const cv = computeViews();
    form.setModels(cv.models, form.selectedId ?? cv.selectedId);
    library.setModels(cv.models);
  }
  form.render();
  jobs.render();
  library.render();
  renderBanner($('health-banner'), bannerModel(health.data, health.error));
}

const localeSelect = $('locale-select');
localeSelect.replaceChildren(...LOCALES.map((l) => h('option', { value: l.id, text: l.name })));
localeSelect.value = getLocale();
localeSelect.addEventListener('change', async () => {
  if (!(await loadLocale(localeSelect.value).catch(() => false))) { localeSelect.value = getLocale(); return; }
  setLocale(localeSelect.value);
  storage.setItem(LOCALE_KEY, getLocale());
  renderAll();
});

$('brand-icon').append(cameraIcon({ size: 28 }));
renderAll();
jobs.resume();
loadHealth();
loadModels();
library.load();
