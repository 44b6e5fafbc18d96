// The library's filter and roving-tabindex moves.

/** `q` matches prompt text or an id prefix. */
export function matchesFilters(doc, { status = '', model = '', q = '' } = {}) {
  const needle = q.trim().toLowerCase();
  return (!status || doc.status === status) && (!model || doc.model === model) && (!needle
    || String(doc.task_id).toLowerCase().startsWith(needle.replace(/^#/, '')) || String(doc.orig_prompt).toLowerCase().includes(needle));
}

/** ←/→ inside an item, ↑/↓ between items, Home/End. */
export function rovingMove(key, { item, control, count, controls }) {
  const clamp = (v, n) => Math.max(0, Math.min(n - 1, v));
  return {
    ArrowRight: { item, control: clamp(control + 1, controls) },
    ArrowLeft: { item, control: clamp(control - 1, controls) },
    ArrowDown: { item: clamp(item + 1, count), control },
    ArrowUp: { item: clamp(item - 1, count), control },
    Home: { item: 0, control: 0 },
    End: { item: count - 1, control: 0 },
  }[key] ?? null;
}
