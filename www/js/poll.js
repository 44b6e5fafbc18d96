// Polling one job's static status file (pitfalls §4): `cache: 'no-store'`, backoff from about
// 1 s to 5 s, stale documents (lower or equal `seq`) ignored, stop at a terminal state.
// No DOM: the fetch and the timer are passed in, so `node --test` drives it with fakes.
// The change feed pokes a poller when its job changed, so a finished job shows at once.

import { isTerminal } from './status-view.js';

export const BACKOFF = { base: 1000, factor: 1.5, max: 5000 };
/** After this many 404s in a row the job is treated as gone (deleted, or a spool that was wiped). */
export const GONE_AFTER_404S = 5;

/** Delay before poll number `attempt` (0-based count of polls since the last status change). */
export function nextDelay(attempt, { base, factor, max } = BACKOFF) {
  const n = Math.max(0, Math.floor(Number(attempt) || 0));
  return Math.min(max, Math.round(base * factor ** n));
}

/** Whether `next` is newer than `prev` (by `seq`; a document without seq is accepted only as the first). */
export function isNewer(prev, next) {
  if (!next || typeof next !== 'object') return false;
  if (!prev) return true;
  const a = Number(prev.seq);
  const b = Number(next.seq);
  if (!Number.isFinite(b)) return false;
  if (!Number.isFinite(a)) return true;
  return b > a;
}

/** `next` with its progress never below what `prev` showed. */
export function mergeDocument(prev, next) {
  const p = Math.max(Number(prev?.progress) || 0, Number(next.progress) || 0);
  return { ...next, progress: next.status === 'succeeded' ? Math.max(p, 100) : p };
}

/**
 * Polls `url` until the job reaches a terminal state or `stop()` is called.
 * - `fetchImpl(url, init)` is `fetch`; `schedule(fn, ms)`/`cancel(handle)` are timers.
 * - `onDocument(doc, serverTime)` gets each newer document (progress merged) and the answer's
 *   `Date` in ms (null if absent), for the clock offset behind elapsed times;
 * - `onError({status, error, count})` a failed poll; `onGone()` after repeated 404s.
 */
export function createPoller({ url, fetchImpl, schedule, cancel, onDocument, onError = () => {}, onGone = () => {},
  initial = null, backoff = BACKOFF }) {
  let last = initial;
  let attempt = 0;
  let notFound = 0;
  let failures = 0;
  let timer = null;
  let stopped = true;
  let inFlight = false;

  function plan(ms) {
    if (stopped) return;
    timer = schedule(tick, ms);
  }

  async function tick() {
    timer = null;
    if (stopped || inFlight) return;
    inFlight = true;
    let doc = null;
    let serverTime = null;
    try {
      const sep = url.includes('?') ? '&' : '?';
      // The query string defeats any cache between us and nginx that ignores no-store.
      const res = await fetchImpl(`${url}${sep}_=${Date.now()}`, { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.status === 404) {
        notFound += 1;
        failures += 1;
        onError({ status: 404, error: null, count: failures });
        if (notFound >= GONE_AFTER_404S) {
          stopped = true;
          onGone();
          return;
        }
      } else if (!res.ok) {
        failures += 1;
        notFound = 0;
        onError({ status: res.status, error: null, count: failures });
      } else {
        doc = await res.json();
        serverTime = Date.parse(res.headers?.get?.('Date') ?? '');
        if (!Number.isFinite(serverTime)) serverTime = null;
        notFound = 0;
        failures = 0;
      }
    } catch (error) {
      failures += 1;
      onError({ status: 0, error, count: failures });
    } finally {
      inFlight = false;
    }
    if (stopped) return;
    if (doc && isNewer(last, doc)) {
      const changedState = !last || last.status !== doc.status;
      const merged = mergeDocument(last, doc);
      last = merged;
      attempt = changedState ? 0 : attempt + 1;
      onDocument(merged, serverTime);
      if (isTerminal(merged.status)) {
        stopped = true;
        return;
      }
    } else {
      attempt += 1;
    }
    plan(nextDelay(attempt, backoff));
  }

  return {
    /** Starts polling; the first poll happens after `firstDelay` ms. */
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
    /** Polls again now (a feed event, a retry, the tab became visible); restarts a stopped poller. */
    poke() {
      attempt = 0;
      if (stopped) {
        stopped = false;
        plan(0);
        return;
      }
      if (timer !== null) cancel(timer);
      plan(0);
    },
    get last() { return last; },
    get running() { return !stopped; },
  };
}
