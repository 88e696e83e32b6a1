import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/** A random version-4 UUID, lowercase, made by SQLite itself. */
const UUID = sql.raw(`lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-'
  || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)))`);

/**
 * MoySklad:
 * - every order has a UUID of its own from the moment it exists (a trigger gives new orders one,
 *   whoever inserts them); it is the `syncId` of the order's customerorder, so a push repeated
 *   after a timeout never makes a second order in MoySklad;
 * - exchange runs say which accounting system they were with ('1c' for all earlier ones).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orders').addColumn('uuid', 'text').execute();
  await sql`update orders set uuid = ${UUID} where uuid is null`.execute(db);
  await db.schema.createIndex('orders_uuid').on('orders').column('uuid').unique().execute();
  await sql`create trigger orders_uuid after insert on orders when new.uuid is null
    begin update orders set uuid = ${UUID} where id = new.id; end`.execute(db);

  await db.schema
    .alterTable('exchange_runs')
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('1c').check(sql`source in ('1c', 'moysklad', 'spreadsheet')`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('exchange_runs').dropColumn('source').execute();
  await sql`drop trigger orders_uuid`.execute(db);
  await db.schema.dropIndex('orders_uuid').execute();
  await db.schema.alterTable('orders').dropColumn('uuid').execute();
}
