import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TestApp } from './helpers.js';
import { buildCatalog } from './catalog-fixture.js';
import { buyerOf, type Catalog, cartOf, download, plain, startQuickOrderApp, uploadFile } from './quick-order-helpers.js';

let t: TestApp;
let catalog: Catalog;

beforeEach(async () => {
  t = await startQuickOrderApp();
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => {
  await t.close();
});

async function readXlsx(data: Buffer) {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(data as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new Error('no worksheet');
  return { workbook, sheet };
}

function column(col: Record<string, number>, name: string): number {
  const n = col[name];
  if (n === undefined) throw new Error(`no column ${name}`);
  return n;
}

/** Column number (1-based) of each header of row 1. */
function headerIndex(sheet: ExcelJS.Worksheet): Record<string, number> {
  const out: Record<string, number> = {};
  sheet.getRow(1).eachCell((cell, column) => {
    out[String(cell.value)] = column;
  });
  return out;
}

describe('price list', () => {
  it('downloads as XLSX: header row frozen, numbers as numbers, only the buyer price type', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await download(t, browser, '/price-list.xlsx');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="price-list-\d{4}-\d{2}-\d{2}\.xlsx"$/);
    const { sheet } = await readXlsx(res.data);
    const col = headerIndex(sheet);
    expect(Object.keys(col)).toEqual([
      'Категория',
      'Артикул',
      'Наименование',
      'Ед.',
      'Кратность',
      'Мин. партия',
      'Наличие',
      'Цена, ₽',
      'НДС',
      'Примечание',
      'Заказ, кол-во',
    ]);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getColumn(column(col, 'Наименование')).width).toBeGreaterThanOrEqual(40);

    const rows: Record<string, ExcelJS.Row> = {};
    sheet.eachRow((row, n) => {
      if (n > 1) rows[String(row.getCell(column(col, 'Артикул')).value)] = row;
    });
    // 30 bolts, the cable and the anchor on request; the hidden product is not listed.
    expect(Object.keys(rows)).toHaveLength(32);
    expect(rows['HID-1']).toBeUndefined();

    const bolt = rows['BLT-101'] as ExcelJS.Row;
    expect(bolt.getCell(column(col, 'Категория')).value).toBe('Крепёж / Болты');
    expect(bolt.getCell(column(col, 'Цена, ₽')).value).toBe(11.22);
    expect(bolt.getCell(column(col, 'Цена, ₽')).numFmt).toBe('#,##0.00');
    expect(bolt.getCell(column(col, 'Наличие')).value).toBe(10);
    expect(bolt.getCell(column(col, 'НДС')).value).toBe(0.2);
    expect(bolt.getCell(column(col, 'Заказ, кол-во')).value).toBeNull();
    expect(rows['BLT-107']?.getCell(column(col, 'Кратность')).value).toBe(50);
    expect(rows['BLT-104']?.getCell(column(col, 'Наличие')).value).toBe('нет');
    expect(rows['ВВГ-3×2.5']?.getCell(column(col, 'Наличие')).value).toBe(1250.5);
    const anchor = rows['SPEC-1'] as ExcelJS.Row;
    expect(anchor.getCell(column(col, 'Цена, ₽')).value).toBeNull();
    expect(anchor.getCell(column(col, 'Примечание')).value).toBe('цена по запросу');

    // Wholesale prices end in ,22: never a retail (,11) or large wholesale (,33) price.
    for (const row of Object.values(rows)) {
      const price = row.getCell(column(col, 'Цена, ₽')).value;
      if (price === null) continue;
      expect(Math.round((price as number) * 100) % 100).toBe(22);
    }
    // The categories come in the catalog's order, by name inside each.
    const skus = Object.keys(rows);
    expect(skus.indexOf('SPEC-1')).toBeLessThan(skus.indexOf('BLT-101'));
  });

  it('applies the company discount and special prices', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.large, 1000);
    const bolt = catalog.products.find((p) => p.sku === 'BLT-102');
    await t.ctx.db.insertInto('special_prices').values({ company_id: company.id, product_id: bolt?.id ?? 0, price: 777 }).execute();
    const { sheet } = await readXlsx((await download(t, browser, '/price-list.xlsx')).data);
    const col = headerIndex(sheet);
    const prices: Record<string, unknown> = {};
    sheet.eachRow((row, n) => {
      if (n > 1) prices[String(row.getCell(column(col, 'Артикул')).value)] = row.getCell(column(col, 'Цена, ₽')).value;
    });
    // BLT-101 large wholesale 11,33 less 10 % = 10,20 (half-up); BLT-102 special 7,77.
    expect(prices['BLT-101']).toBe(10.2);
    expect(prices['BLT-102']).toBe(7.77);
  });

  it('downloads as CSV: BOM, semicolons and decimal commas in Russian, only the buyer price type', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await download(t, browser, '/price-list.csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect([...res.data.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = res.data.toString('utf8').slice(1);
    const lines = text.trim().split('\r\n');
    expect(lines[0]).toBe('Категория;Артикул;Наименование;Ед.;Кратность;Мин. партия;Наличие;Цена, ₽;НДС;Примечание;Заказ, кол-во');
    expect(lines).toHaveLength(33);
    expect(text).toContain('Крепёж / Болты;BLT-101;');
    expect(text).toMatch(/;BLT-101;[^\r\n]*;шт;;;10;11,22;20%;;\r\n/);
    expect(text).toMatch(/;SPEC-1;[^\r\n]*;нет;;20%;цена по запросу;\r\n/);
    expect(text).toContain(';1250,5;');
    expect(text).not.toMatch(/\d,(11|33)\b/);
    expect(text).toMatch(/\d,22\b/);
    expect(text).not.toContain('HID-1');
  });

  it('comes back through the quick order as a cart: exactly the filled rows', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const { workbook, sheet } = await readXlsx((await download(t, browser, '/price-list.xlsx')).data);
    const col = headerIndex(sheet);
    const wanted: Record<string, number | string> = { 'BLT-101': 5, 'ВВГ-3×2.5': 2.5, 'BLT-107': 50 };
    sheet.eachRow((row, n) => {
      const sku = String(row.getCell(column(col, 'Артикул')).value);
      if (n > 1 && sku in wanted) row.getCell(column(col, 'Заказ, кол-во')).value = wanted[sku] ?? null;
    });
    const filled = Buffer.from(await workbook.xlsx.writeBuffer());
    const res = await uploadFile(t, browser, { name: 'price-list.xlsx', data: filled });
    expect(res.status).toBe(200);
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-101': 5, 'ВВГ-3×2.5': 2.5, 'BLT-107': 50 });
    const html = plain(res.body);
    expect(html).toContain('Добавлено в корзину товаров: 3.');
    expect(html).toContain('Строк без количества пропущено: 29.');
    expect(html).toContain('Всё добавлено без замечаний.');
  });

  it('comes back as a CSV too, and in English', async () => {
    const { company, user, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    await t.ctx.db.updateTable('users').set({ locale: 'en' }).where('id', '=', user.id).execute();
    const csv = (await download(t, browser, '/price-list.csv')).data.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('\uFEFFCategory,SKU,Name,Unit,Pack of,Minimum,Stock,"Price, ₽",VAT,Note,Order qty');
    const filled = csv
      .split('\r\n')
      .map((line) => (line.includes(',BLT-103,') ? `${line}7` : line))
      .join('\r\n');
    await uploadFile(t, browser, { name: 'price-list.csv', data: Buffer.from(filled) });
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-103': 7 });
  });
});
