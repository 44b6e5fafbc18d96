// One frame slot of the form (first or last frame): choose, drop or paste a file, or give an https
// URL. Only the file's bytes decide its type (a text file named .png is refused); one error at a time.

import { h } from './dom.js';
import { t } from './strings.js';
import { bytes } from './format.js';
import { uploadIcon } from './icons.js';
import { checkImageFile, sniffImageType } from './validate.js';

function readAsDataURL(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

/** Checks and reads a Blob: `{frame}` or `{error: {key, vars}}`. */
export async function readImage(blob, name) {
  const type = sniffImageType(new Uint8Array(await blob.slice(0, 16).arrayBuffer()));
  const problem = checkImageFile({ type, size: blob.size });
  if (problem) return { error: problem };
  const uri = await readAsDataURL(blob);
  // The bytes name the type; browsers guess from the file name.
  return { frame: { dataURI: `data:${type};base64,${uri.slice(uri.indexOf(',') + 1)}`, name: name || 'image', size: blob.size } };
}

/** `slot` is 'first' or 'last'; `onChange()` after every change. */
export function createFrameInput({ slot, onChange }) {
  const id = (x) => `frame-${slot}-${x}`;
  let state = { frame: null, url: '', error: null, formError: null, reading: false };

  const title = h('p', { class: 'frame-title', id: id('title') });
  const chooseText = h('span');
  const file = h('input', { type: 'file', id: id('file'), class: 'visually-hidden', accept: 'image/png,image/jpeg,image/webp',
    'aria-describedby': `${id('hint')} ${id('error')}` });
  const hint = h('p', { class: 'hint', id: id('hint') });
  const zone = h('div', { class: 'dropzone' }, uploadIcon({ size: 22 }),
    h('label', { class: 'button secondary small file-button' }, chooseText, file), hint);
  const img = h('img', { alt: '' });
  const name = h('p', { class: 'image-name' });
  const remove = h('button', { type: 'button', class: 'button secondary small', on: { click: () => {
    state = { ...state, frame: null, error: null };
    render();
    onChange();
    file.focus();
  } } });
  const preview = h('div', { class: 'image-preview' }, img, h('div', { class: 'image-preview-info' }, name, remove));
  const error = h('p', { class: 'field-error', id: id('error') });
  const urlLabel = h('label', { for: id('url') });
  const url = h('input', { type: 'url', id: id('url'), inputmode: 'url', autocomplete: 'off', spellcheck: false,
    placeholder: 'https://…', 'aria-describedby': id('error') });
  const el = h('div', { class: 'frame-slot', dataset: { slot } }, title, zone, preview, error, h('div', { class: 'frame-url' }, urlLabel, url));

  async function take(blob, fileName) {
    if (!blob) return;
    state = { ...state, error: null, formError: null, reading: true };
    render();
    let r;
    try {
      r = await readImage(blob, fileName);
    } catch {
      r = { error: { key: 'err.imageRead', vars: {} } };
    }
    state = r.error ? { ...state, reading: false, error: r.error } : { ...state, reading: false, frame: r.frame, url: '' };
    render();
    onChange();
  }

  file.addEventListener('change', () => {
    take(file.files?.[0], file.files?.[0]?.name);
    file.value = '';
  });
  for (const ev of ['dragenter', 'dragover']) {
    zone.addEventListener(ev, (e) => {
      if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
      e.preventDefault();
      zone.classList.add('dragging');
    });
  }
  for (const ev of ['dragleave', 'dragend']) zone.addEventListener(ev, () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    const f = e.dataTransfer?.files?.[0];
    take(f, f?.name);
  });
  url.addEventListener('input', () => {
    state = { ...state, url: url.value, error: null };
    render();
    onChange();
  });

  function render() {
    title.textContent = t(`frames.${slot}`);
    chooseText.textContent = t(`frames.choose.${slot}`);
    hint.textContent = t(state.reading ? 'upload.reading' : 'upload.hint');
    remove.textContent = t('upload.remove');
    remove.setAttribute('aria-label', t(`frames.remove.${slot}`));
    urlLabel.textContent = t(`frames.url.${slot}`);
    const f = state.frame;
    preview.hidden = !f;
    zone.hidden = Boolean(f);
    if (f) {
      img.src = f.dataURI;
      img.alt = t(`frames.preview.${slot}`);
      name.textContent = `${f.name} · ${bytes(f.size)}`;
    } else {
      img.removeAttribute('src');
    }
    url.disabled = Boolean(f);
    if (url.value !== state.url) url.value = state.url;
    // One error: the chosen file's problem, else the form's.
    const shown = state.error ?? state.formError;
    error.hidden = !shown;
    error.textContent = shown ? t(shown.key, shown.vars) : '';
    url.setAttribute('aria-invalid', String(Boolean(state.formError && !f && state.url)));
  }

  render();
  return {
    el,
    render,
    take,
    /** `{dataURI, name, size}` (a file), `{url}` or null. */
    get value() { return state.frame ?? (state.url.trim() ? { url: state.url } : null); },
    /** Sets or clears the slot (Edit, model change). */
    set(frame) { state = { ...state, frame, url: '', error: null, formError: null }; render(); },
    showError(formError) {
      if (formError?.key === state.formError?.key) return;
      state = { ...state, formError };
      render();
    },
    focus() { (state.frame ? remove : state.url ? url : file).focus(); },
  };
}
