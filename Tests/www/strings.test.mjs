// The string tables are complete: every locale has every key with the same placeholders, and
// every key the page uses (in code and in index.html) exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCALES, STRINGS, getLocale, pickLocale, setLocale, t, translateTag } from '../../www/js/strings.js';
import { FAILURE_KINDS, STATES } from '../../www/js/status-view.js';

const www = join(dirname(fileURLToPath(import.meta.url)), '../../www');
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every locale has exactly the keys of zh, with the same placeholders and no empty value', () => {
  const keys = Object.keys(STRINGS.zh).sort();
  for (const { id } of LOCALES) {
    assert.ok(STRINGS[id], `locale ${id} has a table`);
    assert.deepEqual(Object.keys(STRINGS[id]).sort(), keys, `keys of ${id}`);
    for (const k of keys) {
      assert.notEqual(STRINGS[id][k].trim(), '', `${id}.${k} is empty`);
      assert.deepEqual(placeholders(STRINGS[id][k]), placeholders(STRINGS.zh[k]), `placeholders of ${id}.${k}`);
    }
  }
});

test('every key used by the code and by index.html exists', () => {
  const used = new Set();
  for (const f of readdirSync(join(www, 'js')).filter((n) => n.endsWith('.js'))) {
    const src = readFileSync(join(www, 'js', f), 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(m[1]);
    for (const m of src.matchAll(/t\(\s*[^'`)]*\?\s*'([\w.]+)'\s*:\s*'([\w.]+)'/g)) { used.add(m[1]); used.add(m[2]); }
  }
  const html = readFileSync(join(www, 'index.html'), 'utf8');
  for (const m of html.matchAll(/data-i18n(?:-[\w-]+)?="([\w.]+)"/g)) used.add(m[1]);
  // Keys built from data.
  for (const s of [...STATES, 'unknown']) used.add(`status.${s}`);
  for (const k of [...FAILURE_KINDS, 'unknown']) { used.add(`fail.title.${k}`); used.add(`fail.hint.${k}`); }
  for (const o of ['portrait', 'landscape']) used.add(`orientation.${o}`);
  assert.ok(used.size > 50, `found ${used.size} keys`);
  const missing = [...used].filter((k) => !(k in STRINGS.zh));
  assert.deepEqual(missing, []);
});

test('the plan’s own wording is kept (§5.2 note, §5.3 message)', () => {
  setLocale('zh');
  assert.equal(t('err.firstFrameRequired'), '请先上传首帧图片');
  assert.equal(t('params.note'), 'ℹ️ Sora 2 模型时长由模型名控制（10s 或 15s），分辨率固定（竖屏 704×1280，横屏 1280×704）');
});

test('t fills placeholders, leaves unknown ones, and falls back to the key', () => {
  setLocale('zh');
  assert.equal(t('prompt.counter', { n: 12, max: 4000 }), '12 / 4000');
  assert.equal(t('prompt.counter', { n: 1 }), '1 / {max}');
  assert.equal(t('no.such.key'), 'no.such.key');
});

test('locale choice: saved value wins, unknown values fall back to Chinese', () => {
  assert.equal(pickLocale('en'), 'en');
  assert.equal(pickLocale('xx'), 'zh');
  assert.equal(pickLocale(null), 'zh');
  assert.equal(pickLocale('__proto__'), 'zh');
  setLocale('en');
  assert.equal(getLocale(), 'en');
  assert.equal(t('status.failed'), 'Failed');
  assert.equal(translateTag('竖屏'), 'Portrait');
  assert.equal(translateTag('Sora'), 'Sora');
  setLocale('nope');
  assert.equal(getLocale(), 'en');
  setLocale('zh');
  assert.equal(translateTag('竖屏'), '竖屏');
});
