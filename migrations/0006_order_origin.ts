import type { Kysely } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * Where an order came from: the portal's pages ('web'), the buyers' REST API ('api'), or the
 * seller's accounting system, typed in there by the seller's staff ('1c', 'moysklad'). Orders
 * entered by the seller are shown in the buyer's history marked as such. MoySklad's id of the
 * customerorder sits next to 1C's.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('origin', 'text', (c) => c.notNull().defaultTo('web')).execute();
  await db.schema.alterTable('orders').addColumn('external_ms_id', 'text').execute();
  await db.schema.createIndex('orders_external_ms_id').on('orders').column('external_ms_id').unique().where('external_ms_id', 'is not', null).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('orders_external_ms_id').execute();
  await db.schema.alterTable('orders').dropColumn('external_ms_id').execute();
  await db.schema.alterTable('orders').dropColumn('origin').execute();
}
