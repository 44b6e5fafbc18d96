import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DISMISSED_KEY, MAX_DISMISSED, MAX_KEPT, STORAGE_KEY, dismiss, forgetJob, loadDismissed, loadJobs, recordFrom, rememberJob } from '../../www/js/jobs.js';

function fakeStorage(initial = {}) {
  const m = new Map(Object.entries(initial));
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)) };
}
const answer = (id) => ({ task_id: id, status: 'queued', status_url: `/status/${id}.json`, model: 'seedance-2-0', orig_prompt: 'p' });

test('remember, reload, forget', () => {
  const s = fakeStorage();
  rememberJob(s, recordFrom(answer('a1'), Date.parse('2026-12-01T10:00:00Z')));
  rememberJob(s, recordFrom({ ...answer('b2'), created_at: '2026-12-01T10:01:00Z' }, 0));
  const list = loadJobs(s);
  assert.deepEqual(list.map((j) => [j.task_id, j.submitted_at]), [['a1', '2026-12-01T10:00:00.000Z'], ['b2', '2026-12-01T10:01:00Z']]);
  forgetJob(s, 'a1');
  assert.deepEqual(loadJobs(s).map((j) => j.task_id), ['b2']);
});

test('the same job is kept once; broken or hostile values read as nothing', () => {
  const s = fakeStorage();
  rememberJob(s, recordFrom(answer('a1'), 0));
  rememberJob(s, recordFrom(answer('a1'), 1000));
  assert.equal(loadJobs(s).length, 1);
  assert.deepEqual(loadJobs(fakeStorage({ [STORAGE_KEY]: 'not json' })), []);
  const bad = [{ task_id: '../etc', status_url: '/x' }, { task_id: 'ok1' }, { status_url: '/x' }, null, { task_id: 'ok2', status_url: '/status/ok2.json' }];
  assert.deepEqual(loadJobs(fakeStorage({ [STORAGE_KEY]: JSON.stringify(bad) })).map((j) => j.task_id), ['ok2']);
});

test('a failing storage does not throw; both lists are bounded', () => {
  const failing = { getItem: () => null, setItem: () => { throw new Error('QuotaExceeded'); } };
  assert.doesNotThrow(() => rememberJob(failing, recordFrom(answer('a1'), 0)));
  assert.doesNotThrow(() => dismiss(failing, 'a1'));
  const s = fakeStorage();
  for (let i = 0; i < MAX_KEPT + 5; i++) rememberJob(s, recordFrom(answer(`j${i}`), i));
  assert.equal(loadJobs(s).length, MAX_KEPT);
  for (let i = 0; i < MAX_DISMISSED + 5; i++) dismiss(s, `d${i}`);
  const closed = loadDismissed(s);
  assert.equal(closed.size, MAX_DISMISSED);
  assert.ok(closed.has(`d${MAX_DISMISSED + 4}`) && !closed.has('d0'));
  assert.deepEqual([...loadDismissed(fakeStorage({ [DISMISSED_KEY]: '[1,"x",null]' }))], ['x']);
});
