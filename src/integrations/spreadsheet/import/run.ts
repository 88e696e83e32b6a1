/**
 * A spreadsheet (CSV or XLSX) → the one catalog importer (src/catalog/import): read every row,
 * report every problem with its row and column, and only for a clean file stage the records and
 * switch them in one transaction — or, for a dry run, count what would change and roll back.
 * Products are keyed by SKU: an existing product with that SKU keeps its external id; a new one
 * gets `sku:<normalized SKU>`. Runs are recorded in exchange_runs (kind 'upload').
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Transaction } from 'kysely';
import { type ApplyCounts, applyStaged, ImportBusyError, Staging, StagingRows } from '../../../catalog/import/index.js';
import type { AppContext } from '../../../context.js';
import type { DB } from '../../../db/schema.js';
import { startRun, updateRun } from '../../commerceml/exchange/runs.js';
import { decodeCsv, detectSeparator, parseCsv } from './csv.js';
import { type Mapping, type Problem, readSheet } from './sheet.js';
import { readXlsxRows, XlsxError } from './xlsx.js';

export interface ImportOptions {
  readonly dryRun: boolean;
  readonly hideAbsent: boolean;
  readonly columns?: Readonly<Record<string, string>>;
}

export interface ImportReport {
  readonly file: string;
  readonly dryRun: boolean;
  readonly applied: boolean;
  readonly rows: number;
  readonly mapping: ReadonlyArray<{ column: string; header: string; field: string }>;
  readonly counts: ApplyCounts | null;
  readonly problems: readonly Problem[];
}

async function rowsOf(path: string): Promise<string[][]> {
  const ext = extname(path).toLowerCase();
  if (ext === '.xlsx') return readXlsxRows(path);
  const text = decodeCsv(await readFile(path));
  return parseCsv(text, detectSeparator(text));
}

function describe(mapping: Mapping | null): ImportReport['mapping'] {
  if (!mapping) return [];
  return [...mapping.columns].map(([c, field]) => ({ column: letter(c), header: mapping.headers[c] ?? '', field }));
}

function letter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export async function importSpreadsheet(ctx: AppContext, path: string, options: ImportOptions): Promise<ImportReport> {
  const file = basename(path);
  // Another reader (MoySklad, 1C) using the staging tables: refused before reading a byte.
  const held = ctx.importGate.refusal('spreadsheet');
  if (held) return refused(file, options, held);
  let rows: string[][];
  try {
    rows = await rowsOf(path);
  } catch (error) {
    const message = error instanceof XlsxError ? error.message : `cannot read the file: ${(error as Error).message}`;
    return {
      file,
      dryRun: options.dryRun,
      applied: false,
      rows: 0,
      mapping: [],
      counts: null,
      problems: [{ row: 1, column: '', message }],
    };
  }
  const sheet = readSheet(rows, options.columns ?? {});
  const problems = [...sheet.problems];
  const base = { file, dryRun: options.dryRun, rows: sheet.products.length, mapping: describe(sheet.mapping) };

  // Price types are matched by name; an unknown one is a problem, not a new price type.
  const priceTypes = await ctx.db.selectFrom('price_types').select(['id', 'name', 'is_default', 'external_1c_id']).execute();
  const priceTypeFor = new Map<string, string>();
  for (const field of sheet.mapping ? sheet.mapping.columns.values() : []) {
    if (!field.startsWith('price:')) continue;
    const name = field.slice(6);
    const type =
      name === ''
        ? priceTypes.find((t) => t.is_default === 1)
        : priceTypes.find((t) => t.name.toLowerCase() === name.toLowerCase());
    const column = [...(sheet.mapping?.columns ?? [])].find(([, f]) => f === field)?.[0] ?? 0;
    if (!type)
      problems.push({
        row: (sheet.mapping?.headerRow ?? 0) + 1,
        column: sheet.mapping?.headers[column] ?? letter(column),
        message: `unknown price type «${name}»`,
      });
    else priceTypeFor.set(name, type.external_1c_id ?? `pt:${type.id}`);
  }
  if (problems.length > 0) {
    await record(ctx, file, 'failed', null, problems, options.dryRun);
    return { ...base, applied: false, counts: null, problems };
  }

  const existing = new Map<string, { id: number; ext: string | null }>();
  for (const p of await ctx.db.selectFrom('products').select(['id', 'sku_norm', 'external_1c_id']).execute()) {
    if (p.sku_norm) existing.set(p.sku_norm, { id: p.id, ext: p.external_1c_id });
  }
  const categories = await ctx.db.selectFrom('categories').select(['id', 'name', 'external_1c_id']).execute();
  let release: () => void;
  try {
    release = ctx.importGate.acquire('spreadsheet');
  } catch (error) {
    if (error instanceof ImportBusyError) return refused(file, options, error.message);
    throw error;
  }
  const staging = new Staging(ctx.db, ctx.database.sqlite);
  try {
    await staging.reset();
    const sink = new StagingRows();
    const adopt: Array<[number, string]> = [];
    const adoptTypes: Array<[number, string]> = [];
    const adoptCategories: Array<[number, string]> = [];
    for (const [name, ext] of priceTypeFor) {
      if (ext.startsWith('pt:')) adoptTypes.push([Number(ext.slice(3)), ext]);
      sink.priceType({ ext, name: name || (priceTypes.find((t) => t.is_default === 1)?.name ?? name) });
    }
    const groupExt = new Map<string, string>();
    for (const product of sheet.products) {
      let catExt: string | null = null;
      if (product.category) {
        const key = product.category.toLowerCase();
        catExt = groupExt.get(key) ?? null;
        if (!catExt) {
          const found = categories.find((c) => c.name.toLowerCase() === key);
          catExt = found ? (found.external_1c_id ?? `cat:${found.id}`) : `cat:${key}`;
          if (found && !found.external_1c_id) adoptCategories.push([found.id, catExt]);
          groupExt.set(key, catExt);
          sink.group({ ext: catExt, parentExt: null, name: found?.name ?? product.category, deleted: false, sort: 0 });
        }
      }
      const known = existing.get(product.skuNorm);
      const ext = known?.ext ?? `sku:${product.skuNorm}`;
      if (known && !known.ext) adopt.push([known.id, ext]);
      sink.product({
        source: 'catalog',
        ext,
        parentExt: null,
        sku: product.sku,
        name: product.name,
        fullName: null,
        description: null,
        brand: null,
        unit: product.unit ? { key: product.unit, name: product.unit, fullName: product.unit } : null,
        groupExt: catExt,
        vatBp: null,
        variantName: null,
        characteristics: null,
        barcodes: null,
        properties: null,
        images: null,
        deleted: false,
      });
      for (const [type, price] of product.prices) sink.price({ ext, priceType: priceTypeFor.get(type) ?? type, price });
      for (const [warehouse, quantity] of product.stock)
        sink.stock({ ext, warehouseExt: warehouse === '' ? '#total' : `wh:${warehouse.toLowerCase()}`, quantity });
      for (const [warehouse] of product.stock)
        if (warehouse !== '') sink.warehouse({ ext: `wh:${warehouse.toLowerCase()}`, name: warehouse });
    }
    // A hand-made product, category or price type found by SKU / name takes the spreadsheet's
    // key, inside the switch's transaction (so a dry run leaves it too).
    const prepare = async (trx: Transaction<DB>): Promise<void> => {
      for (const [id, ext] of adopt)
        await trx.updateTable('products').set({ external_1c_id: ext }).where('id', '=', id).execute();
      for (const [id, ext] of adoptTypes)
        await trx.updateTable('price_types').set({ external_1c_id: ext }).where('id', '=', id).execute();
      for (const [id, ext] of adoptCategories)
        await trx.updateTable('categories').set({ external_1c_id: ext }).where('id', '=', id).execute();
    };
    await staging.write(sink.take().rows);
    const settings = {
      ...ctx.config.integrations.commerceml,
      priceTypes: [],
      stockWarehouses: ctx.config.catalog.stockWarehouses,
    };
    const coverage = { groups: false, products: options.hideAbsent, offers: options.hideAbsent };
    const result = await applyStaged(ctx.db, ctx.searchIndex, settings, coverage, ctx.clock.now(), {
      dryRun: options.dryRun,
      prepare,
    });
    await record(ctx, file, 'success', result.counts, [], options.dryRun);
    return { ...base, applied: !options.dryRun, counts: result.counts, problems: [] };
  } finally {
    await staging.drop();
    release();
  }
}

/** The gate was taken: a report with that one problem; nothing was read, staged or recorded. */
function refused(file: string, options: ImportOptions, message: string): ImportReport {
  return { file, dryRun: options.dryRun, applied: false, rows: 0, mapping: [], counts: null, problems: [{ row: 0, column: '', message }] };
}

async function record(
  ctx: AppContext,
  file: string,
  status: 'success' | 'failed',
  counts: ApplyCounts | null,
  problems: readonly Problem[],
  dryRun: boolean,
): Promise<void> {
  const now = ctx.clock.now();
  const id = await startRun(ctx.db, 'upload', now, `spreadsheet ${file}${dryRun ? ' (dry run)' : ''}`, 'spreadsheet');
  await updateRun(ctx.db, id, {
    status,
    files: [{ name: file, bytes: 0 }],
    ...(counts ? { counts: { ...counts } } : {}),
    message: `spreadsheet ${file}${dryRun ? ' (dry run)' : ''}${problems.length ? `: ${problems.length} problem(s); first: row ${problems[0]?.row} ${problems[0]?.message}` : ''}`,
    finishedAt: now,
  });
}
