// A status document (contract §4) as a card says it. No DOM; the clock is passed in.

import { bytes, dateTime, duration, t } from './strings.js';

export const STATES = ['queued', 'generating', 'transferring', 'succeeded', 'failed', 'cancelled'];
export const PHASES = ['queued', 'submitting', 'upstream_queued', 'generating', 'downloading', 'storing', 'done', 'failed', 'cancelled'];
/** Failure kinds and their codes (contract §5). */
export const FAILURES = {
  moderation: ['input', 'output', 'stream'],
  upstream: ['http', 'auth', 'model_unavailable', 'rate_limited', 'task_failed', 'task_unknown', 'task_expired', 'unreachable', 'error_in_stream'],
  ambiguous: ['create_timeout', 'create_cut', 'create_5xx'],
  timeout: ['connect', 'stall', 'total', 'deadline'],
  stream_cut: ['cut'],
  no_link: ['stream_ended', 'succeeded_without_url'],
  transfer: ['download_http', 'not_video', 'too_large', 'incomplete', 'disk_full', 'store_failed', 'link_expired', 'network'],
  config: ['no_key', 'bad_base_url', 'input_unreadable'],
  interrupted: ['before_link'],
};

export const isTerminal = (status) => ['succeeded', 'failed', 'cancelled'].includes(status);
const time = (iso) => Date.parse(iso ?? '') || null;

export const phaseOf = (doc) => (PHASES.includes(doc.phase) ? doc.phase
  : { transferring: 'storing', succeeded: 'done', failed: 'failed', cancelled: 'cancelled', generating: 'generating' }[doc.status] ?? 'queued');

export function phaseLine(doc) {
  const phase = phaseOf(doc);
  if (phase === 'queued' && doc.queue_position >= 1) return { key: 'phase.queuedAt', vars: { n: doc.queue_position } };
  return { key: `phase.${phase}`, vars: { p: Math.floor(shownProgress(doc)) } };
}

export function elapsedSeconds(doc, now) {
  const start = time(doc.created_at) ?? time(doc.started_at);
  const end = isTerminal(doc.status) ? time(doc.finished_at) ?? time(doc.updated_at) ?? now : now;
  return start === null ? null : Math.max(0, (end - start) / 1000);
}

/** Seconds left by the typical time (negative: slower than usual). */
export function etaSeconds(doc, typical, now) {
  const start = time(doc.started_at) ?? time(doc.created_at);
  const working = ['submitting', 'upstream_queued', 'generating'].includes(phaseOf(doc));
  return typical > 0 && working && start !== null ? typical - (now - start) / 1000 : null;
}

export function shownProgress(doc, previous = 0) {
  const p = doc.status === 'succeeded' ? 100 : Math.min(100, Math.max(0, Number(doc.progress) || 0));
  return Math.max(p, Number(previous) || 0);
}

/** http(s) or relative, never another scheme. */
export function safeMediaURL(url) {
  const s = String(url ?? '').trim();
  return !s || (/^[a-z][\w+.-]*:/i.test(s) && !/^https?:\/\//i.test(s)) ? null : s;
}

function paramText(name, v) {
  if (name === 'expired_at' || name === 'link_expires_at') return dateTime(v);
  if (name === 'seconds' || name === 'retry_after') return duration(v);
  if (name === 'limit_bytes') return bytes(Number(v));
  if (name === 'upstream_task_search') return t(`search.${v}`);
  return String(v);
}

export function failureView(doc) {
  const e = doc.error ?? {};
  const kind = Object.hasOwn(FAILURES, e.kind) ? e.kind : 'unknown';
  const code = FAILURES[kind]?.includes(e.code) ? e.code : null;
  const vars = {};
  for (const [k, v] of Object.entries(e.params ?? {})) if (v !== null && v !== '') vars[k] = paramText(k, v);
  return {
    kind, code,
    title: t(`fail.title.${kind}`),
    text: code ? t(`fail.${kind}.${code}`, vars) : '',
    hint: t(`fail.hint.${kind}`),
    facts: ['upstream_code', 'retry_after', 'attempts', 'upstream_task_search'].filter((k) => k in vars).map((k) => t(`fail.fact.${k}`, { v: vars[k] })),
    detail: String(e.detail ?? '').trim(),
  };
}

export function statusView(doc, { now = Date.now(), previousProgress = 0, previousElapsed = 0, typical = null } = {}) {
  const status = STATES.includes(doc.status) ? doc.status : 'unknown';
  const terminal = isTerminal(status);
  const elapsed = elapsedSeconds(doc, now);
  const cost = doc.cost_usd ?? null;
  return {
    taskId: doc.task_id,
    status,
    statusKey: `status.${status}`,
    terminal,
    succeeded: status === 'succeeded',
    failed: status === 'failed',
    phase: phaseLine(doc),
    progress: shownProgress(doc, previousProgress),
    stage: String(doc.stage ?? '').trim(),
    elapsed: elapsed === null || terminal ? elapsed : Math.max(elapsed, previousElapsed),
    eta: terminal ? null : etaSeconds(doc, typical, now),
    model: doc.model ?? '',
    duration: doc.params?.duration ?? doc.duration ?? null,
    resolution: doc.width && doc.height ? `${doc.width}×${doc.height}` : '',
    params: doc.params && Object.keys(doc.params).length ? doc.params : null,
    prompt: doc.orig_prompt ?? '',
    actualPrompt: doc.actual_prompt && doc.actual_prompt !== doc.orig_prompt ? doc.actual_prompt : '',
    videoURL: status === 'succeeded' ? safeMediaURL(doc.video_url) : null,
    posterURL: safeMediaURL(doc.poster_url),
    costUSD: Number.isFinite(cost) ? cost : null,
    costState: doc.cost_state ?? null,
    sizeBytes: doc.size_bytes ?? null,
    createdAt: doc.created_at ?? null,
    canRetry: status === 'failed' && doc.can_retry === true,
    canCancel: !terminal && doc.can_cancel === true,
    linkExpiresAt: doc.link_expires_at ?? null,
    failure: status === 'failed' ? failureView(doc) : null,
  };
}

/** Shaped like a known job's `status_url`. */
export function statusURLFor(id, knownURL) {
  const m = /^(.*\/)[0-9a-z]{26}\.json$/i.exec(knownURL ?? '');
  return `${m ? m[1] : 'status/'}${id}.json`;
}

export const shortId = (id) => `#${String(id ?? '').slice(-6).toUpperCase()}`;
