import { type Kysely, sql } from 'kysely';
import { checkQuantity, type QuantityProblem, type QuantityRule } from '../catalog/quantity.js';
import type { PriceViewer } from '../catalog/viewer.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import { type Quote, quote, unitPriceFor } from '../pricing/quote.js';
import type { StatementCache } from '../db/statements.js';

/**
 * The server-side cart: one per buyer company, so it survives logout and a manager ordering by
 * phone fills the same cart the buyer sees. Quantities pass the one quantity rule on the way in.
 */

/** A company whose prices apply; the cart and the order always belong to it. */
export interface BuyingCompany extends PriceViewer {
  companyId: number;
}

export function buyingCompany(viewer: PriceViewer): BuyingCompany | null {
  return viewer.companyId === null ? null : { ...viewer, companyId: viewer.companyId };
}

export interface CartLine {
  productId: number;
  sku: string;
  name: string;
  variantName: string;
  unitName: string;
  rule: QuantityRule;
  quantity: number;
  stockTotal: number;
  vatBp: number | null;
  basePrice: number | null;
  specialPrice: number | null;
  /** What the company pays per unit now; null = price on request. */
  unitPrice: number | null;
  /** The unit price when the line was last touched; differs from unitPrice when the price moved. */
  priceSeen: number | null;
  /** The product was hidden or lost its parent since it was added: it cannot be ordered. */
  unavailable: boolean;
  addedByName: string | null;
  product1cId: string | null;
  productMsId: string | null;
}

export interface Cart {
  lines: CartLine[];
  quote: Quote;
}

const ruleOf = (row: { unit_precision: number | null; min_qty: number; multiple: number }): QuantityRule => ({
  precision: row.unit_precision ?? 0,
  minQty: row.min_qty,
  multiple: row.multiple,
});

/** A row of CART_SQL, in its column order. */
type CartRow = [
  productId: number,
  quantity: number,
  priceSeen: number | null,
  sku: string,
  name: string,
  variantName: string,
  hidden: number,
  hasVariants: number,
  stockTotal: number,
  vatBp: number | null,
  minQty: number,
  multiple: number,
  external1cId: string | null,
  externalMsId: string | null,
  unitName: string | null,
  unitPrecision: number | null,
  basePrice: number | null,
  specialPrice: number | null,
  addedByName: string | null,
];

const CART_SQL = `
  select c.product_id, c.quantity, c.price_seen, p.sku, p.name, p.variant_name, p.hidden, p.has_variants, p.stock_total,
         p.vat_bp, p.min_qty, p.multiple, p.external_1c_id, p.external_ms_id,
         u.name as unit_name, u.precision as unit_precision, pr.price as base_price, sp.price as special_price,
         adder.name as added_by_name
  from cart_items c
  join products p on p.id = c.product_id
  left join units u on u.id = p.unit_id
  left join prices pr on pr.product_id = p.id and pr.price_type_id = ?
  left join special_prices sp on sp.product_id = p.id and sp.company_id = ?
  left join users adder on adder.id = c.added_by
  where c.company_id = ?
  order by c.added_at, c.product_id`;

/**
 * Reads the cart with today's prices, synchronously: placeOrder re-reads it inside its
 * transaction. Elsewhere use loadCart, which waits its turn on the shared connection.
 */
export function readCart(statements: StatementCache, company: BuyingCompany, pricesIncludeVat: boolean): Cart {
  // Rows as arrays: a 30-line cart read twice per order made building row objects a measurable cost.
  const rows = statements.get(CART_SQL, 'arrays').all(company.priceTypeId ?? -1, company.companyId, company.companyId) as CartRow[];
  return priceLines(company, rows, pricesIncludeVat);
}

function priceLines(company: BuyingCompany, rows: readonly CartRow[], pricesIncludeVat: boolean): Cart {
  const terms = { priceTypeId: company.priceTypeId, discountBp: company.discountBp };
  const lines: CartLine[] = rows.map((r) => ({
    productId: r[0],
    sku: r[3],
    name: r[4],
    variantName: r[5],
    unitName: r[14] ?? '',
    rule: { precision: r[15] ?? 0, minQty: r[10], multiple: r[11] },
    quantity: r[1],
    stockTotal: r[8],
    vatBp: r[9],
    basePrice: r[16],
    specialPrice: r[17],
    unitPrice: unitPriceFor(terms, r[16], r[17]).unitPrice,
    priceSeen: r[2],
    unavailable: r[6] === 1 || r[7] === 1,
    addedByName: r[18],
    product1cId: r[12],
    productMsId: r[13],
  }));
  const priced = quote(
    terms,
    lines.map((l) => ({ productId: l.productId, quantity: l.quantity, basePrice: l.basePrice, specialPrice: l.specialPrice, vatBp: l.vatBp })),
    { pricesIncludeVat },
  );
  return { lines, quote: priced };
}

/** A product and quantity asked for outright (the API), instead of read from the cart. */
export interface RequestedLine {
  productId: number;
  /** In the product's unit, at most 3 decimals; the quantity rule is checked by placeOrder. */
  quantity: number;
}

/** CART_SQL's columns for products named outright: the requested quantity comes from the JSON. */
const LINES_SQL = `
  select p.id, j.value ->> '$[1]', null, p.sku, p.name, p.variant_name, p.hidden, p.has_variants, p.stock_total,
         p.vat_bp, p.min_qty, p.multiple, p.external_1c_id, p.external_ms_id,
         u.name, u.precision, pr.price, sp.price, null
  from json_each(?) j
  join products p on p.id = j.value ->> '$[0]'
  left join units u on u.id = p.unit_id
  left join prices pr on pr.product_id = p.id and pr.price_type_id = ?
  left join special_prices sp on sp.product_id = p.id and sp.company_id = ?
  order by j.key`;

/**
 * Like readCart, for lines named outright: the same rows, prices and quote, so an API order and a
 * checkout of the same lines cost the same. A product that no longer exists comes back unavailable.
 */
export function readLines(statements: StatementCache, company: BuyingCompany, requested: readonly RequestedLine[], pricesIncludeVat: boolean): Cart {
  const rows = statements
    .get(LINES_SQL, 'arrays')
    .all(JSON.stringify(requested.map((l) => [l.productId, l.quantity])), company.priceTypeId ?? -1, company.companyId) as CartRow[];
  const byId = new Map(rows.map((r) => [r[0], r]));
  return priceLines(
    company,
    requested.map((l): CartRow => byId.get(l.productId) ?? [l.productId, l.quantity, null, '', '', '', 1, 0, 0, null, 0, 0, null, null, null, null, null, null, null]),
    pricesIncludeVat,
  );
}

/** The cart with today's prices, read when no transaction of someone else holds the connection. */
export async function loadCart(database: Database, company: BuyingCompany, pricesIncludeVat: boolean): Promise<Cart> {
  return database.db.connection().execute(async () => readCart(database.statements, company, pricesIncludeVat));
}

export type CartProblem = QuantityProblem | 'unknown_product';

export type CartChange =
  | { ok: true; productId: number; quantity: number }
  | { ok: false; productId: number; problem: CartProblem; suggestion?: number; rule?: QuantityRule; unitName?: string };

/**
 * Puts a quantity into the cart: `add` adds to what is there, `set` replaces it. The quantity is
 * checked by the one rule (unit precision, minimum, multiple) and never silently changed: a
 * refusal comes back with the nearest valid quantity as a suggestion.
 */
export async function changeCartQuantity(
  db: Kysely<DB>,
  clock: Clock,
  company: BuyingCompany,
  userId: number,
  productId: number,
  rawQuantity: string | number,
  mode: 'add' | 'set',
): Promise<CartChange> {
  const product = await db
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .leftJoin('prices as pr', (join) => join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', company.priceTypeId ?? -1))
    .leftJoin('special_prices as sp', (join) => join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', company.companyId))
    .select(['p.id', 'p.min_qty', 'p.multiple', 'u.name as unit_name', 'u.precision as unit_precision', 'pr.price as base_price', 'sp.price as special_price'])
    .where('p.id', '=', productId)
    .where('p.hidden', '=', 0)
    .where('p.has_variants', '=', 0)
    .executeTakeFirst();
  if (!product) return { ok: false, productId, problem: 'unknown_product' };
  const rule = ruleOf(product);
  const existing =
    mode === 'add'
      ? await db.selectFrom('cart_items').select('quantity').where('company_id', '=', company.companyId).where('product_id', '=', productId).executeTakeFirst()
      : undefined;
  const checked = checkQuantity(rawQuantity, rule);
  if (!checked.ok) {
    return { ok: false, productId, problem: checked.problem, rule, unitName: product.unit_name ?? '', ...(checked.suggestion !== undefined ? { suggestion: checked.suggestion } : {}) };
  }
  // Adding to a line: the sum must pass the rule too (it does when both parts do, for multiples).
  const quantity = existing ? roundMilli(existing.quantity + checked.quantity) : checked.quantity;
  const price = unitPriceFor({ priceTypeId: company.priceTypeId, discountBp: company.discountBp }, product.base_price, product.special_price).unitPrice;
  const now = clock.now();
  await db
    .insertInto('cart_items')
    .values({ company_id: company.companyId, product_id: productId, quantity, price_seen: price, added_by: userId, added_at: now, updated_at: now })
    .onConflict((oc) => oc.columns(['company_id', 'product_id']).doUpdateSet({ quantity, price_seen: price, added_by: userId, updated_at: now }))
    .execute();
  return { ok: true, productId, quantity };
}

function roundMilli(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export async function removeFromCart(db: Kysely<DB>, companyId: number, productId: number): Promise<void> {
  await db.deleteFrom('cart_items').where('company_id', '=', companyId).where('product_id', '=', productId).execute();
}

export async function clearCart(db: Kysely<DB>, companyId: number): Promise<void> {
  await db.deleteFrom('cart_items').where('company_id', '=', companyId).execute();
}

/** Marks every line's current price as seen: the buyer has looked at the new prices. */
export async function acknowledgePrices(db: Kysely<DB>, company: BuyingCompany, cart: Cart): Promise<void> {
  for (const line of cart.lines) {
    if (line.priceSeen !== line.unitPrice) {
      await db
        .updateTable('cart_items')
        .set({ price_seen: line.unitPrice })
        .where('company_id', '=', company.companyId)
        .where('product_id', '=', line.productId)
        .execute();
    }
  }
}

export async function cartSize(db: Kysely<DB>, companyId: number): Promise<number> {
  const row = await db.selectFrom('cart_items').select(sql<number>`count(*)`.as('n')).where('company_id', '=', companyId).executeTakeFirstOrThrow();
  return Number(row.n);
}
