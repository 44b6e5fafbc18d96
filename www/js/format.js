// Money, sizes, dates and durations in the reader's language and time zone (Intl). No DOM;
// `l` defaults to the current locale, tests pass it (and a time zone) explicitly.

import { lang } from './strings.js';

/** `$0.15` / `US$0.15`: at least 2, at most 4 decimals (prices are rounded to 4). */
export function usd(n, l = lang()) {
  const v = Number(n);
  if (n === null || n === undefined || n === '' || !Number.isFinite(v)) return '—';
  return new Intl.NumberFormat(l, { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 4 }).format(v);
}

/** A local date and time (`Dec 1, 2026, 6:00 PM`), '' for a missing or bad time. */
export function dateTime(iso, l = lang(), timeZone = undefined) {
  const d = new Date(iso ?? NaN);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(d);
}

/** `3 min 5 sec` / `3分钟5秒`: the two largest units (a zero second one left out), whole seconds. */
export function duration(seconds, l = lang()) {
  const s = Math.max(0, Math.round(Number(seconds) || 0));
  const unit = (n, u) => new Intl.NumberFormat(l, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = h ? [unit(h, 'hour'), m && unit(m, 'minute')] : m ? [unit(m, 'minute'), s % 60 && unit(s % 60, 'second')] : [unit(s, 'second')];
  return new Intl.ListFormat(l, { type: 'unit', style: 'narrow' }).format(parts.filter(Boolean));
}

/** `2.4 MB` in decimal units, like the 10 MB limit. */
export function bytes(n, l = lang()) {
  if (!Number.isFinite(n) || n < 0) return '';
  const [v, u] = n < 1000 ? [n, 'byte'] : n < 1e6 ? [n / 1000, 'kilobyte'] : [n / 1e6, 'megabyte'];
  return new Intl.NumberFormat(l, { style: 'unit', unit: u, maximumFractionDigits: 1 }).format(v);
}
