// First-frame input (plan §5.4): file picker, drag-and-drop and paste, with a preview and
// type/size checks before the file is read; or an https image URL instead.

import { checkImageFile, formatBytes, isHttpsURL, sniffImageType } from './validate.js';
import { t } from './strings.js';
import { uploadIcon } from './icons.js';

function readAsDataURL(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

/**
 * `onChange({firstFrame, imageURL})` after every change; `isActive()` tells whether pasted
 * images should be taken; `onPasteWhileInactive()` lets the form switch to image mode first.
 */
export function createImageUpload({ onChange, isActive, onPasteWhileInactive }) {
  const $ = (id) => document.getElementById(id);
  const fileInput = $('image-file');
  const dropzone = $('dropzone');
  const preview = $('image-preview');
  const previewImg = $('image-preview-img');
  const previewName = $('image-preview-name');
  const reading = $('image-reading');
  const urlInput = $('image-url');
  const errorEl = $('image-error');
  $('dropzone-icon').append(uploadIcon({ size: 28 }));

  // `error` is about the chosen file (type, size, unreadable); `formError` comes from the form's validation.
  let state = { firstFrame: null, reading: false, error: null, formError: null, imageURL: '' };

  function emit() { onChange({ firstFrame: state.firstFrame, imageURL: state.imageURL }); }

  async function take(file) {
    if (!file) return;
    state = { ...state, error: null, reading: true };
    render();
    try {
      const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
      const type = sniffImageType(head) ?? file.type;
      const problem = checkImageFile({ type, size: file.size });
      if (problem) {
        state = { ...state, reading: false, error: problem };
        render();
        return;
      }
      let dataURI = await readAsDataURL(file);
      // Browsers label pasted or oddly named files wrongly; the API checks the bytes, so say what they are.
      dataURI = `data:${type};base64,${dataURI.slice(dataURI.indexOf(',') + 1)}`;
      state = { ...state, reading: false, error: null, imageURL: '',
        firstFrame: { dataURI, name: file.name || 'image', size: file.size, type } };
      urlInput.value = '';
    } catch {
      state = { ...state, reading: false, error: { key: 'err.imageRead', vars: {} } };
    }
    render();
    emit();
  }

  fileInput.addEventListener('change', () => {
    take(fileInput.files?.[0]);
    fileInput.value = '';
  });
  for (const ev of ['dragenter', 'dragover']) {
    dropzone.addEventListener(ev, (e) => {
      if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
      e.preventDefault();
      dropzone.classList.add('dragging');
    });
  }
  for (const ev of ['dragleave', 'dragend']) dropzone.addEventListener(ev, () => dropzone.classList.remove('dragging'));
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('dragging');
    take(e.dataTransfer?.files?.[0]);
  });
  document.addEventListener('paste', (e) => {
    // Some sources paste files without a type; take them too, the bytes decide (checkImageFile).
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/') || f.type === '');
    if (!file) return;
    if (!isActive()) {
      if (!onPasteWhileInactive()) return;
    }
    e.preventDefault();
    take(file);
  });
  $('image-remove').addEventListener('click', () => {
    state = { ...state, firstFrame: null, error: null };
    render();
    emit();
    fileInput.focus();
  });
  urlInput.addEventListener('input', () => {
    state = { ...state, imageURL: urlInput.value };
    renderURLPreview();
    emit();
  });
  previewImg.addEventListener('error', () => { if (!state.firstFrame) preview.hidden = true; });

  function renderURLPreview() {
    if (state.firstFrame) return;
    const url = state.imageURL.trim();
    if (isHttpsURL(url)) {
      previewImg.src = url;
      previewName.textContent = url;
      preview.hidden = false;
      preview.classList.add('from-url');
    } else {
      preview.hidden = true;
      previewImg.removeAttribute('src');
    }
  }

  function render() {
    const f = state.firstFrame;
    reading.hidden = !state.reading;
    const shown = state.error ?? state.formError;
    errorEl.hidden = !shown;
    errorEl.textContent = shown ? t(shown.key, shown.vars) : '';
    urlInput.disabled = Boolean(f);
    preview.classList.remove('from-url');
    if (f) {
      previewImg.src = f.dataURI;
      previewImg.alt = t('upload.preview');
      previewName.textContent = `${f.name} · ${formatBytes(f.size)}`;
      preview.hidden = false;
    } else {
      renderURLPreview();
    }
    $('image-remove').hidden = !f;
  }

  render();
  return {
    render,
    /** A validation error for the image field from the form (null clears it). */
    showError(formError) {
      if (formError?.key === state.formError?.key) return;
      state = { ...state, formError };
      render();
    },
    focus() { (state.firstFrame ? $('image-remove') : fileInput).focus(); },
    get value() { return { firstFrame: state.firstFrame, imageURL: state.imageURL }; },
  };
}
