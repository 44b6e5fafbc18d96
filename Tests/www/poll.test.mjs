// The poller with a fake clock and a fake fetch: backoff, stale documents, terminal stop, 404s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF, GONE_AFTER_404S, createPoller, isNewer, mergeDocument, nextDelay } from '../../www/js/status-view.js';

function harness(answers) {
  const timers = [];
  const requests = [];
  const docs = [];
  const errors = [];
  let gone = 0;
  const fetchImpl = async (url, init) => {
    requests.push({ url, init });
    const a = answers.length > 1 ? answers.shift() : answers[0];
    if (a instanceof Error) throw a;
    if (typeof a === 'number') return { ok: false, status: a, json: async () => ({}) };
    return { ok: true, status: 200, json: async () => a };
  };
  const p = createPoller({
    url: '/status/j1.json', fetchImpl,
    schedule: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    cancel: () => {},
    onDocument: (d) => docs.push(d), onError: (e) => errors.push(e), onGone: () => { gone += 1; },
  });
  // Runs the next scheduled poll and waits for it to finish.
  async function step() {
    const t = timers.shift();
    assert.ok(t, 'a poll is scheduled');
    await t.fn();
    return t.ms;
  }
  return { p, timers, requests, docs, errors, step, gone: () => gone };
}

const d = (seq, status, progress, extra = {}) => ({ seq, task_id: 'j1', status, progress, ...extra });

test('backoff rises from about 1 s to 5 s and stays there', () => {
  const delays = [0, 1, 2, 3, 4, 5, 10].map((n) => nextDelay(n));
  assert.deepEqual(delays, [1000, 1500, 2250, 3375, 5000, 5000, 5000]);
  assert.equal(nextDelay(-3), BACKOFF.base);
});

test('polls with cache no-store and a cache-busting query', async () => {
  const h = harness([d(1, 'queued', 0)]);
  h.p.start(0);
  await h.step();
  assert.equal(h.requests[0].init.cache, 'no-store');
  assert.match(h.requests[0].url, /^\/status\/j1\.json\?_=\d+$/);
});

test('the delay grows while nothing changes and resets when the status changes', async () => {
  const h = harness([d(1, 'queued', 0), d(1, 'queued', 0), d(1, 'queued', 0), d(2, 'generating', 5), d(3, 'generating', 9)]);
  h.p.start(0);
  await h.step();                         // seq 1 (new status) → attempt 0
  assert.equal(h.timers[0].ms, 1000);
  await h.step();                         // same seq → attempt 1
  assert.equal(h.timers[0].ms, 1500);
  await h.step();                         // same seq → attempt 2
  assert.equal(h.timers[0].ms, 2250);
  await h.step();                         // generating → reset
  assert.equal(h.timers[0].ms, 1000);
  await h.step();                         // newer seq, same status → grows
  assert.equal(h.timers[0].ms, 1500);
  assert.deepEqual(h.docs.map((x) => x.seq), [1, 2, 3]);
});

test('stale documents (lower or equal seq) are ignored and progress never goes backwards', async () => {
  const h = harness([d(5, 'generating', 50), d(4, 'generating', 40), d(6, 'generating', 45), d(7, 'transferring', 95)]);
  h.p.start(0);
  for (let i = 0; i < 4; i++) await h.step();
  assert.deepEqual(h.docs.map((x) => [x.seq, x.progress]), [[5, 50], [6, 50], [7, 95]]);
});

test('stops at succeeded and at failed', async () => {
  for (const final of ['succeeded', 'failed']) {
    const h = harness([d(1, 'generating', 10), d(2, final, 80)]);
    h.p.start(0);
    await h.step();
    await h.step();
    assert.equal(h.timers.length, 0, `no poll after ${final}`);
    assert.equal(h.p.running, false);
    assert.equal(h.docs.at(-1).status, final);
  }
  const ok = harness([d(1, 'succeeded', 90)]);
  ok.p.start(0);
  await ok.step();
  assert.equal(ok.docs[0].progress, 100);
});

test('network errors and 5xx are retried with backoff and reported', async () => {
  const h = harness([new TypeError('offline'), 502, d(1, 'generating', 3)]);
  h.p.start(0);
  await h.step();
  await h.step();
  await h.step();
  assert.deepEqual(h.errors.map((e) => [e.status, e.count]), [[0, 1], [502, 2]]);
  assert.equal(h.docs.length, 1);
  assert.ok(h.p.running);
});

test('repeated 404s mean the job is gone', async () => {
  const h = harness([404]);
  h.p.start(0);
  for (let i = 0; i < GONE_AFTER_404S; i++) await h.step();
  assert.equal(h.gone(), 1);
  assert.equal(h.timers.length, 0);
  assert.equal(h.p.running, false);
});

test('stop cancels; start again (after retry-transfer) resumes from the last document', async () => {
  const h = harness([d(3, 'failed', 92, { error: { kind: 'transfer' } }), d(4, 'transferring', 92), d(5, 'succeeded', 100)]);
  h.p.start(0);
  await h.step();
  assert.equal(h.p.running, false);
  h.p.start(0);
  await h.step();
  await h.step();
  assert.deepEqual(h.docs.map((x) => x.status), ['failed', 'transferring', 'succeeded']);
  h.p.stop();
  assert.equal(h.p.running, false);
});

test('isNewer and mergeDocument', () => {
  assert.ok(isNewer(null, { seq: 0 }));
  assert.ok(!isNewer({ seq: 2 }, { seq: 2 }));
  assert.ok(!isNewer({ seq: 2 }, { status: 'x' }));
  assert.ok(isNewer({ status: 'queued' }, { seq: 1 }));
  assert.ok(!isNewer({ seq: 1 }, null));
  assert.equal(mergeDocument({ progress: 70 }, { progress: 20, status: 'generating' }).progress, 70);
  assert.equal(mergeDocument(null, { progress: 20, status: 'generating' }).progress, 20);
});

test('a poke (a change-feed event) polls now, and restarts a poller stopped at a terminal state', async () => {
  const h = harness([d(1, 'failed', 50), d(2, 'transferring', 50), d(3, 'transferring', 60)]);
  h.p.start(0);
  await h.step();
  assert.equal(h.p.running, false);
  h.p.poke();                       // the feed says the job moved again (a retry)
  assert.equal(h.timers.at(-1).ms, 0);
  await h.step();
  assert.equal(h.docs.at(-1).status, 'transferring');
  assert.equal(h.timers[0].ms, 1000);
  h.p.poke();                       // a running poller: the waiting poll is replaced by one now
  assert.equal(h.timers.at(-1).ms, 0);
});
