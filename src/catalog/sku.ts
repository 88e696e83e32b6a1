/**
 * Folding SKUs and barcodes for matching. products.sku_norm is normalizeSku(sku), and every
 * search, quick order line and import looks SKUs up by normalizeSku(input), so "А-100 " typed
 * in Cyrillic finds "A100" from the price list.
 */

/** Cyrillic letters that look like Latin ones in SKUs (lowercase, after folding ё to е). */
const LOOKALIKES: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  х: 'x',
  у: 'y',
};

/** Whitespace, every Unicode dash (and the minus sign), dots, slashes, backslashes, underscores. */
const SEPARATORS = /[\s\p{Pd}\u2212.\u2024\u2027/\\\u2044\u2215_]/gu;
const LOOKALIKE = /[авекмнорстху]/g;

/**
 * Lowercase; ё → е; no spaces, dashes, dots, slashes or underscores; Cyrillic lookalikes
 * (А В Е К М Н О Р С Т Х У) → Latin (a b e k m h o p c t x y). Full-width characters are folded
 * to ordinary ones first (NFKC).
 */
export function normalizeSku(sku: string): string {
  return sku
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(SEPARATORS, '')
    .replace(LOOKALIKE, (c) => LOOKALIKES[c] ?? c);
}

/** Digits only (full-width digits count), so "4 600000 123456" and "4600000-123456" match. */
export function normalizeBarcode(code: string): string {
  return code.normalize('NFKC').replace(/[^0-9]/g, '');
}
