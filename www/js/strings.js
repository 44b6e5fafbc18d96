// The page owns every word (the API sends codes with parameters). Each locale is a table in
// strings-<id>.js, loaded on first use, so a reader downloads one language. Adding a locale is a
// data change; Tests/www/strings.test.mjs checks keys, placeholders and that every used key exists.

export const LOCALES = [
  { id: 'zh', name: '中文', htmlLang: 'zh-CN' },
  { id: 'en', name: 'English', htmlLang: 'en' },
];

/** Loaded tables by locale id; `TAGS` translates catalog tags. */
export const STRINGS = {};
export const TAGS = {};
let current = 'zh';

const known = (id) => LOCALES.some((l) => l.id === id);

/** The start locale: a saved choice, else the browser's first language we have, else Chinese. */
export function pickLocale(saved, languages = []) {
  if (known(saved)) return saved;
  for (const l of languages ?? []) {
    const id = String(l).toLowerCase().split('-')[0];
    if (known(id)) return id;
  }
  return 'zh';
}

/** Loads locale `id` once; false for an unknown id. */
export async function loadLocale(id) {
  if (!known(id)) return false;
  if (!Object.hasOwn(STRINGS, id)) {
    const m = await import(`./strings-${id}.js`);
    STRINGS[id] = m.STRINGS;
    TAGS[id] = m.TAGS ?? {};
  }
  return true;
}

/** Switches to a loaded locale; anything else keeps the current one. */
export function setLocale(id) {
  if (known(id) && Object.hasOwn(STRINGS, id)) current = id;
  return current;
}

export const getLocale = () => current;
/** The BCP 47 tag of the current locale, for Intl and `<html lang>`. */
export const lang = () => LOCALES.find((l) => l.id === current).htmlLang;

/** `key` in the current locale with `{name}` filled from `vars` (unknown keys show as the key). */
export function t(key, vars = {}) {
  const template = STRINGS[current]?.[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (m, name) => (vars[name] ?? m));
}

/** Whether the current table has `key` (API codes without a translation get a generic text). */
export const hasString = (key) => Object.hasOwn(STRINGS[current] ?? {}, key);

export const translateTag = (tag) => TAGS[current]?.[tag] ?? tag;
