import { type Doc, isWordChar } from './doc.js';
import { type Term, TRIGRAM } from './terms.js';

/** Match quality of a word in one product: 0 at the start of a word, 1 only inside words, 2 not at all. */
export const START = 0;
export const INSIDE = 1;
export const NONE = 2;

/** Quality of a word's SKU and barcode forms in an SKU and a Doc.codes string, no better than `q`. */
export function codeQuality(term: Term, q: number, sku: string, codes: string): number {
  if (term.sku !== '') {
    if (sku.startsWith(term.sku)) return START;
    if (q === NONE && sku.includes(term.sku)) q = INSIDE;
  }
  if (term.barcode.length >= TRIGRAM) {
    let j = codes.indexOf(term.barcode);
    while (j >= 0) {
      if (codes.charCodeAt(j - 1) === 32) return START;
      q = INSIDE;
      j = codes.indexOf(term.barcode, j + 1);
    }
  }
  return q;
}

/** Quality of a word in an overlay product (by string search; the index's ranks use token marks). */
export function docQuality(term: Term, doc: Doc): number {
  let q = NONE;
  const text = doc.text;
  let i = text.indexOf(term.text);
  while (i >= 0) {
    if (i === 0 || !isWordChar(text.charCodeAt(i - 1))) return START;
    q = INSIDE;
    i = text.indexOf(term.text, i + 1);
  }
  return codeQuality(term, q, doc.sku, doc.codes);
}
