// The model catalog (`GET /api/models`) turned into what the selector shows (plan §5.1, §5.2).
// No DOM; `t` and `translateTag` are passed in so the result follows the current locale.

/** Whether a model id or upstream name is one of the Sora 2 family (plan §5.2: `startsWith('sora-v2')`). */
export function isSoraModel(idOrUpstream) {
  const s = String(idOrUpstream ?? '').toLowerCase();
  return s.startsWith('sora-v2') || s.startsWith('sora_video2');
}

/** `$0.15` — prices are per video in USD. */
export function formatUSD(n) {
  const v = Number(n);
  if (!Number.isFinite(v)) return '—';
  const digits = v !== 0 && Math.abs(v) < 0.1 && Math.round(v * 100) !== v * 100 ? 3 : 2;
  return `$${v.toFixed(digits)}`;
}

export function orientationOf(width, height) {
  return Number(width) > Number(height) ? 'landscape' : 'portrait';
}

/** One catalog entry as the selector and the params panel show it. */
export function modelView(model, { t = (k) => k, translateTag = (x) => x, locale = 'zh' } = {}) {
  const orientation = orientationOf(model.width, model.height);
  const price = formatUSD(model.price_usd);
  const sora = isSoraModel(model.id) || isSoraModel(model.upstream_model);
  const modes = Array.isArray(model.modes) && model.modes.length ? model.modes : ['text_to_video', 'image_to_video'];
  const tags = Array.isArray(model.tags) && model.tags.length
    ? model.tags
    : [sora ? 'Sora' : null, orientation === 'portrait' ? '竖屏' : '横屏', `${model.duration}s`].filter(Boolean);
  const derived = t('model.describe', {
    orientation: t(`orientation.${orientation}`), width: model.width, height: model.height,
    duration: model.duration, price,
  });
  return {
    id: model.id,
    label: locale === 'zh' || !sora
      ? (model.label || model.id)
      : `Sora 2 – ${t(`orientation.${orientation}`)} ${model.duration}s`,
    description: locale === 'zh' ? (model.description || derived) : derived,
    tags: tags.map(translateTag),
    retired: Boolean(model.retired),
    notice: model.retired ? (model.notice || '') : '',
    disabled: Boolean(model.retired),
    isSora: sora,
    width: model.width,
    height: model.height,
    duration: model.duration,
    durationText: t('params.seconds', { n: model.duration }),
    resolution: `${model.width}×${model.height}`,
    orientation,
    orientationText: t(`orientation.${orientation}`),
    priceUSD: Number(model.price_usd),
    priceText: price,
    modes,
    supportsText: modes.includes('text_to_video'),
    supportsImage: modes.includes('image_to_video'),
  };
}

/** The whole catalog: views in catalog order and the model to preselect. */
export function catalogView(models, options = {}, preferredId = null) {
  const list = (Array.isArray(models) ? models : []).map((m) => modelView(m, options));
  const usable = list.filter((m) => !m.disabled);
  const preferred = usable.find((m) => m.id === preferredId);
  return { models: list, selectedId: preferred ? preferred.id : (usable[0]?.id ?? null) };
}
