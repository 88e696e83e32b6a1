/**
 * Where a run's records wait until every file of the run is read. They live in TEMP tables of
 * the one SQLite connection: invisible to buyers' pages, gone if the process dies (the run is
 * then lost anyway, and 1C starts over), and never in the WAL of the real database.
 *
 * Rows arrive as the files are parsed and are written in one small transaction per batch,
 * holding Kysely's connection so no other request's transaction can interleave with ours.
 * Prices and stock are appended unindexed (apply reads them once, in order); products are rowid
 * rows with a unique index on Ид: 1C's Ид are random GUIDs, and keeping whole rows in key order
 * (WITHOUT ROWID) made every insert move big rows around — twice as slow.
 */
import type { Kysely } from 'kysely';
import type { Sqlite } from '../../db/open.js';
import type { DB } from '../../db/schema.js';
import { STAGING_STATEMENTS, type StagingRow } from './staging-rows.js';

const TABLES = `
create temp table if not exists cml_groups (ext text primary key, parent_ext text, name text not null, deleted integer not null, sort integer not null) without rowid;
create temp table if not exists cml_price_types (ext text primary key, name text not null, currency text) without rowid;
create temp table if not exists cml_warehouses (ext text primary key, name text not null) without rowid;
create temp table if not exists cml_units (key text primary key, name text not null, full_name text not null) without rowid;
create temp table if not exists cml_products (
  ext text not null unique, parent_ext text, from_offer integer not null,
  sku text, sku_norm text, name text, full_name text, description text, brand text, unit_key text, group_ext text,
  vat_bp integer, variant_name text, barcodes text, properties text, images text, deleted integer not null, characteristics text,
  multiple real, min_qty real, weight real, volume real, country text, is_new integer, is_sale integer, visible integer);
create temp table if not exists cml_prices (ext text not null, price_type text not null, price integer not null, currency text);
create temp table if not exists cml_stock (ext text not null, warehouse_ext text not null, quantity real not null);
`;

const TABLE_NAMES = ['cml_groups', 'cml_price_types', 'cml_warehouses', 'cml_units', 'cml_products', 'cml_prices', 'cml_stock'];

export class Staging {
  private statements: ReturnType<Sqlite['prepare']>[] = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sqlite: Sqlite,
  ) {}

  /** Creates empty staging tables; a previous run's leftovers are dropped. */
  async reset(): Promise<void> {
    await this.exclusive(() => {
      this.sqlite.exec(TABLE_NAMES.map((t) => `drop table if exists temp.${t};`).join('\n'));
      this.sqlite.exec(TABLES);
      this.statements = STAGING_STATEMENTS.map((s) => this.sqlite.prepare(s));
    });
  }

  async drop(): Promise<void> {
    this.statements = [];
    await this.exclusive(() => this.sqlite.exec(TABLE_NAMES.map((t) => `drop table if exists temp.${t};`).join('\n')));
  }

  /** Writes one batch of rows, in one transaction. */
  async write(rows: readonly StagingRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.exclusive(() => {
      this.sqlite.transaction(() => {
        for (const [statement, params] of rows) (this.statements[statement] as ReturnType<Sqlite['prepare']>).run(params);
      })();
    });
  }

  /** Runs raw statements while holding Kysely's only connection. */
  private async exclusive(fn: () => void): Promise<void> {
    await this.db.connection().execute(async () => fn());
  }
}
