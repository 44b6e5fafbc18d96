import { test } from 'node:test';
import assert from 'node:assert/strict';
import { catalogView, formatUSD, isSoraModel, modelView } from '../../www/js/catalog-view.js';
import { setLocale, t, translateTag } from '../../www/js/strings.js';

// The compiled-in catalog as GET /api/models shows it (Sources/SoraCore/Catalog/ModelCatalog.swift).
const CATALOG = [
  ['sora-v2-portrait', 'sora_video2', '竖屏', 704, 1280, 10],
  ['sora-v2-landscape', 'sora_video2-landscape', '横屏', 1280, 704, 10],
  ['sora-v2-portrait-15s', 'sora_video2-15s', '竖屏', 704, 1280, 15],
  ['sora-v2-landscape-15s', 'sora_video2-landscape-15s', '横屏', 1280, 704, 15],
].map(([id, up, o, w, h, d]) => ({
  id, upstream_model: up, label: `Sora 2 - ${o} ${d}s`, description: `Sora 2 ${o}视频，${w}×${h}，${d}秒，$0.15/次`,
  width: w, height: h, duration: d, price_usd: 0.15, tags: ['Sora', o, `${d}s`], modes: ['text_to_video', 'image_to_video'], retired: false,
}));

const opts = () => ({ t, translateTag, locale: 'zh' });

test('the four Sora 2 models of §5.1 are shown with label, description, tags and price', () => {
  setLocale('zh');
  const v = catalogView(CATALOG, opts());
  assert.equal(v.models.length, 4);
  assert.equal(v.selectedId, 'sora-v2-portrait');
  assert.deepEqual(v.models.map((m) => m.label), ['Sora 2 - 竖屏 10s', 'Sora 2 - 横屏 10s', 'Sora 2 - 竖屏 15s', 'Sora 2 - 横屏 15s']);
  assert.deepEqual(v.models.map((m) => m.tags.join(',')), ['Sora,竖屏,10s', 'Sora,横屏,10s', 'Sora,竖屏,15s', 'Sora,横屏,15s']);
  const l15 = v.models[3];
  assert.equal(l15.description, 'Sora 2 横屏视频，1280×704，15秒，$0.15/次');
  assert.equal(l15.resolution, '1280×704');
  assert.equal(l15.orientation, 'landscape');
  assert.equal(l15.durationText, '15 秒');
  assert.equal(l15.priceText, '$0.15');
  assert.ok(l15.isSora && l15.supportsText && l15.supportsImage && !l15.disabled);
});

test('retired models are listed, disabled, with their notice, and never preselected', () => {
  const retired = { ...CATALOG[0], id: 'sora-v2-old', retired: true, notice: '请改用 sora-v2-landscape' };
  const v = catalogView([retired, ...CATALOG.slice(1)], opts());
  assert.equal(v.models[0].disabled, true);
  assert.equal(v.models[0].notice, '请改用 sora-v2-landscape');
  assert.equal(v.selectedId, 'sora-v2-landscape');
  assert.equal(catalogView([retired], opts()).selectedId, null);
});

test('a preferred selection is kept when still usable', () => {
  assert.equal(catalogView(CATALOG, opts(), 'sora-v2-landscape-15s').selectedId, 'sora-v2-landscape-15s');
  assert.equal(catalogView(CATALOG, opts(), 'gone').selectedId, 'sora-v2-portrait');
});

test('missing optional fields get sensible defaults (older or operator catalogs)', () => {
  const bare = { id: 'sora-v2-x', upstream_model: 'sora_video2-x', label: 'X', width: 1280, height: 704, duration: 10, price_usd: 0.2 };
  const v = modelView(bare, opts());
  assert.deepEqual(v.tags, ['Sora', '横屏', '10s']);
  assert.deepEqual(v.modes, ['text_to_video', 'image_to_video']);
  assert.equal(v.description, '横屏，1280×704，10秒，$0.20/次');
  const textOnly = modelView({ ...bare, modes: ['text_to_video'] }, opts());
  assert.ok(textOnly.supportsText && !textOnly.supportsImage);
});

test('English labels and tags are derived from the data', () => {
  setLocale('en');
  const v = modelView(CATALOG[1], { t, translateTag, locale: 'en' });
  assert.equal(v.label, 'Sora 2 – Landscape 10s');
  assert.deepEqual(v.tags, ['Sora', 'Landscape', '10s']);
  assert.equal(v.description, 'Landscape, 1280×704, 10 s, $0.15 per video');
  setLocale('zh');
});

test('Sora detection (§5.2 startsWith sora-v2) and helpers', () => {
  assert.ok(isSoraModel('sora-v2-portrait'));
  assert.ok(isSoraModel('sora_video2-landscape-15s'));
  assert.ok(!isSoraModel('volc-t2v'));
  assert.ok(!isSoraModel(undefined));
  assert.equal(formatUSD(0.15), '$0.15');
  assert.equal(formatUSD(1.5), '$1.50');
  assert.equal(formatUSD(0), '$0.00');
  assert.equal(formatUSD(0.015), '$0.015');
  assert.equal(formatUSD('x'), '—');
});
