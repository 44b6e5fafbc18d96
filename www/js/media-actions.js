// What every job card, library item and the video dialog share: facts about a job, and the reuse
// actions (Regenerate, Edit, Copy prompt, download, copy link) with unique accessible names.

import { absoluteURL, h } from './dom.js';
import { cameraIcon, copyIcon, downloadIcon, editIcon, linkIcon, redoIcon } from './icons.js';
import { t } from './strings.js';
import { bytes, dateTime, usd } from './format.js';
import { paramRows } from './params.js';
import { shortId } from './status-view.js';

/** Copies `text`; the async Clipboard API needs a secure context, so fall back to execCommand. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall through */ }
  const area = h('textarea', { value: text, readOnly: true, class: 'offscreen', 'aria-hidden': 'true' });
  document.body.append(area);
  area.select();
  let ok = false;
  try { ok = document.execCommand('copy'); } catch { ok = false; }
  area.remove();
  return ok;
}

/** A name that tells this job's control apart from every other: `Regenerate: a red fox… #K3F9QZ`. */
export function nameFor(action, v) {
  const p = v.prompt.length > 40 ? `${v.prompt.slice(0, 40)}…` : v.prompt;
  return `${action}: ${p} ${shortId(v.taskId)}`;
}

/** A `<dl>` of a job's facts, the parameters it used included; rows without a value are left out. */
export function factsList(v, { model = '', created = false, order = [] } = {}) {
  const cost = v.costUSD === null ? '' : v.costState && v.costState !== 'settled'
    ? `${usd(v.costUSD)} (${t(`costState.${v.costState}`)})` : usd(v.costUSD);
  const rows = [
    [t('job.model'), model],
    ...(v.params && Object.keys(v.params).length ? paramRows(v.params, order) : [[t('param.duration'), v.duration ? t('param.seconds', { n: v.duration }) : '']]),
    [t('job.resolution'), v.resolution],
    [t('job.size'), v.sizeBytes ? bytes(v.sizeBytes) : ''],
    [t('job.cost'), cost],
    [t('job.created'), created ? dateTime(v.createdAt) : ''],
    [t('job.id'), created ? v.taskId : ''],
  ];
  return h('dl', { class: 'job-facts' }, rows.filter(([, x]) => x).map(([k, x]) => [h('dt', { text: k }), h('dd', { text: x })]));
}

/**
 * The actions row of a job: download and copy link (when stored), Copy prompt, Edit, Regenerate
 * (with its price). `actions` = {regenerate(doc), edit(doc), priceOf(doc), usable(doc)}.
 */
export function jobActions(doc, v, actions, { media = true } = {}) {
  const feedback = h('p', { class: 'copy-feedback', role: 'status' });
  const button = (icon, text, onClick, extra = {}) => h('button', { type: 'button', class: 'button secondary small',
    'aria-label': nameFor(text, v), on: { click: onClick }, ...extra }, icon({ size: 16 }), h('span', { text }));
  const parts = [];
  if (v.videoURL && media) {
    const url = absoluteURL(v.videoURL);
    parts.push(h('a', { class: 'button primary small', href: v.videoURL, download: `video-${v.taskId}.mp4`,
      'aria-label': nameFor(t('result.download'), v) }, downloadIcon({ size: 16 }), h('span', { text: t('result.download') })));
    parts.push(button(linkIcon, t('result.copy'), async () => {
      feedback.textContent = (await copyText(url)) ? t('result.copied') : `${t('result.copyFailed')} ${url}`;
    }, { dataset: { url } }));
  }
  parts.push(button(copyIcon, t('action.copyPrompt'), async () => {
    feedback.textContent = t((await copyText(v.prompt)) ? 'action.promptCopied' : 'action.copyFailed');
  }));
  const usable = actions.usable(doc);
  parts.push(button(editIcon, t('action.edit'), () => actions.edit(doc), { disabled: !usable, title: usable ? '' : t('action.modelGone') }));
  const price = actions.priceOf(doc);
  const regen = button(redoIcon, price === null ? t('action.regenerate') : t('action.regeneratePrice', { price: usd(price) }), async () => {
    regen.disabled = true;
    feedback.textContent = await actions.regenerate(doc) ?? '';
    regen.disabled = false;
  }, { disabled: !usable, title: usable ? '' : t('action.modelGone'), class: 'button secondary small regenerate' });
  parts.push(regen);
  return { el: h('div', { class: 'job-actions' }, parts, feedback), buttons: parts };
}

/** The purple "Sora 2" tag of results from Sora models. */
export function soraTag() {
  return h('span', { class: 'tag tag-sora2' }, cameraIcon({ size: 14 }), 'Sora 2');
}
