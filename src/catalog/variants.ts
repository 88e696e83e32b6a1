/**
 * Variants as a grid: a product whose variants differ in two characteristics (size × colour,
 * length × section) is laid out with one characteristic down the rows and the other across the
 * columns, each cell its own variant with its own price and stock; with one characteristic, a
 * single column. The characteristics are name/value pairs per variant (product_characteristics),
 * filled by any source: the 1C import from ХарактеристикиТовара, a MoySklad or spreadsheet reader
 * through setProductCharacteristics().
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';
import { type ListingCached, type ListingRow, productsByIds } from './listing.js';
import type { PriceViewer } from './viewer.js';

export type CellState = 'available' | 'no_price' | 'out_of_stock';

export interface GridCell {
  row: ListingRow;
  state: CellState;
}

export interface VariantGrid {
  parentId: number;
  parentName: string;
  /** The characteristic down the rows, and across the columns (null with only one). */
  rowName: string;
  columnName: string | null;
  rows: string[];
  /** [''] when there is one characteristic. */
  columns: string[];
  /** cells[row][column]; null where no such variant is sold. */
  cells: (GridCell | null)[][];
}

/** Replaces a product's characteristics (a reader's or a hand edit's way in); pairs in display order. */
export async function setProductCharacteristics(
  db: Kysely<DB> | Transaction<DB>,
  productId: number,
  pairs: ReadonlyArray<readonly [string, string]>,
): Promise<void> {
  await db.deleteFrom('product_characteristics').where('product_id', '=', productId).execute();
  const seen = new Set<string>();
  const rows = pairs
    .map(([name, value], sort) => ({ product_id: productId, name: name.trim(), value: value.trim(), sort }))
    .filter((r) => r.name !== '' && r.value !== '' && !seen.has(r.name) && seen.add(r.name));
  if (rows.length > 0) await db.insertInto('product_characteristics').values(rows).execute();
}

const SIZE_SCALE = ['XXXS', '3XS', 'XXS', '2XS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', '2XL', 'XXXL', '3XL', '4XL', '5XL', '6XL'];
const collator = new Intl.Collator('ru', { numeric: true, sensitivity: 'base' });

/** Values in the order a buyer reads them: clothing sizes by size, numbers by value ("8" before "10"), words alphabetically. */
export function orderValues(values: Iterable<string>): string[] {
  const list = [...new Set(values)];
  const rank = (v: string) => SIZE_SCALE.indexOf(v.trim().toUpperCase());
  if (list.every((v) => rank(v) >= 0)) return list.sort((a, b) => rank(a) - rank(b));
  return list.sort((a, b) => collator.compare(a, b));
}

interface CharacteristicRow {
  id: number;
  parent_id: number;
  name: string;
  value: string;
  sort: number;
}

/**
 * The grids of the given parent products, at the viewer's prices; a parent whose visible
 * variants are not a grid (a variant without characteristics, more than two of them, variants
 * that do not share the same ones, two variants in one cell) has none and keeps its plain list.
 */
export async function variantGrids(
  db: Kysely<DB>,
  viewer: PriceViewer,
  parentIds: readonly number[],
  options: { allowBackorder: boolean; cached?: ListingCached },
): Promise<Map<number, VariantGrid>> {
  const grids = new Map<number, VariantGrid>();
  const parents = [...new Set(parentIds)];
  if (parents.length === 0) return grids;
  const [variants, characteristics, parentRows] = await Promise.all([
    db
      .selectFrom('products')
      .select(['id', 'parent_id'])
      .where('parent_id', 'in', parents)
      .where('hidden', '=', 0)
      .where('has_variants', '=', 0)
      .execute(),
    db
      .selectFrom('product_characteristics as c')
      .innerJoin('products as v', 'v.id', 'c.product_id')
      .select(['v.id', 'v.parent_id', 'c.name', 'c.value', 'c.sort'])
      .where('v.parent_id', 'in', parents)
      .where('v.hidden', '=', 0)
      .orderBy('v.id')
      .orderBy('c.sort')
      .execute() as Promise<CharacteristicRow[]>,
    db.selectFrom('products').select(['id', 'name']).where('id', 'in', parents).execute(),
  ]);
  const pairsOf = new Map<number, Map<string, string>>();
  const namesOf = new Map<number, string[]>();
  for (const c of characteristics) {
    const pairs = pairsOf.get(c.id) ?? new Map<string, string>();
    pairsOf.set(c.id, pairs);
    pairs.set(c.name, c.value);
    if (!namesOf.has(c.parent_id)) namesOf.set(c.parent_id, []);
    const names = namesOf.get(c.parent_id) as string[];
    if (!names.includes(c.name)) names.push(c.name);
  }
  const priced = new Map(
    (
      await productsByIds(
        db,
        viewer,
        variants.map((v) => v.id),
        options.cached,
      )
    ).map((r) => [r.id, r]),
  );

  for (const parent of parentRows) {
    const names = namesOf.get(parent.id) ?? [];
    const mine = variants.filter((v) => v.parent_id === parent.id);
    if (names.length < 1 || names.length > 2 || mine.length === 0) continue;
    // Every variant must say every characteristic: otherwise some would have no cell.
    if (!mine.every((v) => names.every((n) => pairsOf.get(v.id)?.has(n)))) continue;
    const distinct = names.map((n) => orderValues(mine.map((v) => pairsOf.get(v.id)?.get(n) ?? '')));
    // The characteristic with more values goes down (a tall grid scrolls better than a wide one).
    const [rowIndex, columnIndex] =
      names.length === 2 && (distinct[1]?.length ?? 0) > (distinct[0]?.length ?? 0) ? [1, 0] : [0, 1];
    const rowName = names[rowIndex] as string;
    const columnName = names.length === 2 ? (names[columnIndex] as string) : null;
    const rows = distinct[rowIndex] as string[];
    const columns = columnName === null ? [''] : (distinct[columnIndex] as string[]);
    const cells: (GridCell | null)[][] = rows.map(() => columns.map(() => null));
    let clash = false;
    for (const v of mine) {
      const pairs = pairsOf.get(v.id) as Map<string, string>;
      const r = rows.indexOf(pairs.get(rowName) as string);
      const c = columnName === null ? 0 : columns.indexOf(pairs.get(columnName) as string);
      const row = priced.get(v.id);
      if (!row) continue;
      if (cells[r]?.[c]) clash = true;
      (cells[r] as (GridCell | null)[])[c] = { row, state: cellState(row, options.allowBackorder) };
    }
    if (clash) continue;
    grids.set(parent.id, { parentId: parent.id, parentName: parent.name, rowName, columnName, rows, columns, cells });
  }
  return grids;
}

function cellState(row: ListingRow, allowBackorder: boolean): CellState {
  if (row.base_price === null && row.special_price === null) return 'no_price';
  if (!allowBackorder && row.stock_total <= 0) return 'out_of_stock';
  return 'available';
}
