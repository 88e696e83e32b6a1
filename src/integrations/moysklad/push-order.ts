/**
 * A placed order becomes a customerorder in MoySklad (the export_order job, with retries). The
 * order's own UUID is the syncId, so a push repeated after a timeout or a crash returns the order
 * MoySklad made the first time instead of making a second one. The agent is the buyer's
 * counterparty: the company's MoySklad id, else found by INN, else created (with a syncId of its
 * own). Once MoySklad has the order it is the master: later changes on the portal's side send only
 * a cancellation (as the state order_state_map gives "cancelled").
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../context.js';
import type { OrderExporter } from '../../orders/export.js';
import { enteredBySeller } from '../../orders/seller-orders.js';
import type { MoySklad } from './service.js';
import { type MsCounterparty, type MsCustomerOrder, type MsOrderPosition, refTo } from './wire.js';

export class MoySkladExporter implements OrderExporter {
  readonly name = 'moysklad';
  constructor(private readonly moysklad: MoySklad) {}

  async exportOrder(ctx: AppContext, orderId: number): Promise<void> {
    const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
    if (!order || enteredBySeller(order.origin)) return;
    const client = this.moysklad.client();
    const directory = await this.moysklad.directory();
    const base = ctx.config.integrations.moysklad.baseUrl;

    if (order.external_ms_id !== null) {
      if (order.status !== 'cancelled') return;
      const cancelled = [...directory.stateStatus].find(([, status]) => status === 'cancelled')?.[0];
      if (!cancelled) return;
      await client.put(`/entity/customerorder/${order.external_ms_id}`, {
        state: refTo(base, 'entity/customerorder/metadata/states', 'state', cancelled),
      });
      return;
    }
    if (!order.uuid) throw new Error(`order ${order.number} has no UUID (the migration 0015_moysklad did not run?)`);

    const agentId = await this.agentFor(ctx, order.company_id, order.legal_entity_id);
    const lines = await ctx.db
      .selectFrom('order_lines')
      .leftJoin('products', 'products.id', 'order_lines.product_id')
      .select([
        'order_lines.line_no',
        'order_lines.sku',
        'order_lines.name',
        'order_lines.quantity',
        'order_lines.unit_price',
        'order_lines.vat_bp',
        'order_lines.product_ms_id',
        'products.external_ms_id',
        'products.parent_id',
      ])
      .where('order_lines.order_id', '=', order.id)
      .orderBy('order_lines.line_no')
      .execute();
    const positions: MsOrderPosition[] = lines.map((line) => {
      const id = line.product_ms_id ?? line.external_ms_id;
      if (!id)
        throw new Error(
          `order ${order.number}, line ${line.line_no} (${line.sku || line.name}): the product has no MoySklad id, it did not come from MoySklad`,
        );
      const type = line.parent_id === null ? 'product' : 'variant';
      return {
        quantity: line.quantity,
        price: line.unit_price,
        discount: 0,
        vat: line.vat_bp === null ? 0 : Math.round(line.vat_bp / 100),
        vatEnabled: line.vat_bp !== null,
        assortment: refTo(base, `entity/${type}`, type, id),
      };
    });
    const description = [
      order.comment.trim(),
      order.po_number ? `PO: ${order.po_number}` : '',
      `Заказ с портала №${order.number}`,
    ]
      .filter(Boolean)
      .join('\n');
    const body = {
      name: order.number,
      externalCode: order.number,
      syncId: order.uuid,
      organization: refTo(base, 'entity/organization', 'organization', directory.organization.id),
      agent: refTo(base, 'entity/counterparty', 'counterparty', agentId),
      ...(directory.orderStore ? { store: refTo(base, 'entity/store', 'store', directory.orderStore.id) } : {}),
      ...(directory.newOrderState
        ? { state: refTo(base, 'entity/customerorder/metadata/states', 'state', directory.newOrderState.id) }
        : {}),
      description: description.slice(0, 4096),
      ...(order.desired_date ? { deliveryPlannedMoment: `${order.desired_date} 00:00:00` } : {}),
      ...(order.delivery_address ? { shipmentAddress: order.delivery_address.slice(0, 255) } : {}),
      vatEnabled: true,
      vatIncluded: ctx.config.integrations.moysklad.vatIncluded,
      positions,
    };
    const made = await client.post<MsCustomerOrder>('/entity/customerorder', body, { idempotent: true });
    await ctx.db.updateTable('orders').set({ external_ms_id: made.id }).where('id', '=', order.id).execute();
  }

  /** The buyer's counterparty in MoySklad: linked, else found by INN, else created; the company is linked to it. */
  private async agentFor(ctx: AppContext, companyId: number, legalEntityId: number | null): Promise<string> {
    const company = await ctx.db
      .selectFrom('companies')
      .select(['id', 'name', 'external_ms_id', 'email', 'phone'])
      .where('id', '=', companyId)
      .executeTakeFirstOrThrow();
    if (company.external_ms_id) return company.external_ms_id;
    const entity = await ctx.db
      .selectFrom('legal_entities')
      .selectAll()
      .where('company_id', '=', companyId)
      .$if(legalEntityId !== null, (q) => q.where('id', '=', legalEntityId ?? 0))
      .orderBy('is_primary', 'desc')
      .executeTakeFirst();
    const client = this.moysklad.client();
    let agent: MsCounterparty | undefined;
    if (entity?.inn) {
      const found = await client.get<{ rows: MsCounterparty[] }>('/entity/counterparty', {
        filter: `inn=${entity.inn}`,
        limit: 10,
      });
      agent = found.rows.find((c: MsCounterparty) => !entity.kpp || !c.kpp || c.kpp === entity.kpp) ?? found.rows[0];
    }
    if (!agent) {
      const inn = entity?.inn ?? '';
      agent = await client.post<MsCounterparty>(
        '/entity/counterparty',
        {
          name: (entity?.name ?? company.name).slice(0, 255),
          companyType: inn.length === 12 ? 'entrepreneur' : 'legal',
          ...(entity ? { legalTitle: entity.name } : {}),
          ...(inn ? { inn } : {}),
          ...(entity?.kpp ? { kpp: entity.kpp } : {}),
          ...(entity?.ogrn ? { ogrn: entity.ogrn } : {}),
          ...(entity?.legal_address ? { legalAddress: entity.legal_address } : {}),
          ...(company.email ? { email: company.email } : {}),
          ...(company.phone ? { phone: company.phone } : {}),
          syncId: stableUuid(`optovik-company:${company.id}:${inn}`),
        },
        { idempotent: true },
      );
    }
    const agentId = agent.id;
    await ctx.db.updateTable('companies').set({ external_ms_id: agentId }).where('id', '=', company.id).execute();
    return agentId;
  }
}

/** A UUID that is always the same for the same text (a syncId that survives restarts). */
function stableUuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
