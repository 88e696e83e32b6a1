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
import {
  type ApplyCounts,
  applyStaged,
  ImportBusyError,
  productKeyOnly,
  Staging,
  StagingRows,
  TOTAL_STOCK,
} from '../../../catalog/import/index.js';
import type { AppContext } from '../../../context.js';
import type { DB } from '../../../db/schema.js';
import { startRun, updateRun } from '../../commerceml/exchange/runs.js';
import { type BuyerKind, detectBuyerKind, importCompanies, importSpecialPrices } from './buyers.js';
import { CategoryPaths } from './category-paths.js';
import { csvRows, decodeCsv, detectSeparator } from './csv.js';
import { detectRelationshipKind, importBalances, importDocuments, importRates, type RelationshipKind } from './relationship.js';
import {
  findMapping,
  formatProblem,
  HEADER_ROWS,
  type Mapping,
  type Problem,
  readSheet,
  type SheetProduct,
  variantKey,
} from './sheet.js';
import { XlsxError, xlsxRows } from './xlsx.js';

export type ImportKind = 'catalog' | BuyerKind | RelationshipKind;
export const IMPORT_KINDS: readonly ImportKind[] = ['catalog', 'companies', 'special-prices', 'balances', 'documents', 'rates'];

export interface ImportOptions {
  readonly dryRun: boolean;
  /** What the file holds; found by its headers when not given. */
  readonly kind?: ImportKind;
  readonly hideAbsent: boolean;
  /** Header text or column letter → field (the web page's corrections, over config `integrations.spreadsheet.columns`); '-' leaves a column out. */
  readonly columns?: Readonly<Record<string, string>>;
  /** The header's row (0-based) when it is known (the web page's second look); else it is searched for. */
  readonly headerRow?: number | null;
  /** The file's own name when `path` is where it waits (an upload kept server-side). */
  readonly name?: string;
  /** Who ran it, for the run history ("admin@…", "watched folder"). */
  readonly by?: string;
  /** Told when a long import moves on ("reading", "switching the catalog"); the CLI prints it. */
  readonly onProgress?: (text: string) => void;
}

/** One column of the header row: its letter, its text and the field it was read as (null: left out). */
export interface ColumnUse {
  readonly index: number;
  readonly column: string;
  readonly header: string;
  readonly field: string | null;
}

export interface ImportReport {
  readonly file: string;
  readonly kind: ImportKind;
  /** Counts of the buyers' kinds (companies created/updated, special prices changed/removed). */
  readonly tally?: Record<string, number> | null;
  readonly dryRun: boolean;
  readonly applied: boolean;
  readonly rows: number;
  readonly mapping: ReadonlyArray<{ column: string; header: string; field: string }>;
  /** The header row (0-based; -1 when none was found) and every column of it, mapped or not. */
  readonly headerRow: number;
  readonly columns: readonly ColumnUse[];
  readonly counts: ApplyCounts | null;
  readonly problems: readonly Problem[];
}

/** The file's rows as they are read (an XLSX streamed, a CSV decoded whole and cut row by row). */
async function* rowsOf(path: string, name: string): AsyncGenerator<string[]> {
  const ext = extname(name).toLowerCase();
  if (ext === '.xlsx') {
    yield* xlsxRows(path);
    return;
  }
  const text = decodeCsv(await readFile(path));
  yield* csvRows(text, detectSeparator(text));
}

/** The first `n` rows; the iterator goes on with the rest. */
async function takeHead(rows: AsyncIterator<string[]>, n: number): Promise<string[][]> {
  const head: string[][] = [];
  while (head.length < n) {
    const next = await rows.next();
    if (next.done) break;
    head.push(next.value);
  }
  return head;
}

function readError(error: unknown): string {
  return error instanceof XlsxError ? error.message : `cannot read the file: ${(error as Error).message}`;
}

/** config.yml's "header or letter = field" items as a map (checked when the config was loaded). */
export function configuredColumns(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    if (eq > 0) out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function describe(mapping: Mapping | null): ImportReport['mapping'] {
  if (!mapping) return [];
  return [...mapping.columns].map(([c, field]) => ({ column: letter(c), header: mapping.headers[c] ?? '', field }));
}

function columnsOf(mapping: Mapping | null): ColumnUse[] {
  if (!mapping) return [];
  const width = Math.max(mapping.headers.length, ...[...mapping.columns.keys()].map((c) => c + 1));
  const out: ColumnUse[] = [];
  for (let c = 0; c < width; c++) {
    const header = mapping.headers[c] ?? '';
    const field = mapping.columns.get(c) ?? null;
    if (header === '' && field === null) continue;
    out.push({ index: c, column: letter(c), header, field });
  }
  return out;
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
  const file = options.name ?? basename(path);
  // Another reader (MoySklad, 1C) using the staging tables: refused before reading a byte.
  const held = ctx.importGate.refusal('spreadsheet');
  if (held) return refused(file, options, held);
  const reading = rowsOf(path, file);
  const rest = { [Symbol.asyncIterator]: () => reading };
  let head: string[][];
  try {
    head = await takeHead(reading, Math.max(HEADER_ROWS, (options.headerRow ?? 0) + 1));
  } catch (error) {
    const message = readError(error);
    await record(ctx, file, 'failed', null, [{ row: 0, column: '', message }], options);
    return { ...refused(file, options, message) };
  }
  // The more specific headers first: a list of balances also names its buyers.
  const kind = options.kind ?? detectRelationshipKind(head) ?? detectBuyerKind(head) ?? 'catalog';
  if (kind !== 'catalog') {
    // Lists of buyers are small: all rows at once.
    const rows = [...head];
    try {
      for await (const row of rest) rows.push(row);
    } catch (error) {
      const message = readError(error);
      await record(ctx, file, 'failed', null, [{ row: 0, column: '', message }], options);
      return { ...refused(file, options, message) };
    }
    const small = { dryRun: options.dryRun, now: ctx.clock.now() };
    const result =
      kind === 'companies'
        ? await importCompanies(ctx.db, rows, small)
        : kind === 'balances'
          ? await importBalances(ctx.db, rows, small)
          : kind === 'documents'
            ? await importDocuments(ctx.db, rows, small)
            : kind === 'rates'
              ? await importRates(ctx.db, rows, small)
              : await importSpecialPrices(ctx.db, rows, { dryRun: options.dryRun, hideAbsent: options.hideAbsent });
    await record(ctx, file, result.problems.length > 0 ? 'failed' : 'success', result.tally, result.problems, options);
    return {
      file,
      kind,
      dryRun: options.dryRun,
      applied: !options.dryRun && result.problems.length === 0,
      rows: result.rows,
      mapping: result.mapping,
      headerRow: -1,
      columns: [],
      counts: null,
      tally: result.tally,
      problems: result.problems,
    };
  }
  const columns = { ...configuredColumns(ctx.config.integrations.spreadsheet.columns.catalog), ...options.columns };
  const mapping = findMapping(head, columns, options.headerRow ?? null);

  // Price types are matched by name; an unknown one is a problem, not a new price type.
  const priceTypes = await ctx.db.selectFrom('price_types').select(['id', 'name', 'is_default', 'external_1c_id']).execute();
  const priceTypeFor = new Map<string, string>();
  const typeProblems: Problem[] = [];
  for (const field of mapping ? mapping.columns.values() : []) {
    if (!field.startsWith('price:')) continue;
    const name = field.slice(6);
    const type =
      name === ''
        ? priceTypes.find((t) => t.is_default === 1)
        : priceTypes.find((t) => t.name.toLowerCase() === name.toLowerCase());
    const column = [...(mapping?.columns ?? [])].find(([, f]) => f === field)?.[0] ?? 0;
    if (!type)
      typeProblems.push({
        row: (mapping?.headerRow ?? 0) + 1,
        column: mapping?.headers[column] ?? letter(column),
        message: `unknown price type «${name}»`,
      });
    else priceTypeFor.set(name, type.external_1c_id ?? `pt:${type.id}`);
  }

  const existing = new Map<string, { id: number; ext: string | null }>();
  const byId = new Map<number, { id: number; ext: string | null; skuNorm: string }>();
  for (const p of await ctx.db
    .selectFrom('products')
    .select(['id', 'sku_norm', 'external_1c_id'])
    .orderBy('id', 'desc')
    .execute()) {
    if (p.sku_norm) existing.set(p.sku_norm, { id: p.id, ext: p.external_1c_id });
    byId.set(p.id, { id: p.id, ext: p.external_1c_id, skuNorm: p.sku_norm });
  }
  const categories = await ctx.db
    .selectFrom('categories')
    .select(['id', 'parent_id', 'name', 'sort', 'hidden', 'external_1c_id'])
    .orderBy('id')
    .execute();
  // Units and warehouses are named in the file: the stored ones with that name (or code) are meant.
  const units = new Map<string, string>();
  for (const u of await ctx.db.selectFrom('units').select(['code', 'name']).orderBy('id', 'desc').execute()) {
    units.set(u.name.toLowerCase(), u.code);
    units.set(u.code.toLowerCase(), u.code);
  }
  const warehouseExt = new Map<string, string>();
  for (const w of await ctx.db.selectFrom('warehouses').select(['name', 'external_1c_id']).orderBy('id', 'desc').execute())
    if (w.external_1c_id) warehouseExt.set(w.name.toLowerCase(), w.external_1c_id);
  const warehouseOf = (name: string): string =>
    name === '' ? TOTAL_STOCK : (warehouseExt.get(name.toLowerCase()) ?? `wh:${name.toLowerCase()}`);
  let release: () => void;
  try {
    release = ctx.importGate.acquire('spreadsheet');
  } catch (error) {
    if (error instanceof ImportBusyError) return refused(file, options, error.message);
    throw error;
  }
  const staging = new Staging(ctx.db, ctx.database.sqlite);
  // The run is listed from here on (as "running"): one cut short by a crash is closed as abandoned at the next start.
  let runId: number | null = null;
  try {
    if (!options.dryRun) runId = await startRun(ctx.db, 'upload', ctx.clock.now(), `spreadsheet ${file}`, 'spreadsheet');
    options.onProgress?.(`reading ${file}`);
    await staging.reset();
    const sink = new StagingRows();
    const adopt: Array<[number, string]> = [];
    const adoptTypes: Array<[number, string]> = [];
    const paths = new CategoryPaths(categories, (group) => sink.group(group));
    for (const [name, ext] of priceTypeFor) {
      if (ext.startsWith('pt:')) adoptTypes.push([Number(ext.slice(3)), ext]);
      sink.priceType({ ext, name: name || (priceTypes.find((t) => t.is_default === 1)?.name ?? name) });
    }
    const stagedWarehouses = new Set<string>();
    // Each product row is staged as it is read, a batch at a time: a 100k-row file is never all in memory.
    const stagedParents = new Set<string>();
    const stage = async (product: SheetProduct): Promise<void> => {
      const catExt = product.category ? paths.extOf(product.category) : null;
      const variant = product.characteristics.length > 0;
      // The portal's ID (an exported file) first, then the SKU (a variant: its SKU and characteristics);
      // an ID of another portal falls back to those.
      const byPortalId = product.id !== null ? byId.get(product.id) : undefined;
      const known = byPortalId ?? (variant ? undefined : existing.get(product.skuNorm));
      const ext =
        known?.ext ?? (variant ? `sku:${product.skuNorm}#${variantKey(product.characteristics)}` : `sku:${product.skuNorm}`);
      if (known && !known.ext) adopt.push([known.id, ext]);
      if (sink.counts.products % 5000 === 0 && sink.counts.products > 0) await staging.write(sink.take().rows);
      const unit = product.unit
        ? { key: units.get(product.unit.toLowerCase()) ?? product.unit, name: product.unit, fullName: product.unit }
        : null;
      // Rows of one SKU with characteristics are the variants of one product, made from the first of them.
      const parentExt = variant && !byPortalId ? (existing.get(product.skuNorm)?.ext ?? `sku:${product.skuNorm}`) : null;
      if (parentExt !== null && !stagedParents.has(parentExt)) {
        stagedParents.add(parentExt);
        sink.product({
          ...productKeyOnly(parentExt, 'catalog'),
          sku: product.sku,
          name: product.name,
          description: product.description,
          brand: product.brand,
          unit,
          groupExt: catExt,
        });
      }
      sink.product({
        source: 'catalog',
        ext,
        parentExt,
        sku: product.sku,
        name: product.name,
        fullName: null,
        description: product.description,
        brand: product.brand,
        unit,
        groupExt: catExt,
        vatBp: product.vatBp,
        variantName: variant ? product.characteristics.map(([, value]) => value).join(', ') : null,
        characteristics: variant ? product.characteristics : null,
        barcodes: product.barcodes,
        properties: null,
        images: null,
        deleted: !product.visible,
        multiple: product.multiple,
        minQty: product.minQty,
        weight: product.weight,
        volume: product.volume,
        country: product.country,
        isNew: product.isNew,
        isSale: product.isSale,
      });
      // Prices in a currency column's currency reach buyers only through its rate, never as roubles.
      for (const [type, price] of product.prices)
        sink.price({ ext, priceType: priceTypeFor.get(type) ?? type, price, currency: product.currency });
      for (const [warehouse, quantity] of product.stock) {
        const wh = warehouseOf(warehouse);
        sink.stock({ ext, warehouseExt: wh, quantity });
        if (warehouse !== '' && wh !== TOTAL_STOCK && !stagedWarehouses.has(wh)) {
          stagedWarehouses.add(wh);
          sink.warehouse({ ext: wh, name: warehouse });
        }
      }
    };
    let sheet: Awaited<ReturnType<typeof readSheet>>;
    try {
      sheet = await readSheet(head, columns, options.headerRow ?? null, rest, stage);
    } catch (error) {
      const message = readError(error);
      await record(ctx, file, 'failed', null, [{ row: 0, column: '', message }], options, runId);
      return { ...refused(file, options, message) };
    }
    head = [];
    const problems = [...sheet.problems, ...(sheet.mapping ? typeProblems : [])];
    const base = {
      file,
      kind: 'catalog' as const,
      dryRun: options.dryRun,
      rows: sheet.count,
      mapping: describe(sheet.mapping),
      headerRow: sheet.mapping?.headerRow ?? -1,
      columns: columnsOf(sheet.mapping),
    };
    if (problems.length > 0) {
      await record(ctx, file, 'failed', null, problems, options, runId);
      return { ...base, applied: false, counts: null, problems };
    }
    // A hand-made product, category or price type found by SKU / name takes the spreadsheet's
    // key, inside the switch's transaction (so a dry run leaves it too).
    const prepare = async (trx: Transaction<DB>): Promise<void> => {
      for (const [id, ext] of adopt)
        await trx.updateTable('products').set({ external_1c_id: ext }).where('id', '=', id).execute();
      for (const [id, ext] of adoptTypes)
        await trx.updateTable('price_types').set({ external_1c_id: ext }).where('id', '=', id).execute();
      for (const [id, ext] of paths.adopt)
        await trx.updateTable('categories').set({ external_1c_id: ext }).where('id', '=', id).execute();
    };
    await staging.write(sink.take().rows);
    const settings = {
      ...ctx.config.integrations.commerceml,
      priceTypes: [],
      stockWarehouses: ctx.config.catalog.stockWarehouses,
    };
    const coverage = { groups: false, products: options.hideAbsent, offers: options.hideAbsent };
    options.onProgress?.(options.dryRun ? 'counting what would change' : 'switching the catalog');
    const result = await applyStaged(ctx.db, ctx.searchIndex, settings, coverage, ctx.clock.now(), {
      dryRun: options.dryRun,
      prepare,
    });
    await record(ctx, file, 'success', result.counts, [], options, runId);
    runId = null;
    return { ...base, applied: !options.dryRun, counts: result.counts, problems: [] };
  } catch (error) {
    // Whatever failed, the run does not stay "running".
    if (runId !== null)
      await record(ctx, file, 'failed', null, [{ row: 0, column: '', message: (error as Error).message }], options, runId);
    throw error;
  } finally {
    await staging.drop();
    release();
  }
}

/** The gate was taken: a report with that one problem; nothing was read, staged or recorded. */
function refused(file: string, options: ImportOptions, message: string): ImportReport {
  return {
    file,
    kind: options.kind ?? 'catalog',
    dryRun: options.dryRun,
    applied: false,
    rows: 0,
    mapping: [],
    headerRow: -1,
    columns: [],
    counts: null,
    problems: [{ row: 0, column: '', message }],
  };
}

/**
 * A run in exchange_runs (the exchange page's one history of what changed the catalog). A dry
 * run changes nothing and is not recorded; a refused apply is, with its first problem.
 */
async function record(
  ctx: AppContext,
  file: string,
  status: 'success' | 'failed',
  counts: ApplyCounts | Record<string, number> | null,
  problems: readonly Problem[],
  options: ImportOptions,
  runId: number | null = null,
): Promise<void> {
  if (options.dryRun) return;
  const now = ctx.clock.now();
  const who = options.by ? ` (${options.by})` : '';
  const mode = options.hideAbsent ? 'full price list' : 'partial update';
  const id = runId ?? (await startRun(ctx.db, 'upload', now, `spreadsheet ${file}`, 'spreadsheet'));
  const first = problems[0];
  await updateRun(ctx.db, id, {
    status,
    files: [{ name: file, bytes: 0 }],
    ...(counts ? { counts: { ...counts } } : {}),
    message: `spreadsheet ${file}, ${mode}${who}${first ? `: ${problems.length} problem(s); first: ${formatProblem(first)}` : ''}`,
    finishedAt: now,
  });
}

const ROW_NAMES: Record<ImportKind, string> = {
  catalog: 'product',
  companies: 'company',
  'special-prices': 'special price',
  balances: 'balance',
  documents: 'document',
  rates: 'rate',
};

/** The report as lines of text: what `optovik import` prints and the watched folder's <name>.report.txt holds. */
export function reportLines(report: ImportReport): string[] {
  const what = ROW_NAMES[report.kind];
  const lines = [`${report.file}: ${report.rows} ${what} row(s)${report.dryRun ? ' (dry run: nothing changed)' : ''}`];
  for (const m of report.mapping) lines.push(`  column ${m.column} «${m.header}» → ${m.field}`);
  for (const p of report.problems) lines.push(formatProblem(p));
  if (report.problems.length > 0) {
    lines.push(`${report.problems.length} problem(s): nothing was changed.`);
    return lines;
  }
  if (report.tally)
    lines.push(
      Object.entries(report.tally)
        .map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`)
        .join(', '),
    );
  const c = report.counts;
  if (c) {
    lines.push(
      `created ${c.products_created}, changed ${c.products_updated}, hidden ${c.products_hidden}; prices changed ${c.prices_changed}, stock changed ${c.stock_changed}; categories created ${c.categories_created}`,
    );
  }
  return lines;
}
