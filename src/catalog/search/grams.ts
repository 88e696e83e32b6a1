import { IntMap } from './int-map.js';
import { invert } from './postings.js';

/** Gram keys: up to three character ids of 10 bits, never 0, so 1-, 2- and 3-grams never collide. */
const CHAR_BITS = 10;
const MAX_CHAR_ID = (1 << CHAR_BITS) - 1;

/**
 * A posting list per gram of the SKUs (1, 2 and 3 characters) and barcodes (3): the candidates for
 * a word anywhere inside a code are those of its rarest gram, each then checked with a substring
 * test. Built rank by rank (ascending), then finish() turns each rank's grams into postings.
 */
export class GramIndex {
  /** Gram character ids by UTF-16 code unit (0: not in any SKU or barcode). */
  private readonly charIds = new Uint16Array(65536);
  private charCount = 0;
  private readonly gramIds = new IntMap(4096);
  private gramStart: Int32Array = new Int32Array(1);
  private gramRanks: Int32Array = new Int32Array(0);

  // While building: each rank's distinct grams (CSR).
  private readonly gramLast: number[] = [];
  private rankGrams: Int32Array;
  private readonly rankGramStart: Int32Array;
  private gramCount = 0;

  /** `ranks` ranks, holding at most `maxGrams` grams in all. */
  constructor(ranks: number, maxGrams: number) {
    this.rankGrams = new Int32Array(maxGrams);
    this.rankGramStart = new Int32Array(ranks + 1);
  }

  /** Adds rank r's SKU; every rank, in ascending order, adds its SKU, then its barcodes, then ends. */
  addSku(r: number, sku: string): void {
    for (let i = 0; i < sku.length; i++) {
      const a = this.charId(sku.charCodeAt(i), true);
      this.addGram(a, r);
      if (i + 1 < sku.length) {
        const ab = (a << CHAR_BITS) | this.charId(sku.charCodeAt(i + 1), true);
        this.addGram(ab, r);
        if (i + 2 < sku.length) this.addGram((ab << CHAR_BITS) | this.charId(sku.charCodeAt(i + 2), true), r);
      }
    }
  }

  addBarcode(r: number, code: string): void {
    for (let i = 0; i + 2 < code.length; i++) {
      const key =
        (((this.charId(code.charCodeAt(i), true) << CHAR_BITS) | this.charId(code.charCodeAt(i + 1), true)) << CHAR_BITS) |
        this.charId(code.charCodeAt(i + 2), true);
      this.addGram(key, r);
    }
  }

  endRank(r: number): void {
    this.rankGramStart[r + 1] = this.gramCount;
  }

  /** Ends the build: the postings of every gram. */
  finish(): void {
    [this.gramStart, this.gramRanks] = invert(
      this.gramLast.length,
      this.rankGramStart,
      this.rankGrams.subarray(0, this.gramCount),
    );
    this.rankGrams = new Int32Array(0);
    this.gramLast.length = 0;
  }

  get size(): number {
    return this.gramStart.length - 1;
  }

  get postings(): number {
    return this.gramRanks.length;
  }

  get arrayBytes(): number {
    return this.charIds.byteLength + this.gramStart.byteLength + this.gramRanks.byteLength + this.gramIds.bytes;
  }

  /** Postings of the rarest gram of `text` (3-grams; 1- and 2-grams for shorter text); null if none can match. */
  rarest(text: string): Int32Array | null {
    const gramLength = Math.min(3, text.length);
    let best: Int32Array | null = null;
    for (let i = 0; i + gramLength <= text.length; i++) {
      let key = 0;
      for (let k = 0; k < gramLength; k++) {
        const c = this.charId(text.charCodeAt(i + k), false);
        if (c === 0) return null;
        key = (key << CHAR_BITS) | c;
      }
      const g = this.gramIds.get(key);
      if (g < 0) return null;
      const list = this.gramRanks.subarray(this.gramStart[g] as number, this.gramStart[g + 1] as number);
      if (best === null || list.length < best.length) best = list;
    }
    return best;
  }

  private addGram(key: number, rank: number): void {
    let g = this.gramIds.get(key);
    if (g < 0) {
      g = this.gramLast.length;
      this.gramIds.set(key, g);
      this.gramLast.push(-1);
    }
    if (this.gramLast[g] !== rank) {
      this.gramLast[g] = rank;
      this.rankGrams[this.gramCount++] = g;
    }
  }

  /** The id of a UTF-16 code unit in gram keys; 0 when no SKU or barcode has it (at query time). */
  private charId(code: number, add: boolean): number {
    const id = this.charIds[code] as number;
    if (id !== 0 || !add) return id !== 0 || this.charCount < MAX_CHAR_ID - 1 ? id : MAX_CHAR_ID;
    // Past MAX_CHAR_ID - 1 distinct characters, the rest share the last id: more candidates, still checked.
    if (this.charCount >= MAX_CHAR_ID - 1) return MAX_CHAR_ID;
    this.charIds[code] = ++this.charCount;
    return this.charCount;
  }
}
