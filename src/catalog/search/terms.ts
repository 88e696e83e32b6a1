import { fold } from '../../db/fold.js';
import { normalizeBarcode, normalizeSku } from '../sku.js';

/*
 * Query parsing shared by both search paths (the in-memory index and the FTS fallback). A query
 * is split into words; each word is matched in three foldings:
 *   name     searchFold(word), a substring of searchFold(name + variant_name + brand)
 *   sku      normalizeSku(word), a substring of products.sku_norm
 *   barcode  the digits of a word made only of digits and dashes, a substring of a barcode
 */

/** Trigram FTS cannot match anything shorter than this (in characters); nor does a barcode fragment. */
export const TRIGRAM = 3;
export const MAX_QUERY_CHARS = 200;
const MAX_WORDS = 8;

/** Hyphen, non-breaking hyphen, figure dash, en and em dash, horizontal bar, minus sign. */
const OTHER_DASHES = '\u2010\u2011\u2012\u2013\u2014\u2015\u2212';
const DASHES = new RegExp(`[${OTHER_DASHES}]`, 'gu');
/** A GLOB class of '-' and OTHER_DASHES; '-' first, where GLOB reads it literally. */
const DASH_CLASS = `[-${OTHER_DASHES}]`;

/** fold(), and every dash or minus sign as '-' (SKUs in names get typed and pasted with all of them). */
export function searchFold(text: string): string {
  return fold(text).replace(DASHES, '-');
}

export interface Term {
  /** searchFold(word): what the name column is matched with. */
  text: string;
  /** normalizeSku(word): what the sku column is matched with. */
  sku: string;
  /** Digits of a word made only of digits and dashes, else ''. */
  barcode: string;
}

/** Where query words (and, in the index, name words) are split. */
export const WORD_SEPARATORS = /[\s,;]+/u;
const PUNCTUATION_OR_SYMBOL = /^[\p{P}\p{S}]$/u;

/**
 * The word without punctuation and symbols at either end ("(М8)," → "М8"). A loop, not
 * `/[\p{P}\p{S}]+$/`: an unanchored run before `$` is retried from every position (quadratic).
 */
export function stripEdgePunctuation(word: string): string {
  let start = 0;
  let end = word.length;
  while (start < end) {
    const ch = String.fromCodePoint(word.codePointAt(start) ?? 0);
    if (!PUNCTUATION_OR_SYMBOL.test(ch)) break;
    start += ch.length;
  }
  while (end > start) {
    const low = word.charCodeAt(end - 1);
    const pair = end - 2 >= start && low >= 0xdc00 && low <= 0xdfff;
    const ch = word.slice(pair ? end - 2 : end - 1, end);
    if (!PUNCTUATION_OR_SYMBOL.test(ch)) break;
    end -= ch.length;
  }
  return word.slice(start, end);
}
export const BARCODE_LIKE = /^[\d\s-]+$/;
const CONTROL_CHARS = /\p{Cc}/gu;

export function chars(s: string): number {
  return [...s].length;
}

/** The query's words, folded, without punctuation around them, deduplicated, at most MAX_WORDS. */
export function queryTerms(query: string): Term[] {
  const seen = new Set<string>();
  const terms: Term[] = [];
  // Control characters separate words: a NUL would end the FTS string literal early.
  for (const raw of searchFold(query).replace(CONTROL_CHARS, ' ').split(WORD_SEPARATORS)) {
    const text = stripEdgePunctuation(raw);
    if (text === '' || seen.has(text)) continue;
    seen.add(text);
    terms.push({ text, sku: normalizeSku(text), barcode: BARCODE_LIKE.test(text) ? normalizeBarcode(text) : '' });
    if (terms.length === MAX_WORDS) break;
  }
  return terms;
}

/**
 * A GLOB pattern true when searchFold(value) contains `text`: each letter becomes a class of
 * the characters that fold to it ("м6" → `*[мМ]6*`, "е" → `[еЕёЁ]`). GLOB is a built-in, about
 * twice as fast per row as calling the JS fold() function, which matters for the bounded scan.
 */
export function containsGlob(text: string): string {
  let pattern = '*';
  for (const c of text) {
    if (c === '-') {
      pattern += DASH_CLASS;
      continue;
    }
    const variants = new Set([c, c.toUpperCase()]);
    if (c === 'е') variants.add('ё').add('Ё');
    for (const v of [...variants]) if (chars(v) !== 1 || fold(v) !== c) variants.delete(v);
    if (variants.size > 1) pattern += `[${[...variants].join('')}]`;
    else pattern += c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
  }
  return `${pattern}*`;
}
