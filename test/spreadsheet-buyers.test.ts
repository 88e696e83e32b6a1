/**
 * The buyers' spreadsheets: companies (INN with its control digits, KPP, price type, discount,
 * manager) and special prices (company INN, SKU, price), found by their headers or named with
 * --kind; problems with row and column change nothing; an identical re-run changes nothing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importSpreadsheet } from '../src/integrations/spreadsheet/import/run.js';
import { formatProblem } from '../src/integrations/spreadsheet/import/sheet.js';
import { makeProduct, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
  await t.ctx.db.deleteFrom('price_types').execute();
  const now = t.clock.now();
  await t.ctx.db.insertInto('price_types').values({ name: 'Оптовая', is_default: 1, external_1c_id: null, created_at: now }).execute();
  await t.ctx.db.insertInto('price_types').values({ name: 'Крупный опт', is_default: 0, external_1c_id: null, created_at: now }).execute();
});
afterEach(async () => {
  await t.close();
});

async function companies() {
  return t.ctx.db
    .selectFrom('companies')
    .innerJoin('legal_entities', 'legal_entities.company_id', 'companies.id')
    .leftJoin('price_types', 'price_types.id', 'companies.price_type_id')
    .leftJoin('users', 'users.id', 'companies.manager_id')
    .select(['companies.name', 'legal_entities.inn', 'legal_entities.kpp', 'legal_entities.name as legal', 'legal_entities.legal_address as address', 'price_types.name as type', 'companies.discount_bp', 'users.email as manager'])
    .orderBy('legal_entities.inn')
    .execute();
}

describe('companies from a spreadsheet', () => {
  it('creates and updates companies by INN from an XLSX found by its headers; a re-run changes nothing', async () => {
    const manager = await makeUser(t.ctx, 'manager', { email: 'ivanova@seller.test' });
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Покупатели');
    sheet.addRow(['Покупатель', 'ИНН', 'КПП', 'Полное наименование', 'Юридический адрес', 'Тип цен', 'Скидка, %', 'Email менеджера']);
    sheet.addRow(['Ромашка', '7708123450', '770801001', 'ООО «Ромашка»', 'Москва, Тверская 1', 'Крупный опт', 2.5, manager.email]);
    sheet.addRow(['ИП Петров', '770708389324', '', '', '', '', '', '']);
    const file = join(t.dataDir, 'buyers.xlsx');
    await workbook.xlsx.writeFile(file);

    const dry = await importSpreadsheet(t.ctx, file, { dryRun: true, hideAbsent: false });
    expect(dry.kind).toBe('companies');
    expect(dry.problems).toEqual([]);
    expect(dry.tally).toEqual({ companies_created: 2, companies_updated: 0 });
    expect(await companies()).toEqual([]);

    const applied = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(applied.tally).toEqual({ companies_created: 2, companies_updated: 0 });
    expect(await companies()).toEqual([
      { name: 'ИП Петров', inn: '770708389324', kpp: '', legal: 'ИП Петров', address: '', type: null, discount_bp: 0, manager: null },
      { name: 'Ромашка', inn: '7708123450', kpp: '770801001', legal: 'ООО «Ромашка»', address: 'Москва, Тверская 1', type: 'Крупный опт', discount_bp: 250, manager: 'ivanova@seller.test' },
    ]);
    expect((await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false })).tally).toEqual({ companies_created: 0, companies_updated: 0 });

    // A CSV naming only what changes: the discount; empty cells keep the rest.
    writeFileSync(file.replace('.xlsx', '.csv'), 'Наименование;ИНН;Скидка\nРомашка;7708123450;5\n');
    const update = await importSpreadsheet(t.ctx, file.replace('.xlsx', '.csv'), { dryRun: false, hideAbsent: false });
    expect(update.tally).toEqual({ companies_created: 0, companies_updated: 1 });
    expect((await companies())[1]).toMatchObject({ discount_bp: 500, type: 'Крупный опт', manager: 'ivanova@seller.test', kpp: '770801001' });
  });

  it('refuses a wrong INN, KPP, price type, discount and manager with row and column, changing nothing', async () => {
    await makeUser(t.ctx, 'buyer', { email: 'buyer@x.test' });
    const before = await companies();
    const file = join(t.dataDir, 'bad.csv');
    writeFileSync(
      file,
      'Компания;ИНН;КПП;Тип цен;Скидка;Менеджер\nАльфа;7708123451;;;;\nБета;5001007329;12345;Розница;120;buyer@x.test\nГамма;5001007329;;;;\n',
    );
    const report = await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    expect(report.problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^row 2, column ИНН: .*7708123451/),
      expect.stringMatching(/^row 3, column КПП: KPP "12345" must be 9 characters/),
      'row 3, column Тип цен: unknown price type «Розница»',
      'row 3, column Скидка: «120» is not a discount from 0 to 100 %',
      'row 3, column Менеджер: buyer@x.test is not a manager',
      'row 4, column ИНН: INN 5001007329 is already on row 3',
    ]);
    expect(await companies()).toEqual(before);
  });
});

describe('special prices from a spreadsheet', () => {
  it('sets a company\'s special prices by INN and SKU; a full list removes the ones it leaves out; --kind on the CLI', async () => {
    const file = join(t.dataDir, 'c.csv');
    writeFileSync(file, 'Наименование;ИНН\nРомашка;7708123450\n');
    await importSpreadsheet(t.ctx, file, { dryRun: false, hideAbsent: false });
    await makeProduct(t.ctx, { sku: 'S-1', name: 'Один' });
    await makeProduct(t.ctx, { sku: 'S-2', name: 'Два' });
    const list = join(t.dataDir, 'special.csv');
    writeFileSync(list, 'ИНН;Артикул;Цена\n7708123450;S-1;95,50\n7708123450;S-2;190\n');
    const first = await importSpreadsheet(t.ctx, list, { dryRun: false, hideAbsent: false });
    expect(first.kind).toBe('special-prices');
    expect(first.tally).toEqual({ special_prices_changed: 2, special_prices_removed: 0 });
    const prices = () => t.ctx.database.sqlite.prepare('select p.sku, s.price from special_prices s join products p on p.id = s.product_id order by p.sku').all();
    expect(prices()).toEqual([
      { sku: 'S-1', price: 9550 },
      { sku: 'S-2', price: 19000 },
    ]);
    expect((await importSpreadsheet(t.ctx, list, { dryRun: false, hideAbsent: false })).tally).toEqual({ special_prices_changed: 0, special_prices_removed: 0 });

    const bad = join(t.dataDir, 'bad.csv');
    writeFileSync(bad, 'ИНН;Артикул;Цена\n7810123451;S-1;1\n7708123450;NOPE;x\n');
    const refused = await importSpreadsheet(t.ctx, bad, { dryRun: false, hideAbsent: true });
    expect(refused.problems.map(formatProblem)).toEqual([
      'row 2, column ИНН: no company with INN 7810123451',
      'row 3, column Артикул: no product with SKU «NOPE»',
      'row 3, column Цена: «x» is not a price',
    ]);
    expect(prices()).toHaveLength(2);

    // The CLI, told the kind: a full list of one price removes the other.
    writeFileSync(list, 'ИНН;Артикул;Цена\n7708123450;S-1;95,50\n');
    const dir = tempDir();
    const config = join(dir, 'config.yml');
    writeFileSync(config, `data_dir: ${JSON.stringify(t.dataDir)}\nlog:\n  level: warn\n`);
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const res = spawnSync(process.execPath, [bin, 'import', list, '--kind', 'special-prices', '--hide-absent', '--config', config], {
      cwd: dir,
      env: { ...process.env, HOME: dir },
      encoding: 'utf8',
    });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('special prices changed 0, special prices removed 1');
    expect(prices()).toEqual([{ sku: 'S-1', price: 9550 }]);
  }, 60_000);
});
