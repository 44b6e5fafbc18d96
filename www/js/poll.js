// Polling static files, never Swift: a job's status file (backoff 1 → 5 s, stale documents
// ignored) and the change feed (contract §7). Fetch and timers are passed in.

import { isTerminal } from './status-view.js';

export const BACKOFF = { base: 1000, factor: 1.5, max: 5000 };
/** 404s in a row after which a job counts as gone. */
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

/** `onDocument(doc, serverTime)`: each newer document and the answer's Date (ms). */
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
    let serverTime = null;
    try {
      const res = await get(fetchImpl, url);
      notFound = res.status === 404 ? notFound + 1 : 0;
      if (res.ok) {
        doc = await res.json();
        serverTime = Date.parse(res.headers?.get?.('Date') ?? '') || null;
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
      onDocument(last, serverTime);
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
    /** Polls now; restarts a stopped poller. */
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

/** What is new since `lastSeq` (null: never read). */
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
        if (!stopped && d.spend) onSpend(d.spend);
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
