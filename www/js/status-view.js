// A status document (contract §4) turned into what a card says: our own words for the phase,
// elapsed and remaining time, the failure by kind and code (§5), what may be offered. No DOM;
// the clock is passed in.

import { t } from './strings.js';
import { bytes, dateTime, duration } from './format.js';

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

export const isTerminal = (status) => status === 'succeeded' || status === 'failed' || status === 'cancelled';

const time = (iso) => {
  const ms = Date.parse(iso ?? '');
  return Number.isFinite(ms) ? ms : null;
};

/** The phase, from `phase` or (older documents) from `status`. */
export function phaseOf(doc) {
  if (PHASES.includes(doc.phase)) return doc.phase;
  return { queued: 'queued', generating: 'generating', transferring: 'storing', succeeded: 'done', failed: 'failed', cancelled: 'cancelled' }[doc.status] ?? 'queued';
}

/** The running phase in our words: `{key, vars}`. */
export function phaseLine(doc) {
  const phase = phaseOf(doc);
  if (phase === 'queued') return Number(doc.queue_position) >= 1 ? { key: 'phase.queuedAt', vars: { n: doc.queue_position } } : { key: 'phase.queued', vars: {} };
  return { key: `phase.${phase}`, vars: { p: Math.floor(shownProgress(doc)) } };
}

/** Seconds since the job was created, up to its end or `now`. */
export function elapsedSeconds(doc, now) {
  const start = time(doc.created_at) ?? time(doc.started_at);
  if (start === null) return null;
  const end = isTerminal(doc.status) ? (time(doc.finished_at) ?? time(doc.updated_at) ?? now) : now;
  return Math.max(0, (end - start) / 1000);
}

/** Seconds left by the model's typical time while the upstream works (negative: slower than usual), else null. */
export function etaSeconds(doc, typical, now) {
  if (!(typical > 0) || !['submitting', 'upstream_queued', 'generating'].includes(phaseOf(doc))) return null;
  const start = time(doc.started_at) ?? time(doc.created_at);
  return start === null ? null : typical - (now - start) / 1000;
}

/** Progress clamped to 0–100, never below what was shown, 100 on success. */
export function shownProgress(doc, previous = 0) {
  let p = Number(doc.progress);
  p = Number.isFinite(p) ? Math.min(100, Math.max(0, p)) : 0;
  if (doc.status === 'succeeded') p = 100;
  return Math.max(p, Number(previous) || 0);
}

/** Whether to offer Retry: the server says (`can_retry`); older documents: a transfer failure whose link lives. */
export function canRetry(doc, now) {
  if (typeof doc.can_retry === 'boolean') return doc.can_retry;
  return doc.status === 'failed' && doc.error?.kind === 'transfer' && (time(doc.upstream_url_expires_at) ?? 0) > now;
}

/** A URL the page may put in src/href: http(s) or relative, never another scheme. */
export function safeMediaURL(url) {
  const s = String(url ?? '').trim();
  if (!s) return null;
  if (/^[a-z][\w+.-]*:/i.test(s)) return /^https?:\/\//i.test(s) ? s : null;
  return s;
}

const TIMES = ['expired_at', 'link_expires_at'];
const SECONDS = ['seconds', 'retry_after'];

/** A failure parameter in the reader's words. */
function paramText(name, v) {
  if (TIMES.includes(name)) return dateTime(v);
  if (SECONDS.includes(name)) return duration(v);
  if (name === 'limit_bytes') return bytes(Number(v));
  if (name === 'upstream_task_search') return t(`search.${v}`);
  if (typeof v === 'boolean') return t(v ? 'param.on' : 'param.off');
  return String(v);
}

/** A failed job's explanation: title, what happened (from kind and code), what to do, details. */
export function failureView(doc) {
  const e = doc.error && typeof doc.error === 'object' ? doc.error : {};
  const kind = Object.hasOwn(FAILURES, e.kind) ? e.kind : 'unknown';
  const code = kind !== 'unknown' && FAILURES[kind].includes(e.code) ? e.code : null;
  const params = e.params && typeof e.params === 'object' ? e.params : {};
  const vars = {};
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') vars[k] = paramText(k, v);
  const facts = ['upstream_code', 'retry_after', 'attempts', 'upstream_task_search']
    .filter((k) => k in vars).map((k) => t(`fail.fact.${k}`, { v: vars[k] }));
  return {
    kind,
    code,
    title: t(`fail.title.${kind}`),
    text: code ? t(`fail.${kind}.${code}`, vars) : '',
    hint: t(`fail.hint.${kind}`),
    facts,
    detail: String(e.detail ?? '').trim(),
  };
}

/** Everything a card or library item shows, from one status document. */
export function statusView(doc, { now = Date.now(), previousProgress = 0, previousElapsed = 0, typical = null } = {}) {
  const status = STATES.includes(doc.status) ? doc.status : 'unknown';
  const terminal = isTerminal(status);
  const computed = elapsedSeconds(doc, now);
  // While running, elapsed time never goes back (clock skew, a late document).
  const elapsed = computed === null ? null : terminal ? computed : Math.max(computed, previousElapsed);
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
    elapsed,
    eta: terminal ? null : etaSeconds(doc, typical, now),
    model: doc.model ?? '',
    mode: doc.mode ?? 'text_to_video',
    duration: doc.params?.duration ?? doc.duration ?? null,
    resolution: doc.width && doc.height ? `${doc.width}×${doc.height}` : '',
    params: doc.params && typeof doc.params === 'object' ? doc.params : null,
    prompt: doc.orig_prompt ?? '',
    actualPrompt: doc.actual_prompt && doc.actual_prompt !== doc.orig_prompt ? doc.actual_prompt : '',
    videoURL: status === 'succeeded' ? safeMediaURL(doc.video_url) : null,
    posterURL: safeMediaURL(doc.poster_url),
    costUSD: doc.cost_usd === null || doc.cost_usd === undefined || !Number.isFinite(Number(doc.cost_usd)) ? null : Number(doc.cost_usd),
    costState: doc.cost_state ?? null,
    sizeBytes: doc.size_bytes ?? null,
    createdAt: doc.created_at ?? null,
    canRetry: status === 'failed' && canRetry(doc, now),
    canCancel: !terminal && doc.can_cancel === true,
    linkExpiresAt: doc.link_expires_at ?? doc.upstream_url_expires_at ?? null,
    failure: status === 'failed' ? failureView(doc) : null,
  };
}

/** A job's status file URL, shaped like one we know (`status_url` of another job), else `status/<id>.json`. */
export function statusURLFor(id, knownURL) {
  const m = /^(.*\/)[0-9a-z]{26}\.json$/i.exec(String(knownURL ?? ''));
  return `${m ? m[1] : 'status/'}${id}.json`;
}

/** The short form of a job id people can tell apart (`#K3F9QZ`). */
export const shortId = (id) => `#${String(id ?? '').slice(-6).toUpperCase()}`;
