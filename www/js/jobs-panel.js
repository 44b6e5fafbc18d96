// The progress panel: one card and one poller per job, several at once; unfinished jobs are
// kept in localStorage and resumed after a reload.

import { createJobCard } from './job-card.js';
import { createPoller } from './poll.js';
import { forgetJob, loadJobs, recordFromAnswer, rememberJob } from './job-store.js';
import { isTerminal } from './status-view.js';

/** `describe(id)` → `{label}`; `onUpdate(doc)` on every new status document; `onFinished(doc)` when a job reaches a terminal state; `retryTransfer(id)` calls the API; `errorText(err)` words its failure. */
export function createJobsPanel({ list, empty, storage, describe, onUpdate = () => {}, onFinished, retryTransfer, errorText }) {
  const entries = new Map();   // task id → {card, poller, record}

  function updateEmpty() { empty.hidden = entries.size > 0; }

  function addEntry(record, { resumed }) {
    if (entries.has(record.task_id)) return entries.get(record.task_id);
    const entry = { record };
    entry.card = createJobCard({
      record, describe,
      onDismiss: () => remove(record.task_id),
      onRetryTransfer: async () => {
        try {
          await retryTransfer(record.task_id);
        } catch (err) {
          entry.card.setProblem(errorText(err));
          return false;
        }
        rememberJob(storage, record);
        entry.poller.start(0);
        return true;
      },
    });
    entry.poller = createPoller({
      url: record.status_url,
      fetchImpl: (...a) => fetch(...a),
      schedule: (fn, ms) => setTimeout(fn, ms),
      cancel: (h) => clearTimeout(h),
      onDocument(doc) {
        entry.card.update(doc);
        onUpdate(doc);
        if (isTerminal(doc.status)) {
          forgetJob(storage, record.task_id);
          onFinished(doc);
        }
      },
      onError({ count }) { if (count >= 3) entry.card.setProblem('poll'); },
      onGone() {
        forgetJob(storage, record.task_id);
        entry.card.setProblem('gone');
      },
    });
    entries.set(record.task_id, entry);
    // Newest first: a job submitted now goes on top, resumed jobs keep their saved order.
    list.prepend(entry.card.el);
    entry.poller.start(resumed ? 0 : 300);
    updateEmpty();
    return entry;
  }

  function remove(taskId) {
    const entry = entries.get(taskId);
    if (!entry) return;
    entry.poller.stop();
    entry.card.el.remove();
    entries.delete(taskId);
    forgetJob(storage, taskId);
    updateEmpty();
  }

  // Poll at once when the tab comes back (timers are throttled in background tabs).
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') for (const e of entries.values()) e.poller.poke();
  });
  // Elapsed time of running jobs.
  setInterval(() => {
    const now = Date.now();
    for (const e of entries.values()) if (e.poller.running) e.card.render(now);
  }, 1000);

  updateEmpty();
  return {
    /** Adds the card of a job the form just submitted (or joins it on a replayed key). */
    add(answer) {
      const record = recordFromAnswer(answer, Date.now());
      rememberJob(storage, record);
      const existing = entries.get(record.task_id);
      if (existing) {
        // A replayed Idempotency-Key or a retried transfer: the same job, poll it again.
        existing.poller.start(0);
        return existing;
      }
      return addEntry(record, { resumed: false });
    },
    /** Recreates the cards of the jobs saved before the last reload. */
    resume() { for (const record of loadJobs(storage)) addEntry(record, { resumed: true }); },
    /** Drops the card of a job deleted from the library. */
    remove,
    render() { for (const e of entries.values()) e.card.render(); },
  };
}
