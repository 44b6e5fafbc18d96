// A model's parameter schema (contract §2 `params`) turned into form fields, checked values and
// the words a result shows for the parameters it used. No DOM.

import { hasString, t } from './strings.js';

const KINDS = ['int', 'enum', 'bool', 'string'];

/** Which control shows a parameter: select, range, number, segmented, switch or text. */
export function controlFor(p) {
  if (p.kind === 'int') return Array.isArray(p.values) ? 'select' : p.max - p.min <= 30 ? 'range' : 'number';
  if (p.kind === 'enum') return p.values.length <= 4 && p.values.every((v) => String(v).length <= 6) ? 'segmented' : 'select';
  return p.kind === 'bool' ? 'switch' : 'text';
}

/** The model's usable parameters (for `mode`, when given), each with its `control`; malformed entries are left out. */
export function paramFields(model, mode = null) {
  return (Array.isArray(model?.params) ? model.params : [])
    .filter((p) => !mode || !Array.isArray(p?.modes) || p.modes.includes(mode))
    .filter((p) => p && typeof p.name === 'string' && KINDS.includes(p.kind)
      && (p.kind !== 'enum' || Array.isArray(p.values))
      && (p.kind !== 'int' || Array.isArray(p.values) || (Number.isFinite(p.min) && Number.isFinite(p.max))))
    .map((p) => ({ ...p, advanced: p.advanced === true, control: controlFor(p) }));
}

/** `v` as a valid value of `p`, or null. */
export function coerce(p, v) {
  if (v === undefined || v === null) return null;
  switch (p.kind) {
    case 'int': {
      if (typeof v === 'string' && v.trim() === '') return null;
      const n = Number(v);
      if (!Number.isInteger(n)) return null;
      if (Array.isArray(p.values)) return p.values.includes(n) ? n : null;
      return n >= p.min && n <= p.max ? n : null;
    }
    case 'enum': return p.values.includes(v) ? v : null;
    case 'bool': return typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : null;
    default: {
      const s = String(v);
      return Number.isFinite(p.max_length) && [...s].length > p.max_length ? null : s;
    }
  }
}

/** Every parameter of `model` (for `mode`) from `values` where valid, else its default. */
export function normalizeParams(model, values = {}, mode = null) {
  const out = {};
  for (const p of paramFields(model, mode)) out[p.name] = coerce(p, values?.[p.name]) ?? p.default;
  return out;
}

/** Problems with what the user entered: `{field: 'param-<name>', key, vars}` per bad value. */
export function checkParams(model, values = {}, mode = null) {
  const errors = [];
  for (const p of paramFields(model, mode)) {
    if (coerce(p, values[p.name] ?? p.default) !== null) continue;
    const name = paramLabel(p.name);
    const vars = p.kind === 'string' ? { name, max: p.max_length } : { name, min: p.min, max: p.max };
    const key = p.kind === 'string' ? 'err.paramLength' : p.kind === 'int' && !p.values ? 'err.paramRange' : 'err.paramValue';
    errors.push({ field: `param-${p.name}`, key, vars });
  }
  return errors;
}

/** A parameter's name in the reader's words (canonical names are translated, others shown as named). */
export function paramLabel(name) {
  return hasString(`param.${name}`) ? t(`param.${name}`) : String(name).replaceAll('_', ' ');
}

/** A parameter's value in the reader's words. */
export function paramValue(name, value) {
  if (typeof value === 'boolean') return t(value ? 'param.on' : 'param.off');
  if (name === 'duration') return t('param.seconds', { n: value });
  if (name === 'seed' && value === -1) return t('param.random');
  return String(value ?? '');
}

/** `[label, value]` rows for the parameters a job used, in the model's order (`order`: names), empty ones left out. */
export function paramRows(params, order = []) {
  if (!params || typeof params !== 'object') return [];
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => [paramLabel(k), paramValue(k, v)]);
}
