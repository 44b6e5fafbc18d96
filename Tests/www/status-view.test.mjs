// Status documents (contract §4, §5) in our words: phases, times, failures by kind and code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasString, loadFailureWords, loadLocale, setLocale, t } from '../../www/js/strings.js';
import {
  FAILURES, elapsedSeconds, etaSeconds, failureView, isTerminal, phaseLine, phaseOf, safeMediaURL,
  shortId, shownProgress, statusURLFor, statusView,
} from '../../www/js/status-view.js';

await loadLocale('zh');
setLocale('zh');
await loadFailureWords();
await loadLocale('en');
const NOW = Date.parse('2026-12-01T10:02:00Z');
const doc = (over = {}) => ({
  seq: 3, task_id: '01jg3k9qzxa7b2c4d6e8f0h2j4', status: 'generating', phase: 'generating', progress: 42.5, stage: 'running: 42%',
  model: 'seedance-2-0', mode: 'text_to_video', params: { duration: 8, resolution: '1080p' }, width: 1920, height: 1080,
  orig_prompt: 'a cat', actual_prompt: 'a cat', status_url: '/status/01jg3k9qzxa7b2c4d6e8f0h2j4.json', video_url: null,
  cost_usd: 3.0715, cost_state: 'reserved', error: null, created_at: '2026-12-01T10:00:00Z', started_at: '2026-12-01T10:00:30Z',
  can_cancel: false, can_retry: false, ...over,
});

test('the phase in our words, never the upstream’s raw stage', () => {
  setLocale('en');
  const words = (d) => t(phaseLine(d).key, phaseLine(d).vars);
  assert.equal(words(doc({ status: 'queued', phase: 'queued', queue_position: 3 })), 'Waiting in our queue: position 3');
  assert.equal(words(doc({ status: 'queued', phase: 'queued', queue_position: 100 })), 'Waiting in our queue: position 100');
  assert.equal(words(doc({ status: 'queued', phase: 'queued', queue_position: 101 })), 'Waiting in our queue: position 100+');
  assert.equal(words(doc({ status: 'queued', phase: 'queued', queue_position: null })), 'Waiting in our queue');
  assert.equal(words(doc({ phase: 'submitting' })), 'Sending to the provider');
  assert.equal(words(doc({ phase: 'upstream_queued' })), 'Queued at the provider');
  assert.equal(words(doc()), 'Generating 42 %');
  assert.equal(words(doc({ status: 'transferring', phase: 'downloading' })), 'Downloading the video');
  assert.equal(words(doc({ status: 'transferring', phase: 'storing' })), 'Saving the video');
  setLocale('zh');
  assert.equal(words(doc()), '生成中 42%');
  // Documents of an older core have no phase: it follows from the status.
  assert.equal(phaseOf({ status: 'transferring' }), 'storing');
  assert.equal(phaseOf({ status: 'weird' }), 'queued');
  const v = statusView(doc(), { now: NOW });
  assert.equal(v.stage, 'running: 42%', 'kept for the folded details only');
});

test('elapsed time runs from creation and never goes back while the job runs', () => {
  assert.equal(elapsedSeconds(doc(), NOW), 120);
  assert.equal(statusView(doc(), { now: NOW, previousElapsed: 130 }).elapsed, 130, 'a clock step back shows no smaller time');
  assert.equal(statusView(doc({ created_at: '2026-12-01T10:05:00Z' }), { now: NOW }).elapsed, 0, 'a server clock ahead gives 0, not negative');
  const done = doc({ status: 'succeeded', phase: 'done', finished_at: '2026-12-01T10:01:30Z' });
  assert.equal(statusView(done, { now: NOW, previousElapsed: 200 }).elapsed, 90, 'the time taken is the server’s');
  assert.equal(elapsedSeconds({ status: 'queued' }, NOW), null);
});

test('time left from the model’s typical time while the provider works', () => {
  assert.equal(etaSeconds(doc(), 180, NOW), 90);          // started 90 s ago
  assert.equal(etaSeconds(doc(), 60, NOW), -30, 'slower than usual');
  assert.equal(etaSeconds(doc({ phase: 'queued', status: 'queued' }), 180, NOW), null);
  assert.equal(etaSeconds(doc({ phase: 'storing', status: 'transferring' }), 180, NOW), null);
  assert.equal(etaSeconds(doc(), null, NOW), null);
  assert.equal(statusView(doc({ status: 'failed', phase: 'failed' }), { now: NOW, typical: 180 }).eta, null);
});

test('progress never goes backwards, is clamped, and is 100 on success', () => {
  assert.equal(shownProgress({ progress: 30 }, 50), 50);
  assert.equal(shownProgress({ progress: 130 }, 0), 100);
  assert.equal(shownProgress({ progress: 'x' }, 7), 7);
  assert.equal(shownProgress({ status: 'succeeded', progress: 90 }, 0), 100);
});

test('every failure kind and code of the contract is worded, with its parameters', () => {
  for (const locale of ['en', 'zh']) {
    setLocale(locale);
    for (const [kind, codes] of Object.entries(FAILURES)) {
      for (const code of codes) {
        const f = failureView(doc({ status: 'failed', error: { kind, code, params: { status: 503, seconds: 600, media_type: 'text/html',
          limit_bytes: 4e9, store: 's3', expired_at: '2026-12-01T09:00:00Z', setting: 'SORA_API_KEY' }, detail: 'curl 28' } }));
        assert.equal(f.kind, kind);
        assert.equal(f.code, code);
        assert.ok(hasString(`fail.${kind}.${code}`), `${locale} ${kind}.${code} has words`);
        assert.ok(f.text && !f.text.includes('{'), `${locale} ${kind}.${code}: ${f.text}`);
        assert.ok(f.title && f.hint);
      }
    }
  }
  setLocale('en');
  const timeout = failureView(doc({ status: 'failed', error: { kind: 'timeout', code: 'stall', params: { seconds: 300 }, detail: '' } }));
  assert.equal(timeout.text, 'The provider sent nothing for 5 min.');
  const limited = failureView(doc({ status: 'failed', error: { kind: 'upstream', code: 'rate_limited',
    params: { status: 429, retry_after: 30, attempts: 3, upstream_code: 'RequestBurstTooFast' }, detail: 'HTTP 429' } }));
  assert.deepEqual(limited.facts, ['Provider’s error code: RequestBurstTooFast', 'Provider asks to wait: 30 sec', 'Attempts: 3']);
  const odd = failureView(doc({ status: 'failed', error: { kind: 'martian', code: 'x', message: '中文的说明' } }));
  assert.deepEqual([odd.kind, odd.code, odd.text, odd.title], ['unknown', null, '', 'Generation failed'], 'old prose is never shown');
});

test('Retry and Cancel are offered only when the server says so', () => {
  assert.equal(statusView(doc({ status: 'failed', can_retry: true }), { now: NOW }).canRetry, true);
  assert.equal(statusView(doc({ status: 'failed', can_retry: false, error: { kind: 'transfer' } }), { now: NOW }).canRetry, false);
  assert.equal(statusView(doc({ status: 'failed', error: { kind: 'transfer' } }), { now: NOW }).canRetry, false, 'no field, no offer');
  assert.equal(statusView(doc({ status: 'generating', can_retry: true }), { now: NOW }).canRetry, false, 'only failed jobs');
  assert.equal(statusView(doc({ can_cancel: true }), { now: NOW }).canCancel, true);
  assert.equal(statusView(doc({ status: 'cancelled', phase: 'cancelled', can_cancel: true }), { now: NOW }).canCancel, false);
});

test('a result: video and poster URLs of safe schemes, parameters used, cost state', () => {
  const v = statusView(doc({ status: 'succeeded', phase: 'done', video_url: '/media/a.mp4', poster_url: 'javascript:alert(1)', cost_state: 'settled' }), { now: NOW });
  assert.ok(v.succeeded && v.terminal && isTerminal('cancelled'));
  assert.equal(v.videoURL, '/media/a.mp4');
  assert.equal(v.posterURL, null);
  assert.deepEqual(v.params, { duration: 8, resolution: '1080p' });
  assert.equal(v.duration, 8);
  assert.equal(v.costState, 'settled');
  assert.equal(safeMediaURL('https://cdn.example.com/a.mp4'), 'https://cdn.example.com/a.mp4');
  assert.equal(safeMediaURL('data:video/mp4;base64,AAAA'), null);
});

test('status file URLs of jobs only known by id follow the shape of a known one', () => {
  assert.equal(statusURLFor('01jg3k9qzxa7b2c4d6e8f0h2j5', '/sora/status/01jg3k9qzxa7b2c4d6e8f0h2j4.json'), '/sora/status/01jg3k9qzxa7b2c4d6e8f0h2j5.json');
  assert.equal(statusURLFor('01jg3k9qzxa7b2c4d6e8f0h2j5', 'https://cdn.example.com/s/01jg3k9qzxa7b2c4d6e8f0h2j4.json'), 'https://cdn.example.com/s/01jg3k9qzxa7b2c4d6e8f0h2j5.json');
  assert.equal(statusURLFor('01jg3k9qzxa7b2c4d6e8f0h2j5', null), 'status/01jg3k9qzxa7b2c4d6e8f0h2j5.json');
  assert.equal(shortId('01jg3k9qzxa7b2c4d6e8f0h2j4'), '#F0H2J4');
});
