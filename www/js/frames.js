// A frame slot of the form (first or last), loaded when frames are first wanted: a file chosen,
// dropped or pasted, or an https URL. Only the bytes decide the type (a text file named .png is
// refused); one error at a time.

import { bytes, t } from './strings.js';
import { h, icon, loadLaterStyles } from './dom.js';
import { checkImageFile, sniffImageType } from './api.js';

loadLaterStyles();

export async function readImage(blob, name) {
  const type = sniffImageType(new Uint8Array(await blob.slice(0, 12).arrayBuffer()));
  const error = checkImageFile({ type, size: blob.size });
  if (error) return { error };
  const uri = await new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
  return { frame: { dataURI: `data:${type};base64,${uri.slice(uri.indexOf(',') + 1)}`, name, size: blob.size } };
}

export function createFrameInput({ slot, onChange }) {
  const id = (x) => `frame-${slot}-${x}`;
  let state = { frame: null, url: '', error: null, formError: null, reading: false };

  const title = h('p', { class: 'frame-title' });
  const chooseText = h('span');
  const file = h('input', { type: 'file', id: id('file'), class: 'visually-hidden', accept: 'image/png,image/jpeg,image/webp', 'aria-describedby': `${id('hint')} ${id('error')}` });
  const hint = h('p', { class: 'hint', id: id('hint') });
  const zone = h('div', { class: 'dropzone' }, icon('M12 16V4M7 9l5-5 5 5M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3')({ size: 22 }), h('label', { class: 'button secondary small file-button' }, chooseText, file), hint);
  const img = h('img', { alt: '' });
  const name = h('p', { class: 'image-name' });
  const remove = h('button', { type: 'button', class: 'button secondary small', on: { click: () => { set(null); onChange(); file.focus(); } } });
  const preview = h('div', { class: 'image-preview' }, img, h('div', { class: 'image-preview-info' }, name, remove));
  const error = h('p', { class: 'field-error', id: id('error') });
  const urlLabel = h('label', { for: id('url') });
  const url = h('input', { type: 'url', id: id('url'), autocomplete: 'off', placeholder: 'https://…', 'aria-describedby': id('error'),
    on: { input: () => { state = { ...state, url: url.value, error: null }; render(); onChange(); } } });
  const el = h('div', { class: 'frame-slot', dataset: { slot } }, title, zone, preview, error, h('div', { class: 'frame-url' }, urlLabel, url));

  async function take(blob, fileName) {
    if (!blob) return;
    state = { ...state, error: null, formError: null, reading: true };
    render();
    const r = await readImage(blob, fileName || t(`frames.${slot}`)).catch(() => ({ error: { key: 'err.imageRead', vars: {} } }));
    state = { ...state, reading: false, ...(r.error ? { error: r.error } : { frame: r.frame, url: '' }) };
    render();
    onChange();
  }

  function set(frame) {
    state = { ...state, frame, url: '', error: null, formError: null };
    render();
  }

  file.addEventListener('change', () => {
    take(file.files[0], file.files[0]?.name);
    file.value = '';
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    take(e.dataTransfer?.files[0], e.dataTransfer?.files[0]?.name);
  });

  function render() {
    const f = state.frame;
    title.textContent = t(`frames.${slot}`);
    chooseText.textContent = t(`frames.choose.${slot}`);
    hint.textContent = t(state.reading ? 'upload.reading' : 'upload.hint');
    remove.textContent = t('upload.remove');
    remove.setAttribute('aria-label', t(`frames.remove.${slot}`));
    urlLabel.textContent = t(`frames.url.${slot}`);
    preview.hidden = !f;
    zone.hidden = Boolean(f);
    img.alt = t(`frames.preview.${slot}`);
    if (f) img.src = f.dataURI;
    name.textContent = f ? `${f.name} · ${bytes(f.size)}` : '';
    url.disabled = Boolean(f);
    url.value = state.url;
    const shown = state.error ?? state.formError;
    error.textContent = shown ? t(shown.key, shown.vars) : '';
  }

  render();
  return {
    el, render, take, set,
    get value() { return state.frame ?? (state.url.trim() ? { url: state.url } : null); },
    showError(formError) {
      if (formError?.key !== state.formError?.key) {
        state = { ...state, formError };
        render();
      }
    },
    focus() { (state.frame ? remove : state.url ? url : file).focus(); },
  };
}
