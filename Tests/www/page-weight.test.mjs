// Page weight (issue 10 §9): what a page load downloads (app.js and its static imports, the styles,
// one locale table) stays within budget; the parts loaded on first use (the video dialog, the
// sign-in screen, frame upload, the locale's failure wording) are counted apart; index.html names the assets by the current
// version, so nginx's year-long cache is never stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assetPaths, assetVersion, onDemand, stampedVersion, staticGraph, weigh } from './assets.mjs';

export const BUDGET = { raw: 100 * 1024, gz: 35 * 1024 };
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

test('index.html names the current asset version (run: node Tests/www/assets.mjs --stamp)', () => {
  assert.equal(stampedVersion(), assetVersion());
});

test('every script is loaded: by a page load, on first use, or as a locale table (words, failure words)', () => {
  const known = new Set([...staticGraph(), ...onDemand(), 'css/app.css']);
  assert.deepEqual(assetPaths().filter((p) => !known.has(p) && !/^js\/(strings|failures)-\w+\.js$/.test(p)), []);
  assert.deepEqual(onDemand(), ['css/later.css', 'js/frames.js', 'js/signin.js', 'js/video-dialog.js']);
});

test('a page load (scripts, styles, one locale table) is within 100 KB and 35 KB gzip', () => {
  for (const locale of ['zh', 'en']) {
    const load = weigh([...staticGraph(), 'css/app.css', `js/strings-${locale}.js`]);
    const later = weigh([...onDemand(), `js/failures-${locale}.js`]);
    console.log(`page weight (${locale}): load ${kb(load.raw)}, ${kb(load.gz)} gzip; on first use ${kb(later.raw)}, ${kb(later.gz)} gzip; `
      + `all ${kb(load.raw + later.raw)}, ${kb(load.gz + later.gz)} gzip`);
    assert.ok(load.raw <= BUDGET.raw, `${locale}: ${load.raw} bytes > ${BUDGET.raw}`);
    assert.ok(load.gz <= BUDGET.gz, `${locale}: ${load.gz} gzip bytes > ${BUDGET.gz}`);
  }
});
