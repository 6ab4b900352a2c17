// Progressive enhancement only: every form works without this file.
for (const select of document.querySelectorAll('select[data-autosubmit]')) {
  select.form.querySelector('.lang-submit')?.setAttribute('hidden', '');
  select.addEventListener('change', () => select.form.submit());
}
document.querySelector('.error-summary')?.focus();
