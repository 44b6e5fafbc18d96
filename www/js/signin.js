// The sign-in screen, shown whenever an API call answers 401 `unauthorized`: a password form for
// `POST api/login` that words `bad_password` and `too_many_attempts` (and waits out retry_after).

import { t } from './strings.js';

/** `login(password)` calls the API; `errorText(err)`; `onSignedIn()` after a successful login. */
export function createSignin({ login, errorText, onSignedIn }) {
  const $ = (id) => document.getElementById(id);
  const screen = $('signin');
  const form = $('signin-form');
  const password = $('password');
  const button = $('signin-button');
  const error = $('signin-error');
  const main = $('main');
  let busy = false;
  let waitUntil = 0;

  function render() {
    const waiting = Date.now() < waitUntil;
    button.disabled = busy || waiting;
    button.textContent = t(busy ? 'signin.busy' : 'signin.submit');
    error.hidden = !error.textContent;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy || Date.now() < waitUntil) return;
    if (!password.value) {
      error.textContent = t('signin.empty');
      render();
      password.focus();
      return;
    }
    busy = true;
    error.textContent = '';
    render();
    try {
      await login(password.value);
      password.value = '';
      busy = false;
      hide();
      onSignedIn();
    } catch (err) {
      busy = false;
      error.textContent = errorText(err);
      const wait = Number(err.params?.retry_after ?? err.retryAfter);
      if (err.code === 'too_many_attempts' && wait > 0) {
        waitUntil = Date.now() + wait * 1000;
        setTimeout(render, wait * 1000 + 50);
      }
      render();
      password.select();
    }
  });

  function hide() {
    screen.hidden = true;
    main.hidden = false;
    main.inert = false;
  }

  return {
    show() {
      if (!screen.hidden) return;
      document.querySelectorAll('dialog[open]').forEach((d) => d.close());
      screen.hidden = false;
      main.hidden = true;
      main.inert = true;
      $('signout').hidden = true;
      render();
      password.focus();
    },
    hide,
    get shown() { return !screen.hidden; },
    render,
  };
}
