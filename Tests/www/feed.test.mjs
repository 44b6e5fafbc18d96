// The static change feed (contract §7): what is new since the last read, when to reload, and the watcher.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFeedWatcher, feedDelta } from '../../www/js/status-view.js';

const ev = (seq, type = 'updated', job = `j${seq}`, extra = {}) => ({ seq, type, job, ...extra });
const feed = (seq, events, spend = { today_usd: 1.5, left_usd: 8.5, budget_usd: 10, reserved_usd: 0 }) => ({ seq, updated_at: 'x', spend, events });

test('the first read only sets the position: nothing old is replayed', () => {
  assert.deepEqual(feedDelta(null, feed(10, [ev(9), ev(10)])).events, []);
  assert.equal(feedDelta(null, feed(10, [ev(9), ev(10)])).seq, 10);
});

test('later reads give the events after the last seen seq, in order', () => {
  const d = feedDelta(10, feed(13, [ev(13, 'deleted'), ev(9), ev(11, 'created'), ev(12), ev(10)]));
  assert.deepEqual(d.events.map((e) => [e.seq, e.type]), [[11, 'created'], [12, 'updated'], [13, 'deleted']]);
  assert.equal(d.reload, false);
  assert.equal(d.spend.left_usd, 8.5);
  assert.deepEqual(feedDelta(13, feed(13, [ev(13)])).events, []);
});

test('a reader that fell behind the kept events, or a feed that went backwards, reloads', () => {
  assert.equal(feedDelta(5, feed(300, [ev(101), ev(300)])).reload, true, 'events 6…100 are gone');
  assert.equal(feedDelta(100, feed(300, [ev(101), ev(300)])).reload, false, 'exactly the next one is kept');
  assert.equal(feedDelta(50, feed(10, [ev(10)])).reload, true, 'the feed was reset');
  assert.equal(feedDelta(5, feed(6, [])).reload, true, 'newer seq but no events');
});

test('broken documents change nothing', () => {
  assert.deepEqual(feedDelta(5, null), { seq: 5, events: [], reload: false, spend: null });
  assert.deepEqual(feedDelta(5, { events: 'x' }).seq, 5);
  assert.deepEqual(feedDelta(5, feed(7, [ev(6), { seq: 7 }, null])).events.map((e) => e.seq), [6], 'events without a job are dropped');
});

test('the watcher polls without caching, reports events, spend and reloads, and backs off after failures', async () => {
  const answers = [feed(1, [ev(1)]), feed(3, [ev(2, 'created'), ev(3)]), new TypeError('offline'), 503, feed(500, [ev(400)])];
  const timers = [];
  const calls = [];
  const seen = { events: [], reloads: 0, spend: [] };
  const w = createFeedWatcher({
    url: 'feed/abc.json',
    fetchImpl: async (url, init) => {
      calls.push({ url, init });
      const a = answers.shift();
      if (a instanceof Error) throw a;
      if (typeof a === 'number') return { ok: false, status: a };
      return { ok: true, status: 200, json: async () => a };
    },
    schedule: (fn, ms) => { timers.push({ fn, ms }); return timers.length; },
    cancel: () => {},
    onEvents: (e) => seen.events.push(...e.map((x) => x.seq)),
    onReload: () => { seen.reloads += 1; },
    onSpend: (s) => seen.spend.push(s.today_usd),
    interval: 1500,
  });
  const step = async () => { const t = timers.shift(); await t.fn(); return t.ms; };
  assert.equal(await step(), 0);
  assert.equal(await step(), 1500);
  assert.deepEqual(seen.events, [2, 3]);
  assert.equal(await step(), 1500);
  assert.equal(timers[0].ms, 5000, 'after a network error');
  await step();
  assert.equal(timers[0].ms, 5000, 'after a 503');
  await step();
  assert.equal(seen.reloads, 1);
  assert.equal(w.seq, 500);
  assert.equal(calls[0].init.cache, 'no-store');
  assert.match(calls[0].url, /^feed\/abc\.json\?_=\d+$/);
  assert.equal(seen.spend.length, 1, 'only a spend that changed is reported');
  w.stop();
  assert.equal(timers.length, 1, 'nothing new is scheduled after stop');
  await step();
  assert.equal(timers.length, 0);
});
