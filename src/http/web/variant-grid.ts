import type { FastifyRequest } from 'fastify';
import { type StockLevel, stockLevel } from '../../catalog/stock-display.js';
import type { VariantGrid } from '../../catalog/variants.js';
import type { PriceViewer } from '../../catalog/viewer.js';
import type { StockDisplay } from '../../config/types.js';
import { formatMoney, formatNumber, type MessageKey } from '../../i18n/index.js';
import { unitPriceFor } from '../../pricing/quote.js';

const stockLabels: Record<Exclude<StockLevel['kind'], 'exact'>, MessageKey> = {
  many: 'catalog.stockMany',
  few: 'catalog.stockFew',
  none: 'catalog.stockNone',
  yes: 'catalog.stockYes',
  no: 'catalog.stockNo',
};

/**
 * What the grid partial (templates/partials/variant-grid.eta) shows, with every label made here:
 * a catalog page may hold several grids, and per-cell template logic costs more than this.
 */
export function presentGrid(
  grid: VariantGrid,
  viewer: PriceViewer,
  request: FastifyRequest,
  stock: { stockDisplay: StockDisplay; stockFewBelow: number },
  /** The original-currency amount behind a cell's price, when config shows it. */
  originalOf: (id: number, specialPrice: number | null) => string | null = () => null,
) {
  const t = request.t;
  const locale = request.locale;
  return {
    parentId: grid.parentId,
    parentName: grid.parentName,
    rowName: grid.rowName,
    columnName: grid.columnName,
    rows: grid.rows,
    columns: grid.columns,
    label: t('variants.gridLabel', {
      product: grid.parentName,
      axes: grid.columnName ? `${grid.rowName} × ${grid.columnName}` : grid.rowName,
    }),
    cells: grid.cells.map((line, i) =>
      line.map((cell, j) => {
        const where = grid.columnName ? `${grid.rows[i]}, ${grid.columns[j]}` : (grid.rows[i] ?? '');
        if (!cell) return { kind: 'none' as const, label: t('variants.noSuchVariant', { variant: where }) };
        const r = cell.row;
        const price = unitPriceFor(
          { priceTypeId: viewer.priceTypeId, discountBp: viewer.discountBp },
          r.base_price,
          r.special_price,
        ).unitPrice;
        const level = stockLevel(r.stock_total, stock);
        return {
          kind: cell.state,
          id: r.id,
          sku: r.sku,
          unit: r.unit_name ?? '',
          priceText:
            price === null
              ? t('catalog.priceOnRequest')
              : `${formatMoney(price, locale)}${((o) => (o ? ` (${o})` : ''))(originalOf(r.id, r.special_price))}`,
          stockText: level.kind === 'exact' ? formatNumber(level.quantity, locale) : t(stockLabels[level.kind]),
          stockClass:
            level.kind === 'exact' || level.kind === 'many' || level.kind === 'yes' ? 'in' : level.kind === 'few' ? 'few' : 'out',
          label: where,
          stateText:
            cell.state === 'out_of_stock'
              ? t('variants.outOfStock')
              : cell.state === 'no_price'
                ? t('catalog.priceOnRequest')
                : '',
        };
      }),
    ),
  };
}
