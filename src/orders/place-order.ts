import { canOrder } from '../catalog/stock-display.js';
import { checkQuantity } from '../catalog/quantity.js';
import type { AppContext } from '../context.js';
import { type CreditConcern, creditConcern, creditPosition } from '../finance/credit.js';
import { localDate } from '../finance/dates.js';
import type { SyncTx } from '../db/transaction.js';
import type { StatementCache } from '../db/statements.js';
import type { LegalEntityRow, OrderOrigin, OrderRow, UserRow } from '../db/schema.js';
import type { Quote } from '../pricing/quote.js';
import { queueExportsSync } from './export.js';
import { type BuyingCompany, type Cart, type CartLine, type RequestedLine, readCart, readLines } from './cart.js';
import { recordOrderEventSync } from './events.js';
import { queueOrderEventSync } from '../integrations/webhooks/events.js';
import { nextOrderNumber } from './numbering.js';

export interface CheckoutInput {
  legalEntityId: number | null;
  deliveryAddress: string;
  /** YYYY-MM-DD or empty. */
  desiredDate: string;
  poNumber: string;
  comment: string;
  /** From the checkout form: a double click or a retried request carries the same key. */
  idempotencyKey: string;
  /**
   * The total the buyer saw and confirmed, in kopecks; null (garbled) is refused as a changed
   * price. 'any': the caller takes today's prices (an API order without expected_total).
   */
  confirmedTotal: number | null | 'any';
  /**
   * A manager or admin placing an order that credit control (orders.credit_control: block) refuses:
   * the reason is kept on the order. Ignored for buyers, who cannot override.
   */
  creditOverride?: { reason: string };
  /** Where the order comes from; 'web' when not said. */
  origin?: OrderOrigin;
  /** Lines named outright (the API) instead of the company's cart, which is then left as it is. */
  lines?: readonly RequestedLine[];
  /** Fingerprint of the request, kept with the order: the API tells a retry from a reused key by it. */
  requestHash?: string | null;
}

export type LineProblem =
  | { productId: number; problem: 'unavailable' | 'no_price' }
  | { productId: number; problem: 'quantity'; suggestion?: number }
  | { productId: number; problem: 'stock'; available: number };

export type PlaceOrderResult =
  /** `credit`: the order went over the terms and was placed anyway (mode warn, or a manager's override). */
  | { ok: true; order: OrderRow; duplicate: boolean; credit: CreditConcern | null }
  | { ok: false; problem: 'empty_cart' }
  | {
      ok: false;
      problem: 'bad_input';
      field: 'legal_entity' | 'desired_date' | 'idempotency_key' | 'delivery_address' | 'credit_override_reason';
    }
  /**
   * Credit control (mode block) refused the order: over the limit by `credit.overLimitBy`, or
   * `credit.overdue` is overdue. `overridable`: the actor is staff and may place it with a reason.
   */
  | { ok: false; problem: 'credit'; credit: CreditConcern; overridable: boolean }
  | { ok: false; problem: 'lines'; lines: LineProblem[]; cart: Cart }
  | { ok: false; problem: 'price_changed'; cart: Cart };

const MAX_TEXT = 1000;

function lineProblems(cart: Cart, allowBackorder: boolean): LineProblem[] {
  const problems: LineProblem[] = [];
  for (const line of cart.lines) {
    if (line.unavailable) {
      problems.push({ productId: line.productId, problem: 'unavailable' });
      continue;
    }
    if (line.unitPrice === null) {
      problems.push({ productId: line.productId, problem: 'no_price' });
      continue;
    }
    const check = checkQuantity(line.quantity, line.rule);
    if (!check.ok) {
      problems.push({
        productId: line.productId,
        problem: 'quantity',
        ...(check.suggestion !== undefined ? { suggestion: check.suggestion } : {}),
      });
    } else if (!canOrder(line.quantity, line.stockTotal, allowBackorder)) {
      problems.push({ productId: line.productId, problem: 'stock', available: Math.max(0, line.stockTotal) });
    }
  }
  return problems;
}

/**
 * The problems placeOrder would find with these lines now, placing nothing: the API answers
 * every line at fault at once, also when some lines could not even be matched to a product.
 */
export async function checkLines(
  ctx: AppContext,
  company: BuyingCompany,
  lines: readonly RequestedLine[],
): Promise<{ problems: LineProblem[]; cart: Cart }> {
  return ctx.database.db.connection().execute(async () => {
    const cart = readLines(ctx.database.statements, company, lines, ctx.config.catalog.pricesIncludeVat);
    return { problems: lineProblems(cart, ctx.config.catalog.allowBackorder), cart };
  });
}

/**
 * Places the company's cart as an order, in ONE transaction: re-reads cart, catalog, prices and
 * stock; validates; writes the order with prices copied; numbers it; queues PDF, mail and exports;
 * empties the cart. The same idempotency key returns the order already placed instead of a second.
 * Orders submitted at the same moment share a transaction and its commit (db/group-commit.ts), each
 * in its own savepoint; the promise settles only after that commit.
 */
export async function placeOrder(
  ctx: AppContext,
  actor: UserRow,
  company: BuyingCompany,
  input: CheckoutInput,
): Promise<PlaceOrderResult> {
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(input.idempotencyKey)) return { ok: false, problem: 'bad_input', field: 'idempotency_key' };
  if (input.desiredDate && !/^\d{4}-\d{2}-\d{2}$/.test(input.desiredDate))
    return { ok: false, problem: 'bad_input', field: 'desired_date' };
  return ctx.groupCommit.run((tx) => placeOrderNow(ctx, tx, actor, company, input));
}

/** The order's transaction body: runs inside an open transaction, synchronously. */
function placeOrderNow(
  ctx: AppContext,
  tx: SyncTx,
  actor: UserRow,
  company: BuyingCompany,
  input: CheckoutInput,
): PlaceOrderResult {
  const statements = tx.statements;
  const existing = statements
    .get('select * from orders where company_id = ? and idempotency_key = ?')
    .get(company.companyId, input.idempotencyKey) as OrderRow | undefined;
  if (existing) return { ok: true, order: existing, duplicate: true, credit: null };

  const cart = input.lines
    ? readLines(statements, company, input.lines, ctx.config.catalog.pricesIncludeVat)
    : readCart(statements, company, ctx.config.catalog.pricesIncludeVat);
  if (cart.lines.length === 0) return { ok: false, problem: 'empty_cart' };
  const problems = lineProblems(cart, ctx.config.catalog.allowBackorder);
  if (problems.length > 0) return { ok: false, problem: 'lines', lines: problems, cart };
  if (input.confirmedTotal !== 'any' && input.confirmedTotal !== cart.quote.total)
    return { ok: false, problem: 'price_changed', cart };

  const entity = buyingEntity(statements, company.companyId, input.legalEntityId);
  if (!entity) return { ok: false, problem: 'bad_input', field: 'legal_entity' };

  const now = ctx.clock.now();
  const mode = ctx.config.orders.creditControl;
  // Read in the order's own transaction: the debt and open orders it is judged on are the ones it joins.
  const credit = mode === 'off' ? null : creditConcern(creditPosition(statements, entity.id, localDate(now)), cart.quote.total);
  let override: { reason: string; by: number } | null = null;
  if (credit && mode === 'block') {
    const staff = actor.role !== 'buyer';
    if (!staff || input.creditOverride === undefined) return { ok: false, problem: 'credit', credit, overridable: staff };
    const reason = input.creditOverride.reason.trim().slice(0, 500);
    if (!reason) return { ok: false, problem: 'bad_input', field: 'credit_override_reason' };
    override = { reason, by: actor.id };
  }
  const order = statements.get(INSERT_ORDER).get({
    number: nextOrderNumber(statements, ctx.config.orders.numberPrefix),
    company_id: company.companyId,
    legal_entity_id: entity.id,
    buyer_name: entity.name,
    buyer_inn: entity.inn,
    buyer_kpp: entity.kpp,
    buyer_address: entity.legal_address,
    placed_by: actor.id,
    manager_id: actor.role === 'buyer' ? null : actor.id,
    delivery_address: input.deliveryAddress.trim().slice(0, MAX_TEXT),
    desired_date: input.desiredDate || null,
    po_number: input.poNumber.trim().slice(0, 100),
    comment: input.comment.trim().slice(0, MAX_TEXT),
    price_type_id: company.priceTypeId,
    price_type_name: company.priceTypeName ?? '',
    discount_bp: company.discountBp,
    prices_include_vat: ctx.config.catalog.pricesIncludeVat ? 1 : 0,
    subtotal: cart.quote.subtotal,
    discount_total: cart.quote.discountTotal,
    vat_total: cart.quote.vatTotal,
    total: cart.quote.total,
    line_count: cart.lines.length,
    idempotency_key: input.idempotencyKey,
    credit_excess: credit && credit.overLimitBy > 0 ? credit.overLimitBy : null,
    credit_overdue: credit && credit.overdue > 0 ? credit.overdue : null,
    credit_override_reason: override?.reason ?? null,
    credit_override_by: override?.by ?? null,
    origin: input.origin ?? 'web',
    request_hash: input.requestHash ?? null,
    created_at: now,
  }) as OrderRow;
  insertLines(statements, order.id, cart.lines, cart.quote, company.priceTypeId);
  statements
    .get("insert into order_status_history (order_id, status, source, changed_by, created_at) values (?, 'new', 'portal', ?, ?)")
    .run(order.id, actor.id, now);
  recordOrderEventSync(tx.statements, {
    orderId: order.id,
    kind: 'placed',
    data: { origin: order.origin, company: company.companyName ?? '', byRole: actor.role, total: order.total },
    source: order.origin === 'api' ? 'api' : 'portal',
    actor: { id: actor.id, name: actor.name },
    at: now,
  });
  // Its PDF, mails and exports start at the first pause in checkouts, once this commit is in.
  ctx.outbox.enqueueSync(tx, 'render_pdf', { orderId: order.id }, 'after_checkout');
  ctx.outbox.enqueueSync(tx, 'send_order_mail', { orderId: order.id }, 'after_checkout');
  queueExportsSync(ctx, tx, order.id, 'after_checkout');
  queueOrderEventSync(ctx, tx, { type: 'order.created', order }, now);
  if (!input.lines) statements.get('delete from cart_items where company_id = ?').run(company.companyId);
  return { ok: true, order, duplicate: false, credit };
}

const INSERT_ORDER = `
  insert into orders (number, company_id, legal_entity_id, buyer_name, buyer_inn, buyer_kpp, buyer_address, placed_by, manager_id,
    delivery_address, desired_date, po_number, comment, price_type_id, price_type_name, discount_bp, prices_include_vat,
    subtotal, discount_total, vat_total, total, line_count, idempotency_key, external_1c_id, external_number, exported_at,
    credit_excess, credit_overdue, credit_override_reason, credit_override_by, origin, request_hash, created_at, updated_at)
  values (@number, @company_id, @legal_entity_id, @buyer_name, @buyer_inn, @buyer_kpp, @buyer_address, @placed_by, @manager_id,
    @delivery_address, @desired_date, @po_number, @comment, @price_type_id, @price_type_name, @discount_bp, @prices_include_vat,
    @subtotal, @discount_total, @vat_total, @total, @line_count, @idempotency_key, null, null, null,
    @credit_excess, @credit_overdue, @credit_override_reason, @credit_override_by, @origin, @request_hash, @created_at, @created_at)
  returning *`;

function buyingEntity(statements: StatementCache, companyId: number, legalEntityId: number | null): LegalEntityRow | undefined {
  // Without a choice the primary entity buys; a company with one entity never sees the choice.
  return (
    legalEntityId === null
      ? statements.get('select * from legal_entities where company_id = ? order by is_primary desc, id limit 1').get(companyId)
      : statements.get('select * from legal_entities where company_id = ? and id = ?').get(companyId, legalEntityId)
  ) as LegalEntityRow | undefined;
}

const INSERT_LINE = `
  insert into order_lines (order_id, line_no, product_id, sku, name, unit_name, product_1c_id, product_ms_id, quantity,
    list_price, unit_price, discount_bp, line_total, vat_bp, vat_amount, currency, currency_price, rate_micro, rate_date)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** The price in another currency a rouble price was derived from, with the rate used (src/catalog/import/foreign-prices.ts). */
const FOREIGN_PRICE = `
  select fp.currency, fp.amount, r.rate_micro, r.rate_date from foreign_prices fp join currency_rates r on r.currency = fp.currency
  where fp.product_id = ? and fp.price_type_id = ?`;

interface ForeignPrice {
  currency: string;
  amount: number;
  rate_micro: number;
  rate_date: string;
}

function insertLines(
  statements: StatementCache,
  orderId: number,
  lines: CartLine[],
  priced: Quote,
  priceTypeId: number | null,
): void {
  const insert = statements.get(INSERT_LINE);
  const foreignPrice = statements.get(FOREIGN_PRICE);
  lines.forEach((line, i) => {
    const q = priced.lines[i];
    if (!q || q.unitPrice === null || q.lineTotal === null) throw new Error(`line ${line.productId} has no price`);
    // The rate is kept on the line, so the order reads the same when the rate moves.
    const foreign =
      q.source === 'price_type' && priceTypeId !== null
        ? (foreignPrice.get(line.productId, priceTypeId) as ForeignPrice | undefined)
        : undefined;
    insert.run(
      orderId,
      i + 1,
      line.productId,
      line.sku,
      line.variantName ? `${line.name} (${line.variantName})` : line.name,
      line.unitName,
      line.product1cId,
      line.productMsId,
      line.quantity,
      q.listPrice,
      q.unitPrice,
      q.discountBp,
      q.lineTotal,
      line.vatBp,
      q.vatAmount ?? 0,
      foreign?.currency ?? null,
      foreign?.amount ?? null,
      foreign?.rate_micro ?? null,
      foreign?.rate_date ?? null,
    );
  });
}
