/**
 * Reading a buyer's own spreadsheet for a quick order: CSV (UTF-8 with or without BOM, UTF-16
 * with BOM as Excel's "Unicode text", or windows-1251; `;`, `,` or tab delimited) or XLSX, as
 * it is. The columns are found from their Russian or English headers anywhere in the first
 * HEADER_SCAN_ROWS rows (files often start with a title); when that fails or is ambiguous the
 * caller shows the first rows and lets the buyer choose.
 *
 * Rows are produced one at a time (XLSX through exceljs's streaming reader), so a 100k-row
 * price list sent back with a few quantities filled costs no more than its matched lines.
 */
import { Readable } from 'node:stream';
import { fold } from '../../db/fold.js';
import type { OrderInputLine, SkippedLines } from './input.js';
import { checkedXlsx, UnpackError } from './xlsx-guard.js';

export type Cell = string | number | null;

export interface TableRow {
  /** 1-based row number in the sheet or CSV file, as the buyer sees it in Excel. */
  row: number;
  cells: Cell[];
}

export type ColumnRole = 'sku' | 'barcode' | 'name' | 'quantity';
export const COLUMN_ROLES: readonly ColumnRole[] = ['sku', 'barcode', 'name', 'quantity'];

/** Which 0-based column holds what; null = the file has no such column. */
export interface ColumnMap {
  sku: number | null;
  barcode: number | null;
  name: number | null;
  quantity: number | null;
  /** Rows up to and including this one are not order lines (title, header); 0 = none. */
  headerRow: number;
}

export type TableErrorCode = 'old_xls' | 'unreadable' | 'empty' | 'too_many_rows' | 'too_many_columns' | 'too_large_unpacked';

export class TableError extends Error {
  constructor(readonly code: TableErrorCode, message: string = code) {
    super(message);
  }
}

/** Rows searched for the header row; the preview for choosing columns shows as many. */
export const HEADER_SCAN_ROWS = 20;
/**
 * Rows read at most: a price list of 100k products sent back fits; a file that unpacks into
 * millions of rows (an XLSX is compressed) is refused instead of filling memory.
 */
export const MAX_TABLE_ROWS = 300_000;
/** Columns read at most; Excel allows 16,384, a price list has a few dozen. */
export const MAX_TABLE_COLUMNS = 500;
/**
 * Characters kept of one cell. No code, name or quantity is longer; a longer cell is cut and
 * marked with "…", so it can never read as a valid code or number.
 */
export const MAX_CELL_CHARS = 1000;

/** `text` within MAX_CELL_CHARS: cut and marked when longer. */
export function boundedCell(text: string): string {
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text;
}

// ---------------------------------------------------------------------------------------------
// Headers

interface HeaderPattern {
  role: ColumnRole;
  /** Stronger patterns win over weaker ones for the same role ("Артикул" over "Код"). */
  strength: number;
  test: RegExp;
}

/**
 * Tested against the folded header text (lowercase, ё → е, punctuation around words kept).
 * Anchored at the start unless a word is unmistakable anywhere ("штрихкод", "кол-во").
 */
const HEADER_PATTERNS: readonly HeaderPattern[] = [
  { role: 'barcode', strength: 3, test: /штрих|(^|[^a-z])(ean|gtin|barcode|bar code)([^a-z]|$)|^шк\.?$/ },
  { role: 'sku', strength: 3, test: /^(артикул|арт\.?|арт\s?№|sku|article|art\.?|art\.? ?no\.?|part ?(no\.?|number|#)|vendor code|item code|item no\.?|каталожный номер)(\s|,|\.|$|\()/ },
  { role: 'sku', strength: 3, test: /(^|\s)артикул(\s|,|$)/ },
  { role: 'sku', strength: 1, test: /^(код|code)(\s|,|\.|$|\()/ },
  { role: 'name', strength: 3, test: /^(наименование|название|номенклатура|name|product name|item name)(\s|,|\.|$|\()/ },
  { role: 'name', strength: 2, test: /^(товар|product|item|полное наименование|наименование товара)(\s|,|\.|$|\()/ },
  { role: 'name', strength: 1, test: /^(описание|description)(\s|,|\.|$|\()/ },
  { role: 'quantity', strength: 3, test: /(^|[^a-zа-я])(кол-?во|кол\.|количество|qty|quantity)([^a-zа-я]|$)/ },
  { role: 'quantity', strength: 2, test: /^(заказ|заказать|к заказу|order|count)(\s|,|\.|$|\()/ },
  { role: 'quantity', strength: 1, test: /^(шт|штук|pcs|pieces)\.?$/ },
];

/** Quantity-like headers that are not the quantity to order: pack size, minimum, stock. */
const NOT_ORDER_QUANTITY = /упак|в уп|pack|мин|min|кратн|multiple|остат|налич|stock|склад|резерв|reserv|в наличии|available/;

function headerText(cell: Cell): string {
  if (typeof cell !== 'string') return '';
  return fold(cell).replace(/[«»"*:]/g, '').replace(/\s+/g, ' ').trim();
}

/** The role a header cell names, with its strength; null for anything else. */
export function headerRole(cell: Cell): { role: ColumnRole; strength: number } | null {
  if (typeof cell !== 'string' || cell.length > 200) return null;
  const text = headerText(cell);
  if (text === '' || text.length > 60) return null;
  let best: { role: ColumnRole; strength: number } | null = null;
  for (const p of HEADER_PATTERNS) {
    if (!p.test.test(text)) continue;
    if (p.role === 'quantity' && NOT_ORDER_QUANTITY.test(text)) continue;
    if (!best || p.strength > best.strength) best = { role: p.role, strength: p.strength };
  }
  return best;
}

export type Detection =
  | { ok: true; map: ColumnMap }
  | {
      ok: false;
      reason: 'no_header' | 'ambiguous';
      /** The best partial guess, to preselect on the choice form. */
      guess: ColumnMap;
      /** Roles with more than one equally good column (reason ambiguous). */
      conflicts: ColumnRole[];
    };

/**
 * Finds the header row among the first rows: the first row naming a quantity column and at
 * least one of SKU, barcode or name. Two equally good columns for one role make it ambiguous.
 */
export function detectColumns(rows: readonly TableRow[]): Detection {
  let best: { map: ColumnMap; roles: number } | null = null;
  for (const row of rows.slice(0, HEADER_SCAN_ROWS)) {
    const found = new Map<ColumnRole, { strength: number; columns: number[] }>();
    row.cells.forEach((cell, column) => {
      const hit = headerRole(cell);
      if (!hit) return;
      const current = found.get(hit.role);
      if (!current || hit.strength > current.strength) found.set(hit.role, { strength: hit.strength, columns: [column] });
      else if (hit.strength === current.strength) current.columns.push(column);
    });
    const map: ColumnMap = {
      sku: found.get('sku')?.columns[0] ?? null,
      barcode: found.get('barcode')?.columns[0] ?? null,
      name: found.get('name')?.columns[0] ?? null,
      quantity: found.get('quantity')?.columns[0] ?? null,
      headerRow: row.row,
    };
    const identifies = map.sku !== null || map.barcode !== null || map.name !== null;
    if (map.quantity !== null && identifies) {
      const conflicts = COLUMN_ROLES.filter((role) => (found.get(role)?.columns.length ?? 0) > 1);
      if (conflicts.length) return { ok: false, reason: 'ambiguous', guess: map, conflicts };
      return { ok: true, map };
    }
    if (found.size > 0 && (!best || found.size > best.roles)) best = { map, roles: found.size };
  }
  const guess = best?.map ?? guessFromData(rows);
  if (guess.headerRow === 0 && guess.quantity !== null) {
    // Title rows above the first row with a number in the quantity column are not order lines.
    const column = guess.quantity;
    const first = rows.find((r) => isNumberLike(r.cells[column]));
    const before = first ? rows.filter((r) => r.row < first.row) : [];
    guess.headerRow = before[before.length - 1]?.row ?? 0;
  }
  return { ok: false, reason: 'no_header', guess, conflicts: [] };
}

function isNumberLike(cell: Cell | undefined): boolean {
  // Trimmed first: `\s*` at both ends around `[\d\s]*` backtracked quadratically ("1", spaces, "x").
  return typeof cell === 'number' || (typeof cell === 'string' && cell.length <= 40 && /^\d[\d\s]*(?:[.,]\d+)?$/.test(cell.trim()));
}

/** No header at all: the first mostly-text column as the SKU, the last mostly-number column as quantity. */
function guessFromData(rows: readonly TableRow[]): ColumnMap {
  const width = Math.max(0, ...rows.map((r) => r.cells.length));
  let sku: number | null = null;
  let quantity: number | null = null;
  for (let c = 0; c < width; c++) {
    const values = rows.map((r) => r.cells[c]).filter((v): v is string | number => v !== null && v !== undefined && v !== '');
    if (values.length === 0) continue;
    const numeric = values.filter(isNumberLike).length;
    if (numeric * 2 > values.length) quantity = c;
    else if (sku === null) sku = c;
  }
  if (quantity === sku) quantity = null;
  return { sku, barcode: null, name: null, quantity, headerRow: 0 };
}

// ---------------------------------------------------------------------------------------------
// Rows → lines

function cellText(cell: Cell | undefined): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  // A leading apostrophe is how a spreadsheet keeps text as text ("'0012"); not part of the value.
  return cell.trim().replace(/^'/, '').trim();
}

/**
 * One row as an order line under `map`, or a reason it is not one: `blank` (nothing in the
 * mapped columns, a subtitle, a repeated header row) or `no_quantity` (names a product, orders
 * none: most rows of a filled-in price list).
 */
export function rowToLine(row: TableRow, map: ColumnMap): OrderInputLine | 'blank' | 'no_quantity' {
  const at = (column: number | null) => (column === null ? null : (row.cells[column] ?? null));
  const sku = cellText(at(map.sku));
  const barcode = cellText(at(map.barcode));
  const name = cellText(at(map.name));
  const rawQuantity = at(map.quantity);
  const quantity = typeof rawQuantity === 'number' ? rawQuantity : cellText(rawQuantity) || null;
  if (typeof quantity === 'string' && headerRole(quantity)?.role === 'quantity') return 'blank';
  const identified = sku !== '' || barcode !== '' || name !== '';
  if (quantity === null) return identified ? 'no_quantity' : 'blank';
  return { line: row.row, sku, barcode, name, quantity };
}

export interface ReadTable {
  lines: OrderInputLine[];
  skipped: SkippedLines;
  map: ColumnMap;
  rowsRead: number;
}

export type ReadOutcome =
  | ({ kind: 'lines' } & ReadTable)
  | { kind: 'choose'; preview: TableRow[]; detection: Extract<Detection, { ok: false }> };

/**
 * Reads the file into order lines. Without `chosen`, the columns are detected from the first
 * rows; when detection fails the outcome is `choose` with those rows for the buyer to look at.
 * Throws TableError for a file that is not a readable table.
 */
export async function readOrderTable(data: Buffer, chosen?: ColumnMap): Promise<ReadOutcome> {
  const preview: TableRow[] = [];
  let map: ColumnMap | null = chosen ?? null;
  const lines: OrderInputLine[] = [];
  const skipped: SkippedLines = { headerLine: null, withoutQuantity: 0, aboveHeader: 0 };
  let rowsRead = 0;

  const take = (row: TableRow, m: ColumnMap) => {
    if (row.row < m.headerRow) {
      if (row.cells.some((c) => c !== null && c !== '')) skipped.aboveHeader += 1;
      return;
    }
    if (row.row === m.headerRow) {
      skipped.headerLine = row.row;
      return;
    }
    const line = rowToLine(row, m);
    if (line === 'no_quantity') skipped.withoutQuantity += 1;
    else if (line !== 'blank') lines.push(line);
  };

  for await (const row of tableRows(data)) {
    rowsRead += 1;
    if (rowsRead > MAX_TABLE_ROWS) throw new TableError('too_many_rows');
    if (map) {
      take(row, map);
      continue;
    }
    if (row.cells.every((c) => c === null || c === '')) continue;
    preview.push(row);
    if (preview.length < HEADER_SCAN_ROWS) continue;
    const detection = detectColumns(preview);
    if (!detection.ok) return { kind: 'choose', preview, detection };
    map = detection.map;
    for (const r of preview) take(r, map);
  }
  if (rowsRead === 0) throw new TableError('empty');
  if (!map) {
    const detection = detectColumns(preview);
    if (!detection.ok) return { kind: 'choose', preview, detection };
    map = detection.map;
    for (const r of preview) take(r, map);
  }
  return { kind: 'lines', lines, skipped, map, rowsRead };
}

/** The first rows of the file, for the column choice page. */
export async function previewRows(data: Buffer, count = HEADER_SCAN_ROWS): Promise<TableRow[]> {
  const rows: TableRow[] = [];
  for await (const row of tableRows(data)) {
    if (row.cells.every((c) => c === null || c === '')) continue;
    rows.push(row);
    if (rows.length >= count) break;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Files → rows

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

export type TableKind = 'xlsx' | 'csv';

export function tableKind(data: Buffer): TableKind {
  if (data.subarray(0, 4).equals(ZIP)) return 'xlsx';
  // Excel 97-2003 .xls: a binary format we do not read; the buyer saves it as .xlsx or CSV.
  if (data.subarray(0, 4).equals(OLE)) throw new TableError('old_xls');
  return 'csv';
}

/** The rows of a CSV or the first worksheet of an XLSX file. */
export async function* tableRows(data: Buffer): AsyncGenerator<TableRow> {
  if (tableKind(data) === 'xlsx') {
    yield* xlsxRows(data);
    return;
  }
  const text = decodeText(data);
  if (text.includes('\u0000')) throw new TableError('unreadable');
  let row = 0;
  for (const cells of parseCsv(text, detectDelimiter(text))) {
    row += 1;
    yield { row, cells: cells.map((c) => (c.trim() === '' ? null : boundedCell(c))) };
  }
}

async function* xlsxRows(file: Buffer): AsyncGenerator<TableRow> {
  // Before exceljs inflates anything: what it will read, checked and measured (an XLSX is a ZIP).
  let data: Buffer;
  try {
    data = await checkedXlsx(file);
  } catch (error) {
    if (!(error instanceof UnpackError)) throw error;
    throw new TableError(error.kind === 'too_large' ? 'too_large_unpacked' : 'unreadable', error.message);
  }
  // exceljs (~16 MB in memory) loads on the first XLSX upload, not with the portal.
  const { default: ExcelJS } = await import('exceljs');
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([data]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  try {
    // The first worksheet only: a quick order is one list.
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const values = row.values as unknown[];
        if (values.length - 1 > MAX_TABLE_COLUMNS) throw new TableError('too_many_columns');
        const cells: Cell[] = [];
        for (let i = 1; i < values.length; i++) cells.push(xlsxCell(values[i]));
        yield { row: row.number, cells };
      }
      return;
    }
  } catch (error) {
    if (error instanceof TableError) throw error;
    throw new TableError('unreadable', error instanceof Error ? error.message : String(error));
  }
}

/** An exceljs cell value as text or a number: formulas give their result, rich text its text. */
function xlsxCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') return boundedCell(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    const v = value as { richText?: { text?: string }[]; result?: unknown; text?: unknown; error?: unknown };
    if (Array.isArray(v.richText)) return boundedCell(v.richText.map((r) => r.text ?? '').join(''));
    if ('result' in v) return xlsxCell(v.result);
    if (v.error !== undefined) return null;
    if (v.text !== undefined) return xlsxCell(v.text);
  }
  return null;
}

/**
 * UTF-8 (BOM or not), UTF-16 with a BOM, otherwise windows-1251: text that is not valid UTF-8
 * is what Russian Excel saves as "CSV (разделители — запятые)".
 */
export function decodeText(data: Buffer): string {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return new TextDecoder('utf-8').decode(data.subarray(3));
  if (data[0] === 0xff && data[1] === 0xfe) return new TextDecoder('utf-16le').decode(data.subarray(2));
  if (data[0] === 0xfe && data[1] === 0xff) return new TextDecoder('utf-16be').decode(data.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return new TextDecoder('windows-1251').decode(data);
  }
}

const DELIMITERS = ['\t', ';', ','] as const;
export type Delimiter = (typeof DELIMITERS)[number];

/**
 * The delimiter that splits the first lines most consistently: the one whose most common
 * per-line count (above zero) occurs on the most lines; tab, then `;`, then `,` on a tie.
 * Title lines without delimiters do not count against any.
 */
export function detectDelimiter(text: string): Delimiter {
  const sample = text.slice(0, 64 * 1024).split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 50);
  let best: { delimiter: Delimiter; score: number } = { delimiter: ';', score: 0 };
  for (const delimiter of DELIMITERS) {
    const counts = new Map<number, number>();
    for (const line of sample) {
      const n = countOutsideQuotes(line, delimiter);
      if (n > 0) counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const score = Math.max(0, ...counts.values());
    if (score > best.score) best = { delimiter, score };
  }
  return best.delimiter;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let n = 0;
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === delimiter && !quoted) n += 1;
  }
  return n;
}

/** RFC 4180 CSV: quoted fields with "" for a quote and line breaks inside quotes. */
export function* parseCsv(text: string, delimiter: string): Generator<string[]> {
  let field = '';
  // Whether `field` is empty or spaces only. A flag, not field.trim(): trimming the growing field
  // at every quote copied it each time (a 400 KB cell of `"#` took 100 s).
  let blank = true;
  let row: string[] = [];
  let quoted = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          blank = false;
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += ch;
      blank &&= ch.trim() === '';
      i += 1;
      continue;
    }
    if (ch === '"' && blank) {
      quoted = true;
      field = '';
      i += 1;
    } else if (ch === delimiter) {
      row.push(field);
      // Checked as the row grows: a line of millions of delimiters must not become an array first.
      if (row.length > MAX_TABLE_COLUMNS) throw new TableError('too_many_columns');
      field = '';
      blank = true;
      i += 1;
    } else if (ch === '\n' || ch === '\r') {
      row.push(field);
      yield row;
      row = [];
      field = '';
      blank = true;
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += ch;
      blank &&= ch.trim() === '';
      i += 1;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    yield row;
  }
}
