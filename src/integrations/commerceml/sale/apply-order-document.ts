/**
 * Applies one order document from 1C to the portal order it belongs to, in one transaction:
 * 1C number and date, paid and shipped marks, status (with history and the buyer's status mail)
 * and, when 1C changed them, the lines and totals. A second run of the same file finds nothing
 * to change, so it writes nothing: no history row, no mail.
 */
import type { Transaction, Updateable } from 'kysely';
import type { AppContext } from '../../../context.js';
import type { DB, OrderLineRow, OrderRow, OrderStatus, OrderTable } from '../../../db/schema.js';
import { transaction } from '../../../db/transaction.js';
import { recordOrderEvent } from '../../../orders/events.js';
import { lineChanges } from '../../../orders/line-changes.js';
import { changeOrderStatus } from '../../../orders/status.js';
import { attachBuyerId, readCounterparty } from './counterparties.js';
import { decideStatus } from './decide-status.js';
import { formatKopecks } from './exchange-values.js';
import { lineProductId } from './orders-document.js';
import type { OneCLine, OneCOrderDocument } from './read-order-document.js';
import { portalStatusLabel, type StatusLookup } from './status-map.js';

export type DocumentOutcome =
  | { kind: 'updated'; orderNumber: string; buyerAttached: boolean; warnings: string[] }
  | { kind: 'unchanged'; orderNumber: string; buyerAttached: boolean; warnings: string[] }
  | { kind: 'unknown'; label: string };

type NewLine = Omit<OrderLineRow, 'id'>;

const PORTAL_PRODUCT = /^optovik-product-(\d+)$/;

async function findOrder(trx: Transaction<DB>, candidates: readonly string[]): Promise<OrderRow | undefined> {
  // An order entered in 1C is known by 1C's Ид (its number may have needed a prefix here).
  if (candidates.length > 0) {
    const entered = await trx.selectFrom('orders').selectAll().where('origin', '=', '1c').where('external_1c_id', 'in', candidates).executeTakeFirst();
    if (entered) return entered;
  }
  for (const number of candidates) {
    const order = await trx.selectFrom('orders').selectAll().where('number', '=', number).executeTakeFirst();
    if (order) return order;
  }
  return undefined;
}

export async function applyOrderDocument(
  ctx: AppContext,
  doc: OneCOrderDocument,
  lookup: StatusLookup,
  now: number,
): Promise<DocumentOutcome> {
  return transaction(ctx.database, async (tx) => {
    const trx = tx.db;
    const order = await findOrder(trx, doc.candidates);
    if (!order) return { kind: 'unknown', label: doc.label } as const;
    const warnings: string[] = [];
    const buyerAttached = doc.buyer ? await attachBuyerId(trx, readCounterparty(doc.buyer), now) : false;

    const decision = decideStatus(order.status, doc, lookup);
    if (decision.unknownText) {
      warnings.push(
        `order ${order.number}: 1C status "${decision.unknownText}" is not in integrations.commerceml.status_map; the status was judged by the flags only`,
      );
    }
    const changes: Updateable<OrderTable> = {};
    if (doc.number1c && doc.number1c !== order.external_number) changes.external_number = doc.number1c;
    if (doc.date1c && doc.date1c !== order.external_date) changes.external_date = doc.date1c;
    const newlyPaid = doc.paid !== null && order.paid_at === null;
    if (newlyPaid) changes.paid_at = doc.paid?.at ?? now;
    const newlyShipped = doc.shipped !== null && order.shipped_at === null;
    if (newlyShipped) changes.shipped_at = doc.shipped?.at ?? now;
    // The status itself moves through changeOrderStatus below (history, event, mail in one place).
    const statusChanged = decision.status !== order.status;

    const ourLines = await trx
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', order.id)
      .orderBy('line_no')
      .execute();
    let linesNote: string | null = null;
    if (doc.lines !== null && doc.lines.length === 0) {
      warnings.push(`order ${order.number}: 1C sent no lines (line ${doc.line}); the order's lines were kept`);
    } else if (doc.lines !== null && linesDiffer(ourLines, doc.lines)) {
      const replaced = await replacementLines(trx, order, ourLines, doc.lines);
      await trx.deleteFrom('order_lines').where('order_id', '=', order.id).execute();
      for (let i = 0; i < replaced.lines.length; i += 100)
        await trx
          .insertInto('order_lines')
          .values(replaced.lines.slice(i, i + 100))
          .execute();
      // A new revision: the order's PDF is made again from the new lines.
      Object.assign(changes, replaced.totals, { revision: order.revision + 1 });
      linesNote = `1C изменил состав заказа: строк ${replaced.lines.length}, сумма ${formatKopecks(replaced.totals.total)}`;
      await recordOrderEvent(trx, {
        orderId: order.id,
        kind: 'lines_changed',
        data: { note: '', totalBefore: order.total, totalAfter: replaced.totals.total, lines: lineChanges(ourLines, replaced.lines) },
        source: '1c',
        actor: null,
        at: now,
      });
    }

    if (Object.keys(changes).length === 0 && !statusChanged)
      return { kind: 'unchanged', orderNumber: order.number, buyerAttached, warnings } as const;

    // What 1C told us is not news to 1C: an order it already had as it was stays "exported";
    // one with portal changes 1C has not taken yet (a buyer's cancellation) still goes out.
    const wasInSync = order.exported_at !== null && order.updated_at <= order.exported_at;
    await trx
      .updateTable('orders')
      .set({ ...changes, updated_at: now, ...(wasInSync ? { exported_at: now } : {}) })
      .where('id', '=', order.id)
      .execute();
    const mark = (what: 'paid' | 'shipped', on: number) =>
      recordOrderEvent(trx, { orderId: order.id, kind: 'marked', data: { mark: what, on: true, at: on }, source: '1c', actor: null, at: now });
    if (newlyPaid) await mark('paid', doc.paid?.at ?? now);
    if (newlyShipped) await mark('shipped', doc.shipped?.at ?? now);
    const note = [
      statusChanged ? statusNote(decision.status, doc) : null,
      newlyPaid && doc.paid?.number ? `оплата ${doc.paid.number}` : null,
      linesNote,
    ]
      .filter(Boolean)
      .join('; ');
    if (statusChanged) {
      await changeOrderStatus(ctx, tx, { orderId: order.id, to: decision.status, note, source: '1c', actor: null, at: now });
    } else if (linesNote) {
      // Not a status change, but the buyer's history says what 1C did to the order.
      await trx
        .insertInto('order_status_history')
        .values({ order_id: order.id, status: order.status, note: note.slice(0, 500), source: '1c', changed_by: null, created_at: now })
        .execute();
    }
    return { kind: 'updated', orderNumber: order.number, buyerAttached, warnings } as const;
  });
}

function statusNote(status: OrderStatus, doc: OneCOrderDocument): string {
  const parts = [`1C: ${portalStatusLabel(status)}`];
  if (doc.number1c) parts.push(`№ ${doc.number1c}`);
  if (status === 'shipped' && doc.shipped?.number) parts.push(`отгрузка ${doc.shipped.number}`);
  return parts.join(', ');
}

/** Lines compared as 1C sees them: product Ид, quantity and unit price, in any order. */
function linesDiffer(ours: readonly OrderLineRow[], theirs: readonly OneCLine[]): boolean {
  const key = (id: string, quantity: number, price: number) => `${id}\u0000${quantity}\u0000${price}`;
  const a = ours.map((l) => key(lineProductId(l), l.quantity, l.unit_price)).sort();
  const b = theirs.map((l) => key(l.productKey, l.quantity, l.unitPrice)).sort();
  return a.length !== b.length || a.some((k, i) => k !== b[i]);
}

interface KnownProduct {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  unit_name: string | null;
  vat_bp: number | null;
}

async function knownProduct(trx: Transaction<DB>, key: string): Promise<KnownProduct | undefined> {
  const portalId = PORTAL_PRODUCT.exec(key)?.[1];
  let query = trx
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .select(['p.id', 'p.sku', 'p.name', 'p.variant_name', 'u.name as unit_name', 'p.vat_bp']);
  query = portalId ? query.where('p.id', '=', Number(portalId)) : query.where('p.external_1c_id', '=', key);
  return query.executeTakeFirst();
}

/** 1C's lines, with our names and SKUs wherever the product is one we know. */
async function replacementLines(
  trx: Transaction<DB>,
  order: OrderRow,
  ours: readonly OrderLineRow[],
  theirs: readonly OneCLine[],
) {
  const unused = [...ours];
  const includeVat = theirs.find((l) => l.vatIncluded !== null)?.vatIncluded ?? order.prices_include_vat === 1;
  const lines: NewLine[] = [];
  let discountTotal = 0;
  for (const [i, line] of theirs.entries()) {
    const at = unused.findIndex((l) => lineProductId(l) === line.productKey);
    const existing = at >= 0 ? unused.splice(at, 1)[0] : undefined;
    const product = existing?.product_id ? undefined : await knownProduct(trx, line.productKey);
    const vatBp = line.vatBp !== undefined ? line.vatBp : (existing?.vat_bp ?? product?.vat_bp ?? null);
    const rate = vatBp ?? 0;
    const vatAmount = line.vatAmount ?? Math.round((line.lineTotal * rate) / (includeVat ? 10000 + rate : 10000));
    const samePrice = existing !== undefined && existing.unit_price === line.unitPrice;
    const listPrice = samePrice ? existing.list_price : null;
    if (listPrice !== null) discountTotal += Math.max(0, Math.round(listPrice * line.quantity) - line.lineTotal);
    const productId = existing?.product_id ?? product?.id ?? null;
    lines.push({
      order_id: order.id,
      line_no: i + 1,
      product_id: productId,
      sku: existing?.sku ?? product?.sku ?? line.sku,
      name:
        existing?.name ??
        (product ? (product.variant_name ? `${product.name} (${product.variant_name})` : product.name) : line.name),
      unit_name: existing?.unit_name || product?.unit_name || line.unitName,
      // Our own Ид is derived from product_id; kept only when the product is gone, so the line still compares equal.
      product_1c_id: PORTAL_PRODUCT.test(line.productKey) && productId !== null ? null : line.productKey,
      product_ms_id: existing?.product_ms_id ?? null,
      quantity: line.quantity,
      list_price: listPrice,
      unit_price: line.unitPrice,
      discount_bp: samePrice ? existing.discount_bp : 0,
      line_total: line.lineTotal,
      vat_bp: vatBp,
      vat_amount: vatAmount,
      // The rate a line was priced at stays with it while 1C keeps its price.
      currency: samePrice ? existing.currency : null,
      currency_price: samePrice ? existing.currency_price : null,
      rate_micro: samePrice ? existing.rate_micro : null,
      rate_date: samePrice ? existing.rate_date : null,
    });
  }
  const subtotal = lines.reduce((sum, l) => sum + l.line_total, 0);
  const vatTotal = lines.reduce((sum, l) => sum + l.vat_amount, 0);
  return {
    lines,
    totals: {
      prices_include_vat: includeVat ? 1 : 0,
      subtotal,
      discount_total: discountTotal,
      vat_total: vatTotal,
      total: includeVat ? subtotal : subtotal + vatTotal,
      line_count: lines.length,
    },
  };
}
