/**
 * The one way an order's status changes. The buyer's cancellation, the order desk, 1C's order
 * documents (and MoySklad, webhooks, the API as they come) all call changeOrderStatus, which in
 * the caller's transaction moves the status, writes the status history and the order's event,
 * and queues the buyer's status mail, the buyer's order.status_changed webhooks and — for changes made on the portal's side — the export.
 */
import type { AppContext } from '../context.js';
import type { OrderStatus } from '../db/schema.js';
import type { Tx } from '../db/transaction.js';
import { queueOrderEvent } from '../integrations/webhooks/events.js';
import { type EventActor, type EventSource, recordOrderEvent } from './events.js';
import { queueExports } from './export.js';

/** Every status, in the order an order goes through them. */
export const ORDER_STATUSES: readonly OrderStatus[] = ['new', 'confirmed', 'in_progress', 'shipped', 'completed', 'cancelled'];

/**
 * Where staff may move an order from `current`: any other status but "new" (a new order is one
 * nobody has taken yet; taking it back would reopen it for the buyer's cancellation and for line
 * changes after the buyer was told it is confirmed). Moving back (a mis-click) is allowed and stays
 * in the history.
 */
export function staffTargets(current: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((s) => s !== 'new' && s !== current);
}

export interface StatusChange {
  orderId: number;
  to: OrderStatus;
  /** For the buyer: kept in the history, shown on the order page and in the status mail. */
  note?: string;
  source: EventSource;
  actor: EventActor | null;
  at: number;
  /** Only from one of these statuses, checked in the update itself (the buyer's cancel: only while new). */
  from?: readonly OrderStatus[];
  /** Also set these columns with the status (1C's number, paid and shipped marks): one update. */
  alsoSet?: { paid_at?: number | null; shipped_at?: number | null };
}

export type StatusChangeResult =
  | { ok: true; from: OrderStatus }
  | { ok: false; problem: 'not_found' }
  | { ok: false; problem: 'unchanged' | 'wrong_status'; current: OrderStatus };

const NOTE_MAX = 500;

/** Changes made by the accounting system itself are not sent back to it. */
const fromAccounting = (source: EventSource) => source === '1c' || source === 'moysklad';

/** What a status change needs of the context: the outbox for its mail, the exporters for the export. */
export type StatusContext = Pick<AppContext, 'outbox' | 'orderExporters'>;

export async function changeOrderStatus(ctx: StatusContext, tx: Tx, change: StatusChange): Promise<StatusChangeResult> {
  const trx = tx.db;
  const order = await trx
    .selectFrom('orders')
    .select(['id', 'number', 'company_id', 'origin', 'po_number', 'created_at', 'status'])
    .where('id', '=', change.orderId)
    .executeTakeFirst();
  if (!order) return { ok: false, problem: 'not_found' };
  if (order.status === change.to) return { ok: false, problem: 'unchanged', current: order.status };
  if (change.from && !change.from.includes(order.status)) return { ok: false, problem: 'wrong_status', current: order.status };
  const result = await trx
    .updateTable('orders')
    .set({ ...change.alsoSet, status: change.to, updated_at: change.at })
    .where('id', '=', order.id)
    .where('status', '=', order.status)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return { ok: false, problem: 'wrong_status', current: order.status };

  const note = (change.note ?? '').trim().slice(0, NOTE_MAX);
  await trx
    .insertInto('order_status_history')
    .values({ order_id: order.id, status: change.to, note, source: change.source, changed_by: change.actor?.id ?? null, created_at: change.at })
    .execute();
  await recordOrderEvent(trx, {
    orderId: order.id,
    kind: 'status_changed',
    data: { from: order.status, to: change.to, note },
    source: change.source,
    actor: change.actor,
    at: change.at,
  });
  // The buyer's mail, webhooks and the export start as soon as the caller's transaction is committed.
  await ctx.outbox.enqueue(tx, 'send_status_mail', { orderId: order.id, status: change.to });
  await queueOrderEvent(ctx, tx, { type: 'order.status_changed', order: { ...order, status: change.to }, previousStatus: order.status }, change.at);
  if (!fromAccounting(change.source)) await queueExports(ctx, tx, order.id);
  return { ok: true, from: order.status };
}
