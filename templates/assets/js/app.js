// Progressive enhancement only: every form and link works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // Desktop shows the menu open; phones get it folded (CSS decides which is visible).
  const menu = document.querySelector('.nav-menu');
  if (menu && window.matchMedia('(min-width: 721px)').matches) menu.setAttribute('open', '');
  // On phones the category tree starts folded so the products come first.
  const tree = document.querySelector('.catalog-tree details');
  if (tree && window.matchMedia('(max-width: 720px)').matches) tree.removeAttribute('open');
  // The language switch submits on change; the button stays for no-JS use.
  const lang = document.querySelector('.lang-switch select');
  if (lang) lang.addEventListener('change', () => lang.form.submit());
});

// Quantity inputs: Enter moves to the next row (as in a spreadsheet) instead of submitting;
// Ctrl+Enter (or the button) submits.
document.addEventListener('keydown', (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains('qty-input') || event.key !== 'Enter') return;
  if (event.ctrlKey || event.metaKey) return;
  const all = [...document.querySelectorAll('input.qty-input')];
  const next = all[all.indexOf(input) + 1];
  if (next) {
    event.preventDefault();
    next.focus();
    next.select();
  }
});
