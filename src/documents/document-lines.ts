/**
 * The lines and totals of an order document the way an accountant adds them up. When a line was
 * discounted, it shows its list price and the discount in money, so that price × quantity −
 * discount = sum on every line; the totals then read "without discount − discount = total". A
 * discount is never a minus line that the total does not subtract. Used by the order document
 * (print page and PDF) and the invoice, so both present a discount the same way.
 */
import type { OrderLineRow, OrderRow } from '../db/schema.js';
import { lineAmount } from '../pricing/quote.js';

export interface DocumentLine {
  readonly no: number;
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unit: string;
  /** The list price on a discounted line, else the price paid. */
  readonly price: number;
  /** Kopecks taken off the line; 0 when it was not discounted. */
  readonly discount: number;
  /** What the line comes to (the order's line_total). */
  readonly sum: number;
  readonly vatBp: number | null;
  readonly vatAmount: number;
}

export interface VatRow {
  /** Null: not subject to VAT. */
  readonly rateBp: number | null;
  readonly amount: number;
}

export interface DocumentTotals {
  readonly lines: readonly DocumentLine[];
  /** Some line was discounted: the documents add a discount column and the rows below. */
  readonly hasDiscount: boolean;
  /** Σ price × quantity: the sum before discounts. */
  readonly beforeDiscount: number;
  /** Σ discount. */
  readonly discount: number;
  /** Σ sum = the order's subtotal. */
  readonly subtotal: number;
  /** VAT by rate, in the order the rates first appear; rates of no line are not listed. */
  readonly vat: readonly VatRow[];
  readonly vatTotal: number;
  /** What the buyer pays: the subtotal, plus VAT when prices exclude it. */
  readonly total: number;
  readonly pricesIncludeVat: boolean;
}

type Order = Pick<OrderRow, 'prices_include_vat' | 'total' | 'vat_total'>;
type Line = Pick<OrderLineRow, 'line_no' | 'sku' | 'name' | 'quantity' | 'unit_name' | 'list_price' | 'unit_price' | 'discount_bp' | 'line_total' | 'vat_bp' | 'vat_amount'>;

function presentLine(line: Line): DocumentLine {
  const base = { no: line.line_no, sku: line.sku, name: line.name, quantity: line.quantity, unit: line.unit_name, sum: line.line_total, vatBp: line.vat_bp, vatAmount: line.vat_amount };
  // A special price or an undiscounted line shows what was paid; so does anything that would not add up.
  if (line.discount_bp > 0 && line.list_price !== null && line.list_price > line.unit_price) {
    const atList = lineAmount(line.list_price, line.quantity);
    if (atList > line.line_total) return { ...base, price: line.list_price, discount: atList - line.line_total };
  }
  return { ...base, price: line.unit_price, discount: 0 };
}

export function documentTotals(order: Order, rows: readonly Line[]): DocumentTotals {
  const lines = rows.map(presentLine);
  const subtotal = lines.reduce((sum, l) => sum + l.sum, 0);
  const discount = lines.reduce((sum, l) => sum + l.discount, 0);
  const byRate = new Map<number | null, number>();
  for (const l of lines) byRate.set(l.vatBp, (byRate.get(l.vatBp) ?? 0) + l.vatAmount);
  // The stored VAT is what the buyer was told; with one rate it is that rate's row, whatever the lines recorded.
  const vat = byRate.size === 1 ? [...byRate.keys()].map((rateBp) => ({ rateBp, amount: rateBp === null ? 0 : order.vat_total })) : [...byRate].map(([rateBp, amount]) => ({ rateBp, amount }));
  const vatTotal = byRate.size === 1 ? (vat[0]?.amount ?? 0) : vat.reduce((sum, v) => sum + v.amount, 0);
  const pricesIncludeVat = order.prices_include_vat === 1;
  return {
    lines,
    hasDiscount: discount > 0,
    beforeDiscount: subtotal + discount,
    discount,
    subtotal,
    vat,
    vatTotal,
    // The stored total is what the buyer was told at checkout; the lines add up to it (rule 5 of quote.ts).
    total: order.total,
    pricesIncludeVat,
  };
}
