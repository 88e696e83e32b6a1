/**
 * Upload bombs and disk filling through the quick order: an XLSX that unpacks far beyond its
 * size, a table of thousands of columns, and files left waiting for a column choice.
 */
import { readdirSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readOrderTable } from '../src/orders/quick-order/parse-table.js';
import { storeUpload, UploadQuotaError, uploadsDir } from '../src/orders/quick-order/upload-store.js';
import { checkedXlsx, UnpackError } from '../src/orders/quick-order/xlsx-guard.js';
import { buildCatalog } from './catalog-fixture.js';
import type { TestApp } from './helpers.js';
import { buyerOf, type Catalog, cartOf, plain, startQuickOrderApp, uploadFile } from './quick-order-helpers.js';
import { tempDir } from './temp-dirs.js';
import { makeZip } from './zip-writer.js';

const MB = 1024 * 1024;

/** A minimal workbook whose one shared string is `sharedBytes` of one letter (deflates ~1000:1). */
function sharedStringsBomb(sharedBytes: number): Buffer {
  const text = (s: string) => Buffer.from(s, 'utf8');
  const shared = Buffer.concat([
    text('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'),
    Buffer.alloc(sharedBytes, 'A'),
    text('</t></si></sst>'),
  ]);
  return makeZip([
    {
      name: '[Content_Types].xml',
      data: text(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>',
      ),
    },
    { name: 'xl/sharedStrings.xml', data: shared },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: text(
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
      ),
    },
  ]);
}

describe('XLSX unpacked size', () => {
  it('refuses a sharedStrings bomb before exceljs reads it, whatever the heap', async () => {
    const bomb = sharedStringsBomb(64 * MB);
    expect(bomb.length).toBeLessThan(1 * MB); // 64 MB in well under 1 MB: the 1000:1 of the review
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await checkedXlsx(bomb).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnpackError);
    expect((error as UnpackError).kind).toBe('too_large');
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MB);
  });

  it('measures what an entry really unpacks to, not what its headers claim', async () => {
    const bomb = sharedStringsBomb(20 * MB);
    // Claim 1 KB for the 20 MB sharedStrings.xml in both headers.
    const patched = Buffer.from(bomb);
    for (let at = patched.indexOf('xl/sharedStrings.xml'); at >= 0; at = patched.indexOf('xl/sharedStrings.xml', at + 1)) {
      const local = patched.readUInt32LE(at - 30) === 0x04034b50;
      if (local) patched.writeUInt32LE(1024, at - 30 + 22);
      else patched.writeUInt32LE(1024, at - 46 + 24);
    }
    const error = await checkedXlsx(patched).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnpackError);
  });

  it('passes a real workbook through unchanged in content', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Заказ');
    sheet.addRow(['Артикул', 'Количество']);
    sheet.addRow(['BLT-101', 3]);
    const data = Buffer.from(await workbook.xlsx.writeBuffer());
    const checked = await checkedXlsx(data);
    const read = new ExcelJS.Workbook();
    await read.xlsx.load(checked as unknown as ArrayBuffer);
    expect(read.getWorksheet('Заказ')?.getRow(2).values).toEqual([undefined, 'BLT-101', 3]);
  });
});

describe('XLSX reading leaves nothing on disk', () => {
  it('reads the first of several sheets without exceljs temp files, with or without shared strings', async () => {
    const made = async (shared: boolean) => {
      const workbook = new ExcelJS.Workbook();
      for (const name of ['Заказ', 'Прайс', 'Архив']) {
        const sheet = workbook.addWorksheet(name);
        sheet.addRow(['Артикул', 'Количество']);
        for (let i = 0; i < 50; i++) sheet.addRow([`BLT-${100 + i}`, i + 1]);
      }
      return Buffer.from(await workbook.xlsx.writeBuffer({ useSharedStrings: shared } as never));
    };
    const temp = () => readdirSync(tmpdir()).filter((f) => f.startsWith('tmp-'));
    const before = temp();
    for (const shared of [true, false]) {
      const read = await readOrderTable(await made(shared));
      expect(read.kind).toBe('lines');
      if (read.kind === 'lines') expect(read.lines).toHaveLength(50);
    }
    expect(temp()).toEqual(before);
  });
});

describe('quick order uploads', () => {
  let t: TestApp;
  let catalog: Catalog;

  beforeEach(async () => {
    t = await startQuickOrderApp();
    catalog = await buildCatalog(t.ctx);
  });
  afterEach(async () => {
    await t.close();
  });

  it('refuses an XLSX that unpacks too large, and a table of too many columns, with a message', async () => {
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const bomb = await uploadFile(t, browser, { name: 'bomb.xlsx', data: sharedStringsBomb(64 * MB) });
    expect(bomb.status).toBe(413);
    expect(plain(bomb.body)).toContain('Файл «bomb.xlsx» в распакованном виде слишком большой');
    const wide = await uploadFile(t, browser, { name: 'wide.csv', data: Buffer.from(`Артикул;Количество${';x'.repeat(100_000)}\nBLT-101;1\n`) });
    expect(wide.status).toBe(413);
    expect(plain(wide.body)).toContain('В файле «wide.csv» больше 500 столбцов');
    expect(await cartOf(t, company.id)).toEqual({});
  });

  it('keeps one upload per user waiting for its columns: a new one replaces the last', async () => {
    const { browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const headerless = (n: number) => Buffer.from(`BLT-101;${n}\nBLT-102;${n}\n`);
    const tokens: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await uploadFile(t, browser, { name: `list-${i}.csv`, data: headerless(i) });
      tokens.push(/name="token" value="([^"]+)"/.exec(res.body)?.[1] ?? '');
    }
    expect(readdirSync(uploadsDir(t.config.dataDir)).filter((f) => f.endsWith('.data'))).toHaveLength(1);
    const first = await browser.post('/quick-order/columns', { token: tokens[0] ?? '', sku: '0', quantity: '1', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(first.status).toBe(404);
    const last = await browser.post('/quick-order/columns', { token: tokens[2] ?? '', sku: '0', quantity: '1', header_row: '0' }, { csrfFrom: '/quick-order' });
    expect(last.status).toBe(200);
  });

  it('refuses to keep another upload when the total quota is taken, and says so', async () => {
    const dir = uploadsDir(t.config.dataDir);
    await storeUpload(dir, Buffer.from('x'), { userId: 999_999, companyId: 1, filename: 'x.csv', replaceCart: false, createdAt: 0 });
    // Another user's pending upload as big as the whole quota (a sparse file: no disk used).
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.data'));
    truncateSync(join(dir, name ?? ''), 256 * MB);
    const { company, browser } = await buyerOf(t, catalog.priceTypes.wholesale);
    const res = await uploadFile(t, browser, { name: 'list.csv', data: Buffer.from('BLT-101;5\n') });
    expect(res.status).toBe(503);
    expect(plain(res.body)).toContain('слишком много файлов, ожидающих выбора столбцов');
    expect(readdirSync(dir).filter((f) => f.endsWith('.data'))).toHaveLength(1);
    expect(await cartOf(t, company.id)).toEqual({});
  });
});

describe('the pending upload store', () => {
  it('counts uploads and bytes of all users against its limits', async () => {
    const dir = tempDir();
    const meta = (userId: number) => ({ userId, companyId: 1, filename: 'a.csv', replaceCart: false, createdAt: 0 });
    const limits = { maxBytes: 10, maxUploads: 2 };
    await storeUpload(dir, Buffer.alloc(4), meta(1), limits);
    await storeUpload(dir, Buffer.alloc(4), meta(2), limits);
    await expect(storeUpload(dir, Buffer.alloc(1), meta(3), limits)).rejects.toBeInstanceOf(UploadQuotaError);
    // User 2 replacing its own upload frees its share first.
    await storeUpload(dir, Buffer.alloc(6), meta(2), limits);
    await expect(storeUpload(dir, Buffer.alloc(7), meta(1), limits)).rejects.toBeInstanceOf(UploadQuotaError);
    expect(readdirSync(dir).filter((f) => f.endsWith('.data'))).toHaveLength(2);
  });
});
