// The API client and the words of its errors (contract §1, §3, §6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, bannerModel, createApi, errorText, parseError } from '../../www/js/api.js';
import { loadLocale, setLocale } from '../../www/js/strings.js';


await loadLocale('zh');
await loadLocale('en');

function fakeFetch(...answers) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    const [status, body, headers = {}] = answers.length > 1 ? answers.shift() : answers[0];
    const type = typeof body === 'string' ? 'text/html' : 'application/json';
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'Content-Type': type, ...headers } });
  };
  return { impl, calls };
}

test('error answers keep code, params and Retry-After; other answers keep the status', () => {
  const e = parseError(402, 'application/json', JSON.stringify({ error: { code: 'budget_exceeded', message: 'over', params: { left_usd: 0.5, price_usd: 0.77, budget_usd: 10 } } }));
  assert.ok(e instanceof ApiError);
  assert.deepEqual([e.status, e.code, e.params.price_usd], [402, 'budget_exceeded', 0.77]);
  assert.equal(e.retryAfter, null);
  assert.equal(parseError(503, 'application/json', '{"error":{"code":"queue_full","params":{"max_queued":20}}}', '30').retryAfter, 30);
  assert.equal(parseError(413, 'text/html', '<html>413</html>').code, 'body_too_large');
  assert.equal(parseError(502, 'text/html', '<html>Bad Gateway</html>').code, null);
  assert.deepEqual(parseError(500, 'application/json', '{broken').params, {});
});

test('errors are worded by the page from code and params, never from the server’s message', () => {
  setLocale('en');
  const err = (status, code, params = {}, retryAfter = null) => new ApiError({ status, code, message: '服务器的话', params, retryAfter });
  assert.equal(errorText(err(402, 'budget_exceeded', { left_usd: 0.5, price_usd: 0.77, budget_usd: 10 })),
    'Over today’s budget: this costs $0.77, $0.50 is left (cap $10.00)');
  assert.equal(errorText(err(429, 'too_many_attempts', { retry_after: 90 })), 'Too many attempts; try again in 1 min 30 sec');
  assert.equal(errorText(err(403, 'cross_site')), 'Refused: the request came from another site (cross-site). Use this page directly.');
  assert.equal(errorText(err(409, 'not_cancellable', { reason: 'upstream_running' })), 'The provider is already generating; it cannot be cancelled');
  assert.equal(errorText(err(409, 'not_retryable', { reason: 'something_new' })), 'This job cannot be retried now');
  assert.equal(errorText(err(400, 'invalid_param', { name: 'duration', min: 4, max: 15 })), 'The parameter “Duration” must be from 4 to 15');
  assert.equal(errorText(err(400, 'invalid_param', { name: 'resolution', values: ['480p', '720p'] })), 'The parameter “Resolution” can only be 480p / 720p');
  assert.equal(errorText(err(400, 'mode_unsupported', { mode: 'first_last_frame' })), 'This model does not take first and last frame to video');
  assert.equal(errorText(err(500, 'brand_new_code')), 'The request failed (HTTP 500)');
  assert.equal(errorText(err(502, null)), 'The server gave an unexpected answer (HTTP 502)');
  assert.equal(errorText(new ApiError({ status: 0 })), 'Network error: cannot reach the server');
  assert.equal(errorText(new TypeError('x')), 'Network error: cannot reach the server');
  setLocale('zh');
  assert.equal(errorText(err(401, 'bad_password')), '密码不正确');
});

test('generate sends JSON with the Idempotency-Key and reports replays', async () => {
  const job = { task_id: 't1', status: 'queued', status_url: '/status/t1.json' };
  const f = fakeFetch([202, job]);
  const api = createApi({ fetchImpl: f.impl });
  assert.deepEqual(await api.generate({ model: 'm', prompt: 'x' }, 'key-1'), { job, replayed: false });
  assert.equal(f.calls[0].url, 'api/generate');
  assert.equal(f.calls[0].init.headers['Idempotency-Key'], 'key-1');
  assert.equal(f.calls[0].init.headers['Content-Type'], 'application/json');
  assert.equal(f.calls[0].init.credentials, 'same-origin');
  const again = createApi({ fetchImpl: fakeFetch([200, job, { 'Idempotent-Replayed': 'true' }]).impl });
  assert.equal((await again.generate({}, 'key-1')).replayed, true);
});

test('a 401 unauthorized from any call shows the sign-in screen; a bad password does not', async () => {
  let shown = 0;
  const f = fakeFetch([401, { error: { code: 'unauthorized', params: {} } }]);
  const api = createApi({ fetchImpl: f.impl, onUnauthorized: () => { shown += 1; } });
  await assert.rejects(api.jobs({}), (e) => e.code === 'unauthorized');
  await assert.rejects(api.session(), (e) => e.code === 'unauthorized');
  assert.equal(shown, 2);
  const login = createApi({ fetchImpl: fakeFetch([401, { error: { code: 'bad_password', params: {} } }]).impl, onUnauthorized: () => { shown += 1; } });
  await assert.rejects(login.login('nope'), (e) => e.code === 'bad_password');
  assert.equal(shown, 2);
});

test('routes: session, cancel, retry, frames, library query, sign-out', async () => {
  const f = fakeFetch([200, { signed_in: true }], [200, { task_id: 'a' }], [202, { task_id: 'a' }],
    [200, 'PNGDATA', { 'Content-Type': 'image/png' }], [200, { jobs: [], next_before: null, total: 0 }], [200, { ok: true }]);
  const api = createApi({ fetchImpl: f.impl });
  assert.deepEqual(await api.session(), { signed_in: true });
  await api.cancel('a/b');
  assert.deepEqual(await api.retry('a'), { task_id: 'a' });
  const blob = await api.image('a', 'last');
  await api.jobs({ limit: 50, before: undefined, status: '', model: 'seedance-2-0', q: '猫 cat' });
  await api.logout();
  assert.deepEqual(f.calls.map((c) => `${c.init.method} ${c.url}`), ['GET api/session', 'POST api/jobs/a%2Fb/cancel', 'POST api/jobs/a/retry',
    'GET api/jobs/a/image/last', 'GET api/jobs?limit=50&model=seedance-2-0&q=%E7%8C%AB+cat', 'POST api/logout']);
  assert.equal(await blob.text(), 'PNGDATA');
});

test('health: an unhealthy (503) answer is still read as a document', async () => {
  const doc = { upstream: { simulated: true }, problems: [{ setting: 'SORA_STORAGE', message: 'unknown backend' }] };
  const api = createApi({ fetchImpl: fakeFetch([503, doc]).impl });
  assert.deepEqual(await api.health(), doc);
  assert.deepEqual(bannerModel(doc, '').problems, ['SORA_STORAGE: unknown backend']);
  assert.equal(bannerModel({ ok: true }, '').simulated, false, 'the minimal health answer');
});
