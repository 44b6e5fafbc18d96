// The HTTP API (contract §3, §6). Paths are relative to the page so the site works under a prefix.
// Every failure becomes an ApiError carrying the API's code and params; errorText() words it.

import { hasString, t } from './strings.js';
import { duration, usd } from './format.js';
import { paramLabel } from './params.js';

/** A failed call: HTTP status (0 = network), the API's code and params, `retryAfter` seconds. */
export class ApiError extends Error {
  constructor({ status, code = null, message = '', params = {}, retryAfter = null }) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.params = params && typeof params === 'object' ? params : {};
    this.retryAfter = retryAfter;
  }
}

/** Reads an error answer: the API's `{"error":{code, message, params}}`, or anything else (a proxy's HTML page). */
export function parseError(status, contentType, text, retryAfterHeader = null) {
  let err = null;
  if (/json/i.test(contentType ?? '') || /^\s*\{/.test(text ?? '')) {
    try { err = JSON.parse(text)?.error; } catch { err = null; }
  }
  const header = Number(retryAfterHeader);
  const fields = { status, retryAfter: Number.isFinite(header) && retryAfterHeader !== null ? header : null };
  if (err && typeof err === 'object' && typeof err.code === 'string') {
    return new ApiError({ ...fields, code: err.code, message: String(err.message ?? ''), params: err.params });
  }
  return new ApiError({ ...fields, code: status === 413 ? 'body_too_large' : null });
}

const MONEY = ['left_usd', 'price_usd', 'budget_usd'];

/** An ApiError (or anything thrown) in the reader's words. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t('err.network');
  if (err.status === 0) return t('err.network');
  const p = err.params;
  const vars = { status: err.status };
  for (const [k, v] of Object.entries(p)) {
    if (v === null || v === undefined) continue;
    if (MONEY.includes(k)) vars[k] = usd(v);
    else if (k === 'retry_after') vars[k] = duration(v);
    else if (k === 'name') vars[k] = paramLabel(v);
    else if (k === 'mode') vars[k] = t(`mode.${v}`);
    else vars[k] = Array.isArray(v) ? v.join(' / ') : String(v);
  }
  if (vars.retry_after === undefined && err.retryAfter !== null) vars.retry_after = duration(err.retryAfter);
  if (p.budget_usd === null) vars.budget_usd = t('spend.noCap');
  const withReason = `api.${err.code}.${p.reason}`;
  if (p.reason && hasString(withReason)) return t(withReason, vars);
  if (err.code === 'invalid_param' && !('min' in p) && Array.isArray(p.values)) return t('api.invalid_param.values', vars);
  if (err.code && hasString(`api.${err.code}`)) return t(`api.${err.code}`, vars);
  return t(err.code ? 'err.http' : 'err.nonJson', vars);
}

/** The API client; `fetchImpl` is injectable; `onUnauthorized()` runs on any 401 `unauthorized`. */
export function createApi({ fetchImpl = (...a) => fetch(...a), base = '', onUnauthorized = () => {} } = {}) {
  async function send(method, path, { body, headers = {}, query, raw = false, documentOnError = false } = {}) {
    let url = `${base}${path}`;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
      if (qs.size) url += `?${qs}`;
    }
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store', credentials: 'same-origin' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetchImpl(url, init);
    } catch (error) {
      throw new ApiError({ status: 0, message: String(error?.message ?? '') });
    }
    if (res.ok && raw) return { status: res.status, data: await res.blob(), headers: res.headers };
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      if (documentOnError) {
        try {
          const doc = JSON.parse(text);
          if (doc && typeof doc === 'object' && !doc.error) return { status: res.status, data: doc, headers: res.headers };
        } catch { /* an error answer */ }
      }
      const err = parseError(res.status, res.headers.get('Content-Type'), text, res.headers.get('Retry-After'));
      if (err.status === 401 && err.code === 'unauthorized') onUnauthorized(err);
      throw err;
    }
    if (!text.trim()) return { status: res.status, data: null, headers: res.headers };
    try {
      return { status: res.status, data: JSON.parse(text), headers: res.headers };
    } catch {
      throw new ApiError({ status: res.status });
    }
  }
  const id = (x) => encodeURIComponent(x);
  const data = (r) => r.data;

  return {
    /** `GET api/health`; an unhealthy (503) answer still carries the document. */
    health: () => send('GET', 'api/health', { documentOnError: true }).then(data),
    /** `{signed_in, feed_url, spend, delete_media_with_job}`; null where the core has no sessions yet (404). */
    session: () => send('GET', 'api/session').then(data, (e) => {
      if (e.status === 404 || e.status === 405) return null;
      throw e;
    }),
    login: (password) => send('POST', 'api/login', { body: { password } }).then(data),
    logout: () => send('POST', 'api/logout', { body: {} }).then(data),
    models: () => send('GET', 'api/models').then((r) => r.data?.models ?? []),
    /** `POST api/generate`; answers `{job, replayed}`. */
    generate: (body, key) => send('POST', 'api/generate', { body, headers: { 'Idempotency-Key': key } })
      .then((r) => ({ job: r.data, replayed: r.status === 200 || r.headers.get('Idempotent-Replayed') === 'true' })),
    jobs: (query) => send('GET', 'api/jobs', { query }).then((r) => r.data ?? { jobs: [], next_before: null }),
    status: (x) => send('GET', `api/status/${id(x)}`).then(data),
    deleteJob: (x) => send('DELETE', `api/jobs/${id(x)}`).then(data),
    cancel: (x) => send('POST', `api/jobs/${id(x)}/cancel`, { body: {} }).then(data),
    /** `POST api/jobs/{id}/retry`; `legacy` uses the older `retry-transfer` route. Answers the new state. */
    retry: (x, legacy = false) => send('POST', `api/jobs/${id(x)}/${legacy ? 'retry-transfer' : 'retry'}`, { body: {} }).then(data),
    /** The uploaded first or last frame of a job, as a Blob. */
    image: (x, which) => send('GET', `api/jobs/${id(x)}/image/${which}`, { raw: true, headers: { Accept: 'image/*' } }).then(data),
  };
}
