// The generate form: model, prompt, the model's parameter controls (advanced ones folded), frames
// (frames.js, on demand), price and submit (Ctrl/Cmd+Enter too).

import { t, usd } from './strings.js';
import { cameraIcon, h } from './dom.js';
import { PROMPT_LIMIT, buildRequest, modeOf, newIdempotencyKey, normalizeParams, paramFields, paramLabel, paramValue, priceUSD, promptLength, validateRequest } from './api.js';

function createParamFields({ basic, advanced, advancedBox, onChange }) {
  let fields = [];
  let values = {};
  let errors = new Map();
  const changed = (name, v) => {
    values = { ...values, [name]: v };
    onChange();
  };

  function control(p) {
    const id = `param-${p.name}`;
    const v = values[p.name];
    const text = (x) => paramValue(p.name, p.kind === 'int' ? Number(x) : x);
    const err = h('p', { class: 'field-error', id: `${id}-error`, text: errors.get(id) ?? '' });
    const attrs = { id, 'aria-describedby': err.id, 'aria-invalid': String(errors.has(id)) };
    const box = (...kids) => h('div', { class: ['param', p.control], dataset: { param: p.name } }, ...kids, err);
    if (p.control === 'switch') {
      return box(h('label', {}, h('input', { type: 'checkbox', role: 'switch', id, checked: v === true,
        on: { change: (e) => changed(p.name, e.target.checked) } }), h('span', { text: paramLabel(p.name) })));
    }
    if (p.control === 'select') {
      return box(h('label', { for: id, text: paramLabel(p.name) }), h('select', { ...attrs, on: { change: (e) => changed(p.name, e.target.value) } },
        p.values.map((x) => h('option', { value: x, text: text(x), selected: String(x) === String(v) }))));
    }
    if (p.control === 'range') {
      const out = h('output', { for: id, text: text(v) });
      return box(h('label', { for: id }, paramLabel(p.name), ' ', out), h('input', { ...attrs, type: 'range', min: p.min, max: p.max, value: v,
        'aria-valuetext': text(v), on: { input: (e) => {
          out.textContent = text(e.target.value);
          e.target.setAttribute('aria-valuetext', out.textContent);
          changed(p.name, e.target.value);
        } } }));
    }
    const number = p.control === 'number';
    return box(h('label', { for: id, text: paramLabel(p.name) }), h('input', { ...attrs, type: number ? 'number' : 'text', value: v ?? '',
      ...(number ? { min: p.min, max: p.max, step: 1 } : { maxLength: p.max_length ?? 1000 }), on: { input: (e) => changed(p.name, e.target.value) } }));
  }

  function render() {
    const focused = document.activeElement?.id;
    basic.replaceChildren(...fields.filter((p) => !p.advanced).map(control));
    advanced.replaceChildren(...fields.filter((p) => p.advanced).map(control));
    advancedBox.hidden = !fields.some((p) => p.advanced);
    if (focused?.startsWith('param-')) document.getElementById(focused)?.focus();
  }

  return {
    show(f, vals = {}) {
      fields = f;
      values = Object.fromEntries(f.map((p) => [p.name, vals[p.name] ?? p.default]));
      errors = new Map();
      render();
    },
    render,
    get values() { return values; },
    showErrors(list) {
      const next = new Map(list.map((e) => [e.field, e.text]));
      if (next.size === errors.size && [...next].every(([k, v]) => errors.get(k) === v)) return;
      errors = next;
      render();
    },
    focus(field) {
      if (fields.find((p) => `param-${p.name}` === field)?.advanced) advancedBox.open = true;
      document.getElementById(field)?.focus();
    },
  };
}

export function createGenerateForm({ api, onSubmitted, errorText, spendLeft }) {
  const $ = (id) => document.getElementById(id);
  const form = $('generate-form');
  const select = $('model');
  const prompt = $('prompt');
  const submit = $('submit-button');
  const framesBox = $('frames');
  $('submit-icon').append(cameraIcon({ size: 18 }));

  const state = { models: [], selectedId: null, loadError: null, submitting: false, tried: false, errors: [], submitError: '', notice: '' };
  const params = createParamFields({ basic: $('param-fields'), advanced: $('param-advanced'), advancedBox: $('params-advanced'), onChange: changed });
  let frames = null;   // the two slots, once frames are wanted
  const frame = (s) => frames?.[s].value ?? null;
  async function loadFrames() {
    if (!frames) {
      const { createFrameInput } = await import('./frames.js');
      frames ??= { first: createFrameInput({ slot: 'first', onChange: changed }), last: createFrameInput({ slot: 'last', onChange: changed }) };
      $('frame-slots').replaceChildren(frames.first.el, frames.last.el);
      render();
    }
    return frames;
  }
  framesBox.addEventListener('toggle', () => framesBox.open && loadFrames());

  const model = () => state.models.find((m) => m.id === state.selectedId) ?? null;
  const mode = () => modeOf(frame('first'), frame('last'));
  const fieldsNow = () => paramFields(model()?.raw, mode());
  let shownFields = '';
  const showParams = (values = params.values) => {
    shownFields = fieldsNow().map((p) => p.name).join();
    params.show(fieldsNow(), values);
  };

  function pick(id, values) {
    state.selectedId = id;
    const m = model();
    if (!m?.supportsFirst) frames?.first.set(null);
    if (!m?.supportsLast) frames?.last.set(null);
    if (m?.needsImage) framesBox.open = true;
    showParams(values);
  }

  select.addEventListener('change', () => { pick(select.value); renderModels(); changed(); });
  prompt.addEventListener('input', changed);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files ?? [])].find((f) => /^image\/|^$/.test(f.type));
    if (!file || !model()?.supportsFirst) return;
    e.preventDefault();
    framesBox.open = true;
    loadFrames().then((f) => (f.first.value && model().supportsLast ? f.last : f.first).take(file, file.name));
  });

  const input = () => ({ model: model()?.raw, prompt: prompt.value, params: params.values, first: frame('first'), last: frame('last') });
  const price = () => (model() ? priceUSD(model().raw, normalizeParams(model().raw, params.values, mode())) : null);

  function changed() {
    state.notice = '';
    if (fieldsNow().map((p) => p.name).join() !== shownFields) showParams();
    if (state.tried) state.errors = validateRequest(input()).errors;
    render();
  }

  /** The model select and details: only when the catalog or the language changes (not while someone uses them). */
  function renderModels() {
    const m = model();
    select.disabled = !state.models.length;
    select.replaceChildren(...(state.models.length ? state.models.map((x) => h('option', { value: x.id, disabled: x.retired,
      text: x.retired ? `${x.label} · ${t('model.retired')}` : x.label }))
      : [h('option', { text: state.loadError === null ? t('model.loading') : t('model.loadFailed', { message: state.loadError }) })]));
    select.value = state.selectedId ?? '';
    $('model-summary').textContent = m ? [m.vendor, m.priceText, m.typicalText].filter(Boolean).join(' · ') : '';
    $('model-details').hidden = !m;
    $('model-info').replaceChildren(...(m ? [
      h('p', { text: m.description }),
      h('p', { class: 'hint', text: `${t('model.modes')}: ${m.modes.map((x) => t(`mode.${x}`)).join(' / ')}` }),
      h('p', { class: 'tags' }, m.tags.map((x) => h('span', { class: 'tag', text: x }))),
      ...state.models.filter((x) => x.retired && x.notice).map((x) => h('p', { class: 'model-notice', text: `${x.label}: ${x.notice}` })),
    ] : []));
  }

  function render() {
    const m = model();
    $('params').hidden = !shownFields;
    framesBox.hidden = !m?.supportsFirst;
    if (frames) frames.last.el.hidden = !m?.supportsLast;
    $('frames-hint').textContent = m ? t(m.needsImage ? 'frames.required' : m.supportsLast ? 'frames.optionalBoth' : 'frames.optional') : '';
    const n = promptLength(prompt.value.trim());
    $('prompt-counter').textContent = `${n} / ${PROMPT_LIMIT}`;
    $('prompt-counter').classList.toggle('over', n > PROMPT_LIMIT);
    const p = price();
    const left = spendLeft();
    const over = p !== null && left !== null && p > left;
    $('cost-before').textContent = !m ? '' : p === null ? t('cost.unknown') : t(over ? 'cost.overBudget' : 'cost.before', { price: usd(p), left: usd(left) });
    $('cost-before').classList.toggle('over', over);
    submit.disabled = state.submitting || !m;
    submit.setAttribute('aria-busy', String(state.submitting));
    $('submit-label').textContent = t(state.submitting ? 'submit.busy' : 'submit.label');
    $('submit-status').textContent = state.notice;
    // Each message once, at its field; the summary counts them.
    const by = new Map();
    for (const e of state.errors) if (!by.has(e.field)) by.set(e.field, e);
    for (const f of ['model', 'prompt']) $(`${f}-error`).textContent = by.has(f) ? t(by.get(f).key, by.get(f).vars) : '';
    prompt.setAttribute('aria-invalid', String(by.has('prompt')));
    params.showErrors(state.errors.filter((e) => e.field.startsWith('param-')).map((e) => ({ field: e.field, text: t(e.key, e.vars) })));
    for (const s of ['first', 'last']) frames?.[s].showError(by.get(s) ?? by.get(`${s}URL`) ?? null);
    $('form-errors').hidden = !state.submitError && !by.size;
    $('form-errors').textContent = state.submitError || (by.size ? t('err.summary', { n: by.size }) : '');
  }

  function focusFirstError() {
    const f = state.errors[0]?.field ?? '';
    if (f === 'model') select.focus();
    else if (f === 'prompt') prompt.focus();
    else if (f.startsWith('param-')) params.focus(f);
    else {
      framesBox.open = true;
      loadFrames().then((fs) => fs[f.startsWith('last') ? 'last' : 'first'].focus());
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (state.submitting) return;
    Object.assign(state, { tried: true, submitError: '', notice: '', errors: validateRequest(input()).errors });
    if (state.errors.length) {
      render();
      focusFirstError();
      return;
    }
    state.submitting = true;
    render();
    try {
      // A fresh key per submit: a double click or a resent request joins the same job.
      const { job, replayed } = await api.generate(buildRequest(input()), newIdempotencyKey());
      Object.assign(state, { submitting: false, tried: false, notice: t(replayed ? 'submit.replayed' : 'submit.ok', { id: job.task_id }) });
      render();
      onSubmitted(job);
    } catch (err) {
      Object.assign(state, { submitting: false, submitError: errorText(err) });
      render();
    }
  });

  renderModels();
  render();
  return {
    /** Everything again (the language changed). */
    render() { params.render(); frames?.first.render(); frames?.last.render(); renderModels(); render(); },
    /** Only the price line and what depends on the day's spend. */
    refresh: () => render(),
    showModelsError(message) { state.loadError = message; renderModels(); },
    setModels(views, selectedId) {
      const changedModel = state.selectedId !== selectedId || !state.models.length;
      state.models = views;
      if (changedModel) pick(selectedId);
      renderModels();
      render();
    },
    async edit(doc) {
      const m = state.models.find((x) => x.id === doc.model && !x.retired);
      frames?.first.set(null);
      frames?.last.set(null);
      if (m) pick(m.id, normalizeParams(m.raw, doc.params));
      renderModels();
      prompt.value = doc.orig_prompt ?? '';
      changed();
      form.scrollIntoView({ block: 'start' });
      prompt.focus();
      let notice = m ? '' : t('edit.modelGone');
      const slots = m && doc.mode === 'first_last_frame' ? ['first', 'last'] : m && doc.mode === 'image_to_video' ? ['first'] : [];
      if (slots.length) framesBox.open = true;
      const { readImage } = slots.length ? await import('./frames.js') : {};
      for (const slot of slots) {
        const r = await api.image(doc.task_id, slot).then((b) => readImage(b, t(`frames.${slot}`))).catch(() => ({}));
        if (r.frame) (await loadFrames())[slot].set(r.frame);
        else notice = t('edit.frameMissing', { slot: t(`frames.${slot}`) });
      }
      changed();
      state.notice = notice;
      render();
    },
    get selectedId() { return state.selectedId; },
  };
}
