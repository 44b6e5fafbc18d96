// The static change feed (contract §7): one small JSON file nginx serves, rewritten by the core on
// every job event. Reading it keeps every admin's page live without Swift on the polling path.
// No DOM: fetch and timers are passed in.

/** What a feed document means to a reader that last saw `lastSeq` (null: never read). */
export function feedDelta(lastSeq, doc) {
  if (!doc || typeof doc !== 'object' || !Number.isFinite(doc.seq)) return { seq: lastSeq, events: [], reload: false, spend: null };
  const spend = doc.spend && typeof doc.spend === 'object' ? doc.spend : null;
  if (lastSeq === null) return { seq: doc.seq, events: [], reload: false, spend };
  if (doc.seq === lastSeq) return { seq: lastSeq, events: [], reload: false, spend };
  const events = (Array.isArray(doc.events) ? doc.events : [])
    .filter((e) => e && Number.isFinite(e.seq) && typeof e.job === 'string').sort((a, b) => a.seq - b.seq);
  // A feed that went backwards was reset; one whose oldest event is past what we saw has dropped some.
  const reload = doc.seq < lastSeq || !events.length || lastSeq < events[0].seq - 1;
  return { seq: doc.seq, events: reload ? [] : events.filter((e) => e.seq > lastSeq), reload, spend };
}

/**
 * Polls the feed at `url` every `interval` ms (5 s after failures) until stopped.
 * `onEvents(events)`, `onReload()`, `onSpend(spend)` report what changed.
 */
export function createFeedWatcher({ url, fetchImpl, schedule, cancel, onEvents, onReload, onSpend = () => {}, interval = 1500 }) {
  let seq = null;
  let timer = null;
  let stopped = false;

  async function tick() {
    timer = null;
    let ok = false;
    try {
      const sep = url.includes('?') ? '&' : '?';
      const res = await fetchImpl(`${url}${sep}_=${Date.now()}`, { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (res.ok) {
        const d = feedDelta(seq, await res.json());
        seq = d.seq;
        ok = true;
        if (!stopped) {
          if (d.spend) onSpend(d.spend);
          if (d.reload) onReload();
          else if (d.events.length) onEvents(d.events);
        }
      }
    } catch {
      ok = false;
    }
    if (!stopped) timer = schedule(tick, ok ? interval : Math.max(interval, 5000));
  }

  timer = schedule(tick, 0);
  return {
    stop() {
      stopped = true;
      if (timer !== null) cancel(timer);
      timer = null;
    },
    /** Reads the feed now (the tab became visible again). */
    poke() {
      if (stopped || timer === null) return;
      cancel(timer);
      timer = schedule(tick, 0);
    },
    get seq() { return seq; },
  };
}
