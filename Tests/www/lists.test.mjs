import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchesFilters, rovingMove } from '../../www/js/library.js';
import { loadLocale, setLocale, t } from '../../www/js/strings.js';

const doc = { task_id: '01jg3k9qzxa7b2c4d6e8f0h2j4', status: 'succeeded', model: 'seedance-2-0', orig_prompt: 'A red fox in the snow' };

test('filters: status, model, and a search in the prompt or the job id’s beginning', () => {
  assert.ok(matchesFilters(doc, {}));
  assert.ok(matchesFilters(doc, { status: 'succeeded', model: 'seedance-2-0', q: 'red FOX' }));
  assert.ok(!matchesFilters(doc, { status: 'failed' }));
  assert.ok(!matchesFilters(doc, { model: 'sora-v2-portrait' }));
  assert.ok(matchesFilters(doc, { q: '01JG3K9' }));
  assert.ok(matchesFilters(doc, { q: '#01jg3k' }));
  assert.ok(!matchesFilters(doc, { q: 'f0h2j4' }), 'ids match from the start');
  assert.ok(!matchesFilters(doc, { q: 'cat' }));
});

test('roving: ←/→ inside an item, ↑/↓ between items, Home/End, clamped at the edges', () => {
  const at = { item: 1, control: 2, count: 3, controls: 4 };
  assert.deepEqual(rovingMove('ArrowRight', at), { item: 1, control: 3 });
  assert.deepEqual(rovingMove('ArrowRight', { ...at, control: 3 }), { item: 1, control: 3 });
  assert.deepEqual(rovingMove('ArrowLeft', { ...at, control: 0 }), { item: 1, control: 0 });
  assert.deepEqual(rovingMove('ArrowDown', at), { item: 2, control: 2 });
  assert.deepEqual(rovingMove('ArrowDown', { ...at, item: 2 }), { item: 2, control: 2 });
  assert.deepEqual(rovingMove('ArrowUp', at), { item: 0, control: 2 });
  assert.deepEqual(rovingMove('Home', at), { item: 0, control: 0 });
  assert.deepEqual(rovingMove('End', at), { item: 2, control: 0 });
  assert.equal(rovingMove('Tab', at), null);
  assert.equal(rovingMove('Enter', at), null);
});

test('a search count stopped at the cap (total_capped) reads "1000+" in both languages', async () => {
  for (const [id, text] of [['zh', '已显示 50 个，共 1000+ 个'], ['en', '50 of 1000+ shown']]) {
    await loadLocale(id);
    setLocale(id);
    assert.equal(t('library.countCapped', { n: 50, total: 1000 }), text);
  }
});
