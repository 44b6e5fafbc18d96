// Pure helpers of the library list: which jobs a filter keeps, and roving-tabindex moves.

/** Whether `doc` belongs in a list filtered by `{status, model, q}` (q: prompt text or id prefix). */
export function matchesFilters(doc, { status = '', model = '', q = '' } = {}) {
  if (status && doc.status !== status) return false;
  if (model && doc.model !== model) return false;
  const needle = String(q).trim().toLowerCase();
  if (!needle) return true;
  const id = String(doc.task_id ?? '').toLowerCase();
  return id.startsWith(needle.replace(/^#/, '')) || String(doc.orig_prompt ?? '').toLowerCase().includes(needle);
}

/**
 * Where focus goes for `key` in a list of `count` items of `controls` controls each, from item
 * `item`, control `control`: ←/→ move inside an item, ↑/↓ to the previous/next item, Home/End
 * to the first/last item. Returns `{item, control}`, or null for other keys.
 */
export function rovingMove(key, { item, control, count, controls }) {
  const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
  switch (key) {
    case 'ArrowRight': return { item, control: clamp(control + 1, controls) };
    case 'ArrowLeft': return { item, control: clamp(control - 1, controls) };
    case 'ArrowDown': return { item: clamp(item + 1, count), control };
    case 'ArrowUp': return { item: clamp(item - 1, count), control };
    case 'Home': return { item: 0, control: 0 };
    case 'End': return { item: count - 1, control: 0 };
    default: return null;
  }
}
