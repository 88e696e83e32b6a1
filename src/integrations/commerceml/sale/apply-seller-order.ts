/**
 * An order document 1C sends for an order the portal does not have: taken by phone or typed in
 * 1C. When its buyer is a company the portal knows (by 1C Ид, or ИНН/КПП — never the shared
 * "Покупатель через интернет-магазин", which has neither), it joins that buyer's history as an
 * order entered by the seller (orders/seller-orders.ts), numbered as in 1C. Later documents for
 * it update it like any order; it is never sent back to 1C.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../../context.js';
import type { DB } from '../../../db/schema.js';
import { recordSellerOrder, type SellerOrderLine } from '../../../orders/seller-orders.js';
import { textOf } from '../xml/node.js';
import type { XmlNode } from '../xml/reader.js';
import { findCompany, readCounterparty } from './counterparties.js';
import { decideStatus } from './decide-status.js';
import { parseExchangeDateTime } from './exchange-values.js';
import type { OneCLine, OneCOrderDocument } from './read-order-document.js';
import { portalStatusLabel, type StatusLookup } from './status-map.js';

export type SellerOrderOutcome =
  | { kind: 'created'; orderNumber: string; warnings: string[] }
  | { kind: 'unknown'; label: string; warnings: string[] };

const PORTAL_PRODUCT = /^optovik-product-(\d+)$/;

async function productFor(trx: Transaction<DB>, key: string) {
  const portalId = PORTAL_PRODUCT.exec(key)?.[1];
  let query = trx.selectFrom('products').select(['id', 'sku', 'name', 'variant_name', 'vat_bp']);
  query = portalId ? query.where('id', '=', Number(portalId)) : query.where('external_1c_id', '=', key);
  return query.executeTakeFirst();
}

async function linesOf(trx: Transaction<DB>, theirs: readonly OneCLine[], includeVat: boolean): Promise<SellerOrderLine[]> {
  const lines: SellerOrderLine[] = [];
  for (const line of theirs) {
    const product = await productFor(trx, line.productKey);
    const vatBp = line.vatBp !== undefined ? line.vatBp : (product?.vat_bp ?? null);
    const rate = vatBp ?? 0;
    lines.push({
      productId: product?.id ?? null,
      // Kept as 1C wrote it, so the next document from 1C compares equal line by line.
      product1cId: PORTAL_PRODUCT.test(line.productKey) && product ? null : line.productKey,
      productMsId: null,
      sku: product?.sku || line.sku,
      name: product ? (product.variant_name ? `${product.name} (${product.variant_name})` : product.name) : line.name || line.productKey,
      unitName: line.unitName,
      quantity: line.quantity,
      unitPrice: line.unitPrice,
      lineTotal: line.lineTotal,
      vatBp,
      vatAmount: line.vatAmount ?? Math.round((line.lineTotal * rate) / (includeVat ? 10000 + rate : 10000)),
    });
  }
  return lines;
}

export async function applySellerOrder(
  ctx: AppContext,
  doc: OneCOrderDocument,
  node: XmlNode,
  lookup: StatusLookup,
  now: number,
): Promise<SellerOrderOutcome> {
  const unknown = (warnings: string[] = []) => ({ kind: 'unknown', label: doc.label, warnings }) as const;
  const externalId = textOf(node, 'Ид') || doc.number1c;
  if (!doc.buyer || !externalId || doc.deleted) return unknown();
  if (!doc.lines || doc.lines.length === 0)
    return unknown([`order ${doc.label} entered in 1C has no lines; it was not added to the buyer's history`]);
  const lines = doc.lines;
  const cp = readCounterparty(doc.buyer);
  return ctx.db.transaction().execute(async (trx) => {
    const match = await findCompany(trx, cp);
    if (!match) return unknown();
    const includeVat = lines.find((l) => l.vatIncluded !== null)?.vatIncluded ?? ctx.config.catalog.pricesIncludeVat;
    const status = decideStatus('new', doc, lookup).status;
    const number = doc.number1c || textOf(node, 'Номер') || externalId;
    const dated = parseExchangeDateTime(`${textOf(node, 'Дата1С') || textOf(node, 'Дата')} ${textOf(node, 'Время')}`.trim());
    const order = await recordSellerOrder(
      trx,
      {
        origin: '1c',
        externalId,
        number,
        date: doc.date1c || null,
        createdAt: dated ?? now,
        companyId: match.companyId,
        legalEntityId: match.entity?.id ?? null,
        status,
        pricesIncludeVat: includeVat,
        lines: await linesOf(trx, lines, includeVat),
        comment: textOf(node, 'Комментарий'),
        paidAt: doc.paid ? (doc.paid.at ?? now) : null,
        shippedAt: doc.shipped ? (doc.shipped.at ?? now) : null,
        historyNote: `Заказ внесён в 1С, № ${number}; 1C: ${portalStatusLabel(status)}`,
      },
      now,
    );
    const warnings =
      doc.total !== null && doc.total !== order.total
        ? [`order ${number} entered in 1C: its lines add up to ${order.total} kopecks, the document says ${doc.total}`]
        : [];
    return { kind: 'created', orderNumber: order.number, warnings } as const;
  });
}
