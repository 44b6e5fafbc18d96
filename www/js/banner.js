// The banner under the header: the simulated upstream (README: `/api/health` says
// `upstream.simulated`) and configuration problems, so nobody mistakes test videos for real ones.

import { h } from './dom.js';
import { warnIcon } from './icons.js';
import { t } from './strings.js';

/** What the banner should say for a health answer (or a failure to get one). */
export function bannerModel(health, error) {
  if (error) return { tone: 'error', simulated: false, problems: [], failure: error };
  const problems = (Array.isArray(health?.problems) ? health.problems : [])
    .map((p) => (typeof p === 'string' ? p : [p?.setting, p?.message].filter(Boolean).join(': ')))
    .filter(Boolean);
  const simulated = health?.upstream?.simulated === true;
  return { tone: problems.length ? 'error' : 'warn', simulated, problems, failure: '' };
}

export function renderBanner(el, model) {
  const parts = [];
  if (model.failure) parts.push(h('p', { text: t('banner.healthFailed', { message: model.failure }) }));
  if (model.simulated) parts.push(h('p', { class: 'banner-simulated', text: t('banner.simulated') }));
  if (model.problems.length) {
    parts.push(h('p', { class: 'banner-problems-title', text: `${t('banner.problems')}:` }),
      h('ul', {}, model.problems.map((p) => h('li', { text: p }))));
  }
  el.hidden = parts.length === 0;
  el.className = `banner banner-${model.simulated && !model.problems.length && !model.failure ? 'simulated' : model.tone}`;
  el.replaceChildren(...(parts.length ? [h('span', { class: 'banner-icon' }, warnIcon({ size: 22 })), h('div', { class: 'banner-text' }, parts)] : []));
  el.dataset.simulated = String(model.simulated);
}
