// What this browser remembers (localStorage, passed in): the unfinished jobs it follows and the
// cards closed.

export const STORAGE_KEY = 'sora-fcgi.jobs.v1';
export const DISMISSED_KEY = 'sora-fcgi.dismissed.v1';
export const MAX_KEPT = 50;
export const MAX_DISMISSED = 200;

const valid = (e) => typeof e?.task_id === 'string' && /^[A-Za-z0-9_-]{1,100}$/.test(e?.task_id) && typeof e?.status_url === 'string' && e.status_url !== '';

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
  } catch { /* full or disabled (private mode): remembering is a convenience */ }
}

export const loadJobs = (storage) => read(storage, STORAGE_KEY).filter(valid);

export const recordFrom = (doc, now) => ({ task_id: doc.task_id, status_url: doc.status_url, model: doc.model ?? '',
  orig_prompt: doc.orig_prompt ?? '', submitted_at: doc.created_at ?? new Date(now).toISOString() });

export function rememberJob(storage, record) {
  if (valid(record)) write(storage, STORAGE_KEY, [...loadJobs(storage).filter((j) => j.task_id !== record.task_id), record].slice(-MAX_KEPT));
}

export const forgetJob = (storage, id) => write(storage, STORAGE_KEY, loadJobs(storage).filter((j) => j.task_id !== id));

export const loadDismissed = (storage) => new Set(read(storage, DISMISSED_KEY).filter((x) => typeof x === 'string'));

export const dismiss = (storage, id) => write(storage, DISMISSED_KEY, [...read(storage, DISMISSED_KEY).filter((x) => x !== id), id].slice(-MAX_DISMISSED));
