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
