import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_MAX_BYTES, PROMPT_LIMIT, buildRequest, checkImageFile, formatBytes, isHttpsURL, newIdempotencyKey,
  promptLength, sniffImageType, validateRequest,
} from '../../www/js/validate.js';

const portrait = { id: 'sora-v2-portrait', duration: 10, modes: ['text_to_video', 'image_to_video'], retired: false };
const frame = { dataURI: 'data:image/png;base64,iVBORw0KGgo=' };
const keys = (r) => r.errors.map((e) => `${e.field}:${e.key}`);

test('text to video needs only a prompt', () => {
  const r = validateRequest({ model: portrait, mode: 'text_to_video', prompt: ' a cat ', firstFrame: null, imageURL: '' });
  assert.deepEqual(r, { ok: true, errors: [] });
});

test('image to video without a first frame says 请先上传首帧图片 (err.firstFrameRequired)', () => {
  const r = validateRequest({ model: portrait, mode: 'image_to_video', prompt: 'a cat', firstFrame: null, imageURL: '  ' });
  assert.deepEqual(keys(r), ['image:err.firstFrameRequired']);
});

test('image to video accepts a data URI or an https URL, not both, not http', () => {
  const base = { model: portrait, mode: 'image_to_video', prompt: 'x' };
  assert.ok(validateRequest({ ...base, firstFrame: frame, imageURL: '' }).ok);
  assert.ok(validateRequest({ ...base, firstFrame: null, imageURL: 'https://oss.example.com/a.png' }).ok);
  assert.deepEqual(keys(validateRequest({ ...base, firstFrame: null, imageURL: 'http://oss.example.com/a.png' })), ['imageURL:err.imageUrl']);
  assert.deepEqual(keys(validateRequest({ ...base, firstFrame: frame, imageURL: 'https://x.example/a.png' })), ['image:err.imageConflict']);
});

test('prompt: empty after trimming, and the 4000 character limit counted in characters', () => {
  const base = { model: portrait, mode: 'text_to_video', firstFrame: null, imageURL: '' };
  assert.deepEqual(keys(validateRequest({ ...base, prompt: ' \n\t ' })), ['prompt:err.promptEmpty']);
  assert.ok(validateRequest({ ...base, prompt: '猫'.repeat(PROMPT_LIMIT) }).ok);
  const r = validateRequest({ ...base, prompt: 'a'.repeat(PROMPT_LIMIT + 1) });
  assert.deepEqual(keys(r), ['prompt:err.promptTooLong']);
  assert.deepEqual(r.errors[0].vars, { n: PROMPT_LIMIT + 1, max: PROMPT_LIMIT });
  assert.equal(promptLength('😀😀'), 2);
});

test('model missing, retired or without the mode', () => {
  const base = { mode: 'text_to_video', prompt: 'x', firstFrame: null, imageURL: '' };
  assert.deepEqual(keys(validateRequest({ ...base, model: null })), ['model:err.modelRequired']);
  assert.deepEqual(keys(validateRequest({ ...base, model: { ...portrait, retired: true } })), ['model:err.modelRetired']);
  assert.deepEqual(keys(validateRequest({ ...base, model: { ...portrait, modes: ['image_to_video'] } })), ['mode:err.modeUnsupported']);
});

test('errors come in page order', () => {
  const r = validateRequest({ model: null, mode: 'image_to_video', prompt: '', firstFrame: null, imageURL: '' });
  assert.deepEqual(r.errors.map((e) => e.field), ['model', 'image', 'prompt']);
});

test('the request carries the model’s duration and never resolution or aspect ratio (plan §5.3)', () => {
  const t2v = buildRequest({ model: { ...portrait, duration: 15 }, mode: 'text_to_video', prompt: '  hi ', firstFrame: frame, imageURL: 'https://a' });
  assert.deepEqual(t2v, { model: 'sora-v2-portrait', prompt: 'hi', duration: 15 });
  const i2v = buildRequest({ model: portrait, mode: 'image_to_video', prompt: 'hi', firstFrame: frame, imageURL: '' });
  assert.deepEqual(i2v, { model: 'sora-v2-portrait', prompt: 'hi', duration: 10, first_frame_base64: frame.dataURI });
  const url = buildRequest({ model: portrait, mode: 'image_to_video', prompt: 'hi', firstFrame: null, imageURL: ' https://oss/a.png ' });
  assert.equal(url.image_url, 'https://oss/a.png');
  assert.ok(!('first_frame_base64' in url) && !('resolution' in url) && !('aspect_ratio' in url));
});

test('image files: PNG/JPEG/WebP up to 10 MB', () => {
  assert.equal(checkImageFile({ type: 'image/png', size: 1 }), null);
  assert.equal(checkImageFile({ type: 'image/webp', size: IMAGE_MAX_BYTES }), null);
  assert.equal(checkImageFile({ type: 'image/gif', size: 1 }).key, 'err.imageType');
  assert.equal(checkImageFile({ type: '', size: 1 }).key, 'err.imageType');
  const big = checkImageFile({ type: 'image/jpeg', size: IMAGE_MAX_BYTES + 1 });
  assert.equal(big.key, 'err.imageSize');
  assert.equal(big.vars.size, '10.0 MB');
});

test('image types are sniffed from the bytes', () => {
  assert.equal(sniffImageType([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'image/png');
  assert.equal(sniffImageType([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg');
  assert.equal(sniffImageType([...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBPVP8 ')]), 'image/webp');
  assert.equal(sniffImageType([...Buffer.from('GIF89a')]), null);
  assert.equal(sniffImageType([]), null);
});

test('https URL check and byte formatting', () => {
  assert.ok(isHttpsURL('https://bucket.oss-cn-hangzhou.aliyuncs.com/a.png'));
  assert.ok(!isHttpsURL('http://a/b.png'));
  assert.ok(!isHttpsURL('data:image/png;base64,xx'));
  assert.ok(!isHttpsURL('not a url'));
  assert.equal(formatBytes(999), '999 B');
  assert.equal(formatBytes(2_400_000), '2.4 MB');
});

test('idempotency keys are fresh UUIDs, also without randomUUID (plain-HTTP hosts)', () => {
  const a = newIdempotencyKey();
  const b = newIdempotencyKey();
  assert.notEqual(a, b);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.match(a, uuid);
  const fallback = newIdempotencyKey({ getRandomValues: (arr) => { arr.fill(0xab); return arr; } });
  assert.match(fallback, uuid);
  assert.match(newIdempotencyKey(null), uuid);
});
