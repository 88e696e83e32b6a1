/** XLSX → rows of cell texts, read with exceljs's streaming reader (first worksheet only). */
import { open } from 'node:fs/promises';

export class XlsxError extends Error {}

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') {
    const v = value as { text?: unknown; result?: unknown; richText?: Array<{ text: string }> };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if (v.text !== undefined) return String(v.text);
    if (v.result !== undefined) return String(v.result);
    if (value instanceof Date) return value.toISOString().slice(0, 10);
  }
  return String(value);
}

export async function readXlsxRows(path: string): Promise<string[][]> {
  const rows: string[][] = [];
  for await (const row of xlsxRows(path)) rows.push(row);
  return rows;
}

/** The first worksheet's rows one at a time (a missing row is an empty one, so numbers match the file). */
export async function* xlsxRows(path: string): AsyncGenerator<string[]> {
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(4);
  await handle.read(magic, 0, 4, 0);
  await handle.close();
  if (magic.readUInt32LE(0) !== 0x04034b50) throw new XlsxError('the file is not an XLSX workbook (not a zip archive)');
  const { default: Excel } = await import('exceljs');
  let sheets = 0;
  let next = 1;
  try {
    const reader = new Excel.stream.xlsx.WorkbookReader(path, {
      sharedStrings: 'cache',
      worksheets: 'emit',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'ignore',
    });
    for await (const worksheet of reader) {
      if (sheets++ > 0) break;
      for await (const row of worksheet) {
        const cells: string[] = [];
        const values = row.values as unknown[];
        for (let i = 1; i < values.length; i++) cells.push(text(values[i]).trim());
        for (; next < row.number; next++) yield [];
        next++;
        yield cells;
      }
    }
  } catch (error) {
    if (error instanceof XlsxError) throw error;
    throw new XlsxError(`the file is not a readable XLSX workbook: ${(error as Error).message}`);
  }
  if (sheets === 0) throw new XlsxError('the workbook has no worksheet');
}
