// A modal yes/no question on a native <dialog> (keyboard and focus handling come with it).

/** Returns `ask()`, which opens `dialog` and resolves true when the user confirms. */
export function createConfirm(dialog) {
  return function ask() {
    return new Promise((resolve) => {
      dialog.returnValue = '';
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
      dialog.showModal();
    });
  };
}
