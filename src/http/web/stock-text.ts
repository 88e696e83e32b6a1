import type { StockLevel } from '../../catalog/stock-display.js';
import type { Locale } from '../../config/types.js';
import { formatNumber, type MessageKey, type Translate } from '../../i18n/index.js';

/** The word for each stock level that is not an exact number (catalog.stock_display). */
export const STOCK_WORD = {
  many: 'catalog.stockMany',
  few: 'catalog.stockFew',
  none: 'catalog.stockNone',
  yes: 'catalog.stockYes',
  no: 'catalog.stockNo',
} as const satisfies Record<Exclude<StockLevel, { kind: 'exact' }>['kind'], MessageKey>;

/** How a stock level reads on a page: the number (with the unit, when given) or its word. */
export function stockText(request: { t: Translate; locale: Locale }, level: StockLevel, unit = ''): string {
  if (level.kind === 'exact') return `${formatNumber(level.quantity, request.locale)} ${unit}`.trim();
  return request.t(STOCK_WORD[level.kind]);
}
