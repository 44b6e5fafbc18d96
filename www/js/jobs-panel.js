// The right column: every job in progress (anyone's) and the latest results. Unfinished cards poll
// their status file; feed events poke them.

import { createJobCard } from './job-card.js';
import { createPoller } from './poll.js';
import { dismiss, forgetJob, loadDismissed, loadJobs, recordFrom, rememberJob } from './job-store.js';
import { isTerminal } from './status-view.js';

export const LATEST = 3;

export function createJobsPanel({ list, empty, storage, describe, actions, onDocument }) {
  const entries = new Map();
  let skew = 0;                // server clock minus ours (ms)
  const running = (e) => !isTerminal(e.card.document.status);
  const updateEmpty = () => { empty.hidden = entries.size > 0; };

  function add(doc, { top = true, follow = false } = {}) {
    const id = doc.task_id;
    if (follow && !isTerminal(doc.status)) rememberJob(storage, recordFrom(doc, Date.now()));
    let e = entries.get(id);
    if (e) {
      if (doc.seq > (e.card.document.seq ?? 0)) e.card.update(doc);
      if (!isTerminal(doc.status)) e.poller.poke();
      return e;
    }
    e = {};
    e.card = createJobCard({ doc, describe, actions: { ...actions, dismiss: () => close(id),
      retry: async (d) => actions.retry(d).then((r) => { if (!r) e.poller.poke(); return r; }) } });
    e.poller = createPoller({
      url: doc.status_url, fetchImpl: (...a) => fetch(...a), schedule: setTimeout, cancel: clearTimeout, initial: doc.seq ? doc : null,
      onDocument(next, serverTime) {
        if (serverTime) skew = serverTime + 500 - Date.now();
        e.card.update(next);
        onDocument(next);
        if (isTerminal(next.status)) forgetJob(storage, id);
      },
      onError: ({ count }) => count >= 3 && e.card.setProblem('poll'),
      onGone() {
        forgetJob(storage, id);
        e.card.setProblem('gone');
      },
    });
    entries.set(id, e);
    list[top ? 'prepend' : 'append'](e.card.el);
    if (!isTerminal(doc.status)) e.poller.start(doc.seq ? 1000 : 300);
    updateEmpty();
    return e;
  }

  function remove(id) {
    const e = entries.get(id);
    if (!e) return;
    e.poller.stop();
    e.card.el.remove();
    entries.delete(id);
    forgetJob(storage, id);
    updateEmpty();
  }

  function close(id) {
    const el = entries.get(id).card.el;
    const next = el.nextElementSibling ?? el.previousElementSibling ?? document.getElementById('jobs-title');
    dismiss(storage, id);
    remove(id);
    next.focus();
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') for (const e of entries.values()) if (running(e)) e.poller.poke();
  });
  setInterval(() => { for (const e of entries.values()) if (running(e)) e.card.render(Date.now() + skew); }, 1000);

  updateEmpty();
  return {
    submitted: (job) => add(job, { follow: true }),
    show: (doc) => add(doc),
    /** Followed jobs, unfinished ones of `docs` and the latest results not closed. */
    seed(docs) {
      const closed = loadDismissed(storage);
      for (const r of loadJobs(storage)) add({ ...r, created_at: r.submitted_at });
      const latest = docs.filter((d) => isTerminal(d.status) && !closed.has(d.task_id)).slice(0, LATEST);
      for (const d of [...docs].reverse()) if (!isTerminal(d.status) || latest.includes(d)) add(d);
    },
    /** A feed event: a terminal state at once, then the document. */
    event({ job: id, status, progress }) {
      const e = entries.get(id);
      const d = e.card.document;
      if (isTerminal(status) && status !== d.status) e.card.update({ ...d, status, progress: progress ?? d.progress, pending: true });
      e.poller.poke();
    },
    remove,
    has: (id) => entries.has(id),
    focus: (id) => entries.get(id)?.card.el.focus(),
    render() { for (const e of entries.values()) e.card.render(Date.now() + skew); },
  };
}
