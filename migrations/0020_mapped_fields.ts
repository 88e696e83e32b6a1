import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * Product fields config.yml's map of accounting fields can fill (weight, volume, country of
 * origin, the "new" and "sale" marks), and price types that are imported but never shown to
 * buyers (a distributor's purchase prices).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Kilograms and cubic metres of one base unit; null = not known.
  await sql`alter table products add column weight real`.execute(db);
  await sql`alter table products add column volume real`.execute(db);
  await sql`alter table products add column country text not null default ''`.execute(db);
  await sql`alter table products add column is_new integer not null default 0 check (is_new in (0, 1))`.execute(db);
  await sql`alter table products add column is_sale integer not null default 0 check (is_sale in (0, 1))`.execute(db);
  await sql`alter table price_types add column hidden integer not null default 0 check (hidden in (0, 1))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const column of ['weight', 'volume', 'country', 'is_new', 'is_sale'])
    await sql`alter table products drop column ${sql.raw(column)}`.execute(db);
  await sql`alter table price_types drop column hidden`.execute(db);
}
