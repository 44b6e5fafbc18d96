// The page owns every word: each locale has every key with the same placeholders, every key the
// code and index.html use exists, every API error code and failure code has words, and English
// has no Chinese left in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCALES, STRINGS, getLocale, hasString, lang, loadFailureWords, loadLocale, pickLocale, setLocale, t } from '../../www/js/strings.js';
import { FAILURES, PHASES, STATES } from '../../www/js/status-view.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const www = join(root, 'www');
const placeholders = (s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const CJK = /[\u3000-\u9fff\uff00-\uffef]/;
await loadLocale('zh');
setLocale('zh');
await loadFailureWords();   // every locale loaded from here on comes with its failure wording
for (const { id } of LOCALES) await loadLocale(id);

/** API error codes: contract §3 and §6, plus every code the core's Swift sources throw. */
const CONTRACT_CODES = ['unknown_param', 'invalid_param', 'last_frame_without_first', 'mode_unsupported', 'images_from_invalid',
  'budget_exceeded', 'queue_full', 'idempotency_key_reused', 'not_cancellable', 'not_retryable', 'unauthorized', 'bad_password',
  'too_many_attempts', 'cross_site', 'body_too_large', 'not_found'];
/** Codes nginx answers itself (nginx/*.conf.in). */
function nginxCodes() {
  const codes = new Set();
  for (const f of readdirSync(join(root, 'nginx')).filter((n) => n.endsWith('.in'))) {
    for (const m of readFileSync(join(root, 'nginx', f), 'utf8').matchAll(/"code":"([a-z_]+)"/g)) codes.add(m[1]);
  }
  return codes;
}
function swiftMatches(pattern, pick) {
  const codes = new Set();
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.swift')) for (const m of readFileSync(join(dir, e.name), 'utf8').matchAll(pattern)) codes.add(pick(m));
    }
  };
  walk(join(root, 'Sources'));
  return codes;
}
const swiftCodes = () => swiftMatches(/APIError\(\d{3}, "([a-z_]+)"/g, (m) => m[1]);
/**
 * Failure codes the core writes into status files, as `kind.code`: the literals in a JobFailure's
 * code argument (`JobFailure(.streamCut, "cut"` is stream_cut.cut; a `cond ? "a" : "b"` gives
 * both) and a download attempt's `.failed(code: "…"` (transfer).
 */
function swiftFailures() {
  const snake = (kind) => kind.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const literals = (arg) => [...arg.matchAll(/"([a-z_0-9]+)"/g)].map((m) => m[1]);
  return new Set([
    ...[...swiftMatches(/JobFailure\(\.(\w+), ([^,]+),/g, (m) => literals(m[2]).map((c) => `${snake(m[1])}.${c}`).join(' '))].flatMap((x) => x.split(' ')),
    ...swiftMatches(/\.failed\(code: "([a-z_]+)"/g, (m) => `transfer.${m[1]}`),
  ].filter(Boolean));
}

test('every locale has exactly the keys of zh, the same placeholders and no empty value', () => {
  assert.equal(LOCALES[0].id, 'zh');
  const keys = Object.keys(STRINGS.zh).sort();
  for (const { id } of LOCALES) {
    assert.deepEqual(Object.keys(STRINGS[id]).sort(), keys, `keys of ${id}`);
    for (const k of keys) {
      assert.notEqual(STRINGS[id][k].trim(), '', `${id}.${k} is empty`);
      assert.deepEqual(placeholders(STRINGS[id][k]), placeholders(STRINGS.zh[k]), `placeholders of ${id}.${k}`);
    }
  }
});

test('English has no Chinese characters', () => {
  const cjk = Object.entries(STRINGS.en).filter(([, v]) => CJK.test(v)).map(([k]) => k);
  assert.deepEqual(cjk, []);
});

test('every key used by the code and by index.html exists', () => {
  const used = new Set();
  for (const f of readdirSync(join(www, 'js')).filter((n) => n.endsWith('.js') && !n.startsWith('strings'))) {
    const src = readFileSync(join(www, 'js', f), 'utf8');
    for (const m of src.matchAll(/\bt\(\s*'([\w.]+)'/g)) used.add(m[1]);
    for (const m of src.matchAll(/\?\s*'([a-z]+\.[\w.]+)'\s*:\s*'([a-z]+\.[\w.]+)'/g)) { used.add(m[1]); used.add(m[2]); }
  }
  for (const m of readFileSync(join(www, 'index.html'), 'utf8').matchAll(/data-i18n(?:-[\w-]+)?="([\w.]+)"/g)) used.add(m[1]);
  // Keys built from data.
  for (const s of [...STATES, 'unknown']) used.add(`status.${s}`);
  for (const p of PHASES) used.add(p === 'queued' ? 'phase.queuedAt' : `phase.${p}`);
  for (const [kind, codes] of Object.entries(FAILURES)) {
    used.add(`fail.title.${kind}`);
    used.add(`fail.hint.${kind}`);
    for (const c of codes) used.add(`fail.${kind}.${c}`);
  }
  for (const x of ['text_to_video', 'image_to_video', 'first_last_frame']) used.add(`mode.${x}`);
  for (const s of ['first', 'last']) for (const k of ['', 'choose.', 'remove.', 'url.', 'preview.']) used.add(`frames.${k}${s}`);
  for (const s of ['none', 'reserved', 'settled', 'released']) used.add(`costState.${s}`);
  for (const k of ['upstream_code', 'retry_after', 'attempts', 'upstream_task_search']) used.add(`fail.fact.${k}`);
  for (const k of ['not_found', 'unavailable']) used.add(`search.${k}`);
  assert.ok(used.size > 200, `found ${used.size} keys`);
  assert.deepEqual([...used].filter((k) => !(k in STRINGS.zh)), []);
});

test('every API error code (contract and core) has words in every locale', () => {
  const codes = new Set([...CONTRACT_CODES, ...swiftCodes(), ...nginxCodes()]);
  assert.ok(codes.size >= 30, `${codes.size} codes`);
  for (const { id } of LOCALES) {
    const missing = [...codes].filter((c) => !(`api.${c}` in STRINGS[id]));
    assert.deepEqual(missing, [], id);
  }
  for (const reason of ['finished', 'submitting', 'upstream_running', 'protocol']) assert.ok(`api.not_cancellable.${reason}` in STRINGS.zh);
  for (const reason of ['not_failed', 'link_dead', 'nothing_left']) assert.ok(`api.not_retryable.${reason}` in STRINGS.zh);
});

test('every failure code the core writes is known to the page, so it gets its own sentence', () => {
  const sent = [...swiftFailures()];
  assert.ok(sent.length >= 30, `${sent.length} codes`);
  assert.deepEqual(sent.filter((kc) => { const [kind, code] = kc.split('.'); return !FAILURES[kind]?.includes(code); }), []);
});

test('t fills placeholders, leaves unknown ones, falls back to the key', () => {
  setLocale('zh');
  assert.equal(t('err.promptTooLong', { n: 4001, max: 4000 }), '提示词过长：4001 字，最多 4000 字');
  assert.equal(t('err.promptTooLong', { n: 1 }), '提示词过长：1 字，最多 {max} 字');
  assert.equal(t('no.such.key'), 'no.such.key');
  assert.ok(hasString('api.cross_site') && !hasString('api.nope'));
});

test('locale choice: a saved choice, else the browser’s languages, else Chinese', () => {
  assert.equal(pickLocale('en', ['zh-CN']), 'en');
  assert.equal(pickLocale(null, ['en-GB', 'zh-CN']), 'en');
  assert.equal(pickLocale(null, ['fr-FR', 'zh-TW']), 'zh');
  assert.equal(pickLocale('xx', ['fr']), 'zh');
  assert.equal(pickLocale('__proto__'), 'zh');
  setLocale('en');
  assert.equal(getLocale(), 'en');
  assert.equal(lang(), 'en');
  assert.equal(t('status.failed'), 'Failed');
  setLocale('nope');
  assert.equal(getLocale(), 'en');
  setLocale('zh');
  assert.equal(lang(), 'zh-CN');
});
