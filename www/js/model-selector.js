// The model selector (plan §5.1): one radio card per catalog entry with camera icon, label,
// description and tags; retired models are shown disabled with their notice.

import { h } from './dom.js';
import { cameraIcon } from './icons.js';
import { t } from './strings.js';

/** `container` receives the cards; `onSelect(id)` is called when the user picks a model. */
export function createModelSelector({ container, onSelect }) {
  let state = { phase: 'loading', models: [], selectedId: null, error: '', onRetry: null };

  function option(m) {
    const input = h('input', {
      type: 'radio', name: 'model', value: m.id, checked: m.id === state.selectedId, disabled: m.disabled,
      id: `model-${m.id}`, 'aria-describedby': `model-${m.id}-desc`,
      on: { change: () => onSelect(m.id) },
    });
    return h('label', { class: ['model-option', m.retired && 'retired'], dataset: { model: m.id } },
      input,
      h('span', { class: 'model-card' },
        h('span', { class: 'model-icon' }, cameraIcon({ size: 22 })),
        h('span', { class: 'model-text' },
          h('span', { class: 'model-label', text: m.label }),
          h('span', { class: 'model-desc', id: `model-${m.id}-desc`, text: m.description }),
          h('span', { class: 'tags' }, m.tags.map((tag) => h('span', { class: ['tag', tag === 'Sora' && 'tag-sora'], text: tag }))),
          m.retired ? h('span', { class: 'model-notice', text: [t('model.retired'), m.notice].filter(Boolean).join(' · ') }) : null)));
  }

  function render() {
    if (state.phase === 'loading') {
      container.replaceChildren(h('p', { class: 'hint', text: t('model.loading') }));
    } else if (state.phase === 'error') {
      container.replaceChildren(h('div', { class: 'inline-error', role: 'alert' },
        h('span', { text: t('model.loadFailed', { message: state.error }) }), ' ',
        h('button', { type: 'button', class: 'button secondary small', text: t('model.retry'), on: { click: () => state.onRetry?.() } })));
    } else {
      container.replaceChildren(...state.models.map(option));
    }
  }

  return {
    render,
    showLoading() { state = { ...state, phase: 'loading' }; render(); },
    showError(message, onRetry) { state = { ...state, phase: 'error', error: message, onRetry }; render(); },
    /** `models` are catalog views (catalog-view.js). */
    show(models, selectedId) { state = { ...state, phase: 'ready', models, selectedId }; render(); },
    focus() { container.querySelector('input:checked:not(:disabled), input:not(:disabled)')?.focus(); },
  };
}
