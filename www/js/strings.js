// The page owns every word (the API sends codes), and formats numbers and times in the reader's
// language and time zone. One table per locale (strings-<id>.js), loaded on first use; the
// wording of failures (failures-<id>.js) joins it when the first failed job is shown.

export const LOCALES = [
  { id: 'zh', name: '中文', htmlLang: 'zh-CN' },
  { id: 'en', name: 'English', htmlLang: 'en' },
];
export const STRINGS = {};
let current = 'zh';
const known = (id) => LOCALES.some((l) => l.id === id);

export function pickLocale(saved, languages = []) {
  if (known(saved)) return saved;
  const id = (languages ?? []).map((l) => String(l).toLowerCase().split('-')[0]).find(known);
  return id ?? 'zh';
}

const withFailures = new Set();
let failuresWanted = false;

export async function loadLocale(id) {
  if (!known(id)) return false;
  // Once failures have been shown, a switch of language fetches both tables at once; a table
  // already loaded gets only its failure wording.
  const [table, failures] = await Promise.all([
    STRINGS[id] ?? import(`./strings-${id}.js`).then((m) => ({ ...m.STRINGS })),
    failuresWanted && !withFailures.has(id) ? import(`./failures-${id}.js`).then((m) => m.STRINGS) : null,
  ]);
  STRINGS[id] ??= table;   // a call that finished first keeps its table (and any failure words in it)
  if (failures) {
    Object.assign(STRINGS[id], failures);
    withFailures.add(id);
  }
  return true;
}

/** Whether the current locale's table has the failure wording yet. */
export const hasFailureWords = () => withFailures.has(current);

/** Loads the failure wording for the current locale, and for every locale loaded from now on. */
export function loadFailureWords() {
  failuresWanted = true;
  return loadLocale(current);
}

let failureWordsPending = null;
/** Resolves once the failure wording is here: a fetch that failed is tried again every 3 s, one
 * attempt at a time however many cards and dialogs wait for it. */
export function failureWordsLoaded() {
  failureWordsPending ??= new Promise((resolve) => {
    const attempt = () => loadFailureWords().then(resolve, () => setTimeout(attempt, 3000));
    attempt();
  }).finally(() => { failureWordsPending = null; });
  return failureWordsPending;
}

export function setLocale(id) {
  if (known(id) && STRINGS[id]) current = id;
  return current;
}

export const getLocale = () => current;
export const lang = () => LOCALES.find((l) => l.id === current).htmlLang;
export const hasString = (key) => Object.hasOwn(STRINGS[current] ?? {}, key);

export function t(key, vars = {}) {
  return (STRINGS[current]?.[key] ?? key).replace(/\{(\w+)\}/g, (m, name) => vars[name] ?? m);
}

export function usd(n, l = lang()) {
  const v = Number(n);
  if (n === null || n === undefined || n === '' || !Number.isFinite(v)) return '—';
  return new Intl.NumberFormat(l, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(v);
}

export function dateTime(iso, l = lang(), timeZone = undefined) {
  const d = new Date(iso ?? NaN);
  return Number.isNaN(d.getTime()) ? '' : new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

export function duration(seconds, l = lang()) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const u = (n, unit) => new Intl.NumberFormat(l, { style: 'unit', unit, unitDisplay: 'short' }).format(n);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = h ? [u(h, 'hour'), m && u(m, 'minute')] : m ? [u(m, 'minute'), s % 60 && u(s % 60, 'second')] : [u(s, 'second')];
  return new Intl.ListFormat(l, { type: 'unit', style: 'narrow' }).format(parts.filter(Boolean));
}

export function bytes(n, l = lang()) {
  if (!Number.isFinite(n) || n < 0) return '';
  const [v, unit] = n < 1000 ? [n, 'byte'] : n < 1e6 ? [n / 1000, 'kilobyte'] : [n / 1e6, 'megabyte'];
  return new Intl.NumberFormat(l, { style: 'unit', unit, maximumFractionDigits: 1 }).format(v);
}
