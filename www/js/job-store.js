// What this browser remembers about jobs in localStorage: the unfinished ones it follows (a reload
// resumes their cards) and the cards someone closed. No DOM: the storage object is passed in.

export const STORAGE_KEY = 'sora-fcgi.jobs.v1';
export const DISMISSED_KEY = 'sora-fcgi.dismissed.v1';
export const MAX_KEPT = 50;
export const MAX_DISMISSED = 200;

const ID = /^[A-Za-z0-9_-]{1,100}$/;
const valid = (e) => e && typeof e === 'object' && typeof e.task_id === 'string' && ID.test(e.task_id)
  && typeof e.status_url === 'string' && e.status_url.length > 0;

function read(storage, key) {
  try {
    const v = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v : [];
  } catch {
    return [];
  }
}

function write(storage, key, list) {
  try {
    storage.setItem(key, JSON.stringify(list));
  } catch {
    // Storage full or disabled (private mode): remembering is a convenience only.
  }
}

/** The followed jobs, oldest first; a broken value reads as empty. */
export const loadJobs = (storage) => read(storage, STORAGE_KEY).filter(valid);

/** The record kept for a followed job. */
export function recordFrom(doc, now) {
  return {
    task_id: doc.task_id, status_url: doc.status_url, model: doc.model ?? '',
    orig_prompt: doc.orig_prompt ?? '', submitted_at: doc.created_at ?? new Date(now).toISOString(),
  };
}

/** Adds or replaces the record with the same id. */
export function rememberJob(storage, record) {
  if (!valid(record)) return loadJobs(storage);
  const list = [...loadJobs(storage).filter((j) => j.task_id !== record.task_id), record].slice(-MAX_KEPT);
  write(storage, STORAGE_KEY, list);
  return list;
}

export function forgetJob(storage, taskId) {
  const list = loadJobs(storage).filter((j) => j.task_id !== taskId);
  write(storage, STORAGE_KEY, list);
  return list;
}

/** Ids of cards the reader closed (so "latest results" do not come back after a reload). */
export const loadDismissed = (storage) => new Set(read(storage, DISMISSED_KEY).filter((x) => typeof x === 'string'));

export function dismiss(storage, taskId) {
  const list = [...read(storage, DISMISSED_KEY).filter((x) => x !== taskId), taskId].slice(-MAX_DISMISSED);
  write(storage, DISMISSED_KEY, list);
}
