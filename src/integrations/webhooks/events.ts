/**
 * Order events for the buyers' webhooks. An event is queued inside the transaction that made it
 * happen (the outbox): one delivery row per subscribed endpoint of the order's company, with the
 * exact body every attempt will send, and one job that delivers it after the commit. No endpoint
 * subscribed, nothing written: one indexed lookup per order.
 *
 * Bodies are thin on purpose (Standard Webhooks' recommended shape: type, timestamp, data): the
 * order's number, its status and where to read it. A receiver reads the full order through the
 * API with its token, so a leaked or misdirected delivery carries no prices or requisites.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { AppContext } from '../../context.js';
import type { OrderOrigin, OrderStatus } from '../../db/schema.js';
import type { SyncTx, Tx } from '../../db/transaction.js';

export const WEBHOOK_EVENTS = ['order.created', 'order.status_changed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** What an event says about its order; the fields every order row has. */
export interface EventOrder {
  id: number;
  number: string;
  company_id: number;
  status: OrderStatus;
  origin: OrderOrigin;
  po_number: string;
  created_at: number;
}

export type OrderEvent =
  | { type: 'order.created'; order: EventOrder }
  | { type: 'order.status_changed'; order: EventOrder; previousStatus: OrderStatus };

/** webhook-id: unique per message, the same for all its retries. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

export function eventBody(event: OrderEvent, now: number): string {
  const o = event.order;
  return JSON.stringify({
    type: event.type,
    timestamp: new Date(now).toISOString(),
    data: {
      order: {
        number: o.number,
        status: o.status,
        ...(event.type === 'order.status_changed' ? { previous_status: event.previousStatus } : {}),
        origin: o.origin,
        po_number: o.po_number,
        created_at: new Date(o.created_at).toISOString(),
        href: `/api/v1/orders/${encodeURIComponent(o.number)}`,
      },
    },
  });
}

const ENDPOINTS_SQL = `select id from webhook_endpoints where company_id = ? and instr(' ' || events || ' ', ?) > 0 order by id`;
const INSERT_DELIVERY_SQL = `insert into webhook_deliveries (endpoint_id, message_id, event, order_id, payload, created_at)
  values (?, ?, ?, ?, ?, ?) returning id`;

/** What queueing an event needs of the context: the outbox its delivery jobs go into. */
export type EventContext = Pick<AppContext, 'outbox'>;

/** For writers that run plain statements in their own transaction (placeOrder). */
export function queueOrderEventSync(ctx: EventContext, tx: SyncTx, event: OrderEvent, now: number): number {
  const endpoints = tx.statements.get(ENDPOINTS_SQL, 'first').all(event.order.company_id, ` ${event.type} `) as number[];
  if (endpoints.length === 0) return 0;
  const body = eventBody(event, now);
  for (const endpointId of endpoints) {
    const deliveryId = tx.statements.get(INSERT_DELIVERY_SQL, 'first').get(endpointId, newMessageId(), event.type, event.order.id, body, now) as number;
    ctx.outbox.enqueueSync(tx, 'deliver_webhook', { deliveryId });
  }
  return endpoints.length;
}

/** The same inside a Kysely transaction (status changes, imports). */
export async function queueOrderEvent(ctx: EventContext, tx: Tx, event: OrderEvent, now: number): Promise<number> {
  const { rows } = await sql<{ id: number }>`select id from webhook_endpoints where company_id = ${event.order.company_id}
    and instr(' ' || events || ' ', ${` ${event.type} `}) > 0 order by id`.execute(tx.db);
  if (rows.length === 0) return 0;
  const body = eventBody(event, now);
  for (const { id: endpointId } of rows) {
    const delivery = await tx.db
      .insertInto('webhook_deliveries')
      .values({ endpoint_id: endpointId, message_id: newMessageId(), event: event.type, order_id: event.order.id, payload: body, created_at: now, last_attempt_at: null, delivered_at: null, response_status: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    await ctx.outbox.enqueue(tx, 'deliver_webhook', { deliveryId: delivery.id });
  }
  return rows.length;
}
