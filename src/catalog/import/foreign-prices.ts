/**
 * Prices in other currencies become the kopecks buyers see: `prices` rows derived from
 * `foreign_prices` at the rates in `currency_rates`, half up as toKopecks() (src/catalog/currency.ts)
 * does. A foreign price without a known rate has no `prices` row at all, so it shows as "price on
 * request" instead of as roubles. The scale goes in as a literal: a bound JS number is a REAL to
 * SQLite, and the division must stay integer. Run by the catalog switch and whenever rates change, inside
 * their transaction; every write is guarded by "is it different?".
 */
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { RATE_SCALE } from '../currency.js';

/** Re-derives the rouble prices of foreign prices (of one currency, or all); returns the rows changed. */
export async function repriceForeign(trx: Transaction<DB>, currency?: string): Promise<number> {
  const only = currency === undefined ? sql`` : sql`and fp.currency = ${currency}`;
  const written = await sql`insert into prices (product_id, price_type_id, price)
    select fp.product_id, fp.price_type_id, (fp.amount * r.rate_micro + ${sql.lit(RATE_SCALE / 2)}) / ${sql.lit(RATE_SCALE)}
      from foreign_prices fp join currency_rates r on r.currency = fp.currency
      where true ${only}
    on conflict (product_id, price_type_id) do update set price = excluded.price where prices.price <> excluded.price`.execute(
    trx,
  );
  const removed = await sql`delete from prices where exists (
      select 1 from foreign_prices fp where fp.product_id = prices.product_id and fp.price_type_id = prices.price_type_id ${only}
        and not exists (select 1 from currency_rates r where r.currency = fp.currency))`.execute(trx);
  return Number(written.numAffectedRows ?? 0) + Number(removed.numAffectedRows ?? 0);
}
