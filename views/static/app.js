// Progressive enhancement only: every form works without this file.
for (const select of document.querySelectorAll('select[data-autosubmit]')) {
  select.form.querySelector('.lang-submit')?.setAttribute('hidden', '');
  select.addEventListener('change', () => select.form.submit());
}
document.querySelector('.error-summary')?.focus();

// A phone photo over the size limit is made smaller here before it is sent (the server still
// checks): drawn again as JPEG, at most 2,560 pixels on its longest side, smaller until it fits.
async function shrink(file, maxBytes) {
  if (!(file.size > maxBytes) || !file.type.startsWith('image/') || typeof DataTransfer === 'undefined') return file;
  try {
    const bitmap = await createImageBitmap(file);
    let scale = Math.min(1, 2560 / Math.max(bitmap.width, bitmap.height));
    for (let attempt = 0; attempt < 6; attempt++, scale *= 0.75) {
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((done) => canvas.toBlob(done, 'image/jpeg', 0.85));
      if (blob && blob.size <= maxBytes)
        return new File([blob], `${file.name.replace(/\.\w+$/, '')}.jpg`, { type: 'image/jpeg' });
    }
  } catch {
    // Not an image the browser can read: send it as it is and let the server say so.
  }
  return file;
}

// Show the chosen identification image at once, so the person can check it is readable.
for (const input of document.querySelectorAll('input[type=file][data-preview]')) {
  input.addEventListener('change', async () => {
    const chosen = input.files?.[0];
    if (!chosen) return;
    const file = await shrink(chosen, Number(input.dataset.maxBytes));
    if (file !== chosen) {
      const transfer = new DataTransfer();
      transfer.items.add(file);
      input.files = transfer.files;
    }
    const preview = document.getElementById(input.dataset.preview);
    if (!preview) return;
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
  length: (v, list) => v.length >= Number(list.dataset.minLength || 8),
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
      const met = RULES[item.dataset.rule]?.(input.value, list) ?? false;
      item.classList.toggle('met', met);
    }
  };
  input.addEventListener('input', update);
  update();
}

// Staff console: turn an identification image a quarter at a time, zoom it by clicking it, and
// choose a decision by its key (A, R, B) unless the person is typing.
for (const button of document.querySelectorAll('button[data-rotate]')) {
  const image = document.getElementById(button.dataset.rotate);
  let turns = 0;
  button.addEventListener('click', () => {
    turns = (turns + 1) % 4;
    image.style.transform = `rotate(${turns * 90}deg)`;
  });
}
for (const image of document.querySelectorAll('img[data-zoomable]')) {
  image.addEventListener('click', () => image.classList.toggle('zoomed'));
}
document.addEventListener('keydown', (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest?.('input:not([type=radio]), textarea, select, [contenteditable]')) return;
  const choice = document.querySelector(`input[type=radio][data-key="${event.key.toLowerCase()}"]`);
  if (!choice) return;
  choice.checked = true;
  choice.focus();
  event.preventDefault();
});
