/**
 * Domain rows as the API shows them, with the schemas that describe (and serialize) them:
 * money as kopecks plus a formatted string, quantities as decimal strings, times as ISO 8601.
 */
import { type Static, Type } from 'typebox';
import type { FeedRow } from '../../../catalog/feed.js';
import { type StockDisplayConfig, stockLevel } from '../../../catalog/stock-display.js';
import type { Locale } from '../../../config/types.js';
import type { OrderLineRow, OrderRow, OrderStatus } from '../../../db/schema.js';
import { formatMoney } from '../../../i18n/index.js';
import { ORDER_STATUSES } from '../../../orders/orders.js';
import { unitPriceFor } from '../../../pricing/quote.js';
import { Decimal, Money, Nullable, StringEnum, Timestamp } from '../schemas.js';

/** A number as a decimal string with at most 3 decimals (quantities are counted in thousandths). */
export function decimal(n: number): string {
  const milli = Math.round(n * 1000);
  const abs = Math.abs(milli);
  const whole = Math.floor(abs / 1000);
  const frac = abs % 1000;
  const sign = milli < 0 ? '-' : '';
  return frac === 0
    ? `${sign}${whole}`
    : `${sign}${whole}.${String(frac)
        .padStart(3, '0')
        .replace(/0{1,2}$/, '')}`;
}

export function money(kopecks: number, locale: Locale): Static<typeof Money> {
  return { kopecks, formatted: formatMoney(kopecks, locale) };
}

const iso = (millis: number) => new Date(millis).toISOString();

export const StatusSchema = StringEnum(ORDER_STATUSES, {
  description: 'new → confirmed → in_progress → shipped → completed; or cancelled.',
});

// ---------------------------------------------------------------------------------------------
// Products

const Unit = Type.Object({
  name: Type.String({ examples: ['шт'] }),
  code: Type.String({ description: 'OKEI code where accounting gave one.', examples: ['796'] }),
  decimals: Type.Integer({ description: 'Decimal places a quantity may have: 0 for pieces.' }),
});

const Price = Type.Object(
  {
    amount: Money,
    list: Nullable(
      Type.Object(
        { kopecks: Type.Integer(), formatted: Type.String() },
        { description: 'The price type’s price before your discount; null when there is none.' },
      ),
    ),
    discount_bp: Type.Integer({ description: 'Your discount applied, in basis points (250 = 2.5 %); 0 for a special price.' }),
    source: StringEnum(['price_type', 'special'] as const, {
      description: 'Your price type less discount, or a special price for your company.',
    }),
    vat_rate_bp: Nullable(Type.Integer({ description: 'VAT rate in basis points (2000 = 20 %); null when not subject to VAT.' })),
    vat_included: Type.Boolean({ description: 'Whether the price includes VAT (catalog.prices_include_vat).' }),
  },
  { description: 'What your company pays for one unit; null when the price is on request.' },
);

export const ProductSchema = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  variant: Nullable(Type.String({ description: 'The variant (size, colour…) when the product is one.' })),
  brand: Type.String(),
  category_id: Nullable(Type.Integer()),
  barcodes: Type.Array(Type.String()),
  unit: Nullable(Unit),
  order_rule: Type.Object({
    minimum: Decimal,
    multiple: { ...Decimal, description: 'Quantities must be whole multiples of this (a pack size); "0" = any.' },
    decimals: Type.Integer(),
  }),
  price: Nullable(Price),
  stock: Type.Object(
    {
      level: StringEnum(['exact', 'many', 'few', 'none', 'yes', 'no'] as const, {
        description: 'As the portal shows stock (catalog.stock_display): exact quantity, ranges (many/few/none) or yes/no.',
      }),
      quantity: Nullable({ ...Decimal, description: 'Only when the level is exact.' }),
    },
    { description: 'Stock as the portal displays it to you.' },
  ),
  available: Type.Boolean({ description: 'False for products taken off sale (listed only with updated_since).' }),
  updated_at: Timestamp,
});

export type ProductJson = Static<typeof ProductSchema>;

export interface UnitInfo {
  name: string;
  code: string;
  precision: number;
}

export interface ProductTerms {
  priceTypeId: number | null;
  discountBp: number;
}

export function productJson(
  row: FeedRow,
  terms: ProductTerms,
  units: ReadonlyMap<number, UnitInfo>,
  stockConfig: StockDisplayConfig,
  pricesIncludeVat: boolean,
  locale: Locale,
): ProductJson {
  const unit = row.unit_id === null ? undefined : units.get(row.unit_id);
  const available = row.hidden === 0;
  const price = available ? unitPriceFor(terms, row.base_price, row.special_price) : null;
  const stock = stockLevel(available ? row.stock_total : 0, stockConfig);
  return {
    sku: row.sku,
    name: row.name,
    variant: row.variant_name === '' ? null : row.variant_name,
    brand: row.brand,
    category_id: row.category_id,
    barcodes: JSON.parse(row.barcodes) as string[],
    unit: unit ? { name: unit.name, code: unit.code, decimals: unit.precision } : null,
    order_rule: {
      minimum: decimal(Math.max(0, row.min_qty)),
      multiple: decimal(Math.max(0, row.multiple)),
      decimals: unit?.precision ?? 0,
    },
    price:
      price === null || price.unitPrice === null
        ? null
        : {
            amount: money(price.unitPrice, locale),
            list: price.listPrice === null ? null : money(price.listPrice, locale),
            discount_bp: price.discountBp,
            source: price.source === 'special' ? 'special' : 'price_type',
            vat_rate_bp: row.vat_bp,
            vat_included: pricesIncludeVat,
          },
    stock: { level: stock.kind, quantity: stock.kind === 'exact' ? decimal(stock.quantity) : null },
    available,
    updated_at: iso(row.updated_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Orders

const Totals = Type.Object({
  subtotal: Money,
  discount: { ...Money, description: 'What your discount saved (already taken off the subtotal).' },
  vat: Money,
  total: { ...Money, description: 'What you pay: the subtotal, plus VAT when prices exclude it.' },
});

const Links = Type.Object({ self: Type.String(), pdf: Type.String() });

const orderSummaryProperties = {
  number: Type.String({ examples: ['W-000123'] }),
  status: StatusSchema,
  origin: StringEnum(['web', 'api', '1c', 'moysklad'] as const, { description: 'Where the order was placed.' }),
  company_id: Type.Integer(),
  buyer: Type.Object(
    { name: Type.String(), inn: Type.String(), kpp: Type.String() },
    { description: 'The legal entity that buys, as at the order.' },
  ),
  po_number: Type.String(),
  delivery_address: Type.String(),
  desired_date: Nullable(Type.String({ format: 'date' })),
  comment: Type.String(),
  price_type: Type.String(),
  discount_bp: Type.Integer(),
  prices_include_vat: Type.Boolean(),
  totals: Totals,
  line_count: Type.Integer(),
  accounting_number: Nullable(Type.String({ description: 'The order’s number in the accounting system, once it has one.' })),
  accounting_date: Nullable(Type.String({ format: 'date' })),
  paid_at: Nullable(Timestamp),
  shipped_at: Nullable(Timestamp),
  created_at: Timestamp,
  updated_at: Timestamp,
  links: Links,
};

export const OrderSummarySchema = Type.Object(orderSummaryProperties);

const OrderLine = Type.Object({
  line_no: Type.Integer(),
  sku: Type.String(),
  name: Type.String(),
  unit: Type.String(),
  quantity: Decimal,
  unit_price: Money,
  list_price: Nullable(Type.Object({ kopecks: Type.Integer(), formatted: Type.String() })),
  discount_bp: Type.Integer(),
  line_total: Money,
  vat_rate_bp: Nullable(Type.Integer()),
  vat: Money,
});

const HistoryEntry = Type.Object({
  status: StatusSchema,
  at: Timestamp,
  note: Type.String(),
  source: Type.String({ description: 'portal, 1c, moysklad…' }),
});

export const OrderSchema = Type.Object({
  ...orderSummaryProperties,
  lines: Type.Array(OrderLine),
  status_history: Type.Array(HistoryEntry, { description: 'Oldest first.' }),
});

export type OrderJson = Static<typeof OrderSchema>;
export type OrderSummaryJson = Static<typeof OrderSummarySchema>;

export function orderHref(number: string): string {
  return `/api/v1/orders/${encodeURIComponent(number)}`;
}

export function orderSummaryJson(order: OrderRow, locale: Locale): OrderSummaryJson {
  return {
    number: order.number,
    status: order.status,
    origin: order.origin,
    company_id: order.company_id,
    buyer: { name: order.buyer_name, inn: order.buyer_inn, kpp: order.buyer_kpp },
    po_number: order.po_number,
    delivery_address: order.delivery_address,
    desired_date: order.desired_date,
    comment: order.comment,
    price_type: order.price_type_name,
    discount_bp: order.discount_bp,
    prices_include_vat: order.prices_include_vat === 1,
    totals: {
      subtotal: money(order.subtotal, locale),
      discount: money(order.discount_total, locale),
      vat: money(order.vat_total, locale),
      total: money(order.total, locale),
    },
    line_count: order.line_count,
    accounting_number: order.external_number,
    accounting_date: order.external_date,
    paid_at: order.paid_at === null ? null : iso(order.paid_at),
    shipped_at: order.shipped_at === null ? null : iso(order.shipped_at),
    created_at: iso(order.created_at),
    updated_at: iso(order.updated_at),
    links: { self: orderHref(order.number), pdf: `${orderHref(order.number)}/pdf` },
  };
}

export function orderJson(
  order: OrderRow,
  lines: readonly OrderLineRow[],
  history: readonly { status: OrderStatus; created_at: number; note: string; source: string }[],
  locale: Locale,
): OrderJson {
  return {
    ...orderSummaryJson(order, locale),
    lines: lines.map((l) => ({
      line_no: l.line_no,
      sku: l.sku,
      name: l.name,
      unit: l.unit_name,
      quantity: decimal(l.quantity),
      unit_price: money(l.unit_price, locale),
      list_price: l.list_price === null ? null : money(l.list_price, locale),
      discount_bp: l.discount_bp,
      line_total: money(l.line_total, locale),
      vat_rate_bp: l.vat_bp,
      vat: money(l.vat_amount, locale),
    })),
    status_history: history.map((h) => ({ status: h.status, at: iso(h.created_at), note: h.note, source: h.source })),
  };
}
