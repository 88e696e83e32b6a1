/**
 * The admin's "Catalog from a spreadsheet" page through Fastify inject: a real XLSX written by
 * exceljs is uploaded, checked (dry run: counts, problems with row and column, the column
 * mapping), corrected column by column, and applied as a partial update or a full price list.
 */
import { existsSync, readdirSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pendingDir } from '../src/integrations/spreadsheet/import/pending.js';
import { Browser, makeUser, multipartBody, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let admin: Browser;

beforeEach(async () => {
  t = await startTestApp();
  await t.ctx.db.deleteFrom('price_types').execute();
  await t.ctx.db.insertInto('price_types').values({ name: 'Оптовая', is_default: 1, external_1c_id: null, created_at: t.clock.now() }).execute();
  const user = await makeUser(t.ctx, 'admin');
  admin = new Browser(t.app);
  await admin.login(user.email);
});
afterEach(async () => {
  await t.close();
});

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Прайс');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

async function upload(browser: Browser, filename: string, data: Buffer) {
  const csrf = await browser.csrf('/admin/spreadsheet');
  const { payload, contentType } = await multipartBody({ _csrf: csrf }, [{ filename, data, field: 'file' }]);
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await t.app.inject({ method: 'POST', url: '/admin/spreadsheet/upload', payload, headers: { cookie, 'content-type': contentType } });
  return { status: res.statusCode, body: res.body };
}

/** The report form's fields as the page rendered them (selected option per column). */
function formOf(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<input type="hidden" name="(token|header_row|_csrf)" value="([^"]*)">/g)) fields[m[1] as string] = m[2] as string;
  for (const m of body.matchAll(/<select name="(col_\d+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[m[1] as string] = /<option value="([^"]*)" selected/.exec(m[2] as string)?.[1] ?? '';
  }
  return fields;
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&laquo;|&#171;/g, '«').replace(/&raquo;|&#187;/g, '»').replace(/\s+/g, ' ');

async function products() {
  return t.ctx.db.selectFrom('products').select(['sku', 'name', 'hidden']).orderBy('sku').execute();
}

async function priceOf(sku: string) {
  const row = await t.ctx.db
    .selectFrom('prices')
    .innerJoin('products', 'products.id', 'prices.product_id')
    .select('prices.price')
    .where('products.sku', '=', sku)
    .executeTakeFirst();
  return row?.price;
}

describe('catalog from a spreadsheet (admin page)', () => {
  it('checks an upload first, lets the admin correct a column, then applies it; the run is on the exchange page', async () => {
    const file = await xlsx([
      ['Артикул', 'Наименование', 'Ед.', 'Опт', 'Остаток'],
      ['P-1', 'Перчатки', 'пара', 120.5, 10],
      ['P-2', 'Каска', 'шт', 900, 2],
    ]);
    const checked = await upload(admin, 'price.xlsx', file);
    expect(checked.status).toBe(200);
    const page = text(checked.body);
    expect(page).toContain('Будет создано товаров: 2, изменено: 0');
    // "Опт" is not a header the portal knows: the column is left out, and shown as such.
    const form = formOf(checked.body);
    expect(form).toMatchObject({ col_0: 'sku', col_1: 'name', col_2: 'unit', col_3: '-', col_4: 'stock:', header_row: '0' });
    expect(await products()).toEqual([]);

    // The admin says column D is the wholesale price, and checks again: still nothing stored.
    const again = await admin.post('/admin/spreadsheet/check', { ...form, col_3: 'price:Оптовая', mode: 'partial' });
    expect(again.status).toBe(200);
    expect(formOf(again.body).col_3).toBe('price:Оптовая');
    expect(text(again.body)).toContain('Изменится цен: 2');
    expect(await products()).toEqual([]);

    const applied = await admin.post('/admin/spreadsheet/apply', { ...formOf(again.body), mode: 'partial' });
    expect(applied.status).toBe(303);
    expect(applied.location).toBe('/admin/exchange?notice=sheets.applied');
    expect(await products()).toEqual([
      { sku: 'P-1', name: 'Перчатки', hidden: 0 },
      { sku: 'P-2', name: 'Каска', hidden: 0 },
    ]);
    expect(await priceOf('P-1')).toBe(12050);
    // The kept file is gone; applying the same token again says so.
    expect(readdirSync(pendingDir(t.dataDir)).filter((f) => f.endsWith('.data'))).toEqual([]);
    const twice = await admin.post('/admin/spreadsheet/apply', { ...formOf(again.body), mode: 'partial' });
    expect(twice.status).toBe(410);

    const runs = text((await admin.get('/admin/exchange?notice=sheets.applied')).body);
    expect(runs).toContain('Таблица применена');
    expect(runs).toContain('Таблица (CSV, XLSX)');
    expect(runs).toContain('products created: 2');
  });

  it('lists every problem with row and column and applies nothing; a full price list hides the absent', async () => {
    const first = await xlsx([
      ['Артикул', 'Наименование', 'Цена'],
      ['A-1', 'Один', 10],
      ['A-2', 'Два', 20],
    ]);
    const ok = await upload(admin, 'first.xlsx', first);
    await admin.post('/admin/spreadsheet/apply', { ...formOf(ok.body), mode: 'partial' });
    expect((await products()).map((p) => p.sku)).toEqual(['A-1', 'A-2']);

    const broken = await xlsx([
      ['Артикул', 'Наименование', 'Цена'],
      ['A-1', 'Один', 'двенадцать'],
      ['A-1', 'Снова', 5],
    ]);
    const bad = await upload(admin, 'broken.xlsx', broken);
    expect(bad.status).toBe(422);
    expect(text(bad.body)).toContain('row 2, column Цена: «двенадцать» is not a number');
    expect(text(bad.body)).toContain('row 3, column Артикул: SKU «A-1» is already on row 2');
    expect(bad.body).not.toContain('>Применить<');
    const forced = await admin.post('/admin/spreadsheet/apply', { ...formOf(bad.body), mode: 'full' });
    expect(forced.status).toBe(422);
    expect(await priceOf('A-1')).toBe(1000);

    const full = await upload(admin, 'full.xlsx', await xlsx([['Артикул', 'Наименование', 'Цена'], ['A-1', 'Один', 11]]));
    expect(text(full.body)).toContain('скрыто, если это полный прайс-лист: 1');
    const applied = await admin.post('/admin/spreadsheet/apply', { ...formOf(full.body), mode: 'full' });
    expect(applied.status).toBe(303);
    expect((await products()).map((p) => [p.sku, p.hidden])).toEqual([
      ['A-1', 0],
      ['A-2', 1],
    ]);
    expect(await priceOf('A-1')).toBe(1100);
  });

  it('refuses a zip that is not a workbook, an old XLS, and a file while MoySklad holds the import', async () => {
    const zip = await upload(admin, 'fake.xlsx', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]));
    expect(zip.status).toBe(422);
    expect(text(zip.body)).toContain('не книга Excel');
    const xls = await upload(admin, 'old.xls', Buffer.from('whatever'));
    expect(xls.status).toBe(415);

    const release = t.ctx.importGate.acquire('moysklad');
    const busy = await upload(admin, 'list.csv', Buffer.from('Артикул;Наименование\nB-1;Болт\n'));
    expect(text(busy.body)).toContain('A MoySklad sync is using the catalog import right now; try again in a minute');
    expect(text((await admin.get('/admin/spreadsheet')).body)).toContain('Сейчас каталог загружает другой источник (МойСклад)');
    release();
    expect(await products()).toEqual([]);
  });

  it('takes a list of companies too: found by its headers, checked, applied', async () => {
    const checked = await upload(admin, 'buyers.csv', Buffer.from('Покупатель;ИНН;Скидка, %\nРомашка;7708123450;3\n'));
    expect(checked.status).toBe(200);
    expect(text(checked.body)).toContain('companies created: 1, companies updated: 0');
    const applied = await admin.post('/admin/spreadsheet/apply', { ...formOf(checked.body), mode: 'partial' });
    expect(applied.status).toBe(303);
    const company = await t.ctx.db.selectFrom('companies').select(['name', 'discount_bp']).where('name', '=', 'Ромашка').executeTakeFirst();
    expect(company).toEqual({ name: 'Ромашка', discount_bp: 300 });
  });

  it('is for admins only', async () => {
    const buyer = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await browser.login(buyer.email);
    expect((await browser.get('/admin/spreadsheet')).status).toBe(403);
    const manager = await makeUser(t.ctx, 'manager');
    const other = new Browser(t.app);
    await other.login(manager.email);
    expect((await other.get('/admin/spreadsheet')).status).toBe(403);
    const csrf = await other.csrf('/account');
    const res = await other.post('/admin/spreadsheet/apply', { _csrf: csrf, token: 'x'.repeat(24), mode: 'full' });
    expect(res.status).toBe(403);
    expect(existsSync(pendingDir(t.dataDir))).toBe(false);
  });
});
