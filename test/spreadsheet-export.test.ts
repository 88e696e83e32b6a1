/**
 * Export of the catalog in the import's own shape, and the round trip: a real 1C catalog (the
 * UT 11 demo package: GUID keys, units by OKEI code, nested groups, warehouses) exported as
 * XLSX and CSV, one cell edited with exceljs, imported back — exactly that changes.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogRun } from '../src/integrations/commerceml/catalog/catalog-run.js';
import { importSpreadsheet } from '../src/integrations/spreadsheet/import/run.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { Browser, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
  const run = new CatalogRun(t.ctx, join(COMMERCEML_FIXTURES, 'ut11-demo-2.07'));
  await run.start();
  for (const name of ['import.xml', 'offers.xml']) while (!(await run.readSlice(name, Date.now() + 5000)).done);
  await run.apply();
  await run.close();
});
afterEach(async () => {
  await t.close();
});

/** Everything a round trip could disturb, as plain rows. */
async function snapshot() {
  const sqlite = t.ctx.database.sqlite;
  const all = (q: string) => sqlite.prepare(q).all();
  return {
    products: all(
      'select id, sku, name, category_id, unit_id, hidden, parent_id, stock_total, updated_at from products order by id',
    ),
    categories: all('select id, parent_id, name, hidden, sort, updated_at from categories order by id'),
    prices: all('select product_id, price_type_id, price from prices order by 1, 2'),
    stock: all('select product_id, warehouse_id, quantity from stock order by 1, 2'),
    units: all('select id, code, name from units order by id'),
    warehouses: all('select id, name from warehouses order by id'),
    priceTypes: all('select id, name, is_default from price_types order by id'),
  };
}

async function download(format: 'xlsx' | 'csv') {
  const admin = await makeUser(t.ctx, 'admin');
  const browser = new Browser(t.app);
  await browser.login(admin.email);
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await t.app.inject({ method: 'GET', url: `/admin/spreadsheet/export.${format}`, headers: { cookie } });
  expect(res.statusCode).toBe(200);
  expect(String(res.headers['content-disposition'])).toMatch(new RegExp(`attachment; filename="catalog-.*\\.${format}"`));
  return res.rawPayload;
}

describe('catalog export', () => {
  it('an XLSX downloaded from the admin page, one price edited in it, changes exactly that price', async () => {
    const before = await snapshot();
    const file = join(t.dataDir, 'catalog.xlsx');
    writeFileSync(file, await download('xlsx'));

    // As exported: nothing would change.
    const same = await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: true });
    expect(same.problems).toEqual([]);
    expect(same.counts).toMatchObject({
      products_created: 0,
      products_updated: 0,
      products_hidden: 0,
      categories_created: 0,
      categories_updated: 0,
      prices_changed: 0,
      stock_changed: 0,
      warehouses_created: 0,
      price_types_created: 0,
    });

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    const sheet = workbook.worksheets[0];
    if (!sheet) throw new Error('no sheet');
    const header = Array.from(sheet.getRow(1).values as unknown[], (h) => String(h ?? ''));
    const priceColumn = header.findIndex((h) => h.startsWith('Цена '));
    expect(priceColumn).toBeGreaterThan(0);
    let edited = '';
    let newPrice = 0;
    sheet.eachRow((row, n) => {
      if (n === 1 || edited) return;
      const cell = row.getCell(priceColumn);
      if (typeof cell.value === 'number') {
        edited = String(row.getCell(1).value);
        newPrice = cell.value + 1.25;
        cell.value = newPrice;
      }
    });
    expect(edited).not.toBe('');
    await workbook.xlsx.writeFile(file);

    const applied = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: true });
    expect(applied.problems).toEqual([]);
    expect(applied.counts).toMatchObject({
      products_created: 0,
      products_updated: 0,
      products_hidden: 0,
      prices_changed: 1,
      stock_changed: 0,
    });
    const after = await snapshot();
    expect({ ...after, prices: [] }).toEqual({ ...before, prices: [] });
    const changed = after.prices.filter((p, i) => JSON.stringify(p) !== JSON.stringify(before.prices[i]));
    expect(changed).toHaveLength(1);
    expect((changed[0] as { price: number }).price).toBe(Math.round(newPrice * 100));
  });

  it('`optovik export catalog x.csv` writes a CSV that imports back with no change; a stock edit changes that stock', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.yml');
    writeFileSync(config, `data_dir: ${JSON.stringify(t.dataDir)}\nlog:\n  level: warn\n`);
    const before = await snapshot();
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const csv = join(dir, 'catalog.csv');
    const res = spawnSync(process.execPath, [bin, 'export', 'catalog', csv, '--config', config], {
      cwd: dir,
      env: { ...process.env, HOME: dir },
      encoding: 'utf8',
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/product row\(s\)/);
    const text = readFileSync(csv, 'utf8');
    expect(
      text.startsWith(
        '\ufeffАртикул;Наименование;Категория;Ед.;Виден;Бренд;Штрихкод;Кратность;Минимальная партия;Страна;Вес, кг;Объём, м³;НДС;Новинка;Распродажа;Цена ',
      ),
    ).toBe(true);

    const same = await importSpreadsheet(t.ctx, csv, { dryRun: false, hideAbsent: true });
    expect(same.problems).toEqual([]);
    expect(same.counts).toMatchObject({
      products_created: 0,
      products_updated: 0,
      products_hidden: 0,
      prices_changed: 0,
      stock_changed: 0,
      categories_updated: 0,
    });
    expect(await snapshot()).toEqual(before);

    // One stock cell edited (the first product row that has one).
    const lines = text.split('\r\n');
    const head = (lines[0] as string).replace('\ufeff', '').split(';');
    const stockColumns = head.flatMap((h, i) => (/^"?Остаток /.test(h) ? [i] : []));
    expect(stockColumns.length).toBeGreaterThan(0);
    let stockAt = -1;
    const rowAt = lines.findIndex((l, i) => {
      if (i === 0) return false;
      stockAt = stockColumns.find((c) => (l.split(';')[c] ?? '') !== '') ?? -1;
      return stockAt >= 0;
    });
    expect(rowAt).toBeGreaterThan(0);
    const cells = (lines[rowAt] as string).split(';');
    cells[stockAt] = '777';
    lines[rowAt] = cells.join(';');
    writeFileSync(csv, lines.join('\r\n'));
    const edited = await importSpreadsheet(t.ctx, csv, { dryRun: false, hideAbsent: true });
    expect(edited.counts).toMatchObject({ products_updated: 0, prices_changed: 0, stock_changed: 1 });
  }, 60_000);
});
