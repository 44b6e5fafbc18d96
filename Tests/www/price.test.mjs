// The price rule (contract §2) the page shows before submit: the same figure the server reserves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameSize, priceUSD } from '../../www/js/api.js';

const seedance = {
  id: 'seedance-2-0',
  price: { kind: 'per_token', usd_per_million_tokens: { '480p': 7.13, '720p': 7.13, '1080p': 7.9 }, fps: 24 },
};

test('frame size rule: short side R, long side rounded to 16, adaptive and missing ratio count as 16:9', () => {
  assert.deepEqual(frameSize({}, { resolution: '720p', ratio: '16:9' }), { width: 1280, height: 720 });
  assert.deepEqual(frameSize({}, { resolution: '1080p', ratio: '9:16' }), { width: 1080, height: 1920 });
  assert.deepEqual(frameSize({}, { resolution: '480p', ratio: '16:9' }), { width: 848, height: 480 }); // 853.3 → 848
  assert.deepEqual(frameSize({}, { resolution: '720p', ratio: '21:9' }), { width: 1680, height: 720 });
  assert.deepEqual(frameSize({}, { resolution: '720p', ratio: '1:1' }), { width: 720, height: 720 });
  assert.deepEqual(frameSize({}, { resolution: '720p', ratio: '4:3' }), { width: 960, height: 720 });
  assert.deepEqual(frameSize({}, { resolution: '720p', ratio: 'adaptive' }), { width: 1280, height: 720 });
  assert.deepEqual(frameSize({}, { resolution: '720p' }), { width: 1280, height: 720 });
  assert.deepEqual(frameSize({}, { size: '1280x720' }), { width: 1280, height: 720 });
  assert.deepEqual(frameSize({ width: 704, height: 1280 }, { resolution: '1080p' }), { width: 704, height: 1280 }, 'fixed models win');
  assert.equal(frameSize({}, {}), null);
});

test('per_token: width × height × (fps × duration + 1) / 1024 tokens at the resolution’s rate, 4 decimals', () => {
  // 1280 × 720 × (24 × 5 + 1) / 1024 = 108900 tokens (the vendor's reported usage) × 7.13 / 1e6 = 0.776457
  assert.equal(priceUSD(seedance, { duration: 5, resolution: '720p', ratio: '16:9' }), 0.7765);
  // 1920 × 1080 × (24 × 8 + 1) / 1024 = 390825 tokens × 7.90 / 1e6 = 3.0875175
  assert.equal(priceUSD(seedance, { duration: 8, resolution: '1080p', ratio: '16:9' }), 3.0875);
  assert.equal(priceUSD(seedance, { duration: 8, resolution: '4k', ratio: '16:9' }), null, 'no rate, no guess');
  assert.equal(priceUSD({ ...seedance, price: { ...seedance.price, fps: 0 } }, { duration: 5, resolution: '720p' }), null);
});

test('per_second by resolution, or "*" for every resolution', () => {
  const wan = { price: { kind: 'per_second', usd_per_second: { '720p': 0.086, '1080p': 0.13 } } };
  assert.equal(priceUSD(wan, { duration: 10, resolution: '720p' }), 0.86);
  assert.equal(priceUSD(wan, { duration: 5, resolution: '1080p' }), 0.65);
  assert.equal(priceUSD(wan, { duration: 5, resolution: '480p' }), null);
  const flat = { price: { kind: 'per_second', usd_per_second: { '*': 0.1 } } };
  assert.equal(priceUSD(flat, { duration: 12 }), 1.2);
  assert.equal(priceUSD(flat, {}), null, 'no duration');
  assert.equal(priceUSD({ ...flat, duration: 10 }, {}), 1, 'a fixed model’s duration');
});

test('per_call and unknown rules', () => {
  assert.equal(priceUSD({ price: { kind: 'per_call', usd: 0.15 } }, {}), 0.15);
  assert.equal(priceUSD({ price_usd: 0.15 }, {}), null, 'the core turns old catalogs into rules');
  assert.equal(priceUSD({ price: { kind: 'per_frame' } }, {}), null);
  assert.equal(priceUSD({}, {}), null);
  assert.equal(priceUSD({ price: { kind: 'per_call', usd: 0.123456 } }, {}), 0.1235);
});
