// The sign-in screen, loaded the first time an API call answers 401 `unauthorized`: a password form
// that words `bad_password` and waits out `too_many_attempts`.

import { t } from './strings.js';
import { loadLaterStyles } from './dom.js';
import { errorText } from './api.js';

loadLaterStyles();

const $ = (id) => document.getElementById(id);

export function createSignin({ login, onSignedIn }) {
  const [screen, main, password, button, error] = ['signin', 'main', 'password', 'signin-button', 'signin-error'].map($);
  let busy = false;
  let waitUntil = 0;

  function render() {
    button.disabled = busy || Date.now() < waitUntil;
    button.textContent = t(busy ? 'signin.busy' : 'signin.submit');
  }

  function show(shown) {
    screen.hidden = !shown;
    main.hidden = shown;
    main.inert = shown;
  }

  $('signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (button.disabled) return;
    busy = Boolean(password.value);
    error.textContent = busy ? '' : t('signin.empty');
    render();
    if (!busy) return password.focus();
    try {
      await login(password.value);
      password.value = '';
      show(false);
      onSignedIn();
    } catch (err) {
      error.textContent = errorText(err);
      const wait = err.code === 'too_many_attempts' ? Number(err.params?.retry_after ?? err.retryAfter) : 0;
      if (wait > 0) {
        waitUntil = Date.now() + wait * 1000;
        setTimeout(render, wait * 1000 + 50);
      }
      password.select();
    }
    busy = false;
    render();
  });

  return {
    show() {
      if (!screen.hidden) return;
      for (const d of document.querySelectorAll('dialog[open]')) d.close();
      show(true);
      $('signout').hidden = true;
      render();
      password.focus();
    },
    render,
  };
}
