import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_MAX_BYTES, PROMPT_LIMIT, buildRequest, checkImageFile, isHttpsURL, modeOf, newIdempotencyKey,
  promptLength, regenerateRequest, sniffImageType, validateRequest,
} from '../../www/js/api.js';
import { SEEDANCE } from './fixtures.mjs';

const sora = { id: 'sora-v2-portrait', width: 704, height: 1280, duration: 10, modes: ['text_to_video', 'image_to_video'] };
const seedance = SEEDANCE;
const png = { dataURI: 'data:image/png;base64,iVBORw0KGgo=', name: 'a.png', size: 8 };
const keys = (r) => r.errors.map((e) => `${e.field}:${e.key}`);

test('the mode follows from the frames', () => {
  assert.equal(modeOf(null, null), 'text_to_video');
  assert.equal(modeOf(png, null), 'image_to_video');
  assert.equal(modeOf({ url: 'https://x/a.png' }, png), 'first_last_frame');
  assert.equal(modeOf({ url: '  ' }, null), 'text_to_video');
});

test('text to video needs only a prompt', () => {
  assert.deepEqual(validateRequest({ model: sora, prompt: ' a cat ' }), { ok: true, errors: [] });
});

test('frames: last without first, modes the model lacks, image-only models, https only', () => {
  assert.deepEqual(keys(validateRequest({ model: seedance, prompt: 'x', last: png })), ['first:err.lastWithoutFirst']);
  assert.deepEqual(keys(validateRequest({ model: sora, prompt: 'x', first: png, last: png })), ['first:err.modeUnsupported']);
  assert.ok(validateRequest({ model: seedance, prompt: 'x', first: png, last: { url: 'https://oss.example/b.png' } }).ok);
  const imageOnly = { ...sora, modes: ['image_to_video'] };
  assert.deepEqual(keys(validateRequest({ model: imageOnly, prompt: 'x' })), ['first:err.firstFrameRequired']);
  assert.deepEqual(keys(validateRequest({ model: sora, prompt: 'x', first: { url: 'http://x/a.png' } })), ['firstURL:err.imageUrl']);
});

test('prompt: empty after trimming, and the limit counted in characters', () => {
  assert.deepEqual(keys(validateRequest({ model: sora, prompt: ' \n\t ' })), ['prompt:err.promptEmpty']);
  assert.ok(validateRequest({ model: sora, prompt: '猫'.repeat(PROMPT_LIMIT) }).ok);
  const r = validateRequest({ model: sora, prompt: 'a'.repeat(PROMPT_LIMIT + 1) });
  assert.deepEqual(r.errors[0].vars, { n: PROMPT_LIMIT + 1, max: PROMPT_LIMIT });
  assert.equal(promptLength('😀😀'), 2);
});

test('model missing or retired; bad parameters; page order', () => {
  assert.deepEqual(keys(validateRequest({ model: null, prompt: '' })), ['model:err.modelRequired', 'prompt:err.promptEmpty']);
  assert.deepEqual(keys(validateRequest({ model: { ...sora, retired: true }, prompt: 'x' })), ['model:err.modelRetired']);
  assert.deepEqual(keys(validateRequest({ model: seedance, prompt: 'x', params: { duration: '99' } })), ['param-duration:err.paramRange']);
});

test('the request: params with defaults filled for schema models, none for fixed ones; frames by kind', () => {
  assert.deepEqual(buildRequest({ model: sora, prompt: '  hi ', params: { duration: 15 } }), { model: 'sora-v2-portrait', prompt: 'hi' });
  const body = buildRequest({ model: seedance, prompt: 'hi', params: { duration: '8', resolution: '1080p' }, first: png, last: { url: ' https://x/b.png ' } });
  assert.deepEqual(body, {
    model: 'seedance-2-0', prompt: 'hi',
    params: { duration: 8, resolution: '1080p', ratio: '16:9', audio: true, seed: -1, negative_prompt: '' },
    first_frame_base64: png.dataURI, last_frame_url: 'https://x/b.png',
  });
  assert.deepEqual(buildRequest({ model: sora, prompt: 'x', first: { url: 'https://x/a.png' } }), { model: 'sora-v2-portrait', prompt: 'x', image_url: 'https://x/a.png' });
});

test('the request leaves out parameters the mode does not take', () => {
  const ark = { ...SEEDANCE, params: SEEDANCE.params.map((p) => (p.name === 'ratio' ? { ...p, modes: ['text_to_video'] } : p)) };
  assert.equal(buildRequest({ model: ark, prompt: 'x', params: { ratio: '1:1' } }).params.ratio, '1:1');
  assert.ok(!('ratio' in buildRequest({ model: ark, prompt: 'x', params: { ratio: '1:1' }, first: png }).params));
  assert.ok(!('ratio' in regenerateRequest({ task_id: 'j', model: 'seedance-2-0', orig_prompt: 'p', mode: 'image_to_video', params: { ratio: '1:1' } }, ark).params));
});

test('regenerate: same model, parameters and frames (images_from), as a new job', () => {
  const doc = { task_id: 'j1', model: 'seedance-2-0', orig_prompt: 'a fox', mode: 'first_last_frame', params: { duration: 8, resolution: '1080p', gone: 1 } };
  assert.deepEqual(regenerateRequest(doc, seedance), {
    model: 'seedance-2-0', prompt: 'a fox', images_from: 'j1',
    params: { duration: 8, resolution: '1080p', ratio: '16:9', audio: true, seed: -1, negative_prompt: '' },
  });
  assert.deepEqual(regenerateRequest({ task_id: 'j2', model: 'sora-v2-portrait', orig_prompt: 'p', mode: 'text_to_video' }, sora),
    { model: 'sora-v2-portrait', prompt: 'p' });
});

test('image files: only the bytes decide the type; 10 MB at most', () => {
  assert.equal(sniffImageType([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'image/png');
  assert.equal(sniffImageType([0xff, 0xd8, 0xff, 0xe0]), 'image/jpeg');
  assert.equal(sniffImageType([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBP')]), 'image/webp');
  assert.equal(sniffImageType(Buffer.from('hello, I am text named .png')), null);
  assert.equal(sniffImageType(Buffer.from('GIF89a')), null);
  assert.equal(checkImageFile({ type: null, size: 10 }).key, 'err.imageType');
  assert.equal(checkImageFile({ type: 'image/png', size: IMAGE_MAX_BYTES }), null);
  assert.deepEqual(checkImageFile({ type: 'image/jpeg', size: IMAGE_MAX_BYTES + 1 }), { key: 'err.imageSize', vars: { size: '10.0' } });
});

test('https URLs and idempotency keys', () => {
  assert.ok(isHttpsURL(' https://oss.example.com/a.png '));
  assert.ok(!isHttpsURL('http://oss.example.com/a.png'));
  assert.ok(!isHttpsURL('javascript:alert(1)'));
  assert.match(newIdempotencyKey(), /^[0-9a-f-]{36}$/);
  const fallback = newIdempotencyKey({ getRandomValues: (b) => b.fill(7) });
  assert.match(fallback, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(newIdempotencyKey(), newIdempotencyKey());
});
