/**
 * What an index is built from, by rank (name order). A rank whose product is not to be indexed (a
 * parent of variants, gone meanwhile) is a hole: present = 0. The SKU and barcode orders come from
 * SQLite's indexes, sparing the build two sorts (checked, and sorted here if wrong).
 */
export interface Columns {
  ids: Int32Array;
  /** Doc.text. */
  texts: string[];
  skus: string[];
  categories: Int32Array;
  brands: string[];
  stocked: Uint8Array;
  present: Uint8Array;
  /** Ranks with an SKU, by SKU. */
  skuOrder: number[];
  /** Every normalized barcode of the ranks, by barcode, and its rank. */
  barcodeKeys: string[];
  barcodeRanks: number[];
  /** Ranks by product id. */
  idOrder: number[];
}

/** Empty columns for `n` ranks. */
export function emptyColumns(n: number): Columns {
  return {
    ids: new Int32Array(n),
    texts: new Array<string>(n).fill(''),
    skus: new Array<string>(n).fill(''),
    categories: new Int32Array(n).fill(-1),
    brands: new Array<string>(n).fill(''),
    stocked: new Uint8Array(n),
    present: new Uint8Array(n),
    skuOrder: [],
    barcodeKeys: [],
    barcodeRanks: [],
    idOrder: [],
  };
}
