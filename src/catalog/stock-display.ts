/**
 * What buyers see of stock, per catalog.stock_display, and whether a quantity may be ordered.
 * Accounting systems can report negative stock; anything ≤ 0 is simply "none" ("no"), in every
 * mode, so a buyer never sees "0 pcs" or "−3 pcs".
 */
import type { StockDisplay } from '../config/types.js';

export interface StockDisplayConfig {
  /** catalog.stock_display */
  readonly stockDisplay: StockDisplay;
  /** catalog.stock_few_below: with ranges, stock above 0 and below this is "few". */
  readonly stockFewBelow: number;
}

export type StockLevel =
  | { readonly kind: 'exact'; readonly quantity: number }
  | { readonly kind: 'many' | 'few' | 'none' }
  | { readonly kind: 'yes' | 'no' };

/**
 * exact: `{ kind: 'exact', quantity }`, or `none` when there is nothing;
 * ranges: `many`, `few` (0 < quantity < stockFewBelow) or `none`;
 * yes_no: `yes` or `no`.
 */
export function stockLevel(quantity: number, config: StockDisplayConfig): StockLevel {
  if (Number.isNaN(quantity)) throw new RangeError('stock quantity must be a number, got NaN');
  const inStock = quantity > 0;
  switch (config.stockDisplay) {
    case 'exact':
      return inStock ? { kind: 'exact', quantity } : { kind: 'none' };
    case 'ranges':
      return !inStock ? { kind: 'none' } : quantity < config.stockFewBelow ? { kind: 'few' } : { kind: 'many' };
    case 'yes_no':
      return { kind: inStock ? 'yes' : 'no' };
  }
}

/**
 * Whether `requested` may be ordered with `inStock` on hand: always when backorders are allowed
 * (catalog.allow_backorder), otherwise only up to the stock. A requested quantity that is not
 * positive can never be ordered. Compared in thousandths, so float noise (0.1 + 0.2 against 0.3)
 * does not refuse an order.
 */
export function canOrder(requested: number, inStock: number, allowBackorder: boolean): boolean {
  if (!Number.isFinite(requested) || requested <= 0) return false;
  if (allowBackorder) return true;
  if (Number.isNaN(inStock) || inStock <= 0) return false;
  return Math.round(requested * 1000) <= Math.floor(inStock * 1000 + 1e-6);
}
