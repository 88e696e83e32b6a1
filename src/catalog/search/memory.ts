import { normalizeBarcode } from '../sku.js';
import type { SearchFilter } from './filter.js';
import { EDGE_PUNCTUATION, searchFold, type Term, TRIGRAM, WORD_SEPARATORS } from './terms.js';

/*
 * An in-memory search index over the sellable products (visible, not parents of variants) of one
 * database. Products get a rank: their position in name order (the folded text below, then id).
 * Every posting list holds ranks in ascending order, so whatever a query matches comes out in
 * name order and a page (or the capped count) stops reading as soon as it has enough.
 *
 * Matching keeps the semantics of the trigram FTS it replaces: a query word matches a product when
 * it is a substring of one of the product's name words (name, variant name and brand, folded by
 * searchFold, split like the query), or of its normalized SKU, or (3+ digits) of a barcode.
 *   - Name words: every distinct word of the catalog is a "token" with a posting list; the sorted,
 *     distinct suffixes of all tokens lead from a query word to every token containing it by one
 *     binary search ("цинк" → "оцинкованный", "оцинкованная", "цинк").
 *   - SKUs and barcodes: a posting list per 3-gram (1- and 2-grams too for SKUs); a word's
 *     candidates are those of its rarest gram, each then checked with a substring test.
 * A query's candidates are those of its most selective word (fewest postings), in rank order (one
 * list as is, several merged through a bitset, or every rank when that word is everywhere); each
 * candidate is then checked against every word and the filter in memory.
 *
 * Two tiers, both in name order: products where every word matches at the start of a word (of the
 * name, SKU or a barcode) first, then those where some word matches only inside a word ("цинк" in
 * "оцинкованный"), so "кран" lists "Кран шаровой" before "Экран".
 *
 * The index is immutable once built except for `dead` (ranks whose product has changed or gone)
 * and a small overlay of changed and new products, checked one by one on every query and merged
 * into the results; the owner (live.ts) rebuilds the whole index when the overlay grows.
 */

/** One product as the index sees it. */
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
  barcodes: readonly string[];
}

export function makeDoc(p: DocSource): Doc {
  const words: string[] = [];
  for (const raw of searchFold(`${p.name} ${p.variant_name} ${p.brand}`).split(WORD_SEPARATORS)) {
    const word = raw.replace(EDGE_PUNCTUATION, '');
    if (word !== '') words.push(word);
  }
  const barcodes = p.barcodes.map(normalizeBarcode).filter((c) => c !== '');
  return {
    id: p.id,
    text: words.join(' '),
    sku: p.sku_norm,
    codes: barcodes.length > 0 ? ` ${barcodes.join(' ')}` : '',
    category: p.category_id ?? -1,
    brand: p.brand,
    stocked: p.stock_total > 0,
  };
}

function compareDocs(a: Doc, b: Doc): number {
  return a.text < b.text ? -1 : a.text > b.text ? 1 : a.id - b.id;
}

const WORD_CHAR = /[\p{L}\p{N}]/u;
const PUNCTUATION_CHAR = /[\p{P}\p{S}]/u;

/** A letter or digit: a match right after one is inside a word. */
function isWordChar(code: number): boolean {
  if (code < 0x80) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  if (code >= 0x430 && code <= 0x44f) return true;
  return WORD_CHAR.test(String.fromCharCode(code));
}

/**
 * Gram keys: up to three character ids of 10 bits, never 0, so 1-, 2- and 3-grams never collide;
 * ANCHORED marks the first (up to) three characters of an SKU or barcode, for start-of-word matches.
 */
const CHAR_BITS = 10;
const MAX_CHAR_ID = (1 << CHAR_BITS) - 1;
const ANCHORED = 1 << 30;

/** Match quality of a word in one product: 0 at the start of a word, 1 only inside words, 2 not at all. */
const START = 0;
const INSIDE = 1;
const NONE = 2;

function quality(term: Term, text: string, sku: string, codes: string): number {
  let q = NONE;
  const word = term.text;
  let i = text.indexOf(word);
  while (i >= 0) {
    if (i === 0 || !isWordChar(text.charCodeAt(i - 1))) return START;
    q = INSIDE;
    i = text.indexOf(word, i + 1);
  }
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

/** The filter, prepared for the index. */
export interface MemoryFilter {
  categories: ReadonlySet<number> | null;
  /** Uint8Array by category id when the ids are small, else null (use `categories`). */
  categoryMask: Uint8Array | null;
  brand: string | null;
  inStock: boolean;
}

export function memoryFilter(filter: SearchFilter): MemoryFilter {
  const ids = filter.categoryIds;
  let categoryMask: Uint8Array | null = null;
  if (ids?.every((id) => Number.isInteger(id) && id >= 0 && id < 1 << 20)) {
    categoryMask = new Uint8Array(Math.max(0, ...ids) + 1);
    for (const id of ids) categoryMask[id] = 1;
  }
  return {
    categories: ids === undefined ? null : new Set(ids),
    categoryMask,
    brand: filter.brand ? filter.brand : null,
    inStock: filter.inStockOnly === true,
  };
}

function docPasses(doc: Doc, filter: MemoryFilter): boolean {
  if (filter.inStock && !doc.stocked) return false;
  if (filter.categories !== null && !filter.categories.has(doc.category)) return false;
  return filter.brand === null || doc.brand === filter.brand;
}

/** What a query word can be found through: posting lists whose union holds every product it matches. */
interface WordPlan {
  term: Term;
  /** Lists for matches at the start of a word (tier 1), and their total length. */
  startLists: Int32Array[];
  startSize: number;
  /** Lists for any match (tiers 1 and 2). */
  allLists: Int32Array[];
  allSize: number;
  /** Lists for matches only inside words (tier 2 needs one word matching so). */
  insideLists: Int32Array[];
  insideSize: number;
}

/** Matches of a query, as product ids: start-of-word matches, then the others (each in name order). */
export interface Matches {
  ids: number[];
  /** False when reading stopped at `need`: more products match. */
  complete: boolean;
}

export interface IndexStats {
  products: number;
  tokens: number;
  suffixes: number;
  grams: number;
  postings: number;
  /** Estimated heap bytes held by the index (typed arrays exactly, strings approximately). */
  bytes: number;
}

export class MemoryIndex {
  /** Ranks. */
  readonly size: number;
  private readonly ids: Int32Array;
  private readonly texts: string[];
  private readonly skus: string[];
  private readonly codes: string[];
  private readonly categories: Int32Array;
  private readonly brands: Int32Array;
  /** Doc.stocked by rank. */
  private readonly stocked: Uint8Array;
  /** Ranks by product id, for stock updates by id range. */
  private readonly idOrder: Int32Array;
  private readonly brandIds = new Map<string, number>();
  private readonly brandNames: string[] = [];
  private readonly rankOf = new Map<number, number>();
  /** 1 where the product at that rank changed (it may be in the overlay) or is gone. */
  private readonly dead: Uint8Array;
  /** Changed and new products, by id. */
  private readonly overlay = new Map<number, Doc>();

  private readonly tokenStart: Int32Array;
  private readonly tokenRanks: Int32Array;
  /** Sorted distinct suffixes of the tokens; suffixTokens[suffixStart[i]…] = token << 1 | (1 if at a word start). */
  private readonly suffixes: string[];
  private readonly suffixStart: Int32Array;
  private readonly suffixTokens: Int32Array;

  private readonly charIds = new Map<number, number>();
  private readonly gramIds = new Map<number, number>();
  private readonly gramStart: Int32Array;
  private readonly gramRanks: Int32Array;
  /** Ranks with an SKU, by SKU. */
  private readonly skuOrder: Int32Array;

  /** Scratch, reused by every query (queries run synchronously, one at a time). */
  private readonly bits: Uint32Array;
  private readonly sieve: Uint32Array;
  private readonly tokenMarks: Uint8Array;

  constructor(input: Doc[]) {
    const docs = [...input].sort(compareDocs);
    const n = docs.length;
    this.size = n;
    this.ids = new Int32Array(n);
    this.texts = new Array<string>(n);
    this.skus = new Array<string>(n);
    this.codes = new Array<string>(n);
    this.categories = new Int32Array(n);
    this.brands = new Int32Array(n);
    this.stocked = new Uint8Array(n);
    this.dead = new Uint8Array(n);
    this.bits = new Uint32Array((n >>> 5) + 1);
    this.sieve = new Uint32Array((n >>> 5) + 1);

    const tokenIds = new Map<string, number>();
    const tokens: string[] = [];
    const tokenLast: number[] = [];
    const docTokens: number[] = [];
    const docTokenStart = new Int32Array(n + 1);
    const gramLast: number[] = [];
    const docGrams: number[] = [];
    const docGramStart = new Int32Array(n + 1);
    const addGram = (key: number, rank: number) => {
      let g = this.gramIds.get(key);
      if (g === undefined) {
        g = gramLast.length;
        this.gramIds.set(key, g);
        gramLast.push(-1);
      }
      if (gramLast[g] !== rank) {
        gramLast[g] = rank;
        docGrams.push(g);
      }
    };

    for (let r = 0; r < n; r++) {
      const doc = docs[r] as Doc;
      this.ids[r] = doc.id;
      this.texts[r] = doc.text;
      this.skus[r] = doc.sku;
      this.codes[r] = doc.codes;
      this.categories[r] = doc.category;
      this.brands[r] = this.brandId(doc.brand, true);
      this.stocked[r] = doc.stocked ? 1 : 0;
      this.rankOf.set(doc.id, r);

      if (doc.text !== '') {
        for (const word of doc.text.split(' ')) {
          let t = tokenIds.get(word);
          if (t === undefined) {
            t = tokens.length;
            tokenIds.set(word, t);
            tokens.push(word);
            tokenLast.push(-1);
          }
          if (tokenLast[t] !== r) {
            tokenLast[t] = r;
            docTokens.push(t);
          }
        }
      }
      docTokenStart[r + 1] = docTokens.length;

      const sku = doc.sku;
      let anchor = 0;
      for (let i = 0; i < sku.length && i < 3; i++) {
        anchor = (anchor << CHAR_BITS) | this.charId(sku.charCodeAt(i), true);
        addGram(ANCHORED | anchor, r);
      }
      for (let i = 0; i < sku.length; i++) {
        const a = this.charId(sku.charCodeAt(i), true);
        addGram(a, r);
        if (i + 1 < sku.length) {
          const b = this.charId(sku.charCodeAt(i + 1), true);
          addGram((a << CHAR_BITS) | b, r);
          if (i + 2 < sku.length) addGram((((a << CHAR_BITS) | b) << CHAR_BITS) | this.charId(sku.charCodeAt(i + 2), true), r);
        }
      }
      const codes = doc.codes;
      for (let i = 1; i + 2 < codes.length; i++) {
        if (codes.charCodeAt(i - 1) === 32 && codes.charCodeAt(i + 1) !== 32 && codes.charCodeAt(i + 2) !== 32) {
          const key =
            (((this.charId(codes.charCodeAt(i), true) << CHAR_BITS) | this.charId(codes.charCodeAt(i + 1), true)) << CHAR_BITS) |
            this.charId(codes.charCodeAt(i + 2), true);
          addGram(ANCHORED | key, r);
        }
        if (codes.charCodeAt(i + 1) === 32 || codes.charCodeAt(i + 2) === 32 || codes.charCodeAt(i) === 32) continue;
        const key =
          (((this.charId(codes.charCodeAt(i), true) << CHAR_BITS) | this.charId(codes.charCodeAt(i + 1), true)) << CHAR_BITS) |
          this.charId(codes.charCodeAt(i + 2), true);
        addGram(key, r);
      }
      docGramStart[r + 1] = docGrams.length;
    }

    [this.tokenStart, this.tokenRanks] = invert(tokens.length, docTokenStart, docTokens);
    [this.gramStart, this.gramRanks] = invert(gramLast.length, docGramStart, docGrams);
    this.tokenMarks = new Uint8Array(tokens.length);

    // Suffixes: a query word never starts with punctuation (it is stripped), nor with the second
    // half of a surrogate pair, so suffixes starting there are left out.
    const suffixMap = new Map<string, number[]>();
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t] as string;
      for (let k = 0; k < token.length; k++) {
        const code = token.charCodeAt(k);
        if (code >= 0xdc00 && code <= 0xdfff) continue;
        if (k > 0 && code < 0xd800 && PUNCTUATION_CHAR.test(token[k] as string)) continue;
        const atStart = k === 0 || !isWordChar(token.charCodeAt(k - 1)) ? 1 : 0;
        const suffix = token.slice(k);
        const list = suffixMap.get(suffix);
        if (list === undefined) suffixMap.set(suffix, [(t << 1) | atStart]);
        else list.push((t << 1) | atStart);
      }
    }
    this.suffixes = [...suffixMap.keys()].sort();
    this.suffixStart = new Int32Array(this.suffixes.length + 1);
    let entries = 0;
    for (const list of suffixMap.values()) entries += list.length;
    this.suffixTokens = new Int32Array(entries);
    let at = 0;
    for (let i = 0; i < this.suffixes.length; i++) {
      for (const entry of suffixMap.get(this.suffixes[i] as string) as number[]) this.suffixTokens[at++] = entry;
      this.suffixStart[i + 1] = at;
    }

    const withSku: number[] = [];
    for (let r = 0; r < n; r++) if (this.skus[r] !== '') withSku.push(r);
    const skus = this.skus;
    withSku.sort((a, b) => {
      const x = skus[a] as string;
      const y = skus[b] as string;
      return x < y ? -1 : x > y ? 1 : a - b;
    });
    this.skuOrder = Int32Array.from(withSku);
    const ids = this.ids;
    this.idOrder = Int32Array.from({ length: n }, (_, r) => r).sort((a, b) => (ids[a] as number) - (ids[b] as number));
  }

  stats(): IndexStats {
    let strings = 0;
    const stringBytes = (s: string) => 16 + s.length * 2;
    for (let r = 0; r < this.size; r++) {
      strings += stringBytes(this.texts[r] as string) + stringBytes(this.skus[r] as string) + stringBytes(this.codes[r] as string);
    }
    for (const s of this.suffixes) strings += stringBytes(s) + 8;
    const typed = [
      this.ids,
      this.categories,
      this.brands,
      this.stocked,
      this.idOrder,
      this.dead,
      this.tokenStart,
      this.tokenRanks,
      this.suffixStart,
      this.suffixTokens,
      this.gramStart,
      this.gramRanks,
      this.skuOrder,
      this.bits,
      this.sieve,
      this.tokenMarks,
    ].reduce((sum, a) => sum + a.byteLength, 0);
    // Arrays of references (4 bytes each with pointer compression) and the two id maps (~40 bytes an entry).
    const other = this.size * 3 * 4 + this.rankOf.size * 40 + this.gramIds.size * 40;
    return {
      products: this.size,
      tokens: this.tokenMarks.length,
      suffixes: this.suffixes.length,
      grams: this.gramIds.size,
      postings: this.tokenRanks.length + this.gramRanks.length,
      bytes: strings + typed + other,
    };
  }

  get overlaySize(): number {
    return this.overlay.size;
  }

  /** The current state of these products (null: gone, hidden or a parent of variants). */
  apply(id: number, doc: Doc | null): void {
    this.overlay.delete(id);
    const r = this.rankOf.get(id);
    if (r !== undefined) {
      if (doc !== null && this.sameAsRank(r, doc)) {
        this.dead[r] = 0;
        this.stocked[r] = doc.stocked ? 1 : 0;
        return;
      }
      this.dead[r] = 1;
    }
    if (doc !== null) this.overlay.set(id, doc);
  }

  /** The stock hint of the products with ids in (from, to]: in stock when in `stocked`. */
  setStock(from: number, to: number, stocked: ReadonlySet<number>): void {
    const order = this.idOrder;
    const ids = this.ids;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ids[order[mid] as number] as number) <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < order.length; k++) {
      const r = order[k] as number;
      const id = ids[r] as number;
      if (id > to) break;
      this.stocked[r] = stocked.has(id) ? 1 : 0;
    }
    for (const doc of this.overlay.values()) if (doc.id > from && doc.id <= to) doc.stocked = stocked.has(doc.id);
  }

  private sameAsRank(r: number, doc: Doc): boolean {
    return (
      this.texts[r] === doc.text &&
      this.skus[r] === doc.sku &&
      this.codes[r] === doc.codes &&
      this.categories[r] === doc.category &&
      this.brandNames[this.brands[r] as number] === doc.brand
    );
  }

  private brandId(brand: string, add: boolean): number {
    let id = this.brandIds.get(brand);
    if (id === undefined) {
      if (!add) return -1;
      id = this.brandNames.length;
      this.brandIds.set(brand, id);
      this.brandNames.push(brand);
    }
    return id;
  }

  /** The id of a character in gram keys; 0 when the index has no such character (at query time). */
  private charId(code: number, add: boolean): number {
    let id = this.charIds.get(code);
    if (id === undefined) {
      // Past MAX_CHAR_ID - 1 distinct characters, the rest share the last id: more candidates, still checked.
      if (this.charIds.size >= MAX_CHAR_ID - 1) return MAX_CHAR_ID;
      if (!add) return 0;
      id = this.charIds.size + 1;
      this.charIds.set(code, id);
    }
    return id;
  }

  // -------------------------------------------------------------------------------------------
  // Queries

  /**
   * Postings of the rarest gram of `text` (3-grams; 1- and 2-grams for shorter text), or of its
   * first gram when `anchored` (SKUs and barcodes starting so); null if none can match.
   */
  private gramList(text: string, gramLength: number, anchored: boolean): Int32Array | null {
    let best: Int32Array | null = null;
    for (let i = 0; i + gramLength <= text.length; i++) {
      let key = 0;
      for (let k = 0; k < gramLength; k++) {
        const c = this.charId(text.charCodeAt(i + k), false);
        if (c === 0) return null;
        key = (key << CHAR_BITS) | c;
      }
      const g = this.gramIds.get(anchored ? ANCHORED | key : key);
      if (g === undefined) return null;
      const list = this.gramRanks.subarray(this.gramStart[g] as number, this.gramStart[g + 1] as number);
      if (best === null || list.length < best.length) best = list;
      if (anchored) break;
    }
    return best;
  }

  /**
   * Adds the candidates of the word's SKU and barcode forms: those of its rarest gram or, for
   * matches at the start (`anchored`), of its first gram at the start of an SKU or barcode when
   * fewer (every barcode may start with "460"; few contain "234").
   */
  private addCodeLists(lists: Int32Array[], term: Term, anchored: boolean): number {
    let size = 0;
    const add = (text: string, gramLength: number) => {
      let list = this.gramList(text, gramLength, false);
      if (list !== null && anchored) {
        const start = this.gramList(text, gramLength, true);
        if (start === null || start.length < list.length) list = start;
      }
      if (list === null || lists.includes(list)) return;
      lists.push(list);
      size += list.length;
    };
    if (term.sku !== '') add(term.sku, Math.min(3, term.sku.length));
    if (term.barcode.length >= TRIGRAM) add(term.barcode, 3);
    return size;
  }

  private plan(term: Term): WordPlan {
    const startLists: Int32Array[] = [];
    const allLists: Int32Array[] = [];
    let startSize = 0;
    let allSize = 0;
    const word = term.text;
    const marks = this.tokenMarks;
    const touched: number[] = [];
    for (let i = lowerBound(this.suffixes, word); i < this.suffixes.length && (this.suffixes[i] as string).startsWith(word); i++) {
      for (let e = this.suffixStart[i] as number; e < (this.suffixStart[i + 1] as number); e++) {
        const entry = this.suffixTokens[e] as number;
        const t = entry >>> 1;
        const flag = (entry & 1) === 1 ? 2 : 1;
        const before = marks[t] as number;
        if ((before & flag) !== 0) continue;
        if (before === 0) touched.push(t);
        marks[t] = before | flag;
        const list = this.tokenRanks.subarray(this.tokenStart[t] as number, this.tokenStart[t + 1] as number);
        if (flag === 2) {
          startLists.push(list);
          startSize += list.length;
        }
        if (before === 0) {
          allLists.push(list);
          allSize += list.length;
        }
      }
    }
    const insideLists: Int32Array[] = [];
    let insideSize = 0;
    for (const t of touched) {
      // A token holding the word only inside words; one also holding it at a word start makes it a start match.
      if (marks[t] === 1) {
        const list = this.tokenRanks.subarray(this.tokenStart[t] as number, this.tokenStart[t + 1] as number);
        insideLists.push(list);
        insideSize += list.length;
      }
      marks[t] = 0;
    }
    startSize += this.addCodeLists(startLists, term, true);
    allSize += this.addCodeLists(allLists, term, false);
    insideSize += this.addCodeLists(insideLists, term, false);
    return { term, startLists, startSize, allLists, allSize, insideLists, insideSize };
  }

  /**
   * Products matching every term and the filter, not in `exclude`: those matching at word
   * starts, then the others, each in name order; at most `need`.
   */
  matches(terms: readonly Term[], filter: MemoryFilter, exclude: ReadonlySet<number>, need: number): Matches {
    if (terms.length === 0 || need <= 0) return { ids: [], complete: true };
    const plans = terms.map((t) => this.plan(t));
    const brand = filter.brand === null ? -1 : this.brandId(filter.brand, false);
    const noIndexMatch = filter.brand !== null && brand < 0;

    const overlay: { doc: Doc; tier: number }[] = [];
    for (const doc of this.overlay.values()) {
      if (!docPasses(doc, filter) || exclude.has(doc.id)) continue;
      let worst = START;
      for (const term of terms) {
        worst = Math.max(worst, quality(term, doc.text, doc.sku, doc.codes));
        if (worst === NONE) break;
      }
      if (worst !== NONE) overlay.push({ doc, tier: worst });
    }
    overlay.sort((a, b) => compareDocs(a.doc, b.doc));

    const ids: number[] = [];
    let complete = true;
    for (const tier of [START, INSIDE]) {
      const left = need - ids.length;
      if (left <= 0) {
        complete = false;
        break;
      }
      const ranks: number[] = [];
      if (!noIndexMatch) this.gather(plans, tier, filter, brand, exclude, left, ranks);
      const extra = overlay.filter((o) => o.tier === tier).map((o) => o.doc);
      // Merge the two name-ordered lists.
      let i = 0;
      let j = 0;
      while (ids.length < need && (i < ranks.length || j < extra.length)) {
        const r = ranks[i];
        const doc = extra[j];
        if (doc === undefined || (r !== undefined && this.rankBefore(r, doc))) {
          ids.push(this.ids[r as number] as number);
          i++;
        } else {
          ids.push(doc.id);
          j++;
        }
      }
      if (ranks.length >= left || i < ranks.length || j < extra.length) complete = false;
    }
    return { ids, complete };
  }

  private rankBefore(r: number, doc: Doc): boolean {
    const text = this.texts[r] as string;
    return text < doc.text || (text === doc.text && (this.ids[r] as number) < doc.id);
  }

  /** Appends to `out` up to `need` ranks whose worst word quality is `tier`, in rank order. */
  private gather(
    plans: readonly WordPlan[],
    tier: number,
    filter: MemoryFilter,
    brand: number,
    exclude: ReadonlySet<number>,
    need: number,
    out: number[],
  ): void {
    const sizeOf = (p: WordPlan) => (tier === START ? p.startSize : p.allSize);
    const ordered = [...plans].sort((a, b) => sizeOf(a) - sizeOf(b));
    const driver = ordered[0];
    if (driver === undefined || sizeOf(driver) === 0) return;
    let lists = tier === START ? driver.startLists : driver.allLists;
    let size = sizeOf(driver);
    let second = ordered[1];
    if (tier === INSIDE) {
      // Some word must match only inside a word: when few products have such a match, start from those.
      let insideSize = 0;
      for (const plan of plans) insideSize += plan.insideSize;
      if (insideSize === 0) return;
      if (insideSize < size) {
        lists = plans.flatMap((p) => p.insideLists);
        size = insideSize;
        second = driver;
      }
    }
    const n = this.size;
    // The runner-up word's candidates as a bitset: a candidate of the driver outside it is dropped
    // for a few nanoseconds instead of a string test per word. Worth it unless that word is everywhere.
    let sieve: Uint32Array | null = null;
    let sieveLo = 0;
    let sieveHi = -1;
    if (second !== undefined && sizeOf(second) < n / 2 && sizeOf(second) <= Math.max(4096, 8 * size)) {
      sieve = this.sieve;
      sieveLo = sieve.length;
      for (const list of tier === START ? second.startLists : second.allLists) {
        for (let k = 0; k < list.length; k++) {
          const r = list[k] as number;
          const w = r >>> 5;
          sieve[w] = (sieve[w] as number) | (1 << (r & 31));
          if (w < sieveLo) sieveLo = w;
          if (w > sieveHi) sieveHi = w;
        }
      }
    }
    try {
      this.collect(lists, size, plans, tier, filter, brand, exclude, sieve, need, out);
    } finally {
      if (sieve !== null) sieve.fill(0, sieveLo, sieveHi + 1);
    }
  }

  private collect(
    lists: readonly Int32Array[],
    size: number,
    plans: readonly WordPlan[],
    tier: number,
    filter: MemoryFilter,
    brand: number,
    exclude: ReadonlySet<number>,
    sieve: Uint32Array | null,
    need: number,
    out: number[],
  ): void {
    const n = this.size;
    const dead = this.dead;
    const categories = this.categories;
    const mask = filter.categoryMask;
    const categorySet = mask === null ? filter.categories : null;
    const brands = this.brands;
    const ids = this.ids;
    const texts = this.texts;
    const skus = this.skus;
    const codes = this.codes;
    const excluding = exclude.size > 0;
    const terms = plans.map((p) => p.term);
    const stocked = filter.inStock ? this.stocked : null;
    const accept = (r: number): boolean => {
      if (dead[r] === 1) return false;
      if (sieve !== null && ((sieve[r >>> 5] as number) & (1 << (r & 31))) === 0) return false;
      if (stocked !== null && stocked[r] === 0) return false;
      if (mask !== null) {
        const c = categories[r] as number;
        if (c < 0 || c >= mask.length || mask[c] === 0) return false;
      } else if (categorySet !== null && !categorySet.has(categories[r] as number)) return false;
      if (brand >= 0 && brands[r] !== brand) return false;
      if (excluding && exclude.has(ids[r] as number)) return false;
      const text = texts[r] as string;
      const sku = skus[r] as string;
      const code = codes[r] as string;
      let worst = START;
      for (let k = 0; k < terms.length; k++) {
        const q = quality(terms[k] as Term, text, sku, code);
        if (q > tier) return false;
        if (q > worst) worst = q;
      }
      return worst === tier;
    };

    if (lists.length === 1) {
      const list = lists[0] as Int32Array;
      for (let k = 0; k < list.length; k++) {
        const r = list[k] as number;
        if (accept(r)) {
          out.push(r);
          if (out.length >= need) return;
        }
      }
      return;
    }
    if (size > n / 2) {
      // The word is nearly everywhere: read every rank (matches come quickly).
      for (let r = 0; r < n; r++) {
        if (accept(r)) {
          out.push(r);
          if (out.length >= need) return;
        }
      }
      return;
    }
    // Several lists: their union, in rank order, through a bitset.
    const bits = this.bits;
    let lo = bits.length;
    let hi = -1;
    for (const list of lists) {
      for (let k = 0; k < list.length; k++) {
        const r = list[k] as number;
        const w = r >>> 5;
        bits[w] = (bits[w] as number) | (1 << (r & 31));
        if (w < lo) lo = w;
        if (w > hi) hi = w;
      }
    }
    for (let w = lo; w <= hi; w++) {
      let x = bits[w] as number;
      if (x === 0) continue;
      bits[w] = 0;
      while (x !== 0) {
        const low = x & -x;
        x ^= low;
        const r = (w << 5) | (31 - Math.clz32(low));
        if (accept(r)) {
          out.push(r);
          if (out.length >= need) {
            bits.fill(0, w + 1, hi + 1);
            return;
          }
        }
      }
    }
  }

  /** Products whose SKU starts with `key` and is longer, shortest SKU first (then by SKU); at most `need`. */
  skuPrefix(key: string, filter: MemoryFilter, exclude: ReadonlySet<number>, need: number): number[] {
    if (key === '' || need <= 0) return [];
    const found: { id: number; sku: string }[] = [];
    const brand = filter.brand === null ? -1 : this.brandId(filter.brand, false);
    if (filter.brand === null || brand >= 0) {
      const order = this.skuOrder;
      const skus = this.skus;
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((skus[order[mid] as number] as string) < key) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < order.length && found.length < need; k++) {
        const r = order[k] as number;
        const sku = skus[r] as string;
        if (!sku.startsWith(key)) break;
        if (sku === key || this.dead[r] === 1 || (filter.inStock && this.stocked[r] === 0)) continue;
        if (filter.categories !== null && !filter.categories.has(this.categories[r] as number)) continue;
        if (brand >= 0 && this.brands[r] !== brand) continue;
        const id = this.ids[r] as number;
        if (!exclude.has(id)) found.push({ id, sku });
      }
    }
    for (const doc of this.overlay.values()) {
      if (doc.sku.length > key.length && doc.sku.startsWith(key) && docPasses(doc, filter) && !exclude.has(doc.id)) {
        found.push({ id: doc.id, sku: doc.sku });
      }
    }
    found.sort((a, b) => a.sku.length - b.sku.length || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.id - b.id));
    return found.slice(0, need).map((f) => f.id);
  }
}

/** Index of the first string not less than `key`. */
function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Posting lists (CSR) from per-rank keys: for each key, the ranks holding it, ascending. */
function invert(keys: number, docStart: Int32Array, docKeys: readonly number[]): [Int32Array, Int32Array] {
  const start = new Int32Array(keys + 1);
  for (const key of docKeys) start[key + 1] = (start[key + 1] as number) + 1;
  for (let k = 0; k < keys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const postings = new Int32Array(docKeys.length);
  const fill = start.slice(0, keys);
  const ranks = docStart.length - 1;
  for (let r = 0; r < ranks; r++) {
    for (let i = docStart[r] as number; i < (docStart[r + 1] as number); i++) {
      const key = docKeys[i] as number;
      postings[fill[key] as number] = r;
      fill[key] = (fill[key] as number) + 1;
    }
  }
  return [start, postings];
}
