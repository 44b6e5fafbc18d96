// Money, sizes, dates and durations follow the reader's locale and time zone (Intl).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, dateTime, duration, usd } from '../../www/js/strings.js';

test('USD with 2 to 4 decimals in each locale', () => {
  assert.equal(usd(0.15, 'en'), '$0.15');
  assert.equal(usd(3.0715, 'en'), '$3.0715');
  assert.equal(usd(2, 'en'), '$2.00');
  assert.equal(usd(0.15, 'zh-CN'), 'US$0.15');
  assert.equal(usd(null, 'en'), '—');
  assert.equal(usd('x', 'en'), '—');
});

test('dates in the reader’s time zone', () => {
  const iso = '2026-12-01T10:00:00.000Z';
  assert.equal(dateTime(iso, 'en', 'UTC'), 'Dec 1, 2026, 10:00 AM');
  assert.equal(dateTime(iso, 'zh-CN', 'Asia/Shanghai'), '2026年12月1日 18:00');
  assert.equal(dateTime('nonsense', 'en', 'UTC'), '');
  assert.equal(dateTime(null, 'en', 'UTC'), '');
});

test('durations: the two largest units', () => {
  assert.equal(duration(185, 'en'), '3 min 5 sec');
  assert.equal(duration(185, 'zh-CN'), '3分钟5秒');
  assert.equal(duration(42.4, 'en'), '42 sec');
  assert.equal(duration(3725, 'en'), '1 hr 2 min');
  assert.equal(duration(300, 'en'), '5 min');
  assert.equal(duration(7200, 'zh-CN'), '2小时');
  assert.equal(duration(-5, 'en'), '0 sec');
});

test('sizes in decimal units', () => {
  assert.equal(bytes(999, 'en'), '999 byte');
  assert.equal(bytes(2_400_000, 'en'), '2.4 MB');
  assert.equal(bytes(10_000_000, 'zh-CN'), '10 MB');
  assert.equal(bytes(-1, 'en'), '');
});
