/**
 * One line of a quick order as read from a paste or a spreadsheet, before matching. Every line
 * that says anything ends up in the report: nothing is dropped without a message.
 */
export interface OrderInputLine {
  /** 1-based line of the pasted text, or row of the sheet. */
  line: number;
  /** SKU as given; in a paste (and a headerless first column) it may be a barcode too. */
  sku: string;
  barcode: string;
  /** From a name column; used only when neither the SKU nor the barcode matched. */
  name: string;
  /** As given: text as typed, a number from a spreadsheet cell, null when the line has none. */
  quantity: string | number | null;
}

/** Lines the reader skipped on purpose; the report mentions each kind. */
export interface SkippedLines {
  /** Line numbers taken as a header (a paste's first line, a sheet's header row). */
  headerLine: number | null;
  /** Rows that name a product but have no quantity (a price list with most rows not ordered). */
  withoutQuantity: number;
  /** Title rows above a sheet's header row. */
  aboveHeader: number;
}
