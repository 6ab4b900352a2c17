// Progressive enhancement only: every form works without this file.
for (const select of document.querySelectorAll('select[data-autosubmit]')) {
  select.form.querySelector('.lang-submit')?.setAttribute('hidden', '');
  select.addEventListener('change', () => select.form.submit());
}
document.querySelector('.error-summary')?.focus();

// Show the chosen identification image at once, so the person can check it is readable.
for (const input of document.querySelectorAll('input[type=file][data-preview]')) {
  input.addEventListener('change', () => {
    const preview = document.getElementById(input.dataset.preview);
    const file = input.files?.[0];
    if (!preview || !file) return;
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
  });
}

// A SAML message on its way to the university's sign-in: send it at once (the button is the fallback).
document.querySelector('form[data-autosubmit]')?.submit();

// Every password field gets a button that shows what was typed (and hides it again).
const { showPassword, hidePassword } = document.body.dataset;
for (const input of document.querySelectorAll('input[type=password]')) {
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'reveal';
  toggle.textContent = showPassword;
  toggle.setAttribute('aria-pressed', 'false');
  toggle.setAttribute('aria-controls', input.id);
  toggle.addEventListener('click', () => {
    const shown = input.type === 'password';
    input.type = shown ? 'text' : 'password';
    toggle.textContent = shown ? hidePassword : showPassword;
    toggle.setAttribute('aria-pressed', String(shown));
  });
  input.after(toggle);
}

// A new password's rules, ticked off while it is typed (the server checks them again).
const RULES = {
  length: (v) => v.length >= 8,
  charset: (v) => v.length > 0 && /^[A-Za-z0-9]*$/.test(v),
  upper: (v) => /[A-Z]/.test(v),
  lower: (v) => /[a-z]/.test(v),
  digit: (v) => /[0-9]/.test(v),
};
for (const list of document.querySelectorAll('ul[data-rules-for]')) {
  const input = document.getElementById(list.dataset.rulesFor);
  if (!input) continue;
  list.hidden = false;
  const update = () => {
    for (const item of list.querySelectorAll('li[data-rule]')) {
      const met = RULES[item.dataset.rule]?.(input.value) ?? false;
      item.classList.toggle('met', met);
    }
  };
  input.addEventListener('input', update);
  update();
}
