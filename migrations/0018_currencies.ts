import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * Prices in other currencies (USD, EUR, CNY …):
 *  - price_types.currency: the currency a price type's prices come in (ISO code; RUB for roubles);
 *  - foreign_prices: a price as the source stated it, in its own currency (minor units, cents);
 *    `prices` keeps what buyers see and order, in kopecks, derived from it at the rate of the day
 *    (and no row at all while no rate is known: a dollar is never shown as a rouble);
 *  - currency_rates: roubles for one unit of a currency, in millionths of a rouble, with its date
 *    and where it came from;
 *  - order_lines: the currency, the price in it, the rate and its date a line was priced at, so an
 *    order never changes when the rate does.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('price_types').addColumn('currency', 'text', (c) => c.notNull().defaultTo('RUB')).execute();

  await db.schema
    .createTable('foreign_prices')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('price_type_id', 'integer', (c) => c.notNull().references('price_types.id').onDelete('cascade'))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`currency <> 'RUB'`))
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
    .addPrimaryKeyConstraint('foreign_prices_pk', ['product_id', 'price_type_id'])
    .execute();
  await db.schema.createIndex('foreign_prices_currency').on('foreign_prices').column('currency').execute();

  await db.schema
    .createTable('currency_rates')
    .addColumn('currency', 'text', (c) => c.primaryKey())
    .addColumn('rate_micro', 'integer', (c) => c.notNull().check(sql`rate_micro > 0`))
    // YYYY-MM-DD: the day the rate is for.
    .addColumn('rate_date', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('order_lines').addColumn('currency', 'text').execute();
  await db.schema.alterTable('order_lines').addColumn('currency_price', 'integer').execute();
  await db.schema.alterTable('order_lines').addColumn('rate_micro', 'integer').execute();
  await db.schema.alterTable('order_lines').addColumn('rate_date', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['rate_date', 'rate_micro', 'currency_price', 'currency'])
    await db.schema.alterTable('order_lines').dropColumn(column).execute();
  await db.schema.dropTable('currency_rates').execute();
  await db.schema.dropTable('foreign_prices').execute();
  await db.schema.alterTable('price_types').dropColumn('currency').execute();
}
