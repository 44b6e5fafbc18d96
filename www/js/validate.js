// Input rules of the generate form (plan §5.3, §5.4), without any DOM. Errors are string keys
// plus placeholder values, so the view can show them in the current locale.

/** Longest prompt the API accepts (characters). */
export const PROMPT_LIMIT = 4000;
/** Largest first frame the API accepts (decoded bytes; the server's SORA_MAX_IMAGE_BYTES). */
export const IMAGE_MAX_BYTES = 10_000_000;
/** First-frame types the API accepts. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** Prompt length in characters as a person counts them (code points, not UTF-16 units). */
export function promptLength(text) {
  return [...String(text ?? '')].length;
}

/** The image type named by the first bytes of a file, or null (PNG, JPEG and WebP only). */
export function sniffImageType(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes ?? []);
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47
      && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'image/png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 12 && String.fromCharCode(...b.slice(0, 4)) === 'RIFF'
      && String.fromCharCode(...b.slice(8, 12)) === 'WEBP') return 'image/webp';
  return null;
}

/** Human-readable byte size (`2.4 MB`), decimal units like the 10 MB limit. */
export function formatBytes(n) {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)} KB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/**
 * Checks a chosen first-frame file before it is read: `type` is the sniffed type if known,
 * else the browser's. Returns null when fine, else `{key, vars}`.
 */
export function checkImageFile({ type, size }) {
  if (!IMAGE_TYPES.includes(type)) return { key: 'err.imageType', vars: {} };
  if (size > IMAGE_MAX_BYTES) return { key: 'err.imageSize', vars: { size: formatBytes(size) } };
  return null;
}

/** Whether `text` is an absolute https URL. */
export function isHttpsURL(text) {
  try {
    const u = new URL(String(text).trim());
    return u.protocol === 'https:' && u.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Validates the form state. `model` is the catalog entry (or null), `mode` is
 * `text_to_video` or `image_to_video`, `firstFrame` is `{dataURI}` or null, `imageURL` a string.
 * Returns `{ok, errors:[{field, key, vars}]}` in the order the fields appear on the page.
 */
export function validateRequest({ model, mode, prompt, firstFrame, imageURL }) {
  const errors = [];
  if (!model) errors.push({ field: 'model', key: 'err.modelRequired', vars: {} });
  else if (model.retired) errors.push({ field: 'model', key: 'err.modelRetired', vars: {} });
  else if (Array.isArray(model.modes) && model.modes.length && !model.modes.includes(mode)) {
    errors.push({ field: 'mode', key: 'err.modeUnsupported', vars: {} });
  }
  if (mode === 'image_to_video') {
    const url = String(imageURL ?? '').trim();
    const hasFrame = Boolean(firstFrame && firstFrame.dataURI);
    if (hasFrame && url) errors.push({ field: 'image', key: 'err.imageConflict', vars: {} });
    else if (!hasFrame && !url) errors.push({ field: 'image', key: 'err.firstFrameRequired', vars: {} });
    else if (!hasFrame && !isHttpsURL(url)) errors.push({ field: 'imageURL', key: 'err.imageUrl', vars: {} });
  }
  const text = String(prompt ?? '').trim();
  const n = promptLength(text);
  if (n === 0) errors.push({ field: 'prompt', key: 'err.promptEmpty', vars: {} });
  else if (n > PROMPT_LIMIT) errors.push({ field: 'prompt', key: 'err.promptTooLong', vars: { n, max: PROMPT_LIMIT } });
  return { ok: errors.length === 0, errors };
}

/**
 * The JSON body of `POST /api/generate` for a valid form state. Duration comes from the model
 * (plan §5.3); resolution and aspect ratio are never sent for Sora models.
 */
export function buildRequest({ model, mode, prompt, firstFrame, imageURL }) {
  const body = { model: model.id, prompt: String(prompt).trim() };
  if (Number.isFinite(model.duration)) body.duration = model.duration;
  if (mode === 'image_to_video') {
    if (firstFrame && firstFrame.dataURI) body.first_frame_base64 = firstFrame.dataURI;
    else body.image_url = String(imageURL).trim();
  }
  return body;
}

/** A fresh Idempotency-Key; falls back to getRandomValues where randomUUID is missing (plain-HTTP intranet hosts). */
export function newIdempotencyKey(cryptoObj = globalThis.crypto) {
  if (cryptoObj && typeof cryptoObj.randomUUID === 'function') return cryptoObj.randomUUID();
  const b = new Uint8Array(16);
  if (cryptoObj && typeof cryptoObj.getRandomValues === 'function') cryptoObj.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
