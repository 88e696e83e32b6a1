/**
 * The catalog as a spreadsheet in the shape the import reads (import/sheet.ts): Артикул,
 * Наименование, Категория (the path "A / B / C"), Ед., Виден, Бренд, Штрихкод, Кратность, Минимальная партия, Страна, Вес,
 * Объём, НДС, Новинка, Распродажа, one "Цена <price type>" column per
 * price type and one "Остаток <warehouse>" column per warehouse. Exported, edited in Excel and
 * imported back, it changes exactly what was edited: every value is written as the import reads
 * it back (prices in roubles with kopecks, the unit by its name, hidden products as "нет").
 * The last column, "ID на портале", is the portal's product id: a row is matched by it first
 * (variants share their product's SKU in 1C), by the SKU when it is empty (a row added by hand).
 * Products without an SKU are left out (a row without one reads as a group row).
 */
import type { Writable } from 'node:stream';
import type { AppContext } from '../../context.js';

export type ExportFormat = 'xlsx' | 'csv';

export interface CatalogTable {
  readonly headers: string[];
  /** Text or numbers, as the cells hold them. */
  readonly rows: AsyncIterable<Array<string | number>>;
}

/** The catalog's header and rows (products by id). */
export async function catalogTable(ctx: AppContext): Promise<CatalogTable> {
  const { db } = ctx;
  const types = await db.selectFrom('price_types').select(['id', 'name']).orderBy('id').execute();
  const stores = await db.selectFrom('warehouses').select(['id', 'name']).orderBy('id').execute();
  const categories = await db.selectFrom('categories').select(['id', 'parent_id', 'name']).execute();
  const byId = new Map(categories.map((c) => [c.id, c]));
  const paths = new Map<number, string>();
  const pathOf = (id: number): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const steps: string[] = [];
    const seen = new Set<number>();
    for (let c = byId.get(id); c && !seen.has(c.id); c = c.parent_id === null ? undefined : byId.get(c.parent_id)) {
      seen.add(c.id);
      steps.unshift(c.name);
    }
    const path = steps.join(' / ');
    paths.set(id, path);
    return path;
  };
  const headers = [
    'Артикул',
    'Наименование',
    'Категория',
    'Ед.',
    'Виден',
    'Бренд',
    'Штрихкод',
    'Кратность',
    'Минимальная партия',
    'Страна',
    'Вес, кг',
    'Объём, м³',
    'НДС',
    'Новинка',
    'Распродажа',
    ...types.map((t) => `Цена ${t.name}`),
    ...stores.map((w) => `Остаток ${w.name}`),
    'ID на портале',
  ];
  const idColumn = headers.length - 1;
  const FIXED = 15;
  const typeColumn = new Map(types.map((t, i) => [t.id, FIXED + i]));
  const storeColumn = new Map(stores.map((w, i) => [w.id, FIXED + types.length + i]));
  const BATCH = 5000;
  async function* rows(): AsyncIterable<Array<string | number>> {
    for (let after = 0; ; ) {
      const batch = await db
        .selectFrom('products')
        .leftJoin('units', 'units.id', 'products.unit_id')
        .select([
          'products.id',
          'products.sku',
          'products.name',
          'products.brand',
          'products.category_id',
          'products.hidden',
          'products.multiple',
          'products.min_qty',
          'products.country',
          'products.weight',
          'products.volume',
          'products.vat_bp',
          'products.is_new',
          'products.is_sale',
          'units.name as unit',
        ])
        .where('products.id', '>', after)
        .orderBy('products.id')
        .limit(BATCH)
        .execute();
      if (batch.length === 0) return;
      const first = batch[0]?.id ?? 0;
      const last = batch.at(-1)?.id ?? 0;
      after = last;
      const cells = new Map<number, Array<string | number>>();
      for (const p of await db
        .selectFrom('prices')
        .select(['product_id', 'price_type_id', 'price'])
        .where('product_id', '>=', first)
        .where('product_id', '<=', last)
        .execute()) {
        const column = typeColumn.get(p.price_type_id);
        if (column === undefined) continue;
        const row = cells.get(p.product_id) ?? [];
        row[column] = p.price / 100;
        cells.set(p.product_id, row);
      }
      for (const s of await db
        .selectFrom('stock')
        .select(['product_id', 'warehouse_id', 'quantity'])
        .where('product_id', '>=', first)
        .where('product_id', '<=', last)
        .execute()) {
        const column = storeColumn.get(s.warehouse_id);
        if (column === undefined) continue;
        const row = cells.get(s.product_id) ?? [];
        row[column] = s.quantity;
        cells.set(s.product_id, row);
      }
      const barcodes = new Map<number, string[]>();
      for (const b of await db
        .selectFrom('product_barcodes')
        .select(['product_id', 'barcode'])
        .where('product_id', '>=', first)
        .where('product_id', '<=', last)
        .orderBy('barcode')
        .execute())
        barcodes.set(b.product_id, [...(barcodes.get(b.product_id) ?? []), b.barcode]);
      for (const p of batch) {
        if (p.sku.trim() === '') continue;
        const row = cells.get(p.id) ?? [];
        row[0] = p.sku;
        row[1] = p.name;
        row[2] = p.category_id === null ? '' : pathOf(p.category_id);
        row[3] = p.unit ?? '';
        row[4] = p.hidden ? 'нет' : 'да';
        row[5] = p.brand;
        row[6] = (barcodes.get(p.id) ?? []).join(', ');
        // 0 is "no rule": an empty cell, which the import reads as "not said".
        row[7] = p.multiple || '';
        row[8] = p.min_qty || '';
        row[9] = p.country;
        row[10] = p.weight ?? '';
        row[11] = p.volume ?? '';
        // As the import reads it back: "20 %", and "без НДС" for a product not subject to VAT.
        row[12] = p.vat_bp === null ? 'без НДС' : `${p.vat_bp / 100} %`;
        row[13] = p.is_new ? 'да' : 'нет';
        row[14] = p.is_sale ? 'да' : 'нет';
        row[idColumn] = p.id;
        for (let i = 0; i < headers.length; i++) if (row[i] === undefined) row[i] = '';
        yield row;
      }
    }
  }
  return { headers, rows: rows() };
}

/** Writes the catalog to `out` and ends it; the number of product rows. */
export async function exportCatalog(ctx: AppContext, format: ExportFormat, out: Writable): Promise<number> {
  const table = await catalogTable(ctx);
  let count = 0;
  if (format === 'csv') {
    // What Russian Excel opens by a double click: UTF-8 with a BOM, ";" between cells, a decimal comma.
    const line = (cells: Array<string | number>) => `${cells.map(csvCell).join(';')}\r\n`;
    await write(out, `\ufeff${line(table.headers)}`);
    let chunk = '';
    for await (const row of table.rows) {
      count++;
      chunk += line(row);
      if (chunk.length > 64 * 1024) {
        await write(out, chunk);
        chunk = '';
      }
    }
    await write(out, chunk);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return count;
  }
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Каталог');
  sheet.addRow(table.headers).commit();
  for await (const row of table.rows) {
    count++;
    sheet.addRow(row).commit();
  }
  sheet.commit();
  await workbook.commit();
  return count;
}

function csvCell(value: string | number): string {
  const text = typeof value === 'number' ? String(value).replace('.', ',') : value;
  return /[;"\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function write(out: Writable, text: string): Promise<void> {
  if (text === '') return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (out.write(text)) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}
