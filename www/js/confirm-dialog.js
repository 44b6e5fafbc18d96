// A modal yes/no question on a native <dialog> (keyboard and focus handling come with it).

/** Returns `ask(body)`, which shows `body` in the dialog and resolves true when the user confirms. */
export function createConfirm(dialog, bodyEl) {
  return function ask(body) {
    return new Promise((resolve) => {
      bodyEl.textContent = body;
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
    });
  };
}
