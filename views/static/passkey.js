// Passkeys (progressive enhancement): the login page's "Log in with a passkey", the browser's
// passkey offer in the address field (conditional UI), and adding a passkey on the account page.
// Where the browser has no WebAuthn nothing here shows, and every other form works as before.
(() => {
  const webauthn = globalThis.SimpleWebAuthnBrowser;
  if (!webauthn?.browserSupportsWebAuthn()) return;
  for (const note of document.querySelectorAll('.passkey-unsupported')) note.hidden = true;

  const say = (box, text) => {
    const line = box.querySelector('.passkey-message');
    line.textContent = text;
    line.hidden = false;
  };

  // Login: the options carry a fresh challenge bound to this login; the signed answer is posted as a form.
  const login = document.querySelector('[data-passkey-options]');
  if (login) {
    const form = login.querySelector('form');
    const authenticate = async (autofill) => {
      const response = await fetch(login.dataset.passkeyOptions, { credentials: 'same-origin' });
      const optionsJSON = await response.json();
      const answer = await webauthn.startAuthentication({ optionsJSON, useBrowserAutofill: autofill });
      form.elements.response.value = JSON.stringify(answer);
      form.submit();
    };
    login.hidden = false;
    login
      .querySelector('button')
      .addEventListener('click', () => authenticate(false).catch(() => say(login, login.dataset.passkeyFailed)));
    // The browser's offer in the address field, but not again on a page that reports a failure.
    if (!document.querySelector('.error-summary:not([hidden])')) {
      webauthn.browserSupportsWebAuthnAutofill().then((yes) => {
        if (yes) authenticate(true).catch(() => {});
      });
    }
  }

  // Adding a passkey: the options were made when the person re-entered both passwords.
  const add = document.querySelector('[data-passkey-registration]');
  if (add) {
    const form = add.querySelector('form');
    add.hidden = false;
    form.addEventListener('submit', async (event) => {
      if (form.elements.response.value) return;
      event.preventDefault();
      try {
        const optionsJSON = JSON.parse(add.dataset.passkeyRegistration);
        form.elements.response.value = JSON.stringify(await webauthn.startRegistration({ optionsJSON }));
        form.submit();
      } catch {
        say(add, add.dataset.passkeyFailed);
      }
    });
  }
})();
