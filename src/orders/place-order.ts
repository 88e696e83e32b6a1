import { canOrder } from '../catalog/stock-display.js';
import { checkQuantity } from '../catalog/quantity.js';
import type { AppContext } from '../context.js';
import type { Database, Sqlite } from '../db/open.js';
import type { LegalEntityRow, OrderRow, UserRow } from '../db/schema.js';
import { enqueueInOpenTransaction } from '../jobs/outbox.js';
import type { Quote } from '../pricing/quote.js';
import { type BuyingCompany, type Cart, type CartLine, readCart } from './cart.js';
import { GroupCommit } from './group-commit.js';
import { recordOrderEventInOpenTransaction } from './events.js';
import { nextOrderNumber } from './numbering.js';
import { statement } from './statements.js';

export interface CheckoutInput {
  legalEntityId: number | null;
  deliveryAddress: string;
  /** YYYY-MM-DD or empty. */
  desiredDate: string;
  poNumber: string;
  comment: string;
  /** From the checkout form: a double click or a retried request carries the same key. */
  idempotencyKey: string;
  /** The total the buyer saw and confirmed, in kopecks. */
  confirmedTotal: number | null;
}

export type LineProblem =
  | { productId: number; problem: 'unavailable' | 'no_price' }
  | { productId: number; problem: 'quantity'; suggestion?: number }
  | { productId: number; problem: 'stock'; available: number };

export type PlaceOrderResult =
  | { ok: true; order: OrderRow; duplicate: boolean }
  | { ok: false; problem: 'empty_cart' }
  | { ok: false; problem: 'bad_input'; field: 'legal_entity' | 'desired_date' | 'idempotency_key' | 'delivery_address' }
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
      problems.push({ productId: line.productId, problem: 'quantity', ...(check.suggestion !== undefined ? { suggestion: check.suggestion } : {}) });
    } else if (!canOrder(line.quantity, line.stockTotal, allowBackorder)) {
      problems.push({ productId: line.productId, problem: 'stock', available: Math.max(0, line.stockTotal) });
    }
  }
  return problems;
}

const groups = new WeakMap<Database, GroupCommit>();

/** One group committer per database: orders submitted at the same time share one commit. */
function groupCommitOf(database: Database): GroupCommit {
  let group = groups.get(database);
  if (group === undefined) {
    group = new GroupCommit(database);
    groups.set(database, group);
  }
  return group;
}

/**
 * Places the company's cart as an order, in ONE transaction: re-reads cart, catalog, prices and
 * stock; validates; writes the order with prices copied; numbers it; queues PDF, mail and export;
 * empties the cart. The same idempotency key returns the order already placed instead of a second.
 * Orders submitted at the same moment share a transaction and its commit (see GroupCommit), each
 * in its own savepoint; the promise settles only after that commit.
 */
export async function placeOrder(ctx: AppContext, actor: UserRow, company: BuyingCompany, input: CheckoutInput): Promise<PlaceOrderResult> {
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(input.idempotencyKey)) return { ok: false, problem: 'bad_input', field: 'idempotency_key' };
  if (input.desiredDate && !/^\d{4}-\d{2}-\d{2}$/.test(input.desiredDate)) return { ok: false, problem: 'bad_input', field: 'desired_date' };
  return groupCommitOf(ctx.database).run((sqlite) => placeOrderNow(ctx, sqlite, actor, company, input));
}

/** The order's transaction body: runs inside an open transaction, synchronously. */
function placeOrderNow(ctx: AppContext, sqlite: Sqlite, actor: UserRow, company: BuyingCompany, input: CheckoutInput): PlaceOrderResult {
  const existing = statement(sqlite, 'select * from orders where company_id = ? and idempotency_key = ?').get(company.companyId, input.idempotencyKey) as
    | OrderRow
    | undefined;
  if (existing) return { ok: true, order: existing, duplicate: true };

  const cart = readCart(sqlite, company, ctx.config.catalog.pricesIncludeVat);
  if (cart.lines.length === 0) return { ok: false, problem: 'empty_cart' };
  const problems = lineProblems(cart, ctx.config.catalog.allowBackorder);
  if (problems.length > 0) return { ok: false, problem: 'lines', lines: problems, cart };
  if (input.confirmedTotal !== cart.quote.total) return { ok: false, problem: 'price_changed', cart };

  const entity = buyingEntity(sqlite, company.companyId, input.legalEntityId);
  if (!entity) return { ok: false, problem: 'bad_input', field: 'legal_entity' };

  const now = ctx.clock.now();
  const order = statement(sqlite, INSERT_ORDER).get({
    number: nextOrderNumber(sqlite, ctx.config.orders.numberPrefix),
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
    created_at: now,
  }) as OrderRow;
  insertLines(sqlite, order.id, cart.lines, cart.quote);
  statement(sqlite, "insert into order_status_history (order_id, status, source, changed_by, created_at) values (?, 'new', 'portal', ?, ?)").run(
    order.id,
    actor.id,
    now,
  );
  recordOrderEventInOpenTransaction(sqlite, {
    orderId: order.id,
    kind: 'placed',
    data: { origin: order.origin, company: company.companyName ?? '', byRole: actor.role, total: order.total },
    source: order.origin === 'api' ? 'api' : 'portal',
    actor: { id: actor.id, name: actor.name },
    at: now,
  });
  for (const kind of ['render_pdf', 'send_order_mail', 'export_order'] as const) enqueueInOpenTransaction(sqlite, kind, { orderId: order.id }, now);
  statement(sqlite, 'delete from cart_items where company_id = ?').run(company.companyId);
  return { ok: true, order, duplicate: false };
}

const INSERT_ORDER = `
  insert into orders (number, company_id, legal_entity_id, buyer_name, buyer_inn, buyer_kpp, buyer_address, placed_by, manager_id,
    delivery_address, desired_date, po_number, comment, price_type_id, price_type_name, discount_bp, prices_include_vat,
    subtotal, discount_total, vat_total, total, line_count, idempotency_key, external_1c_id, external_number, exported_at,
    created_at, updated_at)
  values (@number, @company_id, @legal_entity_id, @buyer_name, @buyer_inn, @buyer_kpp, @buyer_address, @placed_by, @manager_id,
    @delivery_address, @desired_date, @po_number, @comment, @price_type_id, @price_type_name, @discount_bp, @prices_include_vat,
    @subtotal, @discount_total, @vat_total, @total, @line_count, @idempotency_key, null, null, null,
    @created_at, @created_at)
  returning *`;

function buyingEntity(sqlite: Sqlite, companyId: number, legalEntityId: number | null): LegalEntityRow | undefined {
  // Without a choice the primary entity buys; a company with one entity never sees the choice.
  return (
    legalEntityId === null
      ? statement(sqlite, 'select * from legal_entities where company_id = ? order by is_primary desc, id limit 1').get(companyId)
      : statement(sqlite, 'select * from legal_entities where company_id = ? and id = ?').get(companyId, legalEntityId)
  ) as LegalEntityRow | undefined;
}

const INSERT_LINE = `
  insert into order_lines (order_id, line_no, product_id, sku, name, unit_name, product_1c_id, product_ms_id, quantity,
    list_price, unit_price, discount_bp, line_total, vat_bp, vat_amount)
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

function insertLines(sqlite: Sqlite, orderId: number, lines: CartLine[], priced: Quote): void {
  const insert = statement(sqlite, INSERT_LINE);
  lines.forEach((line, i) => {
    const q = priced.lines[i];
    if (!q || q.unitPrice === null || q.lineTotal === null) throw new Error(`line ${line.productId} has no price`);
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
    );
  });
}
