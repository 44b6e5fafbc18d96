// The HTTP API (contract §3, §6), relative to the page (the site may sit under a prefix).

import { duration, hasString, t, usd } from './strings.js';
import { paramLabel } from './catalog.js';

/** A failed call: status (0: network), the API's code and params, Retry-After seconds. */
export class ApiError extends Error {
  constructor({ status, code = null, message = '', params = {}, retryAfter = null }) {
    super(message || code || `HTTP ${status}`);
    Object.assign(this, { status, code, params: params ?? {}, retryAfter });
  }
}

/** `{"error":{code, message, params}}`, or anything else (a proxy's page). */
export function parseError(status, contentType, text, retryAfter = null) {
  let e = null;
  try { e = /json/i.test(contentType ?? '') || /^\s*\{/.test(text) ? JSON.parse(text)?.error : null; } catch { /* not JSON */ }
  const after = retryAfter === null ? null : Number(retryAfter);
  if (typeof e?.code === 'string') return new ApiError({ status, code: e.code, message: e.message, params: e.params, retryAfter: after });
  return new ApiError({ status, code: status === 413 ? 'body_too_large' : null, retryAfter: after });
}

/** An error in the reader's words, from its code and params (never the server's message). */
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

/** `onUnauthorized()` runs on any 401 `unauthorized`. */
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

/** What the banner says for a health answer (a simulated upstream, configuration problems) or a failure to get one. */
export function bannerModel(health, error) {
  const problems = (health?.problems ?? []).map((p) => (typeof p === 'string' ? p : [p?.setting, p?.message].filter(Boolean).join(': '))).filter(Boolean);
  return { simulated: !error && health?.upstream?.simulated === true, problems: error ? [] : problems, failure: error };
}
