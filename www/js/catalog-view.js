// The catalog (`GET /api/models`, contract §2) as the model picker shows it. No DOM.

import { getLocale, t, translateTag } from './strings.js';
import { duration, usd } from './format.js';
import { paramFields } from './params.js';
import { priceRule } from './price.js';

const CJK = /[\u3000-\u9fff\uff00-\uffef]/;

/** Whether a model id or upstream name is of the Sora 2 family (the purple result tag). */
export function isSoraModel(x) {
  const s = String(x ?? '').toLowerCase();
  return s.startsWith('sora-v2') || s.startsWith('sora_video2') || s === 'sora-2' || s.startsWith('sora-2-');
}

/** Catalog text in the reader's language: tags inside it translated; still foreign text gives `fallback`. */
function localText(text, fallback) {
  if (getLocale() === 'zh' || !CJK.test(text ?? '')) return text || fallback;
  const s = String(text).replace(/[\u3000-\u9fff]+/g, (w) => translateTag(w));
  return CJK.test(s) ? fallback : s;
}

function range(table) {
  const v = Object.values(table ?? {}).filter(Number.isFinite);
  if (!v.length) return '—';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? usd(lo) : `${usd(lo)}–${usd(hi)}`;
}

/** The price rule in words: `$0.15 per video`, `$0.086–$0.13 per second`, `$7.13 per million tokens`. */
export function priceRuleText(model) {
  const r = priceRule(model);
  if (r?.kind === 'per_call') return t('price.per_call', { price: usd(r.usd) });
  if (r?.kind === 'per_second') return t('price.per_second', { price: range(r.usd_per_second) });
  if (r?.kind === 'per_token') return t('price.per_token', { price: range(r.usd_per_million_tokens) });
  return t('price.unknown');
}

/** One catalog entry as the picker, the params and the cards use it. */
export function modelView(m) {
  const modes = Array.isArray(m.modes) && m.modes.length ? m.modes : ['text_to_video'];
  const fixed = m.width > 0 && m.height > 0 && m.duration > 0;
  const derived = fixed ? t('model.fixed', {
    orientation: t(m.width > m.height ? 'orientation.landscape' : 'orientation.portrait'),
    size: `${m.width}×${m.height}`, n: m.duration,
  }) : '';
  return {
    id: m.id,
    raw: m,
    label: localText(m.label, m.id),
    vendor: m.vendor ?? '',
    description: localText(m.description, derived),
    tags: (Array.isArray(m.tags) ? m.tags : []).map(translateTag),
    retired: Boolean(m.retired),
    notice: m.retired ? localText(m.notice, '') : '',
    modes,
    supportsFirst: modes.includes('image_to_video') || modes.includes('first_last_frame'),
    supportsLast: modes.includes('first_last_frame'),
    needsImage: !modes.includes('text_to_video'),
    fields: paramFields(m),
    fixed,
    typical: Number(m.typical_seconds) > 0 ? Number(m.typical_seconds) : null,
    typicalText: Number(m.typical_seconds) > 0 ? t('model.typical', { time: duration(m.typical_seconds) }) : '',
    priceText: priceRuleText(m),
    isSora: isSoraModel(m.id) || isSoraModel(m.upstream_model),
  };
}

/** The catalog: views in catalog order, and the model to preselect (the preferred one if usable). */
export function catalogView(models, preferredId = null) {
  const list = (Array.isArray(models) ? models : []).filter((m) => m && typeof m.id === 'string').map(modelView);
  // A retired model names its successors (`replaced_by`): the page words that itself.
  for (const m of list) {
    const next = (m.raw.replaced_by ?? []).map((id) => list.find((x) => x.id === id)?.label).filter(Boolean);
    if (m.retired && next.length) m.notice = t('model.replacedBy', { models: next.join(' / ') });
  }
  const usable = list.filter((m) => !m.retired);
  return { models: list, selectedId: (usable.find((m) => m.id === preferredId) ?? usable[0])?.id ?? null };
}
