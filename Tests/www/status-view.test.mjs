import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canRetryTransfer, elapsedSeconds, safeMediaURL, failureView, formatElapsed, isTerminal, shownProgress, spendFromList, statusView, todaySpend,
} from '../../www/js/status-view.js';

const NOW = Date.parse('2025-11-25T12:00:00Z');
const doc = (over = {}) => ({
  seq: 3, task_id: 'j1', status: 'generating', progress: 42.5, stage: '  进度 42%  ', model: 'sora-v2-landscape',
  duration: 10, width: 1280, height: 704, orig_prompt: 'a cat', actual_prompt: 'a cat', status_url: '/status/j1.json',
  video_url: null, cost_usd: 0.15, error: null, created_at: '2025-11-25T11:58:30Z', updated_at: '2025-11-25T11:59:59Z',
  ...over,
});

test('a running job: status key, trimmed stage, progress and elapsed time', () => {
  const v = statusView(doc(), { now: NOW });
  assert.equal(v.statusKey, 'status.generating');
  assert.equal(v.terminal, false);
  assert.equal(v.stage, '进度 42%');
  assert.equal(v.progress, 42.5);
  assert.equal(v.elapsedText, '1:30');
  assert.equal(v.resolution, '1280×704');
  assert.equal(v.videoURL, null);
  assert.equal(v.failure, null);
});

test('progress never goes backwards, is clamped, and is 100 on success', () => {
  assert.equal(shownProgress({ progress: 30 }, 50), 50);
  assert.equal(shownProgress({ progress: 130 }, 0), 100);
  assert.equal(shownProgress({ progress: -5 }, 0), 0);
  assert.equal(shownProgress({ progress: 'x' }, 7), 7);
  assert.equal(shownProgress({ status: 'succeeded', progress: 90 }, 0), 100);
  assert.equal(statusView(doc({ progress: 10 }), { now: NOW, previousProgress: 60 }).progress, 60);
});

test('a succeeded job exposes its video and the time it took', () => {
  const v = statusView(doc({ status: 'succeeded', progress: 100, video_url: '/media/j1.mp4', finished_at: '2025-11-25T11:59:00Z' }), { now: NOW });
  assert.ok(v.succeeded && v.terminal);
  assert.equal(v.videoURL, '/media/j1.mp4');
  assert.equal(v.elapsedText, '0:30');
});

test('failures are explained by kind with the server’s message', () => {
  const kinds = ['moderation', 'stream_cut', 'upstream', 'timeout', 'no_link', 'transfer', 'config', 'interrupted'];
  for (const kind of kinds) {
    const f = failureView(doc({ status: 'failed', error: { kind, message: ` msg ${kind} `, detail: 'curl 18' } }), NOW);
    assert.equal(f.kind, kind);
    assert.equal(f.titleKey, `fail.title.${kind}`);
    assert.equal(f.hintKey, `fail.hint.${kind}`);
    assert.equal(f.message, `msg ${kind}`);
    assert.equal(f.detail, 'curl 18');
  }
  const odd = failureView(doc({ status: 'failed', error: { kind: 'martian' } }), NOW);
  assert.equal(odd.kind, 'unknown');
  assert.equal(failureView(doc({ status: 'failed', error: null }), NOW).hintKey, 'fail.hint.unknown');
});

test('retry-transfer only for transfer failures whose upstream link is still valid', () => {
  const failed = (kind, expires) => doc({ status: 'failed', error: { kind, message: '' }, upstream_url_expires_at: expires });
  assert.ok(canRetryTransfer(failed('transfer', '2025-11-26T00:00:00Z'), NOW));
  assert.ok(!canRetryTransfer(failed('transfer', '2025-11-25T11:00:00Z'), NOW));
  assert.ok(!canRetryTransfer(failed('transfer', null), NOW));
  assert.ok(!canRetryTransfer(failed('moderation', '2025-11-26T00:00:00Z'), NOW));
  assert.ok(!canRetryTransfer(doc({ status: 'transferring', upstream_url_expires_at: '2025-11-26T00:00:00Z' }), NOW));
  assert.ok(statusView(failed('transfer', '2025-11-26T00:00:00Z'), { now: NOW }).failure.canRetryTransfer);
});

test('unknown statuses and missing times do not break the view', () => {
  const v = statusView({ task_id: 'x', status: 'weird' }, { now: NOW });
  assert.equal(v.statusKey, 'status.unknown');
  assert.equal(v.elapsedText, '');
  assert.equal(v.progress, 0);
  assert.equal(elapsedSeconds({ status: 'queued' }, NOW), null);
});

test('terminal states and elapsed formatting', () => {
  assert.ok(isTerminal('succeeded') && isTerminal('failed'));
  assert.ok(!isTerminal('queued') && !isTerminal('generating') && !isTerminal('transferring'));
  assert.equal(formatElapsed(0), '0:00');
  assert.equal(formatElapsed(65.9), '1:05');
  assert.equal(formatElapsed(3725), '1:02:05');
});

test('today’s spend: the server figure when given, else the sum of today’s jobs', () => {
  const now = new Date(2025, 10, 25, 15, 0, 0).getTime(); // local time
  const at = (h, d = 25) => new Date(2025, 10, d, h, 0, 0).toISOString();
  const jobs = [{ created_at: at(9), cost_usd: 0.15 }, { created_at: at(14), cost_usd: 0.15 }, { created_at: at(23, 24), cost_usd: 0.15 },
    { created_at: at(10), cost_usd: null }, { created_at: 'bad', cost_usd: 1 }];
  assert.equal(todaySpend(jobs, now), 0.3);
  assert.equal(spendFromList({ jobs, today_cost_usd: 1.2 }, now), 1.2);
  assert.equal(spendFromList({ jobs, today_cost_usd: 0 }, now), 0);
  assert.equal(spendFromList({ jobs }, now), 0.3);
  assert.equal(spendFromList({ jobs, today_cost_usd: null }, now), 0.3);
  assert.equal(spendFromList(null, now), 0);
});

test('only http(s) and site-relative media URLs reach src/href', () => {
  for (const ok of ['/media/a.mp4', 'https://bucket.oss.example.com/v/a.mp4', 'http://127.0.0.1:8080/media/a.mp4', 'media/a.mp4', './media/a.mp4', '//cdn.example.com/a.mp4']) {
    assert.equal(safeMediaURL(ok), ok);
  }
  for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', ' data:x', '', null, 'vbscript:x']) {
    assert.equal(safeMediaURL(bad), null, String(bad));
  }
  const v = statusView(doc({ status: 'succeeded', video_url: 'javascript:alert(1)' }), { now: NOW });
  assert.equal(v.videoURL, null);
});
