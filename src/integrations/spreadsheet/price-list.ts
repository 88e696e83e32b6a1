/**
 * The buyer's own price list as XLSX or CSV: every product the buyer can order, by category,
 * at ITS price (its price type less its discount, or its special price; never another price
 * type's), with the stock as catalog.stock_display lets it see, and an empty "order quantity"
 * column. Filled in and uploaded through the quick order, it becomes a cart: the quick order's
 * column detection knows these headers.
 *
 * Streamed: products are read in keyset-paged batches (category by category in the catalog's
 * tree order, by name within one), and each batch is written to the reply before the next is
 * read, so 100k products never sit in memory at once.
 */
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { type Kysely, sql } from 'kysely';
import { loadCategoryTree } from '../../catalog/categories.js';
import { hasSpecialPrices, productsAtViewerPrices } from '../../catalog/listing.js';
import { type StockDisplayConfig, type StockLevel, stockLevel } from '../../catalog/stock-display.js';
import type { PriceViewer } from '../../catalog/viewer.js';
import type { DB, ProductRow } from '../../db/schema.js';
import { unitPriceFor } from '../../pricing/quote.js';

export interface PriceListItem {
  /** "Parent / Child"; empty for a product outside the visible categories. */
  category: string;
  sku: string;
  /** "Name (variant)" for a variant. */
  name: string;
  unit: string;
  /** Pack size (quantities are multiples of it); null = any. */
  multiple: number | null;
  /** Smallest quantity; null = none. */
  minQty: number | null;
  stock: StockLevel;
  /** Kopecks the buyer pays per unit; null = price on request. */
  price: number | null;
  vatBp: number | null;
}

export const PAGE_SIZE = 1000;

type Row = Pick<ProductRow, 'id' | 'sku' | 'name' | 'variant_name' | 'unit_id' | 'min_qty' | 'multiple' | 'stock_total' | 'vat_bp'> & {
  base_price: number | null;
  special_price: number | null;
};

/**
 * The price list in batches of about `pageSize` items. `viewer` must be the buyer's company
 * (its price type, discount and special prices); only that price type's prices are read.
 */
export async function* priceListPages(
  db: Kysely<DB>,
  viewer: PriceViewer,
  stock: StockDisplayConfig,
  pageSize = PAGE_SIZE,
): AsyncGenerator<PriceListItem[]> {
  const tree = await loadCategoryTree(db);
  const units = new Map((await db.selectFrom('units').select(['id', 'name']).execute()).map((u) => [u.id, u.name]));
  const withSpecial = await hasSpecialPrices(db, viewer.companyId);
  const terms = { priceTypeId: viewer.priceTypeId, discountBp: viewer.discountBp };

  const base = () => productsAtViewerPrices(db, viewer, withSpecial);

  const item = (row: Row, category: string): PriceListItem => ({
    category,
    sku: row.sku,
    name: row.variant_name ? `${row.name} (${row.variant_name})` : row.name,
    unit: row.unit_id === null ? '' : (units.get(row.unit_id) ?? ''),
    multiple: row.multiple > 0 ? row.multiple : null,
    minQty: row.min_qty > 0 ? row.min_qty : null,
    stock: stockLevel(row.stock_total, stock),
    price: unitPriceFor(terms, row.base_price, row.special_price).unitPrice,
    vatBp: row.vat_bp,
  });

  let batch: PriceListItem[] = [];

  // Visible categories in the catalog's order, each one by name (index category_id, hidden, name).
  const ordered: { id: number; path: string }[] = [];
  const walk = (nodes: typeof tree.roots, prefix: string) => {
    for (const node of nodes) {
      const path = prefix ? `${prefix} / ${node.name}` : node.name;
      ordered.push({ id: node.id, path });
      walk(node.children, path);
    }
  };
  walk(tree.roots, '');
  for (const category of ordered) {
    let after: { name: string; id: number } | null = null;
    for (;;) {
      const cursor: { name: string; id: number } | null = after;
      const rows: Row[] = await base()
        .where('p.category_id', '=', category.id)
        .$if(cursor !== null, (q) =>
          q.where((eb) =>
            eb.or([
              eb('p.name', '>', cursor?.name ?? ''),
              eb.and([eb('p.name', '=', cursor?.name ?? ''), eb('p.id', '>', cursor?.id ?? 0)]),
            ]),
          ),
        )
        .orderBy('p.name')
        .orderBy('p.id')
        .limit(pageSize)
        .execute();
      for (const row of rows) batch.push(item(row, category.path));
      if (batch.length >= pageSize) {
        yield batch;
        batch = [];
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < pageSize) break;
      after = { name: last.name, id: last.id };
    }
  }

  // Then products without a category, or in a hidden one: by id.
  const visible = JSON.stringify(ordered.map((c) => c.id));
  let afterId = 0;
  for (;;) {
    const rows: Row[] = await base()
      .where((eb) =>
        eb.or([
          eb('p.category_id', 'is', null),
          eb('p.category_id', 'not in', sql<number>`(select value from json_each(${visible}))`),
        ]),
      )
      .where('p.id', '>', afterId)
      .orderBy('p.id')
      .limit(pageSize)
      .execute();
    for (const row of rows) batch.push(item(row, ''));
    if (batch.length >= pageSize) {
      yield batch;
      batch = [];
    }
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) break;
    afterId = last.id;
  }
  if (batch.length) yield batch;
}

/** Column titles and words, in the buyer's language. */
export interface PriceListLabels {
  sheetName: string;
  category: string;
  sku: string;
  name: string;
  unit: string;
  multiple: string;
  minQty: string;
  stock: string;
  price: string;
  vat: string;
  note: string;
  /** The empty column to fill in: must be a header the quick order recognises as the quantity. */
  order: string;
  noVat: string;
  priceOnRequest: string;
  /** Stock words for the ranges and yes/no modes (and "none" in every mode). */
  stockWord: (level: Exclude<StockLevel, { kind: 'exact' }>) => string;
}

const COLUMN_WIDTHS = [28, 16, 60, 7, 11, 11, 12, 13, 9, 18, 15];

/** The column titles, in the order of both files (the quick order reads them back). */
function headerRow(labels: PriceListLabels): string[] {
  return [
    labels.category,
    labels.sku,
    labels.name,
    labels.unit,
    labels.multiple,
    labels.minQty,
    labels.stock,
    labels.price,
    labels.vat,
    labels.note,
    labels.order,
  ];
}

/** The XLSX workbook, streamed: a header row (bold, frozen, with filters) and one row per product. */
export function priceListXlsx(pages: AsyncIterable<PriceListItem[]>, labels: PriceListLabels): Readable {
  const out = new PassThrough();
  (async () => {
    // exceljs (~16 MB in memory) loads on the first price list, not with the portal.
    const { default: Excel } = await import('exceljs');
    const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const headers = headerRow(labels);
    const sheet = workbook.addWorksheet(labels.sheetName.slice(0, 31), {
      views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }],
      autoFilter: { from: 'A1', to: { row: 1, column: headers.length } },
    } as Partial<ExcelJS.AddWorksheetOptions>);
    sheet.columns = headers.map((header, i) => ({ header, width: COLUMN_WIDTHS[i] ?? 12 }));
    // Quantities stay General (5, 1250.5); money in roubles with kopecks; VAT as a percentage.
    const formats: Record<number, string> = { 8: '#,##0.00', 9: '0%' };
    for (const [column, numFmt] of Object.entries(formats)) sheet.getColumn(Number(column)).numFmt = numFmt;
    const header = sheet.getRow(1);
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', wrapText: true };
    header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEFEFEF' } };
    header.commit();

    for await (const page of pages) {
      for (const p of page) {
        const row = sheet.addRow([
          p.category,
          p.sku,
          p.name,
          p.unit,
          p.multiple,
          p.minQty,
          p.stock.kind === 'exact' ? p.stock.quantity : labels.stockWord(p.stock),
          p.price === null ? null : p.price / 100,
          p.vatBp === null ? labels.noVat : p.vatBp / 10_000,
          p.price === null ? labels.priceOnRequest : null,
          null,
        ]);
        if (p.vatBp !== null && p.vatBp % 100 !== 0) row.getCell(9).numFmt = '0.0#%';
        row.commit();
      }
      // Let the zip stream reach the reply before reading the next batch.
      if (out.writableNeedDrain) await once(out, 'drain');
      else await new Promise((resolve) => setImmediate(resolve));
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

export interface CsvFormat {
  delimiter: ';' | ',';
  /** Russian Excel reads "11,22" as a number; English Excel "11.22". */
  decimalComma: boolean;
}

/**
 * The CSV: UTF-8 with a BOM (so Excel on Windows reads Cyrillic right), one line per product,
 * written batch by batch. Text that a spreadsheet would take for a formula gets an apostrophe.
 */
export function priceListCsv(pages: AsyncIterable<PriceListItem[]>, labels: PriceListLabels, format: CsvFormat): Readable {
  const d = format.delimiter;
  const number = (n: number | null) => (n === null ? '' : format.decimalComma ? String(n).replace('.', ',') : String(n));
  const money = (kopecks: number | null) =>
    kopecks === null
      ? ''
      : `${Math.trunc(kopecks / 100)}${format.decimalComma ? ',' : '.'}${String(kopecks % 100).padStart(2, '0')}`;
  const field = (value: string) => {
    const text = /^[=+@\t\r]/.test(value) || /^-\D/.test(value) ? `'${value}` : value;
    return text.includes(d) || /["\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const line = (cells: string[]) => `${cells.join(d)}\r\n`;
  async function* lines() {
    yield `\uFEFF${line(headerRow(labels).map(field))}`;
    for await (const page of pages) {
      let chunk = '';
      for (const p of page) {
        chunk += line([
          field(p.category),
          field(p.sku),
          field(p.name),
          field(p.unit),
          number(p.multiple),
          number(p.minQty),
          p.stock.kind === 'exact' ? number(p.stock.quantity) : field(labels.stockWord(p.stock)),
          money(p.price),
          p.vatBp === null ? field(labels.noVat) : `${number(p.vatBp / 100)}%`,
          p.price === null ? field(labels.priceOnRequest) : '',
          '',
        ]);
      }
      yield chunk;
    }
  }
  return Readable.from(lines());
}
