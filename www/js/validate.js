// The form's rules and the requests it sends (contract §3). No DOM; errors are string keys.

import { checkParams, normalizeParams, paramFields } from './catalog.js';

export const PROMPT_LIMIT = 4000;
export const IMAGE_MAX_BYTES = 10_000_000;

export const promptLength = (text) => [...String(text ?? '')].length;

/** PNG, JPEG or WebP by the first bytes, else null. */
export function sniffImageType(bytes) {
  const b = [...(bytes ?? [])].slice(0, 12);
  const at = (i, ...xs) => xs.every((x, k) => b[i + k] === x);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  return at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50) ? 'image/webp' : null;
}

export function checkImageFile({ type, size }) {
  if (!type) return { key: 'err.imageType', vars: {} };
  return size > IMAGE_MAX_BYTES ? { key: 'err.imageSize', vars: { size: (size / 1e6).toFixed(1) } } : null;
}

export function isHttpsURL(text) {
  try {
    return new URL(String(text).trim()).protocol === 'https:';
  } catch {
    return false;
  }
}

const has = (f) => Boolean(f?.dataURI || String(f?.url ?? '').trim());

export const modeOf = (first, last) => (!has(first) ? 'text_to_video' : has(last) ? 'first_last_frame' : 'image_to_video');

export function validateRequest({ model, prompt, params = {}, first = null, last = null }) {
  const errors = [];
  const add = (field, key, vars = {}) => errors.push({ field, key, vars });
  const mode = modeOf(first, last);
  if (!model) add('model', 'err.modelRequired');
  else if (model.retired) add('model', 'err.modelRetired');
  const n = promptLength(String(prompt ?? '').trim());
  if (!n) add('prompt', 'err.promptEmpty');
  else if (n > PROMPT_LIMIT) add('prompt', 'err.promptTooLong', { n, max: PROMPT_LIMIT });
  if (model) errors.push(...checkParams(model, params, mode));
  for (const [slot, f] of [['first', first], ['last', last]]) if (!f?.dataURI && has(f) && !isHttpsURL(f.url)) add(`${slot}URL`, 'err.imageUrl');
  if (has(last) && !has(first)) add('first', 'err.lastWithoutFirst');
  else if (model && !model.retired && !(model.modes ?? ['text_to_video']).includes(mode)) {
    add('first', mode === 'text_to_video' ? 'err.firstFrameRequired' : 'err.modeUnsupported');
  }
  return { ok: !errors.length, errors };
}

export function buildRequest({ model, prompt, params = {}, first = null, last = null }) {
  const body = { model: model.id, prompt: String(prompt).trim() };
  if (paramFields(model).length) body.params = normalizeParams(model, params, modeOf(first, last));
  if (has(first)) {
    if (first.dataURI) body.first_frame_base64 = first.dataURI;
    else body.image_url = first.url.trim();
  }
  if (has(first) && has(last)) {
    if (last.dataURI) body.last_frame_base64 = last.dataURI;
    else body.last_frame_url = last.url.trim();
  }
  return body;
}

export function regenerateRequest(doc, model) {
  const body = { model: doc.model, prompt: String(doc.orig_prompt ?? '') };
  if (paramFields(model).length) body.params = normalizeParams(model, doc.params, doc.mode);
  if (doc.mode && doc.mode !== 'text_to_video') body.images_from = doc.task_id;
  return body;
}

/** getRandomValues where randomUUID is missing (plain-HTTP intranet hosts). */
export function newIdempotencyKey(c = globalThis.crypto) {
  if (c?.randomUUID) return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}
