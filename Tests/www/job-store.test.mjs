import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_KEPT, STORAGE_KEY, forgetJob, loadJobs, recordFromAnswer, rememberJob } from '../../www/js/job-store.js';

function fakeStorage(initial = {}) {
  const m = new Map(Object.entries(initial));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), raw: m };
}
const answer = (id) => ({ task_id: id, status: 'queued', status_url: `/status/${id}.json`, model: 'sora-v2-portrait', duration: 10, orig_prompt: 'p', actual_prompt: 'p' });

test('remember, reload, forget', () => {
  const s = fakeStorage();
  rememberJob(s, recordFromAnswer(answer('a1'), Date.parse('2025-11-25T10:00:00Z')));
  rememberJob(s, recordFromAnswer(answer('b2'), Date.parse('2025-11-25T10:01:00Z')));
  const list = loadJobs(s);
  assert.deepEqual(list.map((j) => j.task_id), ['a1', 'b2']);
  assert.equal(list[0].status_url, '/status/a1.json');
  assert.equal(list[0].submitted_at, '2025-11-25T10:00:00.000Z');
  forgetJob(s, 'a1');
  assert.deepEqual(loadJobs(s).map((j) => j.task_id), ['b2']);
});

test('the same job is kept once (replayed idempotency key, retried transfer)', () => {
  const s = fakeStorage();
  rememberJob(s, recordFromAnswer(answer('a1'), 0));
  rememberJob(s, recordFromAnswer(answer('a1'), 1000));
  assert.equal(loadJobs(s).length, 1);
});

test('broken, foreign or hostile values read as nothing', () => {
  assert.deepEqual(loadJobs(fakeStorage({ [STORAGE_KEY]: 'not json' })), []);
  assert.deepEqual(loadJobs(fakeStorage({ [STORAGE_KEY]: '{"a":1}' })), []);
  const bad = [{ task_id: '../etc', status_url: '/x' }, { task_id: 'ok1' }, null, 3, { task_id: 'ok2', status_url: '/status/ok2.json' }];
  assert.deepEqual(loadJobs(fakeStorage({ [STORAGE_KEY]: JSON.stringify(bad) })).map((j) => j.task_id), ['ok2']);
});

test('a full or failing storage does not throw, and the list is bounded', () => {
  const failing = { getItem: () => null, setItem: () => { throw new Error('QuotaExceeded'); } };
  assert.doesNotThrow(() => rememberJob(failing, recordFromAnswer(answer('a1'), 0)));
  const s = fakeStorage();
  for (let i = 0; i < MAX_KEPT + 5; i++) rememberJob(s, recordFromAnswer(answer(`j${i}`), i));
  const list = loadJobs(s);
  assert.equal(list.length, MAX_KEPT);
  assert.equal(list.at(-1).task_id, `j${MAX_KEPT + 4}`);
});
