/**
 * Orders the seller entered in its accounting system (taken by phone, typed in 1C or MoySklad)
 * that reach the portal through the exchange: they join the buyer's history with accounting's
 * own number, lines and status, marked "entered by the seller". They never take a portal number
 * and are never sent back to accounting (they came from there). A reader (the 1C sale exchange,
 * later MoySklad) turns its document into a SellerOrderInput and calls recordSellerOrder.
 */
import type { Transaction } from 'kysely';
import type { DB, OrderOrigin, OrderRow, OrderStatus } from '../db/schema.js';

export type SellerOrigin = Extract<OrderOrigin, '1c' | 'moysklad'>;

/** Orders whose master copy is in accounting: shown as "entered by the seller", never exported. */
export function enteredBySeller(origin: OrderOrigin): boolean {
  return origin === '1c' || origin === 'moysklad';
}

export interface SellerOrderLine {
  productId: number | null;
  /** The product's id in 1C / MoySklad as the document gave it; null for the portal's own products. */
  product1cId: string | null;
  productMsId: string | null;
  sku: string;
  name: string;
  unitName: string;
  quantity: number;
  /** Kopecks. */
  unitPrice: number;
  lineTotal: number;
  vatBp: number | null;
  vatAmount: number;
}

export interface SellerOrderInput {
  origin: SellerOrigin;
  /** Accounting's id of the document (1C Ид, MoySklad id): the order is found by it again. */
  externalId: string;
  /** Accounting's number, which becomes the order's number on the portal. */
  number: string;
  /** Accounting's date, YYYY-MM-DD. */
  date: string | null;
  /** When the order was made, for its place in the history. */
  createdAt: number;
  companyId: number;
  legalEntityId: number | null;
  status: OrderStatus;
  pricesIncludeVat: boolean;
  lines: SellerOrderLine[];
  comment: string;
  paidAt: number | null;
  shippedAt: number | null;
  /** The first line of the order's history. */
  historyNote: string;
}

/**
 * Writes the order, its lines and its first history row. Accounting's number is kept as it is;
 * only if a portal order already has that very number does it get a prefix naming the source.
 */
export async function recordSellerOrder(trx: Transaction<DB>, input: SellerOrderInput, now: number): Promise<OrderRow> {
  const entity =
    input.legalEntityId === null
      ? undefined
      : await trx.selectFrom('legal_entities').selectAll().where('id', '=', input.legalEntityId).executeTakeFirst();
  const company = await trx.selectFrom('companies').select(['name']).where('id', '=', input.companyId).executeTakeFirstOrThrow();
  const subtotal = input.lines.reduce((sum, l) => sum + l.lineTotal, 0);
  const vatTotal = input.lines.reduce((sum, l) => sum + l.vatAmount, 0);
  const order = await trx
    .insertInto('orders')
    .values({
      number: await freeNumber(trx, input),
      company_id: input.companyId,
      legal_entity_id: entity?.id ?? null,
      buyer_name: entity?.name ?? company.name,
      buyer_inn: entity?.inn ?? '',
      buyer_kpp: entity?.kpp ?? '',
      buyer_address: entity?.legal_address ?? '',
      placed_by: null,
      manager_id: null,
      status: input.status,
      desired_date: null,
      comment: input.comment.slice(0, 1000),
      price_type_id: null,
      prices_include_vat: input.pricesIncludeVat ? 1 : 0,
      subtotal,
      discount_total: 0,
      vat_total: vatTotal,
      total: input.pricesIncludeVat ? subtotal : subtotal + vatTotal,
      line_count: input.lines.length,
      idempotency_key: `${input.origin}:${input.externalId}`,
      external_1c_id: input.origin === '1c' ? input.externalId : null,
      external_ms_id: input.origin === 'moysklad' ? input.externalId : null,
      external_number: input.number,
      external_date: input.date,
      paid_at: input.paidAt,
      shipped_at: input.shippedAt,
      // Accounting has it already: it is not pending for anyone.
      exported_at: now,
      origin: input.origin,
      created_at: input.createdAt,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (let i = 0; i < input.lines.length; i += 100) {
    await trx
      .insertInto('order_lines')
      .values(
        input.lines.slice(i, i + 100).map((l, j) => ({
          order_id: order.id,
          line_no: i + j + 1,
          product_id: l.productId,
          sku: l.sku,
          name: l.name,
          unit_name: l.unitName,
          product_1c_id: l.product1cId,
          product_ms_id: l.productMsId,
          quantity: l.quantity,
          list_price: null,
          unit_price: l.unitPrice,
          discount_bp: 0,
          line_total: l.lineTotal,
          vat_bp: l.vatBp,
          vat_amount: l.vatAmount,
        })),
      )
      .execute();
  }
  await trx
    .insertInto('order_status_history')
    .values({
      order_id: order.id,
      status: input.status,
      note: input.historyNote.slice(0, 500),
      source: input.origin,
      changed_by: null,
      created_at: now,
    })
    .execute();
  return order;
}

async function freeNumber(trx: Transaction<DB>, input: SellerOrderInput): Promise<string> {
  const prefix = input.origin === '1c' ? '1С' : 'МС';
  for (const candidate of [input.number, `${prefix}-${input.number}`, `${prefix}-${input.number}-${input.externalId.slice(0, 8)}`]) {
    const taken = await trx.selectFrom('orders').select('id').where('number', '=', candidate).executeTakeFirst();
    if (!taken) return candidate;
  }
  throw new Error(`order number ${input.number} from ${input.origin} is taken several times over`);
}
