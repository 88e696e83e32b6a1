import type { Transaction } from 'kysely';
import { canOrder } from '../catalog/stock-display.js';
import { checkQuantity } from '../catalog/quantity.js';
import type { AppContext } from '../context.js';
import type { DB, OrderRow, UserRow } from '../db/schema.js';
import { enqueue } from '../jobs/outbox.js';
import type { Quote } from '../pricing/quote.js';
import { type BuyingCompany, type Cart, type CartLine, loadCart } from './cart.js';
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

/**
 * Places the company's cart as an order, in ONE transaction: re-reads cart, catalog, prices and
 * stock; validates; writes the order with prices copied; numbers it; queues PDF, mail and export;
 * empties the cart. The same idempotency key returns the order already placed instead of a second.
 */
export async function placeOrder(ctx: AppContext, actor: UserRow, company: BuyingCompany, input: CheckoutInput): Promise<PlaceOrderResult> {
  if (!/^[A-Za-z0-9_-]{16,100}$/.test(input.idempotencyKey)) return { ok: false, problem: 'bad_input', field: 'idempotency_key' };
  if (input.desiredDate && !/^\d{4}-\d{2}-\d{2}$/.test(input.desiredDate)) return { ok: false, problem: 'bad_input', field: 'desired_date' };

  return ctx.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('orders')
      .selectAll()
      .where('company_id', '=', company.companyId)
      .where('idempotency_key', '=', input.idempotencyKey)
      .executeTakeFirst();
    if (existing) return { ok: true, order: existing, duplicate: true } as const;

    const cart = await loadCart(trx, company, ctx.config.catalog.pricesIncludeVat);
    if (cart.lines.length === 0) return { ok: false, problem: 'empty_cart' } as const;
    const problems = lineProblems(cart, ctx.config.catalog.allowBackorder);
    if (problems.length > 0) return { ok: false, problem: 'lines', lines: problems, cart } as const;
    if (input.confirmedTotal !== cart.quote.total) return { ok: false, problem: 'price_changed', cart } as const;

    const entity = await buyingEntity(trx, company.companyId, input.legalEntityId);
    if (!entity) return { ok: false, problem: 'bad_input', field: 'legal_entity' } as const;
    const deliveryAddress = input.deliveryAddress.trim().slice(0, MAX_TEXT);

    const now = ctx.clock.now();
    const order = await trx
      .insertInto('orders')
      .values({
        number: await nextOrderNumber(trx, ctx.config.orders.numberPrefix),
        company_id: company.companyId,
        legal_entity_id: entity.id,
        buyer_name: entity.name,
        buyer_inn: entity.inn,
        buyer_kpp: entity.kpp,
        buyer_address: entity.legal_address,
        placed_by: actor.id,
        manager_id: actor.role === 'buyer' ? null : actor.id,
        delivery_address: deliveryAddress,
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
        external_1c_id: null,
        external_number: null,
        exported_at: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await insertLines(trx, order.id, cart.lines, cart.quote);
    await trx
      .insertInto('order_status_history')
      .values({ order_id: order.id, status: 'new', source: 'portal', changed_by: actor.id, created_at: now })
      .execute();
    for (const kind of ['render_pdf', 'send_order_mail', 'export_order'] as const) await enqueue(trx, kind, { orderId: order.id }, now);
    await trx.deleteFrom('cart_items').where('company_id', '=', company.companyId).execute();
    return { ok: true, order, duplicate: false } as const;
  });
}

async function buyingEntity(trx: Transaction<DB>, companyId: number, legalEntityId: number | null) {
  let query = trx.selectFrom('legal_entities').selectAll().where('company_id', '=', companyId);
  // Without a choice the primary entity buys; a company with one entity never sees the choice.
  query = legalEntityId === null ? query.orderBy('is_primary', 'desc').orderBy('id') : query.where('id', '=', legalEntityId);
  return query.executeTakeFirst();
}

async function insertLines(trx: Transaction<DB>, orderId: number, lines: CartLine[], priced: Quote): Promise<void> {
  const rows = lines.map((line, i) => {
    const q = priced.lines[i];
    if (!q || q.unitPrice === null || q.lineTotal === null) throw new Error(`line ${line.productId} has no price`);
    return {
      order_id: orderId,
      line_no: i + 1,
      product_id: line.productId,
      sku: line.sku,
      name: line.variantName ? `${line.name} (${line.variantName})` : line.name,
      unit_name: line.unitName,
      product_1c_id: line.product1cId,
      product_ms_id: line.productMsId,
      quantity: line.quantity,
      list_price: q.listPrice,
      unit_price: q.unitPrice,
      discount_bp: q.discountBp,
      line_total: q.lineTotal,
      vat_bp: line.vatBp,
      vat_amount: q.vatAmount ?? 0,
    };
  });
  // 100 lines × 16 columns stays under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 100) await trx.insertInto('order_lines').values(rows.slice(i, i + 100)).execute();
}
