// Unfinished jobs kept in localStorage so a reload resumes their progress cards.
// No DOM: the storage object is passed in (window.localStorage in the page, a fake in tests).

export const STORAGE_KEY = 'sora-fcgi.jobs.v1';
/** Never keep more than this many entries (a runaway list should not fill the quota). */
export const MAX_KEPT = 50;

const ID = /^[A-Za-z0-9_-]{1,100}$/;

function valid(entry) {
  return entry && typeof entry === 'object' && typeof entry.task_id === 'string' && ID.test(entry.task_id)
    && typeof entry.status_url === 'string' && entry.status_url.length > 0;
}

/** The saved jobs, oldest first; a broken or foreign value reads as an empty list. */
export function loadJobs(storage) {
  try {
    const list = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter(valid) : [];
  } catch {
    return [];
  }
}

function save(storage, list) {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(list.slice(-MAX_KEPT)));
  } catch {
    // Storage full or disabled (private mode): resuming after reload is a convenience only.
  }
}

/** The record kept for a job just submitted (from the generate answer). */
export function recordFromAnswer(answer, now) {
  return {
    task_id: answer.task_id,
    status_url: answer.status_url,
    model: answer.model ?? '',
    duration: answer.duration ?? null,
    orig_prompt: answer.orig_prompt ?? '',
    submitted_at: new Date(now).toISOString(),
  };
}

/** Adds or replaces the record with the same task id. */
export function rememberJob(storage, record) {
  if (!valid(record)) return loadJobs(storage);
  const list = loadJobs(storage).filter((j) => j.task_id !== record.task_id);
  list.push(record);
  save(storage, list);
  return list;
}

export function forgetJob(storage, taskId) {
  const list = loadJobs(storage).filter((j) => j.task_id !== taskId);
  save(storage, list);
  return list;
}
