import { isWordChar } from './doc.js';

const PUNCTUATION_CHAR = /[\p{P}\p{S}]/u;

/**
 * The distinct suffixes of the catalog's name words ("tokens"), sorted, each as a token and an
 * offset into it (no string of its own). A query word leads, by one binary search, to every
 * token containing it and whether at a word start: "цинк" → "оцинкованный", "оцинкованная",
 * "цинк". Entries of suffix i: tokenEntries[entryStart[i]…] = token << 1 | (1 if at a word start).
 */
export class SuffixIndex {
  private readonly suffixToken: Int32Array;
  private readonly suffixOffset: Int32Array;
  private readonly entryStart: Int32Array;
  private readonly tokenEntries: Int32Array;

  constructor(private readonly tokens: readonly string[]) {
    // A query word never starts with punctuation (it is stripped), nor with the second half of a
    // surrogate pair, so suffixes starting there are left out.
    const suffixMap = new Map<string, number[]>();
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t] as string;
      for (let k = 0; k < token.length; k++) {
        const code = token.charCodeAt(k);
        if (code >= 0xdc00 && code <= 0xdfff) continue;
        if (k > 0 && code < 0xd800 && !isWordChar(code) && PUNCTUATION_CHAR.test(token[k] as string)) continue;
        const atStart = k === 0 || !isWordChar(token.charCodeAt(k - 1)) ? 1 : 0;
        const suffix = token.slice(k);
        const list = suffixMap.get(suffix);
        if (list === undefined) suffixMap.set(suffix, [(t << 1) | atStart]);
        else list.push((t << 1) | atStart);
      }
    }
    const suffixes = [...suffixMap.keys()].sort();
    this.suffixToken = new Int32Array(suffixes.length);
    this.suffixOffset = new Int32Array(suffixes.length);
    this.entryStart = new Int32Array(suffixes.length + 1);
    let entries = 0;
    for (const list of suffixMap.values()) entries += list.length;
    this.tokenEntries = new Int32Array(entries);
    let at = 0;
    for (let i = 0; i < suffixes.length; i++) {
      const suffix = suffixes[i] as string;
      const list = suffixMap.get(suffix) as number[];
      const t = (list[0] as number) >>> 1;
      this.suffixToken[i] = t;
      this.suffixOffset[i] = (tokens[t] as string).length - suffix.length;
      for (const entry of list) this.tokenEntries[at++] = entry;
      this.entryStart[i + 1] = at;
    }
  }

  get size(): number {
    return this.suffixToken.length;
  }

  get arrays(): readonly ArrayBufferView[] {
    return [this.suffixToken, this.suffixOffset, this.entryStart, this.tokenEntries];
  }

  /** Calls `visit(token << 1 | atWordStart)` for every token holding `word`, suffix by suffix. */
  forEachToken(word: string, visit: (entry: number) => void): void {
    for (let i = this.lowerBound(word); i < this.suffixToken.length && this.startsWith(i, word); i++) {
      for (let e = this.entryStart[i] as number; e < (this.entryStart[i + 1] as number); e++)
        visit(this.tokenEntries[e] as number);
    }
  }

  /** Suffix i compared with `word`: negative, 0 or positive (like the strings' `<`). */
  private compare(i: number, word: string): number {
    const token = this.tokens[this.suffixToken[i] as number] as string;
    const offset = this.suffixOffset[i] as number;
    const length = token.length - offset;
    const common = Math.min(length, word.length);
    for (let k = 0; k < common; k++) {
      const d = token.charCodeAt(offset + k) - word.charCodeAt(k);
      if (d !== 0) return d;
    }
    return length - word.length;
  }

  private startsWith(i: number, word: string): boolean {
    const token = this.tokens[this.suffixToken[i] as number] as string;
    return token.startsWith(word, this.suffixOffset[i] as number);
  }

  /** The first suffix not less than `word`. */
  private lowerBound(word: string): number {
    let lo = 0;
    let hi = this.suffixToken.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(mid, word) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
