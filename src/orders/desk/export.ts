/**
 * The order desk's list as an XLSX workbook: the filtered orders, one row each, and the totals
 * under them. Streamed: orders are read page by page and each page goes to the reply before the
 * next is read, so a year of orders never sits in memory.
 */
import { once } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { OrderStatus } from '../../db/schema.js';
import type { DeskRow, DeskTotals } from './list.js';

export interface DeskExportLabels {
  sheetName: string;
  columns: {
    number: string;
    date: string;
    company: string;
    buyer: string;
    inn: string;
    manager: string;
    status: string;
    lines: string;
    total: string;
    vat: string;
    paid: string;
    shipped: string;
    exported: string;
    accountingNumber: string;
    po: string;
    placedBy: string;
  };
  status: (status: OrderStatus) => string;
  /** "Total (without cancelled), N orders". */
  totalRow: (orders: number) => string;
  paidRow: string;
  cancelledRow: (orders: number) => string;
  /** "changed since" for an order accounting has in an older version. */
  changedSince: string;
}

/** Dates show in Moscow time, as everywhere in the portal; a spreadsheet date has no time zone. */
const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;
const sheetDate = (millis: number | null) => (millis === null ? null : new Date(millis + MOSCOW_OFFSET_MS));

const WIDTHS = [13, 16, 24, 32, 14, 20, 13, 7, 14, 12, 16, 16, 16, 14, 14, 20];
const MONEY_COLUMNS = [9, 10];
const DATE_COLUMNS = [2, 11, 12, 13];

export function deskOrdersXlsx(pages: AsyncIterable<DeskRow[]>, totals: DeskTotals, labels: DeskExportLabels): Readable {
  const out = new PassThrough();
  (async () => {
    // exceljs loads on the first export, not with the portal.
    const { default: Excel } = await import('exceljs');
    const workbook = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const c = labels.columns;
    const headers = [c.number, c.date, c.company, c.buyer, c.inn, c.manager, c.status, c.lines, c.total, c.vat, c.paid, c.shipped, c.exported, c.accountingNumber, c.po, c.placedBy];
    const sheet = workbook.addWorksheet(labels.sheetName.slice(0, 31), {
      views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }],
      autoFilter: { from: 'A1', to: { row: 1, column: headers.length } },
    } as Partial<ExcelJS.AddWorksheetOptions>);
    sheet.columns = headers.map((header, i) => ({ header, width: WIDTHS[i] ?? 12 }));
    for (const column of MONEY_COLUMNS) sheet.getColumn(column).numFmt = '#,##0.00';
    for (const column of DATE_COLUMNS) sheet.getColumn(column).numFmt = 'dd.mm.yyyy hh:mm';
    const header = sheet.getRow(1);
    header.font = { bold: true };
    header.alignment = { vertical: 'middle', wrapText: true };
    header.commit();

    for await (const page of pages) {
      for (const o of page) {
        const inSync = o.exported_at !== null && o.updated_at <= o.exported_at;
        sheet
          .addRow([
            o.number,
            sheetDate(o.created_at),
            o.company_name,
            o.buyer_name,
            o.buyer_inn,
            o.manager_name ?? '',
            labels.status(o.status),
            o.line_count,
            o.total / 100,
            o.vat_total / 100,
            sheetDate(o.paid_at),
            sheetDate(o.shipped_at),
            o.exported_at === null ? null : inSync ? sheetDate(o.exported_at) : labels.changedSince,
            o.external_number ?? '',
            o.po_number,
            o.placed_by_name ?? '',
          ])
          .commit();
      }
      if (out.writableNeedDrain) await once(out, 'drain');
      else await new Promise((resolve) => setImmediate(resolve));
    }
    const bold = { bold: true };
    const total = sheet.addRow([labels.totalRow(totals.orders - totals.cancelled), null, null, null, null, null, null, null, totals.amount / 100]);
    total.font = bold;
    total.commit();
    sheet.addRow([labels.paidRow, null, null, null, null, null, null, null, totals.paid / 100]).commit();
    if (totals.cancelled > 0) sheet.addRow([labels.cancelledRow(totals.cancelled), null, null, null, null, null, null, null, totals.cancelledAmount / 100]).commit();
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}
