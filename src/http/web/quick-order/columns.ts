import type { FastifyRequest } from 'fastify';
import type { MessageKey } from '../../../i18n/index.js';
import {
  type ColumnMap,
  type ColumnRole,
  type Detection,
  HEADER_SCAN_ROWS,
  type TableRow,
} from '../../../orders/quick-order/parse-table.js';

/** Columns shown of an uploaded table while the buyer says which column is which. */
const PREVIEW_COLUMNS = 30;

export const ROLE_KEY: Record<ColumnRole, MessageKey> = {
  sku: 'quick.roleSku',
  barcode: 'quick.roleBarcode',
  name: 'quick.roleName',
  quantity: 'quick.roleQuantity',
};

/** What the column-choice form shows for a stored upload. */
export interface ChooseState {
  token: string;
  filename: string;
  message: string;
  preview: { row: number; cells: string[] }[];
  columns: { index: number; letter: string }[];
  map: ColumnMap;
}

/** A, B, … Z, AA, AB… for a 0-based column. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    out = String.fromCharCode(65 + rest) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** The column choice for a table whose columns could not be told: its first rows and a best guess. */
export function chooseState(
  request: FastifyRequest,
  token: string,
  file: string,
  preview: TableRow[],
  detection: Detection,
): ChooseState {
  const width = Math.min(PREVIEW_COLUMNS, Math.max(1, ...preview.map((r) => r.cells.length)));
  const map: ColumnMap = detection.ok ? detection.map : detection.guess;
  const message =
    !detection.ok && detection.reason === 'ambiguous'
      ? request.t('quick.columnsAmbiguous', { file, roles: detection.conflicts.map((r) => request.t(ROLE_KEY[r])).join(', ') })
      : request.t('quick.columnsNoHeader', { file });
  return {
    token,
    filename: file,
    message,
    preview: preview.slice(0, HEADER_SCAN_ROWS).map((r) => ({
      row: r.row,
      cells: Array.from({ length: width }, (_, i) => {
        const cell = r.cells[i];
        const text = cell === null || cell === undefined ? '' : String(cell);
        return text.length > 60 ? `${text.slice(0, 57)}…` : text;
      }),
    })),
    columns: Array.from({ length: width }, (_, i) => ({ index: i, letter: columnLetter(i) })),
    map,
  };
}
