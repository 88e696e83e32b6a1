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

// In a variant grid the arrow keys move between quantity boxes as in a spreadsheet: up and down
// always, left and right once the caret is at the edge of what was typed. Cells without a box
// (no such variant, out of stock) are stepped over.
document.addEventListener('keydown', (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || !input.classList.contains('qty-input')) return;
  const grid = input.closest('.variant-grid');
  const cell = input.closest('td');
  if (!grid || !cell || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
  const atStart = input.selectionStart === 0 && input.selectionEnd === 0;
  const atEnd = input.selectionStart === input.value.length && input.selectionEnd === input.value.length;
  const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: atStart ? [0, -1] : null, ArrowRight: atEnd ? [0, 1] : null }[event.key];
  if (!step) return;
  const rows = [...grid.querySelectorAll('tbody tr')];
  let r = rows.indexOf(cell.parentElement);
  let c = [...cell.parentElement.children].indexOf(cell);
  for (;;) {
    r += step[0];
    c += step[1];
    const target = rows[r]?.children[c];
    if (!target || target.tagName !== 'TD') return;
    const next = target.querySelector('input.qty-input');
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
      return;
    }
  }
});
