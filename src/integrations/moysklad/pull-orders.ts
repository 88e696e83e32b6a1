/**
 * Order states back from MoySklad, by polling: every customerorder changed since the last look
 * (`updated>=`, with an overlap, since writes show up with a small delay). A portal order (found
 * by its MoySklad id or its syncId) whose state maps to another status changes through
 * changeOrderStatus with source 'moysklad' — history, event and the buyer's status mail, and no
 * export back. An order the seller's staff typed into MoySklad for a counterparty the portal
 * knows joins that buyer's history, marked as entered by the seller.
 */
import type { AppContext } from '../../context.js';
import { transaction } from '../../db/transaction.js';
import { recordSellerOrder, type SellerOrderLine } from '../../orders/seller-orders.js';
import { changeOrderStatus } from '../../orders/status.js';
import type { MoySkladClient } from './client.js';
import type { Directory } from './directory.js';
import { fromMsk, idOf, type MsCustomerOrder, type MsOrderPosition } from './wire.js';

export interface OrderPullCounts {
  orders_seen: number;
  statuses_changed: number;
  orders_from_moysklad: number;
}

export async function pullOrders(
  ctx: AppContext,
  client: MoySkladClient,
  directory: Directory,
  since: string | null,
): Promise<{ counts: OrderPullCounts; watermark: string | null }> {
  const counts: OrderPullCounts = { orders_seen: 0, statuses_changed: 0, orders_from_moysklad: 0 };
  let watermark = since;
  const query = since ? { filter: `updated>=${since}`, order: 'updated,asc' } : { order: 'updated,asc' };
  for await (const page of client.pages<MsCustomerOrder>('/entity/customerorder', query)) {
    for (const row of page) {
      counts.orders_seen += 1;
      await applyOrder(ctx, client, directory, row, counts);
      if (watermark === null || row.updated > watermark) watermark = row.updated;
    }
  }
  return { counts, watermark };
}

export async function applyOrder(
  ctx: AppContext,
  client: MoySkladClient,
  directory: Directory,
  row: MsCustomerOrder,
  counts: OrderPullCounts,
): Promise<void> {
  const stateId = idOf(row.state);
  const status = stateId ? (directory.stateStatus.get(stateId) ?? null) : null;
  const stateName = directory.states.find((s) => s.id === stateId)?.name ?? '';
  const ours = await ctx.db
    .selectFrom('orders')
    .select(['id', 'status', 'external_ms_id'])
    .where((eb) => eb.or([eb('external_ms_id', '=', row.id), ...(row.syncId ? [eb('uuid', '=', row.syncId)] : [])]))
    .executeTakeFirst();
  if (ours) {
    if (ours.external_ms_id === null)
      await ctx.db.updateTable('orders').set({ external_ms_id: row.id }).where('id', '=', ours.id).execute();
    if (status === null || status === ours.status) return;
    const changed = await transaction(ctx.database, (tx) =>
      changeOrderStatus(ctx, tx, {
        orderId: ours.id,
        to: status,
        note: stateName ? `МойСклад: ${stateName}` : '',
        source: 'moysklad',
        actor: null,
        at: ctx.clock.now(),
      }),
    );
    if (changed.ok) counts.statuses_changed += 1;
    return;
  }
  const agentId = idOf(row.agent);
  const company = agentId
    ? await ctx.db.selectFrom('companies').select(['id']).where('external_ms_id', '=', agentId).executeTakeFirst()
    : undefined;
  if (!company) return; // an order for someone who does not buy on the portal
  // One request per order typed into MoySklad: few, and only when they first show up.
  const positions = await client.all<MsOrderPosition>(`/entity/customerorder/${row.id}/positions`);
  const ids = positions.map((p) => idOf(p.assortment)).filter((id): id is string => id !== null);
  const products = ids.length
    ? await ctx.db
        .selectFrom('products')
        .leftJoin('units', 'units.id', 'products.unit_id')
        .select(['products.id', 'products.sku', 'products.name', 'products.external_ms_id', 'units.name as unit'])
        .where('products.external_ms_id', 'in', ids)
        .execute()
    : [];
  const byMsId = new Map(products.map((p) => [p.external_ms_id, p]));
  const vatIncluded = row.vatIncluded !== false;
  const lines: SellerOrderLine[] = positions.map((p) => {
    const msId = idOf(p.assortment);
    const product = msId ? byMsId.get(msId) : undefined;
    const lineTotal = Math.round(p.quantity * p.price * (1 - (p.discount ?? 0) / 100));
    const vat = p.vatEnabled === false ? 0 : (p.vat ?? 0);
    return {
      productId: product?.id ?? null,
      product1cId: null,
      productMsId: msId,
      sku: product?.sku ?? '',
      name: product?.name ?? `МойСклад ${msId ?? ''}`.trim(),
      unitName: product?.unit ?? '',
      quantity: p.quantity,
      unitPrice: Math.round(p.price * (1 - (p.discount ?? 0) / 100)),
      lineTotal,
      vatBp: p.vatEnabled === false ? null : vat * 100,
      vatAmount: vatIncluded ? Math.round((lineTotal * vat) / (100 + vat)) : Math.round((lineTotal * vat) / 100),
    };
  });
  const moment = fromMsk(row.moment ?? row.created ?? row.updated);
  await transaction(ctx.database, async (tx) => {
    await recordSellerOrder(
      tx.db,
      {
        origin: 'moysklad',
        externalId: row.id,
        number: row.name,
        date: row.moment ? row.moment.slice(0, 10) : null,
        createdAt: Number.isNaN(moment) ? ctx.clock.now() : moment,
        companyId: company.id,
        legalEntityId: null,
        status: status ?? 'new',
        pricesIncludeVat: vatIncluded,
        lines,
        comment: row.description ?? '',
        paidAt: null,
        shippedAt: null,
        historyNote: stateName ? `Заказ введён в МойСклад: ${stateName}` : 'Заказ введён в МойСклад',
      },
      ctx.clock.now(),
    );
  });
  counts.orders_from_moysklad += 1;
}
