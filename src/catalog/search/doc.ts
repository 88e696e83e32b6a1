import { normalizeBarcode } from '../sku.js';
import { searchFold, stripEdgePunctuation, WORD_SEPARATORS } from './terms.js';

/*
 * A product as the in-memory index sees it: its folded name words, its normalized SKU and
 * barcodes, and what the filters look at. The index keeps these as columns; the overlay of
 * changed products (memory.ts) keeps them as Docs.
 */

/** A product as the overlay holds it. */
export interface Doc {
  id: number;
  /** The product's name words (name, variant name, brand; folded, punctuation around them dropped), joined by ' '. */
  text: string;
  /** products.sku_norm. */
  sku: string;
  /** ' ' + each normalized barcode, joined by ' ' ('' when none): a barcode starts after a space. */
  codes: string;
  /** -1 when none. */
  category: number;
  brand: string;
  /** stock_total > 0 when last read: a hint, kept current by live.ts; SQL confirms what is shown. */
  stocked: boolean;
}

export interface DocSource {
  id: number;
  sku_norm: string;
  name: string;
  variant_name: string;
  brand: string;
  category_id: number | null;
  stock_total: number;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
/** isWordChar beyond ASCII and Cyrillic, by code unit: 0 not looked up yet, 1 yes, 2 no. */
const wordChars = new Uint8Array(65536);

/** A letter or digit: a match right after one is inside a word. */
export function isWordChar(code: number): boolean {
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0x430 && code <= 0x44f) return true;
  let known = wordChars[code] as number;
  if (known === 0) {
    known = WORD_CHAR.test(String.fromCharCode(code)) ? 1 : 2;
    wordChars[code] = known;
  }
  return known === 1;
}

const DIGITS = /^\d+$/;

/** Doc.text of a product. */
export function docText(name: string, variantName: string, brand: string): string {
  const words: string[] = [];
  for (const raw of searchFold(`${name} ${variantName} ${brand}`).split(WORD_SEPARATORS)) {
    if (raw === '') continue;
    // Most words start and end with a letter or digit: no need for the regular expression.
    const plain = isWordChar(raw.charCodeAt(0)) && isWordChar(raw.charCodeAt(raw.length - 1));
    const word = plain ? raw : stripEdgePunctuation(raw);
    if (word !== '') words.push(word);
  }
  return words.join(' ');
}

/** normalizeBarcode, quicker for the usual all-digit barcode. */
export function docBarcode(code: string): string {
  return DIGITS.test(code) ? code : normalizeBarcode(code);
}

export function makeDoc(p: DocSource, codes: readonly string[]): Doc {
  const barcodes = codes.map(docBarcode).filter((c) => c !== '');
  return {
    id: p.id,
    text: docText(p.name, p.variant_name, p.brand),
    sku: p.sku_norm,
    codes: barcodes.length > 0 ? ` ${barcodes.join(' ')}` : '',
    category: p.category_id ?? -1,
    brand: p.brand,
    stocked: p.stock_total > 0,
  };
}

/** Name order: the index's rank order. */
export function compareDocs(a: Doc, b: Doc): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : a.id - b.id;
}
