// The right column: a card per job in progress (anyone's, from the change feed and other tabs) and
// the latest results. Each unfinished card polls its static status file; feed events poke it.
// The jobs this browser follows survive a reload (job-store.js).

import { createJobCard } from './job-card.js';
import { createPoller } from './poll.js';
import { dismiss, forgetJob, loadDismissed, loadJobs, recordFrom, rememberJob } from './job-store.js';
import { isTerminal } from './status-view.js';

/** How many finished jobs the column shows when it loads ("latest results"). */
export const LATEST = 3;

/** `actions(doc)` → card actions; `onDocument(doc)` on every new document; `onFinished(doc)` at a terminal state. */
export function createJobsPanel({ list, empty, storage, describe, actions, onDocument = () => {}, onFinished = () => {} }) {
  const entries = new Map();   // task id → {card, poller}
  let skew = 0;                // server clock minus ours (ms), from status answers' Date

  const updateEmpty = () => { empty.hidden = entries.size > 0; };
  const now = () => Date.now() + skew;

  function add(doc, { top = true, follow = false } = {}) {
    const id = doc.task_id;
    if (follow && !isTerminal(doc.status)) rememberJob(storage, recordFrom(doc, Date.now()));
    let entry = entries.get(id);
    if (entry) {
      if (doc.seq > (entry.card.document.seq ?? 0)) entry.card.update(doc);
      if (!isTerminal(doc.status)) entry.poller.poke();
      return entry;
    }
    entry = {};
    entry.card = createJobCard({ doc, describe, actions: { ...actions(), dismiss: () => close(id),
      retry: async (d) => {
        const r = await actions().retry(d);
        if (!r) entry.poller.poke();
        return r;
      } } });
    entry.poller = createPoller({
      url: doc.status_url,
      fetchImpl: (...a) => fetch(...a),
      schedule: (fn, ms) => setTimeout(fn, ms),
      cancel: (x) => clearTimeout(x),
      initial: doc.seq ? doc : null,
      onDocument(next, serverTime) {
        if (serverTime !== null) skew = serverTime + 500 - Date.now();
        entry.card.update(next);
        onDocument(next);
        if (isTerminal(next.status)) {
          forgetJob(storage, id);
          onFinished(next);
        }
      },
      onError({ count }) { if (count >= 3) entry.card.setProblem('poll'); },
      onGone() {
        forgetJob(storage, id);
        entry.card.setProblem('gone');
      },
    });
    entries.set(id, entry);
    if (top) list.prepend(entry.card.el);
    else list.append(entry.card.el);
    if (!isTerminal(doc.status)) entry.poller.start(doc.seq ? 1000 : 300);
    updateEmpty();
    return entry;
  }

  function remove(id) {
    const entry = entries.get(id);
    if (!entry) return;
    entry.poller.stop();
    entry.card.el.remove();
    entries.delete(id);
    forgetJob(storage, id);
    updateEmpty();
  }

  function close(id) {
    const next = entries.get(id)?.card.el.nextElementSibling ?? entries.get(id)?.card.el.previousElementSibling;
    dismiss(storage, id);
    remove(id);
    (next ?? document.getElementById('jobs-title')).focus();
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') for (const e of entries.values()) if (!isTerminal(e.card.document.status)) e.poller.poke();
  });
  setInterval(() => {
    for (const e of entries.values()) if (!isTerminal(e.card.document.status)) e.card.render(now());
  }, 1000);

  updateEmpty();
  return {
    /** A job this browser just submitted (or joined by a replayed key): a card on top, followed across reloads. */
    submitted: (job) => add(job, { follow: true }),
    /** A job another tab or admin created, or a newer document of a known job. */
    show: (doc) => add(doc),
    /**
     * Seeds the column: the jobs followed before the reload, every unfinished job in `docs` (the
     * newest jobs), and the latest finished ones not closed before.
     */
    seed(docs) {
      const closed = loadDismissed(storage);
      for (const r of loadJobs(storage)) add({ ...r, status: 'queued', created_at: r.submitted_at });
      const latest = docs.filter((d) => isTerminal(d.status) && !closed.has(d.task_id)).slice(0, LATEST);
      for (const d of [...docs].reverse()) if (!isTerminal(d.status) || latest.includes(d)) add(d);
    },
    /** A change-feed or other-tab event for job `id`: apply a terminal state at once, then fetch the document. */
    event({ job: id, status, progress }, doc = null) {
      const entry = entries.get(id);
      if (!entry) {
        if (doc) add(doc);
        return;
      }
      const d = entry.card.document;
      if (status && status !== d.status && isTerminal(status)) entry.card.update({ ...d, status, progress: progress ?? d.progress, pending: true });
      entry.poller.poke();
    },
    remove,
    has: (id) => entries.has(id),
    focus(id) { entries.get(id)?.card.el.focus(); },
    render() { for (const e of entries.values()) e.card.render(now()); },
  };
}
