import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * MoySklad product images: which goods (products and variants) have pictures to copy. A sync
 * notes each good with images whose `updated` moved; the image pass after the sync copies them
 * in small, budgeted steps and marks the good done at the `updated` it saw. What is left waits for
 * the next sync, so the catalog switch never waits for pictures.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('moysklad_images')
    .addColumn('ms_id', 'text', (c) => c.primaryKey())
    .addColumn('entity', 'text', (c) => c.notNull().check(sql`entity in ('product', 'variant')`))
    // MoySklad's `updated` of the good when it was last read, and when its images were last copied.
    .addColumn('updated', 'text', (c) => c.notNull())
    .addColumn('synced', 'text')
    .execute();
  await sql`create index moysklad_images_pending on moysklad_images (ms_id) where synced is null or synced <> updated`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('moysklad_images').execute();
}
