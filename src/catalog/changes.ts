import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';

/**
 * When each product last changed as a buyer's system sees it: content (products.updated_at,
 * which importers move), visibility, unit, VAT, quantity rule, stock, and its price of every
 * price type and every special price. Prices and stock live in tables without timestamps and
 * are written by several importers, so instead of asking each of them to keep a mark, the API
 * compares a fingerprint of all that with the one it saw last time and stamps what differs.
 *
 * It runs when a sync asks "what changed since", the catalog generation moved since the last
 * run, and that run is at least REFRESH_EVERY_MS old: one set-based statement that holds the
 * database for ~0.4–0.6 s at 100k products (changed or not), so frequent stock updates cannot
 * make every sync pay it. The stamp is the time the change was noticed, never earlier than the
 * change itself, and `as_of` is the time of the run the answer comes from, so a sync that passes
 * the `as_of` of its previous answer never misses a change (it may see a product twice, which is
 * harmless); a change made after the last run shows at the next one.
 */
export const REFRESH_EVERY_MS = 60_000;

const FINGERPRINT = sql`p.updated_at || '|' || p.hidden || '|' || p.has_variants || '|' || ifnull(p.unit_id, '') || '|' ||
  ifnull(p.vat_bp, '') || '|' || p.min_qty || '|' || p.multiple || '|' || p.stock_total || '|' ||
  ifnull((select group_concat(x.price_type_id || ':' || x.price, ',') from
    (select price_type_id, price from prices where product_id = p.id order by price_type_id) x), '') || '|' ||
  ifnull((select group_concat(y.company_id || ':' || y.price, ',') from
    (select company_id, price from special_prices where product_id = p.id order by company_id) y), '')`;

/**
 * What the process remembers of the refreshes (ctx.productChanges): when the last one ran, for
 * which catalog generation, and a version that moves whenever one stamped a change.
 */
export class ProductChanges {
  private last: { generation: number; at: number } | null = null;
  private changes = 0;

  /** Moves whenever a refresh stamped a change: caches of what the API shows key on it. */
  get version(): number {
    return this.changes;
  }

  /**
   * Brings api_product_changes up to date and returns the time it describes the catalog as of.
   * With the same catalog generation as the last run nothing can have changed, and nothing runs.
   */
  async refresh(db: Kysely<DB>, clock: Clock, generation: number | null): Promise<number> {
    const last = this.last;
    const now = clock.now();
    if (last && ((generation !== null && last.generation === generation) || now - last.at < REFRESH_EVERY_MS)) return last.at;
    const changed = await db.transaction().execute(async (trx) => {
      const result = await sql`insert into api_product_changes (product_id, fingerprint, changed_at)
        select p.id, ${FINGERPRINT}, ${now} from products p where true
        on conflict (product_id) do update set fingerprint = excluded.fingerprint, changed_at = excluded.changed_at
          where api_product_changes.fingerprint is not excluded.fingerprint`.execute(trx);
      return Number(result.numAffectedRows ?? 0n);
    });
    if (changed > 0) this.changes += 1;
    // The writes above are to a table outside the catalog generation: it has not moved because of them.
    this.last = { generation: generation ?? -1, at: now };
    return now;
  }
}
