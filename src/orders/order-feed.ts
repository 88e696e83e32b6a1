import { type Kysely, sql } from 'kysely';
import type { DB, OrderRow, OrderStatus } from '../db/schema.js';

/**
 * One company's orders for its own system (the API): newest first, chained by a cursor on
 * (created_at, id) so a page never repeats or skips an order when new ones arrive meanwhile.
 */
export interface OrderFeedFilter {
  status?: OrderStatus;
  /** Inclusive, milliseconds. */
  createdFrom?: number;
  /** Exclusive, milliseconds. */
  createdTo?: number;
  poNumber?: string;
}

export interface OrderCursor {
  createdAt: number;
  id: number;
}

export async function companyOrdersPage(
  db: Kysely<DB>,
  companyId: number,
  filter: OrderFeedFilter,
  after: OrderCursor | null,
  limit: number,
): Promise<{ rows: OrderRow[]; next: OrderCursor | null }> {
  let query = db.selectFrom('orders').selectAll().where('company_id', '=', companyId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
  if (filter.createdTo !== undefined) query = query.where('created_at', '<', filter.createdTo);
  if (filter.poNumber !== undefined) query = query.where('po_number', '=', filter.poNumber);
  if (after) query = query.where(sql<boolean>`(created_at, id) < (${after.createdAt}, ${after.id})`);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  const last = rows.at(-1);
  return { rows, next: rows.length === limit && last ? { createdAt: last.created_at, id: last.id } : null };
}

/** The company's order with this number; undefined for another company's (the API answers 404). */
export async function companyOrderByNumber(db: Kysely<DB>, companyId: number, number: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('number', '=', number).where('company_id', '=', companyId).executeTakeFirst();
}

/** The order an idempotency key already placed for the company, if any. */
export async function orderByIdempotencyKey(db: Kysely<DB>, companyId: number, key: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('company_id', '=', companyId).where('idempotency_key', '=', key).executeTakeFirst();
}
