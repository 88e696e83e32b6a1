/**
 * The watched folder and the spreadsheet config: files dropped into a real temp folder are
 * imported once their size stopped changing, moved to done/ or failed/ with a report; the
 * column mapping of config.yml is used, and `optovik config check` names a bad item.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, tempDir } from './helpers.js';

let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

async function start(watch: string, extra: Record<string, unknown> = {}) {
  t = await startTestApp({ integrations: { spreadsheet: { watch_dir: watch, ...extra } } });
  await t.ctx.db.deleteFrom('price_types').execute();
  await t.ctx.db.insertInto('price_types').values({ name: 'Оптовая', is_default: 1, external_1c_id: null, created_at: t.clock.now() }).execute();
  return t;
}

async function skus(app: TestApp) {
  return (await app.ctx.db.selectFrom('products').select(['sku', 'hidden']).orderBy('sku').execute()).map((p) => `${p.sku}${p.hidden ? ' (hidden)' : ''}`);
}

describe('the watched folder', () => {
  it('imports a file once it stops growing, moves it to done/ or failed/ with a report next to it', async () => {
    const watch = join(tempDir(), 'inbox');
    mkdirSync(watch);
    const app = await start(watch);
    const watcher = app.ctx.sheetsWatcher;
    if (!watcher) throw new Error('no watcher');

    // A file still being copied: seen once, grows, seen again — left alone until it stays the same.
    writeFileSync(join(watch, 'price.csv'), 'Артикул;Наименование;Цена\nW-1;Шайба;1,5\n');
    expect(await watcher.scan()).toEqual([]);
    appendFileSync(join(watch, 'price.csv'), 'W-2;Гайка;2\n');
    expect(await watcher.scan()).toEqual([]);
    expect(await skus(app)).toEqual([]);
    expect(await watcher.scan()).toEqual([{ file: 'price.csv', moved: 'done' }]);
    expect(await skus(app)).toEqual(['W-1', 'W-2']);
    expect(readdirSync(join(watch, 'done')).sort()).toEqual(['price.csv', 'price.csv.report.txt']);
    expect(readFileSync(join(watch, 'done', 'price.csv.report.txt'), 'utf8')).toContain('created 2, changed 0, hidden 0');
    expect(existsSync(join(watch, 'price.csv'))).toBe(false);

    // A broken file and a file of the wrong kind go to failed/, nothing changes.
    writeFileSync(join(watch, 'bad.csv'), 'Артикул;Наименование;Цена\nW-1;Шайба;дорого\n');
    writeFileSync(join(watch, 'notes.docx'), 'not a table');
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Прайс');
    sheet.addRow(['Артикул', 'Наименование', 'Цена']);
    sheet.addRow(['W-3', 'Винт', 3]);
    await workbook.xlsx.writeFile(join(watch, 'more.xlsx'));
    await watcher.scan();
    const taken = await watcher.scan();
    expect(taken).toEqual([
      { file: 'bad.csv', moved: 'failed' },
      { file: 'more.xlsx', moved: 'done' },
      { file: 'notes.docx', moved: 'failed' },
    ]);
    expect(readFileSync(join(watch, 'failed', 'bad.csv.report.txt'), 'utf8')).toContain('row 2, column Цена: «дорого» is not a number');
    expect(readFileSync(join(watch, 'failed', 'notes.docx.report.txt'), 'utf8')).toContain('not a CSV or XLSX file');
    expect(await skus(app)).toEqual(['W-1', 'W-2', 'W-3']);

    // The same name again: the earlier one in done/ is kept.
    writeFileSync(join(watch, 'price.csv'), 'Артикул;Наименование;Цена\nW-1;Шайба;1,6\n');
    await watcher.scan();
    await watcher.scan();
    expect(readdirSync(join(watch, 'done')).sort()).toContain('price (2).csv');

    // The runs are on the exchange page's history.
    const runs = await app.ctx.db.selectFrom('exchange_runs').select(['source', 'status', 'message']).where('source', '=', 'spreadsheet').execute();
    expect(runs.map((r) => r.status)).toEqual(['success', 'failed', 'success', 'success']);
    expect(runs[0]?.message).toContain('watched folder');
  });

  it('waits while another reader holds the import gate', async () => {
    const watch = join(tempDir(), 'inbox');
    const app = await start(watch, { watch_hide_absent: true });
    const watcher = app.ctx.sheetsWatcher;
    if (!watcher) throw new Error('no watcher');
    mkdirSync(watch, { recursive: true });
    writeFileSync(join(watch, 'price.csv'), 'Артикул;Наименование\nG-1;Гвоздь\n');
    const release = app.ctx.importGate.acquire('moysklad');
    await watcher.scan();
    expect(await watcher.scan()).toEqual([]);
    expect(existsSync(join(watch, 'price.csv'))).toBe(true);
    release();
    expect(await watcher.scan()).toEqual([{ file: 'price.csv', moved: 'done' }]);
    expect(await skus(app)).toEqual(['G-1']);
  });
});

describe('integrations.spreadsheet.columns', () => {
  it('maps headers and column letters the portal would not know', async () => {
    const watch = join(tempDir(), 'inbox');
    const app = await start(watch, { columns: { catalog: ['Код товара = sku', 'B = name', 'C = price:Оптовая', 'Примечание = -'] } });
    mkdirSync(watch, { recursive: true });
    writeFileSync(join(watch, 'p.csv'), 'Код товара;Товар как есть;Опт;Примечание\nK-1;Ключ;5;x\n');
    await app.ctx.sheetsWatcher?.scan();
    await app.ctx.sheetsWatcher?.scan();
    expect(readFileSync(join(watch, 'done', 'p.csv.report.txt'), 'utf8')).toContain('column C «Опт» → price:Оптовая');
    expect(await skus(app)).toEqual(['K-1']);
  });

  it('`optovik config check` names the bad item', () => {
    const dir = tempDir();
    const config = join(dir, 'config.yml');
    writeFileSync(config, 'data_dir: ./data\nintegrations:\n  spreadsheet:\n    columns:\n      catalog:\n        - "Код = sku"\n        - "D = цена"\n');
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const res = spawnSync(process.execPath, [bin, 'config', 'check', '--config', config], { cwd: dir, env: { ...process.env, HOME: dir }, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('integrations.spreadsheet.columns.catalog[1]: "цена" is not a field');
  }, 30_000);
});
