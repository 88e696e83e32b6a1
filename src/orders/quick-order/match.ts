/**
 * Finding the product each quick order line means, in tiers that never mix:
 *   1. SKU: products.sku_norm = normalizeSku(sku)
 *   2. barcode: product_barcodes.barcode = normalizeBarcode(barcode); a line without a barcode
 *      column tries its code as a barcode when it is one (digits only, 8 or more)
 *   3. name: only when the file has a name column and neither tier above found anything; the
 *      whole name, case- and ё-insensitive ("Name" or "Name (variant)" as the price list writes it)
 * Only products a buyer can order take part: hidden products and products with variants (the
 * variants are what is sold) are "unknown", exactly like SKUs that do not exist, so a quick
 * order cannot probe for hidden products. Several products in one tier are "ambiguous", unless
 * the line's name picks exactly one of them (a price list sent back, where SKUs repeat).
 *
 * Each tier is one query however many lines there are: the keys go in as a JSON array.
 */
import { type Kysely, sql } from 'kysely';
import { normalizeBarcode, normalizeSku } from '../../catalog/sku.js';
import { fold } from '../../db/fold.js';
import type { DB, ProductRow } from '../../db/schema.js';
import type { OrderInputLine } from './input.js';

export interface MatchedProduct {
  id: number;
  sku: string;
  name: string;
  variantName: string;
  unitName: string;
  /** Decimal places of the unit: 0 for pieces. */
  precision: number;
  minQty: number;
  multiple: number;
  stockTotal: number;
}

export type MatchTier = 'sku' | 'barcode' | 'name';

export type Match =
  | { kind: 'product'; product: MatchedProduct; by: MatchTier }
  | { kind: 'ambiguous'; candidates: MatchedProduct[]; by: MatchTier }
  | { kind: 'unknown' }
  /** The line has nothing to look up (a quantity without SKU, barcode or name). */
  | { kind: 'no_code' };

/** "Name (variant)" for a variant, the name otherwise: how products are named in lists. */
export function displayName(p: { name: string; variantName: string }): string {
  return p.variantName ? `${p.name} (${p.variantName})` : p.name;
}

const nameKey = (name: string) => fold(name.trim().replace(/\s+/g, ' '));

function looksLikeBarcode(code: string): boolean {
  return /^[\d\s-]+$/.test(code) && normalizeBarcode(code).length >= 8;
}

type Candidate = Pick<ProductRow, 'id' | 'sku' | 'name' | 'variant_name' | 'unit_id' | 'min_qty' | 'multiple' | 'stock_total'>;

const COLUMNS = ['p.id', 'p.sku', 'p.name', 'p.variant_name', 'p.unit_id', 'p.min_qty', 'p.multiple', 'p.stock_total'] as const;

function jsonList(values: Iterable<string>) {
  return sql<string>`(select value from json_each(${JSON.stringify([...values])}))`;
}

function sellable(db: Kysely<DB>) {
  return db.selectFrom('products as p').where('p.hidden', '=', 0).where('p.has_variants', '=', 0);
}

/** The match for each line, in the same order. */
export async function matchLines(db: Kysely<DB>, lines: readonly OrderInputLine[]): Promise<Match[]> {
  const keys = lines.map((line) => ({
    sku: line.sku ? normalizeSku(line.sku) : '',
    barcode: line.barcode ? normalizeBarcode(line.barcode) : looksLikeBarcode(line.sku) ? normalizeBarcode(line.sku) : '',
    name: line.name ? nameKey(line.name) : '',
  }));
  const units = new Map((await db.selectFrom('units').select(['id', 'name', 'precision']).execute()).map((u) => [u.id, u]));
  const toProduct = (r: Candidate): MatchedProduct => {
    const unit = r.unit_id === null ? undefined : units.get(r.unit_id);
    return {
      id: r.id,
      sku: r.sku,
      name: r.name,
      variantName: r.variant_name,
      unitName: unit?.name ?? '',
      precision: unit?.precision ?? 0,
      minQty: r.min_qty,
      multiple: r.multiple,
      stockTotal: r.stock_total,
    };
  };
  const group = <K>(rows: (Candidate & { key: K })[]) => {
    const out = new Map<K, MatchedProduct[]>();
    for (const row of rows) {
      const list = out.get(row.key) ?? [];
      if (!list.some((p) => p.id === row.id)) list.push(toProduct(row));
      out.set(row.key, list);
    }
    return out;
  };

  // An SKU or barcode that folds to nothing ("—") must not find every product without one.
  const skus = new Set(keys.map((k) => k.sku).filter((k) => k !== ''));
  const bySku = skus.size
    ? group(
        await sellable(db)
          .select([...COLUMNS, 'p.sku_norm as key'])
          .where('p.sku_norm', 'in', jsonList(skus))
          .orderBy('p.id')
          .execute(),
      )
    : new Map<string, MatchedProduct[]>();
  const barcodes = new Set(keys.map((k) => k.barcode).filter((k) => k !== ''));
  const byBarcode = barcodes.size
    ? group(
        await sellable(db)
          .innerJoin('product_barcodes as b', 'b.product_id', 'p.id')
          .select([...COLUMNS, 'b.barcode as key'])
          .where('b.barcode', 'in', jsonList(barcodes))
          .orderBy('p.id')
          .execute(),
      )
    : new Map<string, MatchedProduct[]>();

  // Names only for lines that found nothing by SKU or barcode: a scan of the products with
  // fold(), so it runs once for all of them and not at all for a well-formed file.
  const names = new Set(
    keys.filter((k) => k.name !== '' && !bySku.get(k.sku)?.length && !byBarcode.get(k.barcode)?.length).map((k) => k.name),
  );
  const byName = new Map<string, MatchedProduct[]>();
  if (names.size) {
    const list = jsonList(names);
    const rows = await sellable(db)
      .select([...COLUMNS, sql<string>`fold(p.name)`.as('plain'), sql<string>`fold(p.name || ' (' || p.variant_name || ')')`.as('full')])
      .where((eb) =>
        eb.or([eb(sql`fold(p.name)`, 'in', list), eb.and([eb('p.variant_name', '!=', ''), eb(sql`fold(p.name || ' (' || p.variant_name || ')')`, 'in', list)])]),
      )
      .orderBy('p.id')
      .execute();
    for (const row of rows) {
      for (const key of new Set([row.plain, row.variant_name ? row.full : row.plain])) {
        if (!names.has(key)) continue;
        const found = byName.get(key) ?? [];
        found.push(toProduct(row));
        byName.set(key, found);
      }
    }
  }

  return keys.map((key): Match => {
    if (key.sku === '' && key.barcode === '' && key.name === '') return { kind: 'no_code' };
    const tiers: [MatchTier, MatchedProduct[] | undefined][] = [
      ['sku', bySku.get(key.sku)],
      ['barcode', byBarcode.get(key.barcode)],
    ];
    // An SKU shared by several products may still be settled by the line's barcode or name.
    let ambiguous: Match | null = null;
    for (const [by, candidates] of tiers) {
      if (!candidates?.length) continue;
      if (candidates.length === 1 && candidates[0]) return { kind: 'product', product: candidates[0], by };
      const named = key.name ? candidates.filter((p) => nameKey(displayName(p)) === key.name || nameKey(p.name) === key.name) : [];
      if (named.length === 1 && named[0]) return { kind: 'product', product: named[0], by };
      ambiguous ??= { kind: 'ambiguous', candidates, by };
    }
    if (ambiguous) return ambiguous;
    const candidates = key.name ? byName.get(key.name) : undefined;
    if (candidates?.length === 1 && candidates[0]) return { kind: 'product', product: candidates[0], by: 'name' };
    if (candidates?.length) return { kind: 'ambiguous', candidates, by: 'name' };
    return { kind: 'unknown' };
  });
}
