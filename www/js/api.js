// The API (contract): the catalog and its prices, the requests the page makes, the client, and
// every error in the reader's words (never the server's message). No DOM.

import { duration, hasString, t, usd } from './strings.js';

const KINDS = ['int', 'enum', 'bool', 'string'];

export function controlFor(p) {
  if (p.kind === 'int' && !p.values) return p.max - p.min <= 30 ? 'range' : 'number';
  return { bool: 'switch', string: 'text' }[p.kind] ?? 'select';
}

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

export function paramRows(params, order = []) {
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : order.length);
  return Object.entries(params && typeof params === 'object' ? params : {})
    .filter(([, v]) => v !== '' && v !== null && v !== undefined)
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => [paramLabel(k), paramValue(k, v)]);
}

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

export function catalogView(models, preferredId = null) {
  const list = (Array.isArray(models) ? models : []).filter((m) => typeof m?.id === 'string').map(modelView);
  for (const m of list) {
    const next = (m.raw.replaced_by ?? []).map((id) => list.find((x) => x.id === id)?.label).filter(Boolean);
    if (m.retired && next.length) m.notice = t('model.replacedBy', { models: next.join(' / ') });
  }
  const usable = list.filter((m) => !m.retired);
  return { models: list, selectedId: (usable.find((m) => m.id === preferredId) ?? usable[0])?.id ?? null };
}

export const PROMPT_LIMIT = 4000;
export const IMAGE_MAX_BYTES = 10_000_000;

export const promptLength = (text) => [...String(text ?? '')].length;

export function sniffImageType(bytes) {
  const b = [...(bytes ?? [])].slice(0, 12);
  const at = (i, ...xs) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  return at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50) ? 'image/webp' : null;
}

export function checkImageFile({ type, size }) {
  if (!type) return { key: 'err.imageType', vars: {} };
  return size > IMAGE_MAX_BYTES ? { key: 'err.imageSize', vars: { size: (size / 1e6).toFixed(1) } } : null;
}

export function isHttpsURL(text) {
  try {
    return new URL(String(text).trim()).protocol === 'https:';
  } catch {
    return false;
  }
}

const has = (f) => Boolean(f?.dataURI || String(f?.url ?? '').trim());

export const modeOf = (first, last) => (!has(first) ? 'text_to_video' : has(last) ? 'first_last_frame' : 'image_to_video');

export function validateRequest({ model, prompt, params = {}, first = null, last = null }) {
  const errors = [];
  const add = (field, key, vars = {}) => errors.push({ field, key, vars });
  const mode = modeOf(first, last);
  if (!model) add('model', 'err.modelRequired');
  else if (model.retired) add('model', 'err.modelRetired');
  const n = promptLength(String(prompt ?? '').trim());
  if (!n) add('prompt', 'err.promptEmpty');
  else if (n > PROMPT_LIMIT) add('prompt', 'err.promptTooLong', { n, max: PROMPT_LIMIT });
  if (model) errors.push(...checkParams(model, params, mode));
  for (const [slot, f] of [['first', first], ['last', last]]) if (!f?.dataURI && has(f) && !isHttpsURL(f.url)) add(`${slot}URL`, 'err.imageUrl');
  if (has(last) && !has(first)) add('first', 'err.lastWithoutFirst');
  else if (model && !model.retired && !(model.modes ?? ['text_to_video']).includes(mode)) {
    add('first', mode === 'text_to_video' ? 'err.firstFrameRequired' : 'err.modeUnsupported');
  }
  return { ok: !errors.length, errors };
}

export function buildRequest({ model, prompt, params = {}, first = null, last = null }) {
  const body = { model: model.id, prompt: String(prompt).trim() };
  if (paramFields(model).length) body.params = normalizeParams(model, params, modeOf(first, last));
  if (has(first)) {
    if (first.dataURI) body.first_frame_base64 = first.dataURI;
    else body.image_url = first.url.trim();
  }
  if (has(first) && has(last)) {
    if (last.dataURI) body.last_frame_base64 = last.dataURI;
    else body.last_frame_url = last.url.trim();
  }
  return body;
}

export function regenerateRequest(doc, model) {
  const body = { model: doc.model, prompt: String(doc.orig_prompt ?? '') };
  if (paramFields(model).length) body.params = normalizeParams(model, doc.params, doc.mode);
  if (doc.mode && doc.mode !== 'text_to_video') body.images_from = doc.task_id;
  return body;
}

/** getRandomValues where randomUUID is missing (plain-HTTP intranet hosts). */
export function newIdempotencyKey(c = globalThis.crypto) {
  if (c?.randomUUID) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export class ApiError extends Error {
  constructor({ status, code = null, message = '', params = {}, retryAfter = null }) {
    super(message || code || `HTTP ${status}`);
    Object.assign(this, { status, code, params: params ?? {}, retryAfter });
  }
}

export function parseError(status, contentType, text, retryAfter = null) {
  let e = null;
  try { e = /json/i.test(contentType ?? '') || /^\s*\{/.test(text) ? JSON.parse(text)?.error : null; } catch { /* not JSON */ }
  const after = retryAfter === null ? null : Number(retryAfter);
  if (typeof e?.code === 'string') return new ApiError({ status, code: e.code, message: e.message, params: e.params, retryAfter: after });
  return new ApiError({ status, code: status === 413 ? 'body_too_large' : null, retryAfter: after });
}

export function errorText(err) {
  if (!(err instanceof ApiError) || err.status === 0) return t('err.network');
  const p = err.params;
  const vars = { status: err.status, retry_after: err.retryAfter === null ? undefined : duration(err.retryAfter) };
  for (const [k, v] of Object.entries(p)) {
    if (v === null) vars[k] = k === 'budget_usd' ? t('spend.noCap') : undefined;
    else if (k.endsWith('_usd')) vars[k] = usd(v);
    else vars[k] = k === 'retry_after' ? duration(v) : k === 'name' ? paramLabel(v) : k === 'mode' ? t(`mode.${v}`) : [v].flat().join(' / ');
  }
  const key = [`api.${err.code}.${p.reason}`, p.values && !('min' in p) && `api.${err.code}.values`, `api.${err.code}`].find((k) => k && hasString(k));
  return t(key ?? (err.code ? 'err.http' : 'err.nonJson'), vars);
}

export function createApi({ fetchImpl = (...a) => fetch(...a), onUnauthorized = () => {} } = {}) {
  async function send(method, path, { body, headers = {}, query, raw = false } = {}) {
    const qs = new URLSearchParams(Object.entries(query ?? {}).filter(([, v]) => v !== undefined && v !== null && v !== ''));
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'same-origin' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetchImpl(qs.size ? `${path}?${qs}` : path, init);
    } catch (error) {
      throw new ApiError({ status: 0, message: String(error?.message ?? '') });
    }
    if (res.ok && raw) return { status: res.status, data: await res.blob(), headers: res.headers };
    const text = await res.text().catch(() => '');
    let data = null;
    try { data = text.trim() ? JSON.parse(text) : null; } catch { /* below */ }
    // An unhealthy /api/health (503) still carries its document.
    if (res.ok || (path === 'api/health' && data && !data.error)) {
      if (text.trim() && data === null) throw new ApiError({ status: res.status });
      return { status: res.status, data, headers: res.headers };
    }
    const err = parseError(res.status, res.headers.get('Content-Type'), text, res.headers.get('Retry-After'));
    if (err.status === 401 && err.code === 'unauthorized') onUnauthorized(err);
    throw err;
  }
  const data = (r) => r.data;
  const job = (id, action = '') => `api/jobs/${encodeURIComponent(id)}${action}`;
  const post = (path) => send('POST', path, { body: {} }).then(data);

  return {
    health: () => send('GET', 'api/health').then(data),
    session: () => send('GET', 'api/session').then(data),
    login: (password) => send('POST', 'api/login', { body: { password } }).then(data),
    logout: () => post('api/logout'),
    models: () => send('GET', 'api/models').then((r) => r.data?.models ?? []),
    generate: (body, key) => send('POST', 'api/generate', { body, headers: { 'Idempotency-Key': key } })
      .then((r) => ({ job: r.data, replayed: r.status === 200 || r.headers.get('Idempotent-Replayed') === 'true' })),
    jobs: (query) => send('GET', 'api/jobs', { query }).then((r) => r.data ?? { jobs: [] }),
    deleteJob: (id) => send('DELETE', job(id)).then(data),
    cancel: (id) => post(job(id, '/cancel')),
    retry: (id) => post(job(id, '/retry')),
    image: (id, which) => send('GET', job(id, `/image/${which}`), { raw: true, headers: { Accept: 'image/*' } }).then(data),
  };
}

export function bannerModel(health, error) {
  const problems = (health?.problems ?? []).map((p) => (typeof p === 'string' ? p : [p?.setting, p?.message].filter(Boolean).join(': '))).filter(Boolean);
  return { simulated: !error && health?.upstream?.simulated === true, problems: error ? [] : problems, failure: error };
}
