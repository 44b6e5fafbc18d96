// The catalog (contract §2): models as the picker shows them, their parameters as fields, checked
// values and words, and the price they give (the figure the server reserves). No DOM.

import { duration, hasString, t, usd } from './strings.js';

const KINDS = ['int', 'enum', 'bool', 'string'];

/** The control of a parameter: a slider (short int range), number, select (`values`, enum), switch or text. */
export function controlFor(p) {
  if (p.kind === 'int' && !p.values) return p.max - p.min <= 30 ? 'range' : 'number';
  return { bool: 'switch', string: 'text' }[p.kind] ?? 'select';
}

/** Well-formed parameters (those `mode` takes, when given). */
export function paramFields(model, mode = null) {
  return (Array.isArray(model?.params) ? model.params : [])
    .filter((p) => p && typeof p.name === 'string' && KINDS.includes(p.kind)
      && (p.kind !== 'enum' || Array.isArray(p.values))
      && (p.kind !== 'int' || Array.isArray(p.values) || (Number.isFinite(p.min) && Number.isFinite(p.max)))
      && (!mode || !Array.isArray(p.modes) || p.modes.includes(mode)))
    .map((p) => ({ ...p, advanced: p.advanced === true, control: controlFor(p) }));
}

export function coerce(p, v) {
  if (v === undefined || v === null) return null;
  if (p.kind === 'int') {
    const n = typeof v === 'string' && !v.trim() ? NaN : Number(v);
    if (!Number.isInteger(n)) return null;
    return (p.values ? p.values.includes(n) : n >= p.min && n <= p.max) ? n : null;
  }
  if (p.kind === 'enum') return p.values.includes(v) ? v : null;
  if (p.kind === 'bool') return typeof v === 'boolean' ? v : { true: true, false: false }[v] ?? null;
  return Number.isFinite(p.max_length) && [...String(v)].length > p.max_length ? null : String(v);
}

/** Every parameter of `mode` from `values` where valid, else its default. */
export function normalizeParams(model, values, mode = null) {
  return Object.fromEntries(paramFields(model, mode).map((p) => [p.name, coerce(p, values?.[p.name]) ?? p.default]));
}

export function checkParams(model, values = {}, mode = null) {
  return paramFields(model, mode).filter((p) => coerce(p, values[p.name] ?? p.default) === null).map((p) => {
    const name = paramLabel(p.name);
    if (p.kind === 'string') return { field: `param-${p.name}`, key: 'err.paramLength', vars: { name, max: p.max_length } };
    return { field: `param-${p.name}`, key: p.kind === 'int' && !p.values ? 'err.paramRange' : 'err.paramValue', vars: { name, min: p.min, max: p.max } };
  });
}

export const paramLabel = (name) => (hasString(`param.${name}`) ? t(`param.${name}`) : String(name).replaceAll('_', ' '));

export function paramValue(name, v) {
  if (typeof v === 'boolean') return t(v ? 'param.on' : 'param.off');
  if (name === 'duration') return t('param.seconds', { n: v });
  if (name === 'seed' && v === -1) return t('param.random');
  return hasString(`value.${v}`) ? t(`value.${v}`) : String(v ?? '');
}

/** `[label, value]` rows in the model's `order`. */
export function paramRows(params, order = []) {
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(params && typeof params === 'object' ? params : {})
    .filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => [paramLabel(k), paramValue(k, v)]);
}

/** The frame size rule of contract §2. */
export function frameSize(model, params = {}) {
  if (model?.width > 0 && model?.height > 0) return { width: model.width, height: model.height };
  const size = /^(\d+)[x×*](\d+)$/.exec(params.size ?? '');
  if (size) return { width: Number(size[1]), height: Number(size[2]) };
  const r = parseInt(params.resolution, 10);
  if (!(r > 0)) return null;
  const ratio = /^(\d+):(\d+)$/.exec(params.ratio ?? '');
  const [a, b] = ratio ? [Number(ratio[1]), Number(ratio[2])] : [16, 9];   // adaptive or none: 16:9
  const long = Math.round((r * Math.max(a, b)) / Math.min(a, b) / 16) * 16;
  return a >= b ? { width: long, height: r } : { width: r, height: long };
}

export function priceUSD(model, params = {}) {
  const rule = model?.price ?? {};
  const size = frameSize(model, params);
  const table = rule.usd_per_second ?? rule.usd_per_million_tokens ?? {};
  const rate = table[params.resolution ?? (size && `${Math.min(size.width, size.height)}p`)] ?? table['*'];
  const seconds = Number(params.duration ?? model?.duration);
  let usd = null;
  if (rule.kind === 'per_call') usd = rule.usd;
  else if (rule.kind === 'per_second' && seconds > 0) usd = rate * seconds;
  // One frame more than fps × duration: it matches the vendor's reported usage.
  else if (rule.kind === 'per_token' && size && seconds > 0 && rule.fps > 0) usd = (size.width * size.height * (rule.fps * seconds + 1)) / 1024 / 1e6 * rate;
  return Number.isFinite(usd) ? Math.round(usd * 1e4) / 1e4 : null;
}

export const isSoraModel = (id) => /^(sora-v2|sora_video2|sora-2)/i.test(id ?? '');

function range(table) {
  const v = Object.values(table ?? {}).filter(Number.isFinite);
  if (!v.length) return '—';
  const [lo, hi] = [Math.min(...v), Math.max(...v)];
  return lo === hi ? usd(lo) : `${usd(lo)}–${usd(hi)}`;
}

/** `$0.15 per video`, `$0.09–$0.16 per second`, `$7.13 per million tokens`. */
export function priceRuleText({ price: r } = {}) {
  if (!['per_call', 'per_second', 'per_token'].includes(r?.kind)) return t('price.unknown');
  return t(`price.${r.kind}`, { price: r.kind === 'per_call' ? usd(r.usd) : range(r.usd_per_second ?? r.usd_per_million_tokens) });
}

export function modelView(m) {
  const modes = m.modes?.length ? m.modes : ['text_to_video'];
  const fixed = m.width > 0 && m.height > 0 && m.duration > 0;
  return {
    id: m.id,
    raw: m,
    label: m.label || m.id,
    vendor: m.vendor ?? '',
    description: m.description || (fixed ? t('model.fixed', { size: `${m.width}×${m.height}`, n: m.duration }) : ''),
    tags: m.tags ?? [],
    retired: Boolean(m.retired),
    notice: m.retired ? m.notice ?? '' : '',
    modes,
    supportsFirst: modes.includes('image_to_video') || modes.includes('first_last_frame'),
    supportsLast: modes.includes('first_last_frame'),
    needsImage: !modes.includes('text_to_video'),
    fields: paramFields(m),
    typical: m.typical_seconds > 0 ? m.typical_seconds : null,
    typicalText: m.typical_seconds > 0 ? t('model.typical', { time: duration(m.typical_seconds) }) : '',
    priceText: priceRuleText(m),
    isSora: isSoraModel(m.id),
  };
}

/** The views, and the model to preselect (the preferred one when usable). */
export function catalogView(models, preferredId = null) {
  const list = (Array.isArray(models) ? models : []).filter((m) => typeof m?.id === 'string').map(modelView);
  for (const m of list) {
    const next = (m.raw.replaced_by ?? []).map((id) => list.find((x) => x.id === id)?.label).filter(Boolean);
    if (m.retired && next.length) m.notice = t('model.replacedBy', { models: next.join(' / ') });
  }
  const usable = list.filter((m) => !m.retired);
  return { models: list, selectedId: (usable.find((m) => m.id === preferredId) ?? usable[0])?.id ?? null };
}
