// Input rules of the generate form and the request it sends (contract §3). No DOM; errors are
// string keys with placeholder values, worded by the view in the current locale.

import { checkParams, normalizeParams, paramFields } from './params.js';

export const PROMPT_LIMIT = 4000;
/** Largest frame the API accepts (decoded bytes; the server's SORA_MAX_IMAGE_BYTES). */
export const IMAGE_MAX_BYTES = 10_000_000;
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'];

/** Characters as a person counts them (code points). */
export const promptLength = (text) => [...String(text ?? '')].length;

/** The image type named by the first bytes, or null: only the bytes count, never a file name. */
export function sniffImageType(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes ?? []);
  const at = (i, ...xs) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  return null;
}

/** Checks a file's sniffed type (null = not an image we take) and size; null when fine. */
export function checkImageFile({ type, size }) {
  if (!IMAGE_TYPES.includes(type)) return { key: 'err.imageType', vars: {} };
  if (size > IMAGE_MAX_BYTES) return { key: 'err.imageSize', vars: { size: (size / 1e6).toFixed(1) } };
  return null;
}

export function isHttpsURL(text) {
  try {
    const u = new URL(String(text).trim());
    return u.protocol === 'https:' && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A frame slot's value: `{dataURI}` (uploaded), `{url}` (https) or null. */
const has = (frame) => Boolean(frame && (frame.dataURI || String(frame.url ?? '').trim()));

/** The mode that follows from the frames: none → text, first → image, first and last → first+last. */
export function modeOf(first, last) {
  if (!has(first)) return 'text_to_video';
  return has(last) ? 'first_last_frame' : 'image_to_video';
}

/**
 * Validates the form: `model` (catalog entry), `prompt`, `params` (raw control values),
 * `first`/`last` frames. Returns `{ok, errors:[{field, key, vars}]}` in page order.
 */
export function validateRequest({ model, prompt, params = {}, first = null, last = null }) {
  const errors = [];
  const add = (field, key, vars = {}) => errors.push({ field, key, vars });
  if (!model) add('model', 'err.modelRequired');
  else if (model.retired) add('model', 'err.modelRetired');
  const text = String(prompt ?? '').trim();
  const n = promptLength(text);
  if (n === 0) add('prompt', 'err.promptEmpty');
  else if (n > PROMPT_LIMIT) add('prompt', 'err.promptTooLong', { n, max: PROMPT_LIMIT });
  if (model) errors.push(...checkParams(model, params, modeOf(first, last)));
  for (const [slot, frame] of [['first', first], ['last', last]]) {
    if (frame && !frame.dataURI && String(frame.url ?? '').trim() && !isHttpsURL(frame.url)) add(`${slot}URL`, 'err.imageUrl');
  }
  if (has(last) && !has(first)) add('first', 'err.lastWithoutFirst');
  else if (model && !model.retired) {
    const modes = Array.isArray(model.modes) && model.modes.length ? model.modes : ['text_to_video'];
    const mode = modeOf(first, last);
    if (!modes.includes(mode)) add('first', mode === 'text_to_video' ? 'err.firstFrameRequired' : 'err.modeUnsupported');
  }
  return { ok: errors.length === 0, errors };
}

/** The body of `POST /api/generate` for a valid form. Old fixed-size models take no `params`. */
export function buildRequest({ model, prompt, params = {}, first = null, last = null }) {
  const body = { model: model.id, prompt: String(prompt).trim() };
  const mode = modeOf(first, last);
  // Only what the mode takes: Ark refuses `ratio` with a first frame.
  if (paramFields(model).length) body.params = normalizeParams(model, params, mode);
  if (has(first)) {
    if (first.dataURI) body.first_frame_base64 = first.dataURI;
    else body.image_url = first.url.trim();
    if (has(last)) {
      if (last.dataURI) body.last_frame_base64 = last.dataURI;
      else body.last_frame_url = last.url.trim();
    }
  }
  return body;
}

/** The body that makes a finished job again: same model, parameters and frames (`images_from`). */
export function regenerateRequest(doc, model) {
  const body = { model: doc.model, prompt: String(doc.orig_prompt ?? '') };
  if (model && paramFields(model).length) body.params = normalizeParams(model, doc.params, doc.mode ?? null);
  if (doc.mode && doc.mode !== 'text_to_video') body.images_from = doc.task_id;
  return body;
}

/** A fresh Idempotency-Key; getRandomValues where randomUUID is missing (plain-HTTP intranet hosts). */
export function newIdempotencyKey(cryptoObj = globalThis.crypto) {
  if (typeof cryptoObj?.randomUUID === 'function') return cryptoObj.randomUUID();
  const b = new Uint8Array(16);
  if (typeof cryptoObj?.getRandomValues === 'function') cryptoObj.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
