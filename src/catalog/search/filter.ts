import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.js';

export interface SearchFilter {
  categoryIds?: readonly number[];
  inStockOnly?: boolean;
  brand?: string;
}

/** Sellable, visible and within the filter; on alias `p`. */
export function filterSql(filter: SearchFilter): RawBuilder<unknown> {
  const parts = [sql`p.hidden = 0`, sql`p.has_variants = 0`];
  const categories = filter.categoryIds;
  if (categories !== undefined) {
    parts.push(categories.length === 1 ? sql`p.category_id = ${categories[0]}` : sql`p.category_id in (${sql.join(categories)})`);
  }
  if (filter.inStockOnly) parts.push(sql`p.stock_total > 0`);
  if (filter.brand) parts.push(sql`p.brand = ${filter.brand}`);
  return sql.join(parts, sql` and `);
}

/**
 * Which of these products are, right now, sellable, visible and within the filter: one lookup by
 * rowid each. The SQL text is the same whatever the ids and the filter (all passed as JSON), so
 * it is prepared once.
 */
export async function passingIds(db: Kysely<DB>, ids: readonly number[], filter: SearchFilter): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const categories = filter.categoryIds === undefined ? null : JSON.stringify(filter.categoryIds);
  const { rows } = await sql<{ id: number }>`
    select p.id from json_each(${JSON.stringify(ids)}) j cross join products p on p.id = j.value
    where p.hidden = 0 and p.has_variants = 0
      and (${categories} is null or p.category_id in (select value from json_each(${categories})))
      and (${filter.inStockOnly ? 1 : 0} = 0 or p.stock_total > 0)
      and (${filter.brand ?? ''} = '' or p.brand = ${filter.brand ?? ''})`.execute(db);
  return new Set(rows.map((r) => r.id));
}
