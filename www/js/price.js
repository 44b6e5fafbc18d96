// The price the server will reserve for a job (contract §2), computed on the page from the
// model's price rule and the chosen parameters before submit. No DOM.

const round4 = (x) => Math.round(x * 1e4) / 1e4;

/** Output frame size `{width, height}` by the shared frame size rule, or null when unknown. */
export function frameSize(model, params = {}) {
  if (model?.width > 0 && model?.height > 0) return { width: model.width, height: model.height };
  const size = /^(\d+)[x×*](\d+)$/.exec(String(params.size ?? ''));
  if (size) return { width: Number(size[1]), height: Number(size[2]) };
  const r = parseInt(params.resolution, 10);
  if (!(r > 0)) return null;
  const ratio = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(String(params.ratio ?? ''));
  const [a, b] = ratio ? [Number(ratio[1]), Number(ratio[2])] : [16, 9];   // adaptive or none: 16:9
  const long = Math.round((r * Math.max(a, b)) / Math.min(a, b) / 16) * 16;
  return a >= b ? { width: long, height: r } : { width: r, height: long };
}

/** The model's price rule; old catalogs give only `price_usd` per call. */
export function priceRule(model) {
  if (model?.price && typeof model.price === 'object') return model.price;
  return Number.isFinite(model?.price_usd) ? { kind: 'per_call', usd: model.price_usd } : null;
}

function rate(table, resolution, size) {
  if (!table || typeof table !== 'object') return null;
  const key = resolution ?? (size ? `${Math.min(size.width, size.height)}p` : undefined);
  const v = table[key] ?? table['*'];
  return Number.isFinite(v) ? v : null;
}

/** Price in USD (4 decimals) for `model` with `params` (defaults already filled), or null. */
export function priceUSD(model, params = {}) {
  const rule = priceRule(model);
  const seconds = Number(params.duration ?? model?.duration);
  switch (rule?.kind) {
    case 'per_call':
      return Number.isFinite(rule.usd) ? round4(rule.usd) : null;
    case 'per_second': {
      const r = rate(rule.usd_per_second, params.resolution, frameSize(model, params));
      return r === null || !(seconds > 0) ? null : round4(r * seconds);
    }
    case 'per_token': {
      const size = frameSize(model, params);
      const r = rate(rule.usd_per_million_tokens, params.resolution, size);
      if (r === null || !size || !(seconds > 0) || !(rule.fps > 0)) return null;
      // One frame more than fps × duration: it matches the vendor's reported usage (contract §2).
      const tokens = (size.width * size.height * (rule.fps * seconds + 1)) / 1024;
      return round4((tokens / 1e6) * r);
    }
    default:
      return null;
  }
}
