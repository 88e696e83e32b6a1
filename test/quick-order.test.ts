import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalizeSku } from '../src/catalog/sku.js';
import { parsePaste, splitPastedLine } from '../src/orders/quick-order/parse-paste.js';
import { decodeText, detectColumns, detectDelimiter, headerRole, parseCsv, type TableRow } from '../src/orders/quick-order/parse-table.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, makeCompany, makeUser } from './helpers.js';
import { buyerOf, type Catalog, cartOf, plain, startQuickOrderApp, uploadFile, windows1251 } from './quick-order-helpers.js';
import type { TestApp } from './helpers.js';

describe('paste parser', () => {
  it('splits tabs, spaces, semicolons and commas, with a decimal comma where it can be one', () => {
    expect(splitPastedLine('BLT-101\t10')).toEqual({ code: 'BLT-101', quantity: '10' });
    // Excel copy of three columns: the code first, the quantity last.
    expect(splitPastedLine('BLT-101\tБолт М6\t1 000')).toEqual({ code: 'BLT-101', quantity: '1 000' });
    expect(splitPastedLine('BLT-101 10')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('  BLT-101    10  ')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('BLT-101;1,5')).toEqual({ code: 'BLT-101', quantity: '1,5' });
    expect(splitPastedLine('BLT-101 1,5')).toEqual({ code: 'BLT-101', quantity: '1,5' });
    expect(splitPastedLine('BLT-101;10;')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('BLT-101,10')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('ВВГ-3×2,5,100')).toEqual({ code: 'ВВГ-3×2,5', quantity: '100' });
    expect(splitPastedLine('BLT-101, 10')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('BLT-101 x 10')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('BLT-101 10 шт')).toEqual({ code: 'BLT-101', quantity: '10' });
    expect(splitPastedLine('4 600000 123456 3')).toEqual({ code: '4 600000 123456', quantity: '3' });
    expect(splitPastedLine('BOX 5')).toEqual({ code: 'BOX', quantity: '5' });
    expect(splitPastedLine('BLT-101')).toEqual({ code: 'BLT-101', quantity: null });
    expect(splitPastedLine('BLT-101\t')).toEqual({ code: 'BLT-101', quantity: null });
  });

  it('ignores blank lines, tolerates a header line and keeps the textarea line numbers', () => {
    const parsed = parsePaste('Артикул\tКоличество\r\n\r\nBLT-101\t10\n   \nBLT-102 5\nSKU 7\n');
    expect(parsed.headerLine).toBe(1);
    expect(parsed.lines.map((l) => [l.line, l.sku, l.quantity])).toEqual([
      [3, 'BLT-101', '10'],
      [5, 'BLT-102', '5'],
      // Only the first line can be a header: later ones are order lines.
      [6, 'SKU', '7'],
    ]);
    expect(parsePaste('sku;qty\nBLT-101;1').headerLine).toBe(1);
    expect(parsePaste('BLT-101;1\nBLT-102;2').headerLine).toBeNull();
  });
});

describe('table reading', () => {
  it('recognises Russian and English headers, but not pack sizes or stock as the quantity', () => {
    expect(headerRole('Артикул')?.role).toBe('sku');
    expect(headerRole('Арт.')?.role).toBe('sku');
    expect(headerRole('SKU')?.role).toBe('sku');
    expect(headerRole('Штрих-код')?.role).toBe('barcode');
    expect(headerRole('EAN-13')?.role).toBe('barcode');
    expect(headerRole('Наименование товара')?.role).toBe('name');
    expect(headerRole('Кол-во, шт')?.role).toBe('quantity');
    expect(headerRole('Заказ, кол-во')?.role).toBe('quantity');
    expect(headerRole('Order qty')?.role).toBe('quantity');
    expect(headerRole('Количество')?.role).toBe('quantity');
    expect(headerRole('Кол-во в упаковке')).toBeNull();
    expect(headerRole('Мин. партия')).toBeNull();
    expect(headerRole('Остаток')).toBeNull();
    expect(headerRole('Цена, ₽')).toBeNull();
  });

  it('finds the header below a title and reports two equally good columns as ambiguous', () => {
    const rows: TableRow[] = [
      { row: 1, cells: ['Заявка ООО «Ромашка»', null, null] },
      { row: 3, cells: ['Код', 'Артикул', 'Кол-во'] },
      { row: 4, cells: ['001', 'BLT-101', 5] },
    ];
    expect(detectColumns(rows)).toEqual({ ok: true, map: { sku: 1, barcode: null, name: null, quantity: 2, headerRow: 3 } });
    const twice = detectColumns([{ row: 1, cells: ['Артикул', 'Количество', 'Кол-во'] }]);
    expect(twice).toMatchObject({ ok: false, reason: 'ambiguous', conflicts: ['quantity'] });
    expect(detectColumns([{ row: 1, cells: ['BLT-101', 5] }])).toMatchObject({ ok: false, reason: 'no_header', guess: { sku: 0, quantity: 1 } });
  });

  it('decodes UTF-8 with and without BOM and windows-1251, and finds the delimiter', () => {
    expect(decodeText(Buffer.from('\uFEFFАртикул;Кол-во', 'utf8'))).toBe('Артикул;Кол-во');
    expect(decodeText(Buffer.from('Артикул;Кол-во', 'utf8'))).toBe('Артикул;Кол-во');
    expect(decodeText(windows1251('Артикул;Кол-во'))).toBe('Артикул;Кол-во');
    expect(detectDelimiter('Прайс\nSKU,Qty\nA,1\nB,2')).toBe(',');
    expect(detectDelimiter('SKU;Name, long;Qty\nA;b, c;1')).toBe(';');
    expect(detectDelimiter('SKU\tQty\nA\t1')).toBe('\t');
    expect([...parseCsv('a;"b;""c""\nd";e\r\n1;2;3', ';')]).toEqual([
      ['a', 'b;"c"\nd', 'e'],
      ['1', '2', '3'],
    ]);
  });
});

describe('quick order', () => {
  let t: TestApp;
  let catalog: Catalog;
  const sku = (s: string) => catalog.products.find((p) => p.sku === s) as { id: number; sku: string; name: string };

  beforeEach(async () => {
    t = await startQuickOrderApp();
    catalog = await buildCatalog(t.ctx);
  });
  afterEach(async () => {
    await t.close();
  });

  const paste = (browser: Browser, lines: string, extra: Record<string, string> = {}) =>
    browser.post('/quick-order/paste', { lines, ...extra }, { csrfFrom: '/quick-order' });

  it('shows the page with both forms and the price list links', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await browser.get('/quick-order');
    expect(res.status).toBe(200);
    expect(res.body).toContain('action="/quick-order/paste"');
    expect(res.body).toContain('action="/quick-order/upload"');
    expect(res.body).toContain('enctype="multipart/form-data"');
    expect(res.body).toContain('href="/price-list.xlsx"');
    expect(res.body).toContain('href="/price-list.csv"');
  });

  it('adds pasted lines: tabs, spaces, semicolons, commas, decimal comma, header, barcode; reports every line', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    await t.ctx.db.insertInto('product_barcodes').values({ barcode: '4600000000017', product_id: sku('BLT-120').id }).execute();
    const lines = [
      'Артикул\tКоличество',
      'BLT-101\t5',
      'blt 102 3',
      'BLT-103;4',
      'BLT-105,6',
      'ВВГ-3×2.5;1,5',
      '',
      '4601234567893 2',
      'NOPE-1 5',
      'HID-1 1',
      'BLT-106 1,5',
      'BLT-108 0',
      'BLT-109 много',
      'BLT-110',
      'BLT-111 2',
      'BLT-111\t3',
      '4 600000 000017 2',
    ].join('\n');
    const res = await paste(browser, lines);
    expect(res.status).toBe(200);
    expect(await cartOf(t, company.id)).toEqual({
      'BLT-101': 5,
      'BLT-102': 3,
      'BLT-103': 4,
      'BLT-105': 6,
      'ВВГ-3×2.5': 3.5,
      'BLT-111': 5,
      'BLT-120': 2,
    });
    const html = plain(res.body);
    expect(html).toContain('Добавлено в корзину товаров: 7.');
    expect(html).toContain('Строка 1 — заголовок, она пропущена.');
    // Unknown and hidden SKUs look the same: a quick order cannot probe for hidden products.
    expect(html).toMatch(/NOPE-1 × 5[\s\S]*?Товар не найден\./);
    expect(html).toMatch(/HID-1 × 1[\s\S]*?Товар не найден\./);
    expect(html).not.toContain('Скрытый товар');
    expect(html).toMatch(/BLT-106 × 1,5[\s\S]*?товар продаётся целыми шт, дробное количество не добавлено\.[\s\S]*?Можно заказать 2 шт\./);
    expect(html).toMatch(/BLT-108 × 0[\s\S]*?Количество должно быть больше нуля\./);
    expect(html).toContain('Количество «много» — не число.');
    expect(html).toMatch(/BLT-110<\/td>[\s\S]*?Не указано количество\./);
    expect(html).toContain('Товар указан в строках 15, 16: количества сложены (2 + 3).');
    // The cable by SKU (line 6) and by barcode (line 8): one product, summed.
    expect(html).toContain('Товар указан в строках 6, 8: количества сложены (1,5 + 2).');
    expect(html).toMatch(/4 600000 000017 × 2[\s\S]*?Найден по штрихкоду/);
    // The ones needing attention come first, then what was added cleanly.
    expect(html.indexOf('Требуют внимания')).toBeLessThan(html.indexOf('NOPE-1'));
    expect(html.indexOf('NOPE-1')).toBeLessThan(html.indexOf('<h2>Добавлено'));
    expect(html.indexOf('<h2>Добавлено')).toBeLessThan(html.indexOf('BLT-103 × 4'));
    expect(html).toContain('href="/cart"');
  });

  it('rounds up to the pack and the minimum, and says so', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    await t.ctx.db.updateTable('products').set({ min_qty: 10 }).where('sku', '=', 'BLT-112').execute();
    await t.ctx.db.updateTable('products').set({ multiple: 5 }).where('sku', '=', 'BLT-113').execute();
    // BLT-107 is sold in packs of 50 (catalog fixture).
    const res = await paste(browser, 'BLT-107 7\nBLT-112 3\nBLT-113 7\nBLT-113 3');
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-107': 50, 'BLT-112': 10, 'BLT-113': 10 });
    const html = plain(res.body);
    expect(html).toContain('Запрошено 7, добавлено 50 шт (упаковками по 50).');
    expect(html).toContain('Запрошено 3, добавлено 10 шт (минимум 10).');
    // Summed first (7 + 3 = 10), then checked: a whole number of packs, nothing rounded.
    expect(html).toContain('Добавлено 10 шт.');
    expect(html).toContain('Требуют внимания: 2, из них не добавлено: 0.');
  });

  it('adds to what is in the cart, or replaces the cart when asked', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    await paste(browser, 'BLT-101 2\nBLT-102 2');
    const again = plain((await paste(browser, 'BLT-101 3')).body);
    expect(again).toContain('В корзине теперь 5 шт.');
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-101': 5, 'BLT-102': 2 });
    await paste(browser, 'BLT-103 1', { replace: '1' });
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-103': 1 });
  });

  it('adds beyond the stock with a warning and the stock shown as the buyer may see it', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    // BLT-101: 10 in stock; BLT-104: none.
    const html = plain((await paste(browser, 'BLT-101 25\nBLT-104 1')).body);
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-101': 25, 'BLT-104': 1 });
    expect(html).toContain('Заказано больше, чем есть на складе (в наличии: 10 шт).');
    expect(html).toContain('Сейчас нет в наличии.');
    expect(html).toContain('Оформить заказ можно только на имеющееся количество.');
  });

  it('lists the products of an ambiguous SKU and adds none of them', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const now = t.ctx.clock.now();
    const twins: [string, string][] = [
      ['AMB-1', 'Дюбель красный'],
      ['amb 1', 'Дюбель синий'],
    ];
    for (const [s, name] of twins) {
      await t.ctx.db
        .insertInto('products')
        .values({ sku: s, sku_norm: normalizeSku(s), name, vat_bp: 2000, parent_id: null, external_1c_id: null, external_ms_id: null, created_at: now, updated_at: now })
        .execute();
    }
    const html = plain((await paste(browser, 'AMB-1 5')).body);
    expect(await cartOf(t, company.id)).toEqual({});
    expect(html).toContain('Этот артикул есть у нескольких товаров, ничего не добавлено.');
    expect(html).toContain('AMB-1 — Дюбель красный');
    expect(html).toContain('amb 1 — Дюбель синий');
    expect(html).toContain('В корзину ничего не добавлено.');
  });

  it('reads a windows-1251 CSV with a title, another column order and a total row', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const csv = [
      'ООО «Ромашка»;;;',
      'Заявка на поставку № 17;;;',
      ';;;',
      '№;Наименование;Кол-во, шт;Артикул',
      '1;Болт какой-то;10;BLT-110',
      '2;Анкер химический под заказ;5;',
      '3;Что-то своё;2;ZZZ-9',
      '4;Анкер;1;SPEC-1',
      ';;;',
      'Итого;;18;',
    ].join('\r\n');
    const res = await uploadFile(t, browser, { name: 'zayavka.csv', data: windows1251(csv), type: 'text/csv' });
    expect(res.status).toBe(200);
    // Anchor by name (no SKU in that row), then by SKU; the two lines for SPEC-1 are summed.
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-110': 10, 'SPEC-1': 6 });
    const html = plain(res.body);
    expect(html).toContain('Строка 4 — заголовок, она пропущена.');
    expect(html).toContain('Строк над заголовком пропущено: 2.');
    expect(html).toMatch(/ZZZ-9 × 2[\s\S]*?Товар не найден\./);
    // The total row (its text is in the № column) is reported too: nothing is dropped without a message.
    expect(html).toMatch(/<td data-label="Строка">10<\/td>[\s\S]*?× 18[\s\S]*?Не указан артикул\./);
    expect(html).toContain('Найден по названию.');
  });

  it('reads a 5,000-row XLSX quickly and reports every row', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const count = 5000;
    const sqlite = t.ctx.database.sqlite;
    const insert = sqlite.prepare(
      'insert into products (sku, sku_norm, name, category_id, unit_id, vat_bp, multiple, stock_total, created_at, updated_at) values (?, ?, ?, ?, (select id from units where name = ?), 2000, ?, ?, 0, 0)',
    );
    const price = sqlite.prepare('insert into prices (product_id, price_type_id, price) values (?, ?, ?)');
    sqlite.transaction(() => {
      for (let i = 1; i <= count; i++) {
        const s = `GEN-${String(i).padStart(5, '0')}`;
        const id = insert.run(s, normalizeSku(s), `Товар ${i}`, catalog.categories.bolts, 'шт', i % 10 === 0 ? 4 : 0, 1000).lastInsertRowid;
        price.run(id, catalog.priceTypes.wholesale, 1000 + i);
      }
    })();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Заказ');
    sheet.addRow(['Заявка от ООО «Ромашка»']);
    sheet.addRow([]);
    sheet.addRow(['Количество', 'Наименование', 'Артикул']);
    const expected: Record<string, number> = {};
    for (let i = 1; i <= count; i++) {
      const s = `GEN-${String(i).padStart(5, '0')}`;
      const qty = (i % 7) + 1;
      sheet.addRow([qty, `Товар ${i}`, s]);
      // Every 10th product is sold in packs of 4: the quantity is rounded up to the pack.
      expected[s] = i % 10 === 0 ? Math.ceil(qty / 4) * 4 : qty;
    }
    const data = Buffer.from(await workbook.xlsx.writeBuffer());

    const started = performance.now();
    const res = await uploadFile(t, browser, { name: 'order.xlsx', data });
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    const html = plain(res.body);
    const applied = /Обработано за ([\d,]+) с/.exec(html)?.[1];
    console.log(
      `quick order: ${count}-row XLSX (${Math.round(data.length / 1024)} KB) uploaded, read, matched, added and reported in ${Math.round(ms)} ms (matching + cart: ${applied} s)`,
    );
    expect(html).toContain('Добавлено в корзину товаров: 5 000.');
    expect(html.match(/data-label="Строка"/g)?.length).toBe(count);
    const cart = await cartOf(t, company.id);
    expect(Object.keys(cart)).toHaveLength(count);
    expect(cart).toEqual(expected);
    expect(ms).toBeLessThan(10_000);
  });

  it('asks for the columns of a file without headers, keeps it for the second post, then forgets it', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await uploadFile(t, browser, { name: 'list.csv', data: Buffer.from('BLT-101;5\nBLT-102;7\n') }, { replace: '1' });
    expect(res.status).toBe(200);
    const html = plain(res.body);
    expect(html).toContain('не нашлось строки с заголовками');
    expect(html).toContain('action="/quick-order/columns"');
    // The guess is preselected: the text column as SKU, the number column as quantity.
    expect(html).toMatch(/name="sku">[\s\S]*?<option value="0" selected>/);
    expect(html).toMatch(/name="quantity">[\s\S]*?<option value="1" selected>/);
    const token = /name="token" value="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(token).toMatch(/^[\w-]{24}$/);
    expect(await cartOf(t, company.id)).toEqual({});

    const missing = await browser.post('/quick-order/columns', { token, sku: '0', quantity: '', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(missing.status).toBe(422);
    expect(plain(missing.body)).toContain('Укажите столбец с количеством');

    const done = await browser.post('/quick-order/columns', { token, sku: '0', quantity: '1', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(done.status).toBe(200);
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-101': 5, 'BLT-102': 7 });
    const again = await browser.post('/quick-order/columns', { token, sku: '0', quantity: '1', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(again.status).toBe(404);
  });

  it('asks when two columns could be the quantity', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await uploadFile(t, browser, { name: 'two.csv', data: Buffer.from('Артикул;Количество;Кол-во\nBLT-101;1;2\n') });
    expect(plain(res.body)).toContain('несколько подходящих столбцов: Количество');
  });

  it('refuses old .xls files and broken XLSX with a message', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const xls = await uploadFile(t, browser, { name: 'old.xls', data: Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(100)]) });
    expect(xls.status).toBe(415);
    expect(plain(xls.body)).toContain('в старом формате Excel (.xls)');
    const broken = await uploadFile(t, browser, { name: 'broken.xlsx', data: Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(100, 7)]) });
    expect(broken.status).toBe(422);
    expect(plain(broken.body)).toContain('Не удалось прочитать файл «broken.xlsx»');
  });

  it('sends staff without a chosen company to choose one, and anonymous visitors to log in', async () => {
    const manager = await makeUser(t.ctx, 'manager');
    const browser = new Browser(t.app);
    await browser.login(manager.email);
    for (const url of ['/quick-order', '/price-list.xlsx', '/price-list.csv']) {
      const res = await browser.get(url);
      expect(res.status).toBe(302);
      expect(res.location).toBe(`/catalog/view-as?next=${encodeURIComponent(url)}`);
    }
    const posted = await browser.post('/quick-order/paste', { lines: 'BLT-101 1' }, { csrfFrom: '/account' });
    expect(posted.status).toBe(303);
    expect(posted.location).toBe('/catalog/view-as?next=%2Fquick-order');
    expect(await t.ctx.db.selectFrom('cart_items').selectAll().execute()).toEqual([]);
    expect((await new Browser(t.app).get('/quick-order')).location).toBe('/login?next=%2Fquick-order');
  });

  it('fills the cart of the company a manager acts for', async () => {
    const company = await makeCompany(t.ctx, { name: 'Василёк' });
    const manager = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(manager.email);
    await browser.post('/catalog/view-as', { company_id: String(company.id), next: '/quick-order' }, { csrfFrom: '/catalog/view-as' });
    const res = await browser.post('/quick-order/paste', { lines: 'BLT-101 2' }, { csrfFrom: '/quick-order' });
    expect(plain(res.body)).toContain('Заказ для компании «Василёк».');
    expect(await cartOf(t, company.id)).toEqual({ 'BLT-101': 2 });
  });

  it("keeps each company's cart and stored uploads to itself", async () => {
    const a = await buyerOf(t, catalog.priceTypes.wholesale);
    const otherCompany = await makeCompany(t.ctx, { name: 'Одуванчик' });
    const otherUser = await makeUser(t.ctx, 'buyer', { companyId: otherCompany.id });
    const b = new Browser(t.app);
    await b.login(otherUser.email);

    await paste(a.browser, 'BLT-101 4');
    const upload = await uploadFile(t, a.browser, { name: 'list.csv', data: Buffer.from('BLT-102;5\n') });
    const token = /name="token" value="([^"]+)"/.exec(upload.body)?.[1] ?? '';
    expect(token).not.toBe('');

    // B's quick order reports only B's own lines and fills only B's cart.
    const res = plain((await paste(b, 'BLT-103 1')).body);
    expect(res).not.toContain('BLT-101');
    expect(await cartOf(t, otherCompany.id)).toEqual({ 'BLT-103': 1 });
    expect(await cartOf(t, a.company.id)).toEqual({ 'BLT-101': 4 });
    // A's stored upload is not B's to use.
    const stolen = await b.post('/quick-order/columns', { token, sku: '0', quantity: '1', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(stolen.status).toBe(404);
    expect(await cartOf(t, otherCompany.id)).toEqual({ 'BLT-103': 1 });
    expect(sku('BLT-102').id).toBeGreaterThan(0);
  });
});

describe('quick order with stock shown as ranges', () => {
  let t: TestApp;
  let catalog: Catalog;
  beforeEach(async () => {
    t = await startQuickOrderApp({ catalog: { stock_display: 'ranges', stock_few_below: 50 } });
    catalog = await buildCatalog(t.ctx);
  });
  afterEach(async () => {
    await t.close();
  });

  it('does not reveal the exact stock of a line short of stock', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    // BLT-101 has 10 in stock: "few" below 50.
    const html = plain((await browser.post('/quick-order/paste', { lines: 'BLT-101 25' }, { csrfFrom: '/quick-order' })).body);
    expect(html).toContain('Заказано больше, чем есть на складе (в наличии: мало).');
    expect(html).not.toContain('10 шт');
  });
});
