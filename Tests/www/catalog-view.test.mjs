// The catalog (contract §2) as the model picker shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogView, isSoraModel, modelView, priceRuleText } from '../../www/js/api.js';
import { loadLocale, setLocale } from '../../www/js/strings.js';
import { SEEDANCE, SORA } from './fixtures.mjs';

await loadLocale('zh');
await loadLocale('en');

test('a model with a schema: fields, frames it takes, typical time, price rule in words', () => {
  setLocale('en');
  const v = modelView(SEEDANCE);
  assert.equal(v.label, 'Seedance 2.0');
  assert.deepEqual(v.fields.map((f) => f.name), ['duration', 'resolution', 'ratio', 'audio', 'seed', 'negative_prompt']);
  assert.ok(v.supportsFirst && v.supportsLast && !v.needsImage && !v.fixed);
  assert.equal(v.typical, 180);
  assert.equal(v.typicalText, 'usually about 3 min');
  assert.equal(v.priceText, '$7.13–$7.90 per million tokens');
  assert.equal(priceRuleText({ price: { kind: 'per_second', usd_per_second: { '*': 0.1 } } }), '$0.10 per second');
  assert.equal(priceRuleText({}), 'price unknown');
});

test('fixed-size entries (the Sora chat models): size and duration from the entry, priced per call', () => {
  setLocale('en');
  const sora = modelView({ ...SORA, price: { kind: 'per_call', usd: 0.12 }, description: '' });
  assert.equal(sora.description, '704×1280, 10 s');
  assert.equal(sora.priceText, '$0.12 per video');
  assert.ok(sora.isSora && sora.supportsFirst && !sora.supportsLast);
  assert.deepEqual(sora.fields, []);
  setLocale('zh');
  assert.equal(modelView({ ...SORA, price: { kind: 'per_call', usd: 0.12 } }).priceText, '每条 US$0.12');
});

test('retired models are listed but never preselected; a usable preference is kept', () => {
  const retired = { ...SORA, id: 'sora-v1', retired: true, notice: 'use Seedance' };
  const v = catalogView([retired, SEEDANCE, SORA]);
  assert.equal(v.selectedId, 'seedance-2-0');
  assert.equal(v.models[0].notice, 'use Seedance');
  const named = catalogView([{ ...retired, replaced_by: ['seedance-2-0', 'gone'] }, SEEDANCE]);
  setLocale('en');
  assert.equal(catalogView([{ ...retired, replaced_by: ['seedance-2-0', 'gone'] }, SEEDANCE]).models[0].notice, 'use Seedance 2.0 instead');
  setLocale('zh');
  assert.equal(named.models[0].notice, '请改用 Seedance 2.0');
  assert.equal(catalogView([retired, SEEDANCE, SORA], 'sora-v2-portrait').selectedId, 'sora-v2-portrait');
  assert.equal(catalogView([retired], 'sora-v1').selectedId, null);
  assert.equal(catalogView(null).models.length, 0);
});

test('Sora detection', () => {
  assert.ok(isSoraModel('sora-v2-portrait') && isSoraModel('sora_video2-landscape-15s') && isSoraModel('sora-2'));
  assert.ok(!isSoraModel('seedance-2-0') && !isSoraModel(undefined));
});
