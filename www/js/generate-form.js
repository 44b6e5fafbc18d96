// The generate form: model, prompt, the model's parameters, first/last frames, price and submit.
// Holds the form state; handlers change it and call render(). Ctrl/Cmd+Enter submits.

import { h } from './dom.js';
import { t } from './strings.js';
import { usd } from './format.js';
import { cameraIcon } from './icons.js';
import { createParamFields } from './param-fields.js';
import { createFrameInput, readImage } from './frame-input.js';
import { normalizeParams, paramFields } from './params.js';
import { priceUSD } from './price.js';
import { PROMPT_LIMIT, buildRequest, modeOf, newIdempotencyKey, promptLength, validateRequest } from './validate.js';

/** `api`; `onSubmitted(job, replayed)`; `errorText(err)`; `spendLeft()` → USD or null (no cap / unknown). */
export function createGenerateForm({ api, onSubmitted, errorText, spendLeft = () => null }) {
  const $ = (id) => document.getElementById(id);
  const form = $('generate-form');
  const select = $('model');
  const prompt = $('prompt');
  const submit = $('submit-button');
  const framesBox = $('frames');
  $('submit-icon').append(cameraIcon({ size: 18 }));

  const state = { models: [], selectedId: null, phase: 'loading', loadError: '', onRetry: null,
    submitting: false, tried: false, errors: [], submitError: '', notice: '' };

  const params = createParamFields({ basic: $('param-fields'), advanced: $('param-advanced'), advancedBox: $('params-advanced'), onChange: changed });
  const frames = { first: createFrameInput({ slot: 'first', onChange: changed }), last: createFrameInput({ slot: 'last', onChange: changed }) };
  $('frame-slots').append(frames.first.el, frames.last.el);

  const model = () => state.models.find((m) => m.id === state.selectedId) ?? null;

  const mode = () => modeOf(frames.first.value, frames.last.value);
  let shownFields = '';   // names of the parameter controls on screen
  /** Shows the parameters the model takes in the current mode (Ark takes no ratio with a first frame). */
  function showParams(values = params.values) {
    const fields = paramFields(model()?.raw, mode());
    shownFields = fields.map((p) => p.name).join();
    params.show(fields, values);
  }

  function pick(id, values = params.values) {
    state.selectedId = id;
    const m = model();
    showParams(values);
    if (!m?.supportsFirst) frames.first.set(null);
    if (!m?.supportsLast) frames.last.set(null);
    if (m?.needsImage) framesBox.open = true;
  }

  select.addEventListener('change', () => { pick(select.value); changed(); });
  prompt.addEventListener('input', changed);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => f.type.startsWith('image/') || f.type === '');
    const m = model();
    if (!file || !m?.supportsFirst) return;
    e.preventDefault();
    framesBox.open = true;
    (frames.first.value && m.supportsLast ? frames.last : frames.first).take(file, file.name);
  });

  const input = () => ({ model: model()?.raw ?? null, prompt: prompt.value, params: params.values,
    first: frames.first.value, last: frames.last.value });
  const price = () => {
    const m = model();
    return m ? priceUSD(m.raw, normalizeParams(m.raw, params.values, mode())) : null;
  };

  function changed() {
    state.notice = '';
    if (paramFields(model()?.raw, mode()).map((p) => p.name).join() !== shownFields) showParams();
    if (state.tried) state.errors = validateRequest(input()).errors;
    render();
  }

  function renderModels() {
    if (state.phase !== 'ready') {
      select.replaceChildren(h('option', { value: '', text: state.phase === 'error' ? t('model.loadFailed', { message: state.loadError }) : t('model.loading') }));
      select.disabled = true;
      return;
    }
    select.disabled = false;
    select.replaceChildren(...state.models.map((m) => h('option', { value: m.id, disabled: m.retired,
      text: m.retired ? `${m.label} · ${t('model.retired')}` : m.label })));
    select.value = state.selectedId ?? '';
  }

  function renderModelInfo(m) {
    $('model-summary').textContent = m ? [m.vendor, m.priceText, m.typicalText].filter(Boolean).join(' · ') : '';
    $('model-details').hidden = !m;
    if (!m) return;
    const modes = m.modes.map((x) => t(`mode.${x}`)).join(' / ');
    $('model-info').replaceChildren(
      m.description ? h('p', { text: m.description }) : null,
      h('p', { class: 'hint', text: `${t('model.modes')}: ${modes}` }),
      m.tags.length ? h('p', { class: 'tags' }, m.tags.map((x) => h('span', { class: ['tag', x === 'Sora' && 'tag-sora'], text: x }))) : null,
      ...state.models.filter((x) => x.retired).map((x) => h('p', { class: 'model-notice', text: [x.label, t('model.retired'), x.notice].filter(Boolean).join(' · ') })));
  }

  function renderErrors() {
    const by = new Map();
    for (const e of state.errors) if (!by.has(e.field)) by.set(e.field, e);
    for (const field of ['model', 'prompt']) {
      const el = $(`${field}-error`);
      el.hidden = !by.has(field);
      el.textContent = by.has(field) ? t(by.get(field).key, by.get(field).vars) : '';
    }
    prompt.setAttribute('aria-invalid', String(by.has('prompt')));
    params.showErrors(state.errors.filter((e) => e.field.startsWith('param-')).map((e) => ({ field: e.field, text: t(e.key, e.vars) })));
    for (const slot of ['first', 'last']) frames[slot].showError(by.get(slot) ?? by.get(`${slot}URL`) ?? null);
    // The summary names how many fields need work; each message itself is shown once, at its field.
    const box = $('form-errors');
    box.hidden = !state.submitError && !by.size;
    box.textContent = state.submitError || (by.size ? t('err.summary', { n: by.size }) : '');
  }

  function render() {
    renderModels();
    const m = model();
    renderModelInfo(m);
    $('params').hidden = !shownFields;
    framesBox.hidden = !m?.supportsFirst;
    frames.last.el.hidden = !m?.supportsLast;
    $('frames-hint').textContent = m ? t(m.needsImage ? 'frames.required' : m.supportsLast ? 'frames.optionalBoth' : 'frames.optional') : '';
    const n = promptLength(prompt.value.trim());
    const counter = $('prompt-counter');
    counter.textContent = t('prompt.counter', { n, max: PROMPT_LIMIT });
    counter.classList.toggle('over', n > PROMPT_LIMIT);
    const p = price();
    const left = spendLeft();
    $('cost-before').textContent = !m ? '' : p === null ? t('cost.unknown')
      : left !== null && p > left ? t('cost.overBudget', { price: usd(p), left: usd(left) }) : t('cost.before', { price: usd(p) });
    $('cost-before').classList.toggle('over', p !== null && left !== null && p > left);
    submit.disabled = state.submitting || !m;
    submit.setAttribute('aria-busy', String(state.submitting));
    $('submit-label').textContent = t(state.submitting ? 'submit.busy' : 'submit.label');
    $('submit-status').textContent = state.notice;
    renderErrors();
  }

  function focusFirstError() {
    const f = state.errors[0]?.field;
    if (f === 'model') select.focus();
    else if (f === 'prompt') prompt.focus();
    else if (f?.startsWith('param-')) params.focus(f);
    else if (f) {
      framesBox.open = true;
      frames[f.startsWith('last') ? 'last' : 'first'].focus();
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.submitting) return;
    state.tried = true;
    state.submitError = '';
    state.notice = '';
    const v = validateRequest(input());
    state.errors = v.errors;
    if (!v.ok) { render(); focusFirstError(); return; }
    state.submitting = true;
    render();
    try {
      // A fresh key per submit: a double click or a resent request joins the same job.
      const { job, replayed } = await api.generate(buildRequest(input()), newIdempotencyKey());
      state.notice = t(replayed ? 'submit.replayed' : 'submit.ok', { id: job.task_id });
      state.tried = false;
      state.submitting = false;
      render();
      onSubmitted(job, replayed);
    } catch (err) {
      state.submitError = errorText(err);
      state.submitting = false;
      render();
    }
  });

  render();
  return {
    render() { params.render(); frames.first.render(); frames.last.render(); render(); },
    showModelsLoading() { state.phase = 'loading'; render(); },
    showModelsError(message) { state.phase = 'error'; state.loadError = message; render(); },
    /** Sets the catalog views, keeping the selection and values where still usable. */
    setModels(views, selectedId) {
      const first = state.phase !== 'ready' || state.selectedId !== selectedId;
      state.models = views;
      state.phase = 'ready';
      if (first) pick(selectedId);
      render();
    },
    /** Fills the form with a job's settings (Edit): model, parameters, prompt and its uploaded frames. */
    async edit(doc) {
      const m = state.models.find((x) => x.id === doc.model && !x.retired);
      if (m) pick(m.id, normalizeParams(m.raw, doc.params));
      prompt.value = doc.orig_prompt ?? '';
      frames.first.set(null);
      frames.last.set(null);
      changed();
      let notice = m ? '' : t('edit.modelGone');
      form.scrollIntoView({ block: 'start' });
      prompt.focus();
      const wanted = !m || doc.mode === 'text_to_video' || !doc.mode ? [] : doc.mode === 'first_last_frame' ? ['first', 'last'] : ['first'];
      if (wanted.length) framesBox.open = true;
      for (const slot of wanted) {
        try {
          const r = await readImage(await api.image(doc.task_id, slot), t(`frames.${slot}`));
          if (r.frame) frames[slot].set(r.frame);
          else throw new Error('not an image');
        } catch {
          notice = t('edit.frameMissing', { slot: t(`frames.${slot}`) });
        }
      }
      changed();
      state.notice = notice;
      render();
    },
    get selectedId() { return state.selectedId; },
    price,
  };
}
