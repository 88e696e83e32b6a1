/**
 * The rates at which prices in other currencies are shown and ordered in roubles. Setting a rate
 * re-derives the rouble prices of that currency in the same transaction, so buyers see either the
 * old prices or the new ones; orders already placed keep the rate they were priced at
 * (order_lines.rate_micro).
 */
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { localDate } from '../finance/dates.js';
import { formatRate, type RateInput } from './currency.js';
import { repriceForeign } from './import/foreign-prices.js';

export type { RateInput };

export interface RateRow {
  readonly currency: string;
  readonly rate: string;
  readonly rateMicro: number;
  readonly date: string;
  readonly source: string;
  /** Products × price types priced in this currency. */
  readonly prices: number;
}

/** Stores the rates and re-prices what is in those currencies, in one transaction; returns the rouble prices changed. */
export async function setRates(db: Kysely<DB>, rates: readonly RateInput[], source: string, now: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let changed = 0;
    for (const rate of rates) {
      const date = rate.date ?? localDate(now);
      const written = await trx
        .insertInto('currency_rates')
        .values({ currency: rate.currency, rate_micro: rate.rateMicro, rate_date: date, source, updated_at: now })
        .onConflict((oc) =>
          oc
            .column('currency')
            .doUpdateSet({ rate_micro: rate.rateMicro, rate_date: date, source, updated_at: now })
            .where((eb) =>
              eb.or([eb('currency_rates.rate_micro', '<>', rate.rateMicro), eb('currency_rates.rate_date', '<>', date)]),
            ),
        )
        .executeTakeFirst();
      if (Number(written.numInsertedOrUpdatedRows ?? 0n) > 0) changed += await repriceForeign(trx, rate.currency);
    }
    return changed;
  });
}

/** Every currency a price or a rate names, with its rate (or none yet). */
export async function listRates(db: Kysely<DB>): Promise<RateRow[]> {
  const rates = await db.selectFrom('currency_rates').selectAll().execute();
  const used = await db
    .selectFrom('foreign_prices')
    .select(['currency', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('currency')
    .execute();
  const count = new Map(used.map((u) => [u.currency, Number(u.n)]));
  const currencies = [...new Set([...rates.map((r) => r.currency), ...count.keys()])].sort();
  return currencies.map((currency) => {
    const r = rates.find((x) => x.currency === currency);
    return {
      currency,
      rate: r ? formatRate(r.rate_micro) : '',
      rateMicro: r?.rate_micro ?? 0,
      date: r?.rate_date ?? '',
      source: r?.source ?? '',
      prices: count.get(currency) ?? 0,
    };
  });
}

/** The amounts in their own currency behind these products' rouble prices of one price type (show_original_currency). */
export async function originalPrices(
  db: Kysely<DB>,
  priceTypeId: number | null,
  productIds: readonly number[],
): Promise<Map<number, { currency: string; amount: number }>> {
  if (priceTypeId === null || productIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('foreign_prices')
    .select(['product_id', 'currency', 'amount'])
    .where('price_type_id', '=', priceTypeId)
    .where('product_id', 'in', productIds)
    .execute();
  return new Map(rows.map((r) => [r.product_id, { currency: r.currency, amount: r.amount }]));
}
