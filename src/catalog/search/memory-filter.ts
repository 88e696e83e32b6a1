import type { Doc } from './doc.js';
import type { SearchFilter } from './filter.js';

/** The filter, prepared for the index. */
export interface MemoryFilter {
  categories: ReadonlySet<number> | null;
  /** By category id when the ids are small, else null (use `categories`). */
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

/** Whether an overlay product passes the filter (the index checks its ranks with its columns). */
export function docPasses(doc: Doc, filter: MemoryFilter): boolean {
  if (filter.inStock && !doc.stocked) return false;
  if (filter.categories !== null && !filter.categories.has(doc.category)) return false;
  return filter.brand === null || doc.brand === filter.brand;
}
