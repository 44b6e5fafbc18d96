// The model's parameter controls, rendered from its schema (params.js fields): int range → slider
// or number, `values` → select, short enums → segmented buttons, bool → switch, string → text;
// advanced ones folded away.

import { h } from './dom.js';
import { hasString, t } from './strings.js';
import { paramLabel, paramValue } from './params.js';

const valueText = (p, v) => (p.kind === 'enum' && hasString(`value.${v}`) ? t(`value.${v}`) : paramValue(p.name, p.kind === 'int' ? Number(v) : v));

/** `basic`/`advanced` are containers; `advancedBox` the <details> around advanced; `onChange()` after each edit. */
export function createParamFields({ basic, advanced, advancedBox, onChange }) {
  let fields = [];
  let values = {};
  let errors = new Map();

  const changed = (name, v) => {
    values = { ...values, [name]: v };
    onChange();
  };

  function control(p) {
    const id = `param-${p.name}`;
    const label = paramLabel(p.name);
    const v = values[p.name] ?? p.default;
    const err = h('p', { class: 'field-error', id: `${id}-error`, text: errors.get(id) ?? '', hidden: !errors.has(id) });
    const described = { 'aria-describedby': `${id}-error`, 'aria-invalid': String(errors.has(id)) };
    if (p.control === 'segmented') {
      return h('fieldset', { class: 'param segmented', dataset: { param: p.name } }, h('legend', { text: label }),
        h('div', { class: 'segments' }, p.values.map((x) => h('label', {},
          h('input', { type: 'radio', name: id, value: x, checked: x === v, on: { change: () => changed(p.name, x) } }),
          h('span', { text: valueText(p, x) })))), err);
    }
    if (p.control === 'switch') {
      return h('div', { class: 'param switch', dataset: { param: p.name } }, h('label', {},
        h('input', { type: 'checkbox', role: 'switch', id, checked: v === true, on: { change: (e) => changed(p.name, e.target.checked) } }),
        h('span', { text: label })), err);
    }
    let input;
    if (p.control === 'select') {
      input = h('select', { id, ...described, on: { change: (e) => changed(p.name, e.target.value) } },
        p.values.map((x) => h('option', { value: String(x), text: valueText(p, x), selected: String(x) === String(v) })));
    } else if (p.control === 'range') {
      const out = h('output', { for: id, text: valueText(p, v) });
      input = h('input', { type: 'range', id, min: p.min, max: p.max, step: 1, value: v, 'aria-valuetext': valueText(p, v), ...described,
        on: { input: (e) => {
          out.textContent = valueText(p, e.target.value);
          e.target.setAttribute('aria-valuetext', out.textContent);
          changed(p.name, e.target.value);
        } } });
      return h('div', { class: 'param range', dataset: { param: p.name } }, h('label', { for: id }, label, ' ', out), input, err);
    } else if (p.control === 'number') {
      input = h('input', { type: 'number', id, min: p.min, max: p.max, step: 1, inputMode: 'numeric', value: String(v), ...described,
        on: { input: (e) => changed(p.name, e.target.value) } });
    } else {
      input = h('input', { type: 'text', id, value: String(v ?? ''), maxLength: p.max_length ?? 1000, autocomplete: 'off', ...described,
        on: { input: (e) => changed(p.name, e.target.value) } });
    }
    const hint = hasString(`param.hint.${p.name}`) ? h('p', { class: 'hint', text: t(`param.hint.${p.name}`) }) : null;
    return h('div', { class: ['param', p.control], dataset: { param: p.name } }, h('label', { for: id, text: label }), input, hint, err);
  }

  function render() {
    const focused = document.activeElement?.id;
    basic.replaceChildren(...fields.filter((p) => !p.advanced).map(control));
    advanced.replaceChildren(...fields.filter((p) => p.advanced).map(control));
    advancedBox.hidden = !fields.some((p) => p.advanced);
    if (focused?.startsWith('param-')) document.getElementById(focused)?.focus();
  }

  return {
    /** Shows `fields` with `vals` (defaults where missing). */
    show(f, vals = {}) {
      fields = f;
      values = Object.fromEntries(f.map((p) => [p.name, vals[p.name] ?? p.default]));
      errors = new Map();
      render();
    },
    render,
    get values() { return values; },
    /** Marks the fields named by `list` (`[{field, text}]`); re-renders only when that changed. */
    showErrors(list) {
      const next = new Map(list.map((e) => [e.field, e.text]));
      if (next.size === errors.size && [...next].every(([k, v]) => errors.get(k) === v)) return;
      errors = next;
      render();
    },
    focus(field) {
      const name = field.replace(/^param-/, '');
      if (fields.find((p) => p.name === name)?.advanced) advancedBox.open = true;
      (document.getElementById(field) ?? document.querySelector(`[name="${field}"]`))?.focus();
    },
  };
}
