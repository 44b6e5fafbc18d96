import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, createApi, parseErrorBody } from '../../www/js/api.js';
import { hasString } from '../../www/js/strings.js';
import { bannerModel } from '../../www/js/banner.js';

function fakeFetch(status, body, headers = {}) {
  const calls = [];
  const impl = async (url, init) => {
    calls.push({ url, init });
    const h = new Headers({ 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: h });
  };
  return { impl, calls };
}

test('API errors keep their code and map to a local message when there is one', () => {
  const e = parseErrorBody(400, 'application/json', '{"error":{"code":"prompt_too_long","message":"prompt over 4000"}}', hasString);
  assert.deepEqual(e, { status: 400, code: 'prompt_too_long', message: 'prompt over 4000', key: 'api.prompt_too_long', vars: { status: 400 } });
  const unknown = parseErrorBody(500, 'application/json', '{"error":{"code":"boom","message":"it broke"}}', hasString);
  assert.equal(unknown.key, 'err.http');
  assert.equal(unknown.message, 'it broke');
});

test('nginx’s HTML 413 page and other non-JSON answers are handled', () => {
  const html = '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>';
  assert.equal(parseErrorBody(413, 'text/html', html, hasString).key, 'err.http413');
  assert.equal(parseErrorBody(502, 'text/html', '<html>Bad Gateway</html>', hasString).key, 'err.nonJson');
  assert.equal(parseErrorBody(500, 'application/json', '{broken', hasString).key, 'err.nonJson');
  assert.equal(parseErrorBody(400, null, '', hasString).key, 'err.nonJson');
});

test('generate sends JSON with the Idempotency-Key and reports replays', async () => {
  const job = { task_id: 't1', status: 'queued', status_url: '/status/t1.json', model: 'sora-v2-portrait', duration: 10, orig_prompt: 'x', actual_prompt: 'x' };
  const f = fakeFetch(202, job);
  const api = createApi({ fetchImpl: f.impl, hasKey: hasString });
  const r = await api.generate({ model: 'sora-v2-portrait', prompt: 'x' }, 'key-1');
  assert.deepEqual(r, { job, replayed: false });
  assert.equal(f.calls[0].url, 'api/generate');
  assert.equal(f.calls[0].init.method, 'POST');
  assert.equal(f.calls[0].init.headers['Idempotency-Key'], 'key-1');
  assert.equal(f.calls[0].init.headers['Content-Type'], 'application/json');
  assert.deepEqual(JSON.parse(f.calls[0].init.body), { model: 'sora-v2-portrait', prompt: 'x' });
  const again = createApi({ fetchImpl: fakeFetch(200, job, { 'Idempotent-Replayed': 'true' }).impl });
  assert.equal((await again.generate({}, 'key-1')).replayed, true);
});

test('failures become ApiError: HTML 413, JSON error, network', async () => {
  const html = createApi({ fetchImpl: fakeFetch(413, '<html>413 Request Entity Too Large</html>').impl, hasKey: hasString });
  await assert.rejects(html.generate({}, 'k'), (e) => e instanceof ApiError && e.status === 413 && e.key === 'err.http413');
  const json = createApi({ fetchImpl: fakeFetch(409, { error: { code: 'job_running', message: 'running' } }).impl, hasKey: hasString });
  await assert.rejects(json.deleteJob('a1'), (e) => e.code === 'job_running' && e.key === 'api.job_running');
  const down = createApi({ fetchImpl: async () => { throw new TypeError('Failed to fetch'); } });
  await assert.rejects(down.models(), (e) => e.status === 0 && e.key === 'err.network');
});

test('the library query leaves out empty filters; ids are encoded', async () => {
  const f = fakeFetch(200, { jobs: [], next_before: null });
  const api = createApi({ fetchImpl: f.impl });
  await api.jobs({ limit: 50, before: undefined, status: '', model: 'sora-v2-portrait', q: '猫 cat' });
  assert.equal(f.calls[0].url, 'api/jobs?limit=50&model=sora-v2-portrait&q=%E7%8C%AB+cat');
  await api.retryTransfer('a/b');
  assert.equal(f.calls[1].url, 'api/jobs/a%2Fb/retry-transfer');
  assert.equal(f.calls[1].init.method, 'POST');
});

test('health: an unhealthy (503) answer is still read as a document', async () => {
  const doc = { upstream: { simulated: true }, problems: [{ setting: 'SORA_STORAGE', message: 'unknown backend' }] };
  const api = createApi({ fetchImpl: fakeFetch(503, doc).impl });
  assert.deepEqual(await api.health(), doc);
  const m = bannerModel(doc, '');
  assert.equal(m.simulated, true);
  assert.deepEqual(m.problems, ['SORA_STORAGE: unknown backend']);
  assert.equal(bannerModel({ upstream: { simulated: false } }, '').simulated, false);
  assert.equal(bannerModel(null, 'down').failure, 'down');
});

test('every error code of the README has a local message', async () => {
  const { keyForCode } = await import('../../www/js/api.js');
  const { STRINGS } = await import('../../www/js/strings.js');
  const codes = ['unsupported_media_type', 'body_too_large', 'invalid_json', 'unknown_model', 'model_retired', 'prompt_empty',
    'prompt_too_long', 'duration_mismatch', 'image_conflict', 'image_invalid', 'image_type', 'image_too_large',
    'image_url_invalid', 'invalid_id', 'not_found', 'job_running'];
  for (const code of codes) {
    const key = keyForCode(code, hasString);
    assert.ok(key && key in STRINGS.zh, `${code} → ${key}`);
  }
  assert.equal(keyForCode('something_new', hasString), null);
});
