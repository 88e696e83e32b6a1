/**
 * Search-index rows for the products a run creates, written while the files are still being
 * read. A full first import of 100k products otherwise spends ~2 s of its switch (the one
 * transaction buyers wait for) on FTS5 trigram indexing; here that work overlaps the parsing,
 * which runs on the worker thread meanwhile.
 *
 * Safe because the rows point at product ids nobody has yet: every search confirms its FTS
 * candidates against the products table, so a row without a product finds nothing. The ids are
 * promised here and kept by the switch (cml_planned); a product whose final data differ from what
 * was indexed is indexed again there. A run that ends without its switch takes its rows back, and
 * each run first removes rows above the highest id ever given (left by a crash).
 */
import type { Kysely } from 'kysely';
import { ftsColumns } from '../../../catalog/search/fts.js';
import type { Sqlite } from '../../../db/open.js';
import type { DB } from '../../../db/schema.js';
import type { StagingRow } from './staging-rows.js';

/** FTS rows written per transaction: each commit of the main database is a disk flush. */
const FLUSH_AT = 5000;

/** Positions in a staged product row (see STAGING_STATEMENTS / MERGE_PRODUCT). */
const P = { ext: 0, parent: 1, fromOffer: 2, sku: 3, name: 5, brand: 8, barcodes: 13, deleted: 16 } as const;

export class SearchPreindex {
  private next = 0;
  private readonly planned = new Set<string>();
  private pending: Array<[number, string, string, string]> = [];
  private statements: {
    exists: ReturnType<Sqlite['prepare']>;
    plan: ReturnType<Sqlite['prepare']>;
    fts: ReturnType<Sqlite['prepare']>;
  } | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly sqlite: Sqlite,
  ) {}

  /** Call after the staging tables exist (cml_planned among them). */
  async start(): Promise<void> {
    await this.exclusive(() => {
      this.next = this.sqlite
        .prepare(
          "select max(coalesce((select max(id) from products), 0), coalesce((select seq from sqlite_sequence where name = 'products'), 0))",
        )
        .pluck()
        .get() as number;
      this.sqlite.prepare('delete from products_fts where rowid > ?').run(this.next);
      this.statements = {
        exists: this.sqlite.prepare('select 1 from products where external_1c_id = ?').pluck(),
        plan: this.sqlite.prepare('insert into cml_planned values (?, ?, ?, ?, ?, ?)'),
        fts: this.sqlite.prepare('insert into products_fts(rowid, sku, barcodes, name) values (?, ?, ?, ?)'),
      };
    });
    this.planned.clear();
    this.pending = [];
  }

  /**
   * Looks at rows just staged (call it inside the staging write): a product from the catalog part
   * that is neither a variant nor deleted and not yet on the portal gets its id and FTS row.
   */
  consider(rows: readonly StagingRow[], productStatement: number): void {
    const statements = this.statements;
    if (!statements) return;
    for (const [statement, params] of rows) {
      if (statement !== productStatement || params[P.fromOffer] !== 0 || params[P.parent] !== null || params[P.deleted] !== 0)
        continue;
      const ext = params[P.ext] as string;
      if (this.planned.has(ext) || statements.exists.get(ext) !== undefined) continue;
      this.planned.add(ext);
      const id = ++this.next;
      const sku = (params[P.sku] as string | null) ?? '';
      const name = (params[P.name] as string | null) ?? ext;
      const brand = (params[P.brand] as string | null) ?? '';
      const barcodes = (params[P.barcodes] as string | null) ?? '[]';
      statements.plan.run([ext, id, sku, name, brand, barcodes]);
      this.pending.push([id, ...ftsColumns({ sku, name, variant_name: '', brand, barcodes })]);
    }
  }

  /** Writes the FTS rows gathered so far once there are enough of them (or always, if `all`). */
  async flush(all = false): Promise<void> {
    const statements = this.statements;
    if (!statements || this.pending.length === 0 || (!all && this.pending.length < FLUSH_AT)) return;
    const rows = this.pending;
    this.pending = [];
    await this.exclusive(() => {
      this.sqlite.transaction(() => {
        for (const row of rows) statements.fts.run(row);
      })();
    });
  }

  /** Takes this run's rows back (no switch will come). */
  async discard(): Promise<void> {
    if (!this.statements) return;
    this.statements = null;
    this.pending = [];
    await this.exclusive(() => {
      const exists = this.sqlite.prepare("select 1 from sqlite_temp_master where name = 'cml_planned'").get();
      if (exists) this.sqlite.prepare('delete from products_fts where rowid in (select id from cml_planned)').run();
    });
  }

  /** After the switch the rows belong to real products. */
  settle(): void {
    this.statements = null;
    this.pending = [];
  }

  private async exclusive(fn: () => void): Promise<void> {
    await this.db.connection().execute(async () => fn());
  }
}
