/*
 * Posting lists and sorted arrays: the index's building blocks, kept as typed arrays.
 */

/** Candidates: the union of the postings of some tokens and of other lists of ranks. */
export interface Candidates {
  tokens: number[];
  /** Gram postings (ascending) and SKU or barcode prefix ranges (not: `sorted` is then false). */
  lists: Int32Array[];
  size: number;
  sorted: boolean;
}

export function candidates(): Candidates {
  return { tokens: [], lists: [], size: 0, sorted: true };
}

export function addList(c: Candidates, list: Int32Array, sorted = true): void {
  if (list.length === 0 || c.lists.includes(list)) return;
  c.lists.push(list);
  c.size += list.length;
  if (!sorted) c.sorted = false;
}

/**
 * Posting lists (CSR) from per-item keys: for each key, the items holding it, ascending.
 * `docStart`/`docKeys` give item i's keys; with `single`, item i has exactly key docKeys[i].
 */
export function invert(keys: number, docStart: Int32Array, docKeys: Int32Array, single = false): [Int32Array, Int32Array] {
  const start = new Int32Array(keys + 1);
  for (let i = 0; i < docKeys.length; i++) {
    const key = docKeys[i] as number;
    start[key + 1] = (start[key + 1] as number) + 1;
  }
  for (let k = 0; k < keys; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const postings = new Int32Array(docKeys.length);
  const fill = start.slice(0, keys);
  const items = single ? docKeys.length : docStart.length - 1;
  for (let item = 0; item < items; item++) {
    const from = single ? item : (docStart[item] as number);
    const to = single ? item + 1 : (docStart[item + 1] as number);
    for (let i = from; i < to; i++) {
      const key = docKeys[i] as number;
      postings[fill[key] as number] = item;
      fill[key] = (fill[key] as number) + 1;
    }
  }
  return [start, postings];
}

/** Whether `list` is sorted by `compare` (SQLite's orders are checked, and sorted again if not). */
export function isSorted<T>(list: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < list.length; i++) if (compare(list[i - 1] as T, list[i] as T) > 0) return false;
  return true;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
