// The HTTP API (README "HTTP API"). Paths are relative to the page so the site also works
// under a sub-path. Every failure becomes an ApiError with a message key the page can show,
// including the HTML 413 page nginx sends on hosts whose upload limit is too low.

/** A failed API call: HTTP status (0 = network), the API's error code, a message key and text. */
export class ApiError extends Error {
  constructor({ status, code = null, message = '', key, vars = {} }) {
    super(message || key);
    this.status = status;
    this.code = code;
    this.serverMessage = message;
    this.key = key;
    this.vars = vars;
  }
}

/** API error codes whose message the form already has under another key. */
const SHARED_KEYS = {
  prompt_empty: 'err.promptEmpty', image_conflict: 'err.imageConflict', image_type: 'err.imageType',
  model_retired: 'err.modelRetired', image_url_invalid: 'err.imageUrl', not_found: 'job.gone',
  body_too_large: 'err.http413', image_too_large: 'err.http413',
};

/** The string key for an API error code: shared, `api.<code>` when translated, else null. */
export function keyForCode(code, hasKey) {
  if (!code) return null;
  if (Object.hasOwn(SHARED_KEYS, code)) return SHARED_KEYS[code];
  return hasKey(`api.${code}`) ? `api.${code}` : null;
}

/**
 * Reads an error answer: the API's `{"error":{"code","message"}}`, or anything else (an HTML
 * error page from a proxy) reduced to a status-based message. `hasKey` tells which API codes
 * have a local translation.
 */
export function parseErrorBody(status, contentType, text, hasKey = () => false) {
  let body = null;
  if (/json/i.test(contentType ?? '') || /^\s*\{/.test(text ?? '')) {
    try { body = JSON.parse(text); } catch { body = null; }
  }
  const err = body && typeof body === 'object' && body.error && typeof body.error === 'object' ? body.error : null;
  if (err) {
    const code = typeof err.code === 'string' ? err.code : null;
    const message = typeof err.message === 'string' ? err.message : '';
    const key = keyForCode(code, hasKey) ?? (status === 413 ? 'err.http413' : 'err.http');
    return { status, code, message, key, vars: { status } };
  }
  if (status === 413) return { status, code: 'body_too_large', message: '', key: 'err.http413', vars: { status } };
  return { status, code: null, message: '', key: 'err.nonJson', vars: { status } };
}

/** Creates the API client; `fetchImpl` and `hasKey` are injectable for tests. */
export function createApi({ fetchImpl = (...a) => fetch(...a), base = '', hasKey = () => false } = {}) {
  async function request(method, path, { body, headers = {}, query } = {}) {
    let url = `${base}${path}`;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
      const s = qs.toString();
      if (s) url += `?${s}`;
    }
    const init = { method, headers: { Accept: 'application/json', ...headers }, cache: 'no-store' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetchImpl(url, init);
    } catch (error) {
      throw new ApiError({ status: 0, key: 'err.network', message: String(error?.message ?? '') });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new ApiError(parseErrorBody(res.status, res.headers.get('Content-Type'), text, hasKey));
    if (res.status === 204 || text.trim() === '') return { status: res.status, data: null, headers: res.headers };
    try {
      return { status: res.status, data: JSON.parse(text), headers: res.headers };
    } catch {
      throw new ApiError({ status: res.status, key: 'err.nonJson', vars: { status: res.status } });
    }
  }

  return {
    /** `GET api/health`; an unhealthy answer (503 with the same document) is still a document. */
    health: async () => {
      let res;
      try {
        res = await fetchImpl(`${base}api/health`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
      } catch (error) {
        throw new ApiError({ status: 0, key: 'err.network', message: String(error?.message ?? '') });
      }
      const text = await res.text().catch(() => '');
      let doc = null;
      try { doc = JSON.parse(text); } catch { doc = null; }
      if (doc && typeof doc === 'object' && !doc.error) return doc;
      throw new ApiError(parseErrorBody(res.status, res.headers.get('Content-Type'), text, hasKey));
    },
    models: () => request('GET', 'api/models').then((r) => r.data?.models ?? []),
    /** `POST api/generate`; answers `{job, replayed}`. */
    generate: (body, idempotencyKey) => request('POST', 'api/generate', { body, headers: { 'Idempotency-Key': idempotencyKey } })
      .then((r) => ({ job: r.data, replayed: r.status === 200 || r.headers.get('Idempotent-Replayed') === 'true' })),
    jobs: (query) => request('GET', 'api/jobs', { query }).then((r) => r.data ?? { jobs: [], next_before: null }),
    status: (id) => request('GET', `api/status/${encodeURIComponent(id)}`).then((r) => r.data),
    deleteJob: (id) => request('DELETE', `api/jobs/${encodeURIComponent(id)}`).then((r) => r.data),
    retryTransfer: (id) => request('POST', `api/jobs/${encodeURIComponent(id)}/retry-transfer`, { body: {} }).then((r) => r.data),
  };
}
