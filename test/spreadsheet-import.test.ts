import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importSpreadsheet } from '../src/integrations/spreadsheet/import/run.js';
import { formatProblem } from '../src/integrations/spreadsheet/import/sheet.js';
import { startTestApp, type TestApp } from './helpers.js';

/** windows-1251 for the letters these tests use (А–я, Ё/ё). */
function cp1251(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0x410 && code <= 0x44f) out.push(code - 0x410 + 0xc0);
    else if (code === 0x401) out.push(0xa8);
    else if (code === 0x451) out.push(0xb8);
    else out.push(code);
  }
  return Buffer.from(out);
}

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
  const now = t.clock.now();
  await t.ctx.db
    .deleteFrom('price_types')
    .execute()
    .catch(() => undefined);
  await t.ctx.db
    .insertInto('price_types')
    .values({ name: 'Оптовая', is_default: 1, external_1c_id: null, created_at: now })
    .execute();
});
afterEach(async () => {
  await t.close();
});

async function products() {
  return t.ctx.db
    .selectFrom('products')
    .leftJoin('categories', 'categories.id', 'products.category_id')
    .select(['products.sku', 'products.name', 'products.hidden', 'products.stock_total', 'categories.name as category'])
    .orderBy('products.sku')
    .execute();
}

async function priceOf(sku: string): Promise<number | undefined> {
  const row = await t.ctx.db
    .selectFrom('prices')
    .innerJoin('products', 'products.id', 'prices.product_id')
    .select('prices.price')
    .where('products.sku', '=', sku)
    .executeTakeFirst();
  return row?.price;
}

const CSV =
  '\ufeffАртикул;Наименование;Категория;Ед.;Цена Оптовая;Остаток\nA-1;Гвоздь 100;Крепёж;шт;12,50;100\nA-2;"Шуруп ""евро""; 4x40";Крепёж;шт;1 200;5\n';

describe('a spreadsheet import', () => {
  it('is a dry run first: counts what would change, changes nothing', async () => {
    const file = join(t.dataDir, 'list.csv');
    writeFileSync(file, CSV);
    const report = await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: false });
    expect(report.problems).toEqual([]);
    expect(report.counts?.products_created).toBe(2);
    expect(report.mapping.map((m) => m.field)).toEqual(['sku', 'name', 'category', 'unit', 'price:Оптовая', 'stock:']);
    expect(await products()).toEqual([]);
  });

  it('applies a UTF-8 BOM CSV with ";" and an identical re-run changes nothing', async () => {
    const file = join(t.dataDir, 'list.csv');
    writeFileSync(file, CSV);
    const first = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(first.counts?.products_created).toBe(2);
    expect(await products()).toMatchObject([
      { sku: 'A-1', name: 'Гвоздь 100', hidden: 0, stock_total: 100, category: 'Крепёж' },
      { sku: 'A-2', name: 'Шуруп "евро"; 4x40', hidden: 0, stock_total: 5, category: 'Крепёж' },
    ]);
    expect(await priceOf('A-1')).toBe(1250);
    expect(await priceOf('A-2')).toBe(120000);
    const again = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(again.counts).toMatchObject({ products_created: 0, products_updated: 0, prices_changed: 0, stock_changed: 0 });
  });

  it('reads windows-1251 with tabs, changes only what was edited, hides the absent when asked', async () => {
    const file = join(t.dataDir, 'list.csv');
    writeFileSync(file, CSV);
    await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    writeFileSync(file, cp1251('Код\tНазвание\tЦена Оптовая\nA-1\tГвоздь 100\t13\n'));
    const dry = await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: true });
    expect(dry.problems).toEqual([]);
    expect(dry.counts).toMatchObject({ products_created: 0, products_hidden: 1, prices_changed: 1 });
    expect(await priceOf('A-1')).toBe(1250);
    await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: true });
    expect(await priceOf('A-1')).toBe(1300);
    expect((await products()).map((p) => [p.sku, p.hidden])).toEqual([
      ['A-1', 0],
      ['A-2', 1],
    ]);
  });

  it('reads a 1C-style XLSX price list: title rows above the header, group rows between products', async () => {
    const { default: Excel } = await import('exceljs');
    const workbook = new Excel.Workbook();
    const sheet = workbook.addWorksheet('Прайс');
    sheet.addRow(['Прайс-лист ООО «Ромашка»']);
    sheet.mergeCells('A1:D1');
    sheet.addRow(['на 03.12.2026']);
    sheet.addRow(['Артикул', 'Наименование', 'Ед.', 'Цена Оптовая']);
    sheet.addRow(['', 'Крепёж']);
    sheet.addRow(['K-1', 'Болт М8', 'шт', 7.5]);
    sheet.addRow(['', 'Инструмент']);
    sheet.addRow(['T-1', 'Молоток', 'шт', 450]);
    const file = join(t.dataDir, 'price.xlsx');
    await workbook.xlsx.writeFile(file);
    const report = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(report.problems).toEqual([]);
    expect(await products()).toMatchObject([
      { sku: 'K-1', name: 'Болт М8', category: 'Крепёж' },
      { sku: 'T-1', name: 'Молоток', category: 'Инструмент' },
    ]);
    expect(await priceOf('K-1')).toBe(750);
  });

  it('refuses a broken file with row and column, changing nothing', async () => {
    const file = join(t.dataDir, 'bad.csv');
    writeFileSync(file, 'SKU,Name,Price Розница,Stock\nB-1,One,10,1\nB-1,Again,10,1\nB-2,Two,"12,5.0",x\n');
    const report = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(report.problems.map(formatProblem)).toEqual([
      'row 3, column SKU: SKU «B-1» is already on row 2',
      'row 4, column Price Розница: «12,5.0» is not a number',
      'row 4, column Stock: «x» is not a number',
      'row 1, column Price Розница: unknown price type «Розница»',
    ]);
    expect(await products()).toEqual([]);
  });

  it('refuses a zip that is not an XLSX, and an empty sheet', async () => {
    const zip = join(t.dataDir, 'fake.xlsx');
    writeFileSync(zip, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(60)]));
    const bad = await importSpreadsheet(t.ctx, zip, { dryRun: false, hideAbsent: false });
    expect(bad.problems[0]?.message).toMatch(/not a readable XLSX/);
    const { default: Excel } = await import('exceljs');
    const workbook = new Excel.Workbook();
    workbook.addWorksheet('Пусто');
    const empty = join(t.dataDir, 'empty.xlsx');
    await workbook.xlsx.writeFile(empty);
    const none = await importSpreadsheet(t.ctx, empty, { dryRun: false, hideAbsent: false });
    expect(none.problems.map(formatProblem)).toEqual(['row 1: the sheet is empty']);
    expect(await products()).toEqual([]);
  });
});

describe('optovik import', () => {
  it('prints the report, exits 1 on problems and 0 on a clean file', async () => {
    const { spawnSync } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const { tempDir } = await import('./helpers.js');
    const dir = tempDir('optovik-import-cli-');
    const config = join(dir, 'config.yml');
    writeFileSync(config, 'data_dir: ./data\nlog:\n  level: warn\n');
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bin, ...args, '--config', config], {
        cwd: dir,
        env: { ...process.env, HOME: dir },
        encoding: 'utf8',
      });
    writeFileSync(join(dir, 'bad.csv'), 'Артикул;Наименование;Остаток\nC-1;Кабель;много\n');
    const bad = run(['import', join(dir, 'bad.csv')]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('row 2, column Остаток: «много» is not a number');
    writeFileSync(join(dir, 'good.csv'), 'Артикул;Наименование;Остаток\nC-1;Кабель;3\n');
    const dry = run(['import', join(dir, 'good.csv'), '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain('created 1, changed 0, hidden 0');
    const real = run(['import', join(dir, 'good.csv'), '--hide-absent']);
    expect(real.stdout).toContain('created 1, changed 0, hidden 0');
    expect(run(['import', join(dir, 'good.csv')]).stdout).toContain('created 0, changed 0, hidden 0');
  }, 60_000);
});

describe('the one import gate', () => {
  it('refuses a spreadsheet import while MoySklad holds the catalog import, naming it, and changes nothing', async () => {
    const file = join(t.dataDir, 'list.csv');
    writeFileSync(file, CSV);
    const release = t.ctx.importGate.acquire('moysklad');
    const report = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(report.applied).toBe(false);
    expect(report.problems.map(formatProblem)).toEqual([
      'A MoySklad sync is using the catalog import right now; try again in a minute',
    ]);
    expect(await products()).toEqual([]);
    release();
    const after = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(after.counts?.products_created).toBe(2);
  });

  it('refuses while a 1C catalog exchange is open (its probe), and 1C is refused while a spreadsheet import runs', async () => {
    const file = join(t.dataDir, 'list.csv');
    writeFileSync(file, CSV);
    let oneC = true;
    t.ctx.importGate.probe('1c', () => oneC);
    const report = await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: false });
    expect(report.problems[0]?.message).toBe(
      'An exchange with 1C is using the catalog import right now; try again when it has finished',
    );
    oneC = false;
    const release = t.ctx.importGate.acquire('spreadsheet');
    expect(t.ctx.importGate.refusal('1c')).toBe(
      'A spreadsheet import is using the catalog import right now; try again in a minute',
    );
    expect(() => t.ctx.importGate.acquire('moysklad')).toThrow(/spreadsheet import/);
    release();
    expect(t.ctx.importGate.refusal('1c')).toBeNull();
    expect(await products()).toEqual([]);
  });
});

describe('catalog fields beyond the price list', () => {
  it('reads brand, description, barcodes and visibility; empty cells keep what is stored', async () => {
    const file = join(t.dataDir, 'full.csv');
    writeFileSync(
      file,
      'Артикул;Наименование;Бренд;Описание;Штрихкод;Виден\nF-1;Фен;Bosch;Мощный;"4600000000017; 4 600000 000024";да\nF-2;Плойка;;;;нет\n',
    );
    const first = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(first.problems).toEqual([]);
    const row = (sku: string) =>
      t.ctx.database.sqlite
        .prepare(
          "select brand, description, hidden, (select group_concat(barcode, ',') from (select barcode from product_barcodes b where b.product_id = p.id order by barcode)) as codes from products p where sku = ?",
        )
        .get(sku);
    expect(row('F-1')).toEqual({ brand: 'Bosch', description: 'Мощный', hidden: 0, codes: '4600000000017,4600000000024' });
    expect(row('F-2')).toMatchObject({ brand: '', hidden: 1, codes: null });
    const again = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(again.counts).toMatchObject({ products_updated: 0, products_created: 0 });
    writeFileSync(file, 'Артикул;Наименование;Бренд\nF-1;Фен;\n');
    await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(row('F-1')).toEqual({ brand: 'Bosch', description: 'Мощный', hidden: 0, codes: '4600000000017,4600000000024' });
  });
});

describe('pack size and minimum quantity', () => {
  it('come from their columns (comma or dot), an empty cell keeps what was stored, a word is a problem with its row and column', async () => {
    const file = join(t.dataDir, 'rules.csv');
    writeFileSync(file, 'Артикул;Наименование;Кратность;Минимальная партия\nP-1;Кабель;10;2,5\nP-2;Провод;;\n');
    expect((await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false })).problems).toEqual([]);
    const rules = async () =>
      Object.fromEntries(
        (await t.ctx.db.selectFrom('products').select(['sku', 'multiple', 'min_qty']).orderBy('sku').execute()).map((r) => [
          r.sku,
          [r.multiple, r.min_qty],
        ]),
      );
    expect(await rules()).toEqual({ 'P-1': [10, 2.5], 'P-2': [0, 0] });
    writeFileSync(file, 'Артикул;Наименование;Кратность;Минимальная партия\nP-1;Кабель;;\nP-2;Провод;много;1\n');
    const bad = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(bad.problems).toEqual([{ row: 3, column: 'Кратность', message: '«много» is not a quantity' }]);
    expect(await rules()).toEqual({ 'P-1': [10, 2.5], 'P-2': [0, 0] });
  });
});

describe('the fields of the map, as columns', () => {
  it('reads country, weight, volume, VAT and the new/sale marks; a value that is none of these is a problem with its row and column', async () => {
    const file = join(t.dataDir, 'fields.csv');
    writeFileSync(
      file,
      'Артикул;Наименование;Страна;Вес, кг;Объём;НДС;Новинка;Распродажа\nF-1;Кабель;Китай;1,25;0,003;10%;да;нет\nF-2;Провод;;;;без НДС;;1\n',
    );
    expect((await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false })).problems).toEqual([]);
    const fields = () =>
      t.ctx.db
        .selectFrom('products')
        .select(['sku', 'country', 'weight', 'volume', 'vat_bp', 'is_new', 'is_sale'])
        .orderBy('sku')
        .execute();
    const stored = [
      { sku: 'F-1', country: 'Китай', weight: 1.25, volume: 0.003, vat_bp: 1000, is_new: 1, is_sale: 0 },
      { sku: 'F-2', country: '', weight: null, volume: null, vat_bp: null, is_new: 0, is_sale: 1 },
    ];
    expect(await fields()).toEqual(stored);
    writeFileSync(file, 'Артикул;Наименование;Вес;НДС;Новинка\nF-1;Кабель;тяжёлый;двадцать;может быть\n');
    const bad = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(bad.problems).toEqual([
      { row: 2, column: 'Вес', message: '«тяжёлый» is not a weight in kg' },
      { row: 2, column: 'НДС', message: '«двадцать» is not a VAT rate (20, 10 %, без НДС)' },
      { row: 2, column: 'Новинка', message: '«может быть» is not yes or no (да/нет)' },
    ]);
    expect(await fields()).toEqual(stored);
  });
});

describe("the buyer's relationship from spreadsheets", () => {
  it('balances, documents and rates: each found by its header, applied once, refused with row and column', async () => {
    const { makeCompany, makeUser, Browser } = await import('./helpers.js');
    const company = await makeCompany(t.ctx, { name: 'Ромашка' }); // INN 7701234567
    const buyer = await makeUser(t.ctx, 'buyer', { companyId: company.id });

    const balances = join(t.dataDir, 'balances.csv');
    writeFileSync(
      balances,
      'Покупатель;ИНН;Задолженность;Просрочено;Кредитный лимит;Отсрочка, дней;На дату\nРомашка;7701234567;125 000,50;5 000;300 000;14;01.12.2026\n',
    );
    const first = await importSpreadsheet(t.ctx, balances, { dryRun: false, hideAbsent: false });
    expect(first.kind).toBe('balances');
    expect(first.problems).toEqual([]);
    expect(first.tally).toEqual({ balances_changed: 1 });
    const terms = await t.ctx.db
      .selectFrom('account_terms')
      .select(['credit_limit', 'payment_days', 'balance', 'overdue', 'balance_date', 'source'])
      .executeTakeFirstOrThrow();
    expect(terms).toEqual({
      credit_limit: 30_000_000,
      payment_days: 14,
      balance: 12_500_050,
      overdue: 500_000,
      balance_date: '2026-12-01',
      source: 'spreadsheet',
    });
    expect((await importSpreadsheet(t.ctx, balances, { dryRun: false, hideAbsent: false })).tally).toEqual({
      balances_changed: 0,
    });

    const documents = join(t.dataDir, 'documents.csv');
    writeFileSync(
      documents,
      'ИНН;Документ;Номер;Дата;Сумма;Срок оплаты;Заказ\n7701234567;Счёт;СЧ-101;28.11.2026;12 000;05.12.2026;W-1\n7701234567;УПД;УПД-77;2026-11-30;12 000;;\n7701234567;Оплата;ПП-5;01.12.2026;7 000;;\n',
    );
    const docs = await importSpreadsheet(t.ctx, documents, { dryRun: false, hideAbsent: false });
    expect(docs.kind).toBe('documents');
    expect(docs.problems).toEqual([]);
    expect(docs.tally).toEqual({ documents_created: 3, documents_updated: 0 });
    const stored = await t.ctx.db
      .selectFrom('account_documents')
      .select(['kind', 'number', 'date', 'due_date', 'amount', 'order_ref'])
      .orderBy('date')
      .execute();
    expect(stored).toEqual([
      { kind: 'invoice', number: 'СЧ-101', date: '2026-11-28', due_date: '2026-12-05', amount: 1_200_000, order_ref: 'W-1' },
      { kind: 'shipment', number: 'УПД-77', date: '2026-11-30', due_date: null, amount: 1_200_000, order_ref: '' },
      { kind: 'payment', number: 'ПП-5', date: '2026-12-01', due_date: null, amount: 700_000, order_ref: '' },
    ]);
    expect((await importSpreadsheet(t.ctx, documents, { dryRun: false, hideAbsent: false })).tally).toEqual({
      documents_created: 0,
      documents_updated: 0,
    });

    // The buyer sees them in the cabinet: the stated balance and the documents.
    const browser = new Browser(t.app);
    await browser.login(buyer.email);
    const page = (await browser.get('/finance')).body.replace(/[\u00a0\u202f]/g, ' ');
    expect(page).toContain('125 000,50');
    expect(page).toContain('УПД-77');
    expect(page).toContain('СЧ-101');

    // Problems name their row and column; nothing is applied.
    writeFileSync(
      documents,
      'ИНН;Документ;Номер;Дата;Сумма\n7701234567;Акт сверки;А-1;01.12.2026;5\n7799999999;Оплата;П-2;31.02.2026;много\n',
    );
    const bad = await importSpreadsheet(t.ctx, documents, { dryRun: false, hideAbsent: false });
    expect(bad.problems).toEqual([
      { row: 2, column: 'Документ', message: '«Акт сверки» is not a document kind (счёт, отгрузка/УПД, оплата, возврат)' },
      { row: 3, column: 'ИНН', message: 'no buyer with INN 7799999999' },
      { row: 3, column: 'Дата', message: '«31.02.2026» is not a date (ДД.ММ.ГГГГ)' },
      { row: 3, column: 'Сумма', message: '«много» is not an amount' },
    ]);
    expect(await t.ctx.db.selectFrom('account_documents').select('id').execute()).toHaveLength(3);

    // Rates: a dollar price from a currency column becomes roubles only through the rate.
    const catalog = join(t.dataDir, 'usd.csv');
    writeFileSync(catalog, 'Артикул;Наименование;Цена Оптовая;Валюта\nU-1;Импортный товар;5,00;USD\nU-2;Наш товар;100;руб\n');
    expect((await importSpreadsheet(t.ctx, catalog, { dryRun: false, hideAbsent: false })).problems).toEqual([]);
    expect(await priceOf('U-1')).toBeUndefined(); // no rate yet: "price on request", never 5 roubles
    expect(await priceOf('U-2')).toBe(10_000);
    const rates = join(t.dataDir, 'rates.csv');
    writeFileSync(rates, 'Валюта;Курс;Дата\nUSD;92,3456;03.12.2026\n');
    const rated = await importSpreadsheet(t.ctx, rates, { dryRun: false, hideAbsent: false });
    expect(rated.kind).toBe('rates');
    expect(rated.tally).toEqual({ rates: 1, prices_changed: 1 });
    expect(await priceOf('U-1')).toBe(46_173); // 5 × 92.3456 = 461.728 → 461.73
    writeFileSync(rates, 'Валюта;Курс\nрубль;1\nEUR;сто\n');
    expect((await importSpreadsheet(t.ctx, rates, { dryRun: false, hideAbsent: false })).problems).toEqual([
      { row: 2, column: 'Валюта', message: '«рубль» is not a foreign currency (USD, EUR, CNY …)' },
      { row: 3, column: 'Курс', message: '«сто» is not a rate (roubles for one unit, e.g. 92,50)' },
    ]);
  });
});

describe('variants from a spreadsheet', () => {
  it('rows of one SKU with characteristic columns become the variants of one product, shown as a grid', async () => {
    const file = join(t.dataDir, 'grid.csv');
    writeFileSync(
      file,
      'Артикул;Наименование;Характеристика: Размер;Характеристика: Цвет;Цена Оптовая;Остаток\n' +
        'TEE;Футболка;S;белый;500;10\nTEE;Футболка;M;белый;500;0\nTEE;Футболка;S;чёрный;520;3\nTEE;Футболка;M;чёрный;520;7\n' +
        'CAP;Кепка;;;300;5\n',
    );
    const first = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(first.problems).toEqual([]);
    const rows = await t.ctx.db
      .selectFrom('products')
      .select(['id', 'sku', 'variant_name', 'parent_id', 'has_variants', 'stock_total'])
      .orderBy('id')
      .execute();
    const tee = rows.find((r) => r.sku === 'TEE' && r.parent_id === null);
    expect(tee?.has_variants).toBe(1);
    expect(
      rows
        .filter((r) => r.parent_id === tee?.id)
        .map((r) => [r.variant_name, r.stock_total])
        .sort(),
    ).toEqual([
      ['M, белый', 0],
      ['M, чёрный', 7],
      ['S, белый', 10],
      ['S, чёрный', 3],
    ]);
    expect(rows.find((r) => r.sku === 'CAP')).toMatchObject({ parent_id: null, has_variants: 0 });
    expect(await priceOf('CAP')).toBe(30_000);

    // The buyer sees a size × colour grid with each cell's own price.
    const { makeUser, makeCompany, Browser } = await import('./helpers.js');
    const company = await makeCompany(t.ctx);
    const buyer = await makeUser(t.ctx, 'buyer', { companyId: company.id });
    const browser = new Browser(t.app);
    await browser.login(buyer.email);
    const page = (await browser.get(`/catalog/p/${tee?.id}`)).body.replace(/[\u00a0\u202f]/g, ' ');
    expect(page).toMatch(/class="corner">Размер/);
    expect(page).toContain('520,00 ₽');

    // The same file again changes nothing; two rows of one variant are a problem with its row.
    const again = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(again.counts).toMatchObject({ products_created: 0, products_updated: 0, prices_changed: 0 });
    writeFileSync(file, 'Артикул;Наименование;Характеристика: Размер;Цена Оптовая\nTEE;Футболка;S;500\nTEE;Футболка;s;510\n');
    expect((await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: false })).problems).toEqual([
      { row: 3, column: 'Артикул', message: 'SKU «TEE» is already on row 2' },
    ]);
  });
});
