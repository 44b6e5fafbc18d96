// Job status: a status document in our words (contract §4, §5), and polling the static status
// files and change feed (§7), never Swift. No DOM; clock, fetch and timers are passed in.

import { bytes, dateTime, duration, t } from './strings.js';

export const STATES = ['queued', 'generating', 'transferring', 'succeeded', 'failed', 'cancelled'];
export const PHASES = ['queued', 'submitting', 'upstream_queued', 'generating', 'downloading', 'storing', 'done', 'failed', 'cancelled'];
export const FAILURES = {
  moderation: ['input', 'output', 'stream'],
  upstream: ['http', 'auth', 'model_unavailable', 'rate_limited', 'task_failed', 'task_unknown', 'task_expired', 'unreachable', 'error_in_stream',
    'overloaded', 'transport'],
  ambiguous: ['create_timeout', 'create_cut', 'create_5xx', 'create_interrupted', 'create_unreadable'],
  timeout: ['connect', 'stall', 'total', 'deadline'],
  stream_cut: ['cut', 'no_end'],
  no_link: ['stream_ended', 'succeeded_without_url'],
  transfer: ['download_http', 'not_video', 'too_large', 'incomplete', 'disk_full', 'store_failed', 'link_expired', 'link_dead', 'network'],
  config: ['no_key', 'bad_base_url', 'input_unreadable', 'tls_failed', 'spool_unwritable'],
  interrupted: ['before_link'],
};

export const isTerminal = (status) => ['succeeded', 'failed', 'cancelled'].includes(status);
const time = (iso) => Date.parse(iso ?? '') || null;

export const phaseOf = (doc) => (PHASES.includes(doc.phase) ? doc.phase
  : { transferring: 'storing', succeeded: 'done', failed: 'failed', cancelled: 'cancelled', generating: 'generating' }[doc.status] ?? 'queued');

export function phaseLine(doc) {
  const phase = phaseOf(doc);
  const n = doc.queue_position; // 101: further back
  if (phase === 'queued' && n >= 1) return { key: 'phase.queuedAt', vars: { n: n > 100 ? '100+' : n } };
  return { key: `phase.${phase}`, vars: { p: Math.floor(shownProgress(doc)) } };
}

export function elapsedSeconds(doc, now) {
  const start = time(doc.created_at) ?? time(doc.started_at);
  const end = isTerminal(doc.status) ? time(doc.finished_at) ?? time(doc.updated_at) ?? now : now;
  return start === null ? null : Math.max(0, (end - start) / 1000);
}

export function etaSeconds(doc, typical, now) {
  const start = time(doc.started_at) ?? time(doc.created_at);
  const working = ['submitting', 'upstream_queued', 'generating'].includes(phaseOf(doc));
  return typical > 0 && working && start !== null ? typical - (now - start) / 1000 : null;
}

export function shownProgress(doc, previous = 0) {
  const p = doc.status === 'succeeded' ? 100 : Math.min(100, Math.max(0, Number(doc.progress) || 0));
  return Math.max(p, Number(previous) || 0);
}

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

export function statusURLFor(id, knownURL) {
  const m = /^(.*\/)[0-9a-z]{26}\.json$/i.exec(knownURL ?? '');
  return `${m ? m[1] : 'status/'}${id}.json`;
}

export const shortId = (id) => `#${String(id ?? '').slice(-6).toUpperCase()}`;

export const BACKOFF = { base: 1000, factor: 1.5, max: 5000 };
export const GONE_AFTER_404S = 5;

export const nextDelay = (attempt, { base, factor, max } = BACKOFF) => Math.min(max, Math.round(base * factor ** Math.max(0, Math.floor(Number(attempt) || 0))));

export function isNewer(prev, next) {
  if (!next || typeof next !== 'object') return false;
  if (!prev) return true;
  return Number.isFinite(Number(next.seq)) && !(Number(next.seq) <= Number(prev.seq));
}

export function mergeDocument(prev, next) {
  const p = Math.max(Number(prev?.progress) || 0, Number(next.progress) || 0);
  return { ...next, progress: next.status === 'succeeded' ? Math.max(p, 100) : p };
}

const get = (fetchImpl, url) => fetchImpl(`${url}${url.includes('?') ? '&' : '?'}_=${Date.now()}`, { cache: 'no-store', headers: { Accept: 'application/json' } });

export function createPoller({ url, fetchImpl, schedule, cancel, onDocument, onError = () => {}, onGone = () => {}, initial = null, backoff = BACKOFF }) {
  let last = initial;
  let attempt = 0;
  let notFound = 0;
  let failures = 0;
  let timer = null;
  let stopped = true;
  let inFlight = false;
  const plan = (ms) => { if (!stopped) timer = schedule(tick, ms); };

  async function tick() {
    timer = null;
    if (stopped || inFlight) return;
    inFlight = true;
    let doc = null;
    try {
      const res = await get(fetchImpl, url);
      notFound = res.status === 404 ? notFound + 1 : 0;
      if (res.ok) {
        doc = await res.json();
        failures = 0;
      } else onError({ status: res.status, count: ++failures });
    } catch (error) {
      onError({ status: 0, error, count: ++failures });
    } finally {
      inFlight = false;
    }
    if (stopped) return;
    if (notFound >= GONE_AFTER_404S) {
      stopped = true;
      onGone();
      return;
    }
    if (doc && isNewer(last, doc)) {
      attempt = !last || last.status !== doc.status ? 0 : attempt + 1;
      last = mergeDocument(last, doc);
      onDocument(last);
      if (isTerminal(last.status)) {
        stopped = true;
        return;
      }
    } else attempt += 1;
    plan(nextDelay(attempt, backoff));
  }

  return {
    start(firstDelay = 0) {
      if (!stopped) return;
      stopped = false;
      plan(firstDelay);
    },
    stop() {
      stopped = true;
      if (timer !== null) cancel(timer);
      timer = null;
    },
    poke() {
      attempt = 0;
      if (timer !== null) cancel(timer);
      stopped = false;
      plan(0);
    },
    get last() { return last; },
    get running() { return !stopped; },
  };
}

export function feedDelta(lastSeq, doc) {
  if (!Number.isFinite(doc?.seq)) return { seq: lastSeq, events: [], reload: false, spend: null };
  const spend = doc.spend && typeof doc.spend === 'object' ? doc.spend : null;
  if (lastSeq === null || doc.seq === lastSeq) return { seq: doc.seq, events: [], reload: false, spend };
  const events = (Array.isArray(doc.events) ? doc.events : [])
    .filter((e) => Number.isFinite(e?.seq) && typeof e.job === 'string').sort((a, b) => a.seq - b.seq);
  // A feed that went back was reset; one past what we saw has dropped events.
  const reload = doc.seq < lastSeq || !events.length || lastSeq < events[0].seq - 1;
  return { seq: doc.seq, events: reload ? [] : events.filter((e) => e.seq > lastSeq), reload, spend };
}

export function createFeedWatcher({ url, fetchImpl, schedule, cancel, onEvents, onReload, onSpend = () => {}, interval = 1500 }) {
  let seq = null;
  let spend = '';
  let timer = null;
  let stopped = false;

  async function tick() {
    timer = null;
    let ok = false;
    try {
      const res = await get(fetchImpl, url);
      if (res.ok) {
        const d = feedDelta(seq, await res.json());
        ok = true;
        seq = d.seq;
        if (!stopped && d.spend && JSON.stringify(d.spend) !== spend) onSpend(d.spend);
        if (d.spend) spend = JSON.stringify(d.spend);
        if (!stopped && d.reload) onReload();
        else if (!stopped && d.events.length) onEvents(d.events);
      }
    } catch { /* retried below */ }
    if (!stopped) timer = schedule(tick, ok ? interval : Math.max(interval, 5000));
  }

  timer = schedule(tick, 0);
  return {
    stop() {
      stopped = true;
      if (timer !== null) cancel(timer);
    },
    poke() {
      if (stopped || timer === null) return;
      cancel(timer);
      timer = schedule(tick, 0);
    },
    get seq() { return seq; },
  };
}
