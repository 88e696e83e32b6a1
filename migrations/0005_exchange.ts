import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per accounting exchange run (1C dialogue or a manual upload), shown to admins.
  await db.schema
    .createTable('exchange_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('catalog', 'sale', 'upload')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running', 'success', 'failed', 'abandoned')`))
    // JSON: [{ name, bytes }].
    .addColumn('files', 'text', (c) => c.notNull().defaultTo('[]'))
    // JSON: counts by what changed, e.g. { products_created: 3, prices_updated: 10 }.
    .addColumn('counts', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('message', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('error_file', 'text')
    .addColumn('error_line', 'integer')
    .addColumn('started_at', 'integer', (c) => c.notNull())
    .addColumn('finished_at', 'integer')
    .execute();
  await db.schema.createIndex('exchange_runs_started').on('exchange_runs').column('started_at').execute();

  // What 1C says about an order after taking it.
  await db.schema.alterTable('orders').addColumn('external_date', 'text').execute();
  await db.schema.alterTable('orders').addColumn('paid_at', 'integer').execute();
  await db.schema.alterTable('orders').addColumn('shipped_at', 'integer').execute();
  await db.schema.createIndex('orders_exported').on('orders').columns(['exported_at', 'updated_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('orders_exported').execute();
  for (const column of ['shipped_at', 'paid_at', 'external_date']) {
    await db.schema.alterTable('orders').dropColumn(column).execute();
  }
  await db.schema.dropTable('exchange_runs').execute();
}
