// A status document (the file at `status_url`, README "Status document") turned into what a
// job card shows. No DOM; the clock is passed in.

export const STATES = ['queued', 'generating', 'transferring', 'succeeded', 'failed'];
export const FAILURE_KINDS = ['moderation', 'stream_cut', 'upstream', 'timeout', 'no_link', 'transfer', 'config', 'interrupted'];

export function isTerminal(status) {
  return status === 'succeeded' || status === 'failed';
}

function time(iso) {
  const ms = Date.parse(iso ?? '');
  return Number.isFinite(ms) ? ms : null;
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatElapsed(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

/** Seconds from creation to the end (or to `now` while running). */
export function elapsedSeconds(doc, now) {
  const start = time(doc.created_at) ?? time(doc.started_at);
  if (start === null) return null;
  const end = isTerminal(doc.status) ? (time(doc.finished_at) ?? time(doc.updated_at) ?? now) : now;
  return Math.max(0, (end - start) / 1000);
}

/** Whether a `transfer` failure can still be retried: its upstream link has not expired. */
export function canRetryTransfer(doc, now) {
  if (!doc || doc.status !== 'failed' || doc.error?.kind !== 'transfer') return false;
  const expires = time(doc.upstream_url_expires_at);
  return expires !== null && expires > now;
}

/** The failure part of a card: title/hint keys for the kind plus the server's message. */
export function failureView(doc, now) {
  const e = doc.error ?? {};
  const kind = FAILURE_KINDS.includes(e.kind) ? e.kind : 'unknown';
  return {
    kind,
    titleKey: `fail.title.${kind}`,
    hintKey: `fail.hint.${kind}`,
    message: String(e.message ?? '').trim(),
    detail: String(e.detail ?? '').trim(),
    canRetryTransfer: canRetryTransfer(doc, now),
    linkExpiresAt: doc.upstream_url_expires_at ?? null,
  };
}

/** Progress shown for `doc` given what was shown before: clamped to 0–100, never backwards, 100 on success. */
export function shownProgress(doc, previous = 0) {
  let p = Number(doc.progress);
  if (!Number.isFinite(p)) p = 0;
  p = Math.min(100, Math.max(0, p));
  if (doc.status === 'succeeded') p = 100;
  return Math.max(p, Number(previous) || 0);
}

/** A media URL the page may put in src/href: http(s) or relative, never another scheme (javascript:, data:). */
export function safeMediaURL(url) {
  const s = String(url ?? '').trim();
  if (!s) return null;
  if (/^[a-z][\w+.-]*:/i.test(s)) return /^https?:\/\//i.test(s) ? s : null;
  return s;
}

/** Everything a job card renders, from one status document. */
export function statusView(doc, { now = Date.now(), previousProgress = 0 } = {}) {
  const status = STATES.includes(doc.status) ? doc.status : 'unknown';
  const elapsed = elapsedSeconds(doc, now);
  return {
    taskId: doc.task_id,
    status,
    statusKey: `status.${status}`,
    terminal: isTerminal(status),
    succeeded: status === 'succeeded',
    failed: status === 'failed',
    progress: shownProgress(doc, previousProgress),
    stage: String(doc.stage ?? '').trim(),
    elapsed,
    elapsedText: elapsed === null ? '' : formatElapsed(elapsed),
    model: doc.model ?? '',
    duration: doc.duration ?? null,
    resolution: doc.width && doc.height ? `${doc.width}×${doc.height}` : '',
    prompt: doc.orig_prompt ?? '',
    actualPrompt: doc.actual_prompt && doc.actual_prompt !== doc.orig_prompt ? doc.actual_prompt : '',
    videoURL: status === 'succeeded' ? safeMediaURL(doc.video_url) : null,
    posterURL: safeMediaURL(doc.poster_url),
    costUSD: Number.isFinite(Number(doc.cost_usd)) ? Number(doc.cost_usd) : null,
    sizeBytes: doc.size_bytes ?? null,
    createdAt: doc.created_at ?? null,
    failure: status === 'failed' ? failureView(doc, now) : null,
  };
}

/** Whether two ISO times (or ms) fall on the same local calendar day. */
function sameLocalDay(a, b) {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

/** Sum of `cost_usd` of the jobs created on `now`'s local day. */
export function todaySpend(jobs, now) {
  let sum = 0;
  for (const j of jobs ?? []) {
    const created = time(j.created_at);
    const cost = Number(j.cost_usd);
    if (created !== null && Number.isFinite(cost) && sameLocalDay(created, now)) sum += cost;
  }
  return Math.round(sum * 1e6) / 1e6;
}

/** Today's spend from a `GET /api/jobs` answer: the server's `today_cost_usd`, else the page's own sum. */
export function spendFromList(answer, now) {
  const server = Number(answer?.today_cost_usd);
  if (answer && answer.today_cost_usd !== undefined && answer.today_cost_usd !== null && Number.isFinite(server)) {
    return server;
  }
  return todaySpend(answer?.jobs, now);
}
