// Parameter schemas (contract §2) → controls, checked values, and the words of a result's parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLocale, setLocale } from '../../www/js/strings.js';
import { SEEDANCE } from './fixtures.mjs';
import { checkParams, coerce, controlFor, normalizeParams, paramFields, paramRows } from '../../www/js/api.js';

await loadLocale('zh');
await loadLocale('en');


test('each kind gets its control: slider, number, select for values and enums, switch, text', () => {
  assert.deepEqual(paramFields(SEEDANCE).map((p) => [p.name, p.control, p.advanced]), [
    ['duration', 'range', false], ['resolution', 'select', false], ['ratio', 'select', false],
    ['audio', 'switch', false], ['seed', 'number', true], ['negative_prompt', 'text', true]]);
  assert.equal(controlFor({ kind: 'int', values: [5, 10] }), 'select');
  assert.equal(controlFor({ kind: 'int', min: 0, max: 1000 }), 'number', 'too long a range for a slider');
});

test('malformed schema entries are left out; models without params have none', () => {
  const odd = { params: [{ name: 'x', kind: 'float' }, { name: 'y', kind: 'enum' }, { kind: 'bool' }, { name: 'z', kind: 'int' }, null] };
  assert.deepEqual(paramFields(odd), []);
  assert.deepEqual(paramFields({ id: 'sora-v2-portrait' }), []);
});

test('values are coerced to the schema or refused', () => {
  const [duration, resolution, , audio, seed, neg] = paramFields(SEEDANCE);
  assert.equal(coerce(duration, '8'), 8);
  assert.equal(coerce(duration, '16'), null);
  assert.equal(coerce(duration, '7.5'), null);
  assert.equal(coerce(duration, ''), null);
  assert.equal(coerce(resolution, '4k'), null);
  assert.equal(coerce(audio, 'false'), false);
  assert.equal(coerce(seed, 4294967295), 4294967295);
  assert.equal(coerce(neg, 'x'.repeat(501)), null);
  assert.equal(coerce({ kind: 'int', values: [5, 10] }, '10'), 10);
  assert.equal(coerce({ kind: 'int', values: [5, 10] }, '7'), null);
});

test('normalize fills defaults and drops what the model does not know (Edit, Regenerate)', () => {
  assert.deepEqual(normalizeParams(SEEDANCE, { duration: 8, resolution: '1080p', bogus: 1, ratio: '5:4' }),
    { duration: 8, resolution: '1080p', ratio: '16:9', audio: true, seed: -1, negative_prompt: '' });
  assert.deepEqual(normalizeParams(SEEDANCE, null).duration, 5);
});

test('bad entries are reported per field with the schema’s limits', () => {
  setLocale('en');
  const errors = checkParams(SEEDANCE, { ...normalizeParams(SEEDANCE), duration: '20', seed: 'x', resolution: '2k' });
  assert.deepEqual(errors.map((e) => [e.field, e.key]), [
    ['param-duration', 'err.paramRange'], ['param-resolution', 'err.paramValue'], ['param-seed', 'err.paramRange']]);
  assert.deepEqual(errors[0].vars, { name: 'Duration', min: 4, max: 15 });
  assert.deepEqual(checkParams(SEEDANCE, normalizeParams(SEEDANCE)), []);
});

test('a result shows the parameters it used in the reader’s words', () => {
  setLocale('en');
  assert.deepEqual(paramRows({ duration: 8, resolution: '1080p', audio: false, seed: -1, negative_prompt: '', shot_type: 'multi' }), [
    ['Duration', '8 s'], ['Resolution', '1080p'], ['Generate audio', 'off'], ['Seed', 'random'], ['shot type', 'multi']]);
  setLocale('zh');
  assert.deepEqual(paramRows({ duration: 8, audio: true }), [['时长', '8 秒'], ['生成音频', '开']]);
  assert.deepEqual(paramRows(null), []);
  assert.deepEqual(paramRows({ seed: 3, audio: true, duration: 8 }, ['duration', 'audio']).map(([k]) => k), ['时长', '生成音频', '随机种子'], 'the model’s order');
});

test('a parameter limited to some modes is offered, checked and sent only in those (Ark: no ratio with a first frame)', () => {
  const model = { params: [...SEEDANCE.params.map((p) => (p.name === 'ratio' ? { ...p, modes: ['text_to_video'] } : p))] };
  assert.ok(paramFields(model, 'text_to_video').some((p) => p.name === 'ratio'));
  assert.ok(!paramFields(model, 'image_to_video').some((p) => p.name === 'ratio'));
  assert.ok(paramFields(model).some((p) => p.name === 'ratio'), 'without a mode: all of them');
  assert.ok(!('ratio' in normalizeParams(model, { ratio: '1:1' }, 'first_last_frame')));
  assert.deepEqual(checkParams(model, { ratio: 'nonsense' }, 'image_to_video'), []);
});
