// The generate form: model, mode, first frame, read-only params, prompt, price and submit
// (plan §5.1–5.4). Holds the form state; every handler changes state and calls render().

import { h } from './dom.js';
import { cameraIcon } from './icons.js';
import { createModelSelector } from './model-selector.js';
import { createImageUpload } from './image-upload.js';
import { PROMPT_LIMIT, buildRequest, newIdempotencyKey, promptLength, validateRequest } from './validate.js';
import { t } from './strings.js';

/** `api` is api.js's client; `onSubmitted(job, replayed)` gets the generate answer; `errorText(err)` words an ApiError. */
export function createGenerateForm({ api, onSubmitted, errorText }) {
  const $ = (id) => document.getElementById(id);
  const form = $('generate-form');
  const prompt = $('prompt');
  const submitButton = $('submit-button');
  $('submit-icon').append(cameraIcon({ size: 18 }));

  const state = {
    models: [],          // catalog views
    selectedId: null,
    mode: 'text_to_video',
    firstFrame: null,
    imageURL: '',
    submitting: false,
    tried: false,        // after the first submit attempt, errors follow every change
    errors: [],
    submitError: '',
    submitNotice: '',
  };

  const selector = createModelSelector({
    container: $('model-list'),
    onSelect(id) {
      state.selectedId = id;
      const m = selectedModel();
      if (m && !m.modes.includes(state.mode)) setMode(m.modes[0]);
      else changed();
    },
  });
  const upload = createImageUpload({
    onChange({ firstFrame, imageURL }) { state.firstFrame = firstFrame; state.imageURL = imageURL; changed(); },
    isActive: () => state.mode === 'image_to_video',
    onPasteWhileInactive() {
      if (!selectedModel()?.supportsImage || document.activeElement === prompt) return false;
      setMode('image_to_video');
      return true;
    },
  });

  function selectedModel() { return state.models.find((m) => m.id === state.selectedId) ?? null; }

  function setMode(mode) {
    state.mode = mode;
    for (const r of form.elements.mode) r.checked = r.value === mode;
    changed();
  }

  for (const r of form.elements.mode) r.addEventListener('change', () => { if (r.checked) setMode(r.value); });
  prompt.addEventListener('input', changed);

  function validation() {
    return validateRequest({ model: selectedModel(), mode: state.mode, prompt: prompt.value,
      firstFrame: state.firstFrame, imageURL: state.imageURL });
  }

  function changed() {
    state.submitNotice = '';
    if (state.tried) state.errors = validation().errors;
    render();
  }

  function renderParams(m) {
    const list = $('params-list');
    if (!m) { list.replaceChildren(); $('params-note').hidden = true; return; }
    const row = (label, value) => [h('dt', { text: label }), h('dd', { text: value })];
    list.replaceChildren(
      ...row(t('params.duration'), m.durationText),
      ...row(t('params.resolution'), `${m.resolution}（${m.orientationText}）`),
      ...row(t('params.price'), t('model.price', { price: m.priceText })));
    $('params-note').hidden = !m.isSora;
  }

  function renderErrors() {
    const byField = new Map();
    for (const e of state.errors) if (!byField.has(e.field)) byField.set(e.field, t(e.key, e.vars));
    for (const field of ['model', 'mode', 'imageURL', 'prompt']) {
      const el = $(`${field}-error`);
      el.hidden = !byField.has(field);
      el.textContent = byField.get(field) ?? '';
    }
    prompt.setAttribute('aria-invalid', String(byField.has('prompt')));
    $('image-url').setAttribute('aria-invalid', String(byField.has('imageURL')));
    upload.showError(byField.has('image') ? { key: state.errors.find((e) => e.field === 'image').key, vars: {} } : null);

    const box = $('form-errors');
    if (state.submitError) box.replaceChildren(h('p', { text: state.submitError }));
    else if (byField.size) {
      box.replaceChildren(h('p', { text: t('err.summary') }), h('ul', {}, [...byField.values()].map((m) => h('li', { text: m }))));
    } else box.replaceChildren();
    box.hidden = !state.submitError && byField.size === 0;
  }

  function render() {
    const m = selectedModel();
    for (const r of form.elements.mode) {
      r.disabled = Boolean(m) && !m.modes.includes(r.value);
      r.checked = r.value === state.mode;
    }
    $('image-group').hidden = state.mode !== 'image_to_video';
    renderParams(m);
    const n = promptLength(prompt.value.trim());
    const counter = $('prompt-counter');
    counter.textContent = t('prompt.counter', { n, max: PROMPT_LIMIT });
    counter.classList.toggle('over', n > PROMPT_LIMIT);
    $('cost-before').textContent = m ? t('cost.before', { price: m.priceText }) : '';
    submitButton.disabled = state.submitting || !m;
    submitButton.setAttribute('aria-busy', String(state.submitting));
    $('submit-label').textContent = t(state.submitting ? 'submit.busy' : 'submit.label');
    $('submit-status').textContent = state.submitNotice;
    renderErrors();
  }

  function focusFirstError() {
    const first = state.errors[0]?.field;
    if (first === 'model' || first === 'mode') selector.focus();
    else if (first === 'image') upload.focus();
    else if (first === 'imageURL') $('image-url').focus();
    else if (first === 'prompt') prompt.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.submitting) return;
    state.tried = true;
    state.submitError = '';
    state.submitNotice = '';
    const v = validation();
    state.errors = v.errors;
    if (!v.ok) { render(); focusFirstError(); return; }
    state.submitting = true;
    render();
    try {
      const body = buildRequest({ model: selectedModel(), mode: state.mode, prompt: prompt.value,
        firstFrame: state.firstFrame, imageURL: state.imageURL });
      // A fresh key per click: a double click or a resent request joins the same job.
      const { job, replayed } = await api.generate(body, newIdempotencyKey());
      state.submitNotice = t(replayed ? 'submit.replayed' : 'submit.ok', { id: job.task_id });
      state.tried = false;
      onSubmitted(job, replayed);
    } catch (err) {
      state.submitError = errorText(err);
    } finally {
      state.submitting = false;
      render();
    }
  });

  render();
  return {
    /** Re-renders everything, the model cards included (after a locale change). */
    render() { selector.show(state.models, state.selectedId); render(); },
    showModelsLoading: () => selector.showLoading(),
    showModelsError: (message, retry) => selector.showError(message, retry),
    /** Sets the catalog views, keeping the selection if that model is still usable. */
    setModels(views, selectedId) {
      state.models = views;
      state.selectedId = selectedId;
      const m = selectedModel();
      if (m && !m.modes.includes(state.mode)) state.mode = m.modes[0];
      selector.show(state.models, state.selectedId);
      render();
    },
    get selectedId() { return state.selectedId; },
  };
}
