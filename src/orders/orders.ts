import type { Kysely } from 'kysely';
import { companyScope } from '../accounts/companies.js';
import type { Clock } from '../clock.js';
import type { AppContext } from '../context.js';
import { containsPattern } from '../db/fold.js';
import type { DB, OrderRow, OrderStatus, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { type BuyingCompany, changeCartQuantity } from './cart.js';
import { changeOrderStatus } from './status.js';

export { ORDER_STATUSES } from './status.js';
/** Orders accounting has not finished with: a manager's "open orders". */
export const OPEN_STATUSES: readonly OrderStatus[] = ['new', 'confirmed', 'in_progress', 'shipped'];

export interface OrderFilter {
  status?: OrderStatus;
  /** Inclusive, in milliseconds. */
  from?: number;
  to?: number;
  /** Order number, PO number, or words of a line's name or SKU. */
  text?: string;
  companyId?: number;
}

function scoped(db: Kysely<DB>, viewer: UserRow) {
  const scope = companyScope(viewer);
  let query = db.selectFrom('orders as o').innerJoin('companies as c', 'c.id', 'o.company_id');
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('o.company_id', '=', scope.companyId);
  return query;
}

/** Orders the viewer may see: a buyer its company's, a manager its companies', an admin all. */
export async function listOrders(db: Kysely<DB>, viewer: UserRow, filter: OrderFilter, limit: number, offset: number) {
  let query = scoped(db, viewer);
  if (filter.status) query = query.where('o.status', '=', filter.status);
  if (filter.from !== undefined) query = query.where('o.created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('o.created_at', '<=', filter.to);
  if (filter.companyId !== undefined) query = query.where('o.company_id', '=', filter.companyId);
  const text = filter.text?.trim();
  if (text) {
    const like = containsPattern(text);
    query = query.where((eb) =>
      eb.or([
        eb('o.number', 'like', `%${text.replace(/[\\%_]/g, '')}%`),
        eb('o.po_number', 'like', `%${text.replace(/[\\%_]/g, '')}%`),
        eb.exists(
          eb
            .selectFrom('order_lines as l')
            .select('l.id')
            .whereRef('l.order_id', '=', 'o.id')
            .where((inner) => inner.or([inner(inner.fn('fold', ['l.name']), 'like', like), inner(inner.fn('fold', ['l.sku']), 'like', like)])),
        ),
      ]),
    );
  }
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll('o')
    .select('c.name as company_name')
    .orderBy('o.created_at', 'desc')
    .orderBy('o.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return { rows, total: Number(count) };
}

/** The order if the viewer may see it; undefined otherwise (the page answers 404, not 403). */
export async function visibleOrder(db: Kysely<DB>, viewer: UserRow, id: number) {
  return scoped(db, viewer).selectAll('o').select(['c.name as company_name', 'c.manager_id as company_manager_id']).where('o.id', '=', id).executeTakeFirst();
}

export async function orderLines(db: Kysely<DB>, orderId: number) {
  return db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute();
}

export async function statusHistory(db: Kysely<DB>, orderId: number) {
  return db
    .selectFrom('order_status_history as h')
    .leftJoin('users as u', 'u.id', 'h.changed_by')
    .select(['h.status', 'h.note', 'h.source', 'h.created_at', 'u.name as changed_by_name'])
    .where('h.order_id', '=', orderId)
    .orderBy('h.id')
    .execute();
}

/**
 * Cancels a still-new order; false when it has moved on meanwhile (accounting took it). The
 * buyer's status mail and the export are queued with it and start once it is committed.
 */
export async function cancelOrder(ctx: AppContext, order: OrderRow, actor: UserRow, note: string): Promise<boolean> {
  // Orders the seller entered in accounting are changed there, never from the portal.
  if (order.origin === '1c' || order.origin === 'moysklad') return false;
  return transaction(ctx.database, async (tx) => {
    const changed = await changeOrderStatus(ctx, tx, {
      orderId: order.id,
      to: 'cancelled',
      note,
      source: 'portal',
      actor: { id: actor.id, name: actor.name },
      at: ctx.clock.now(),
      from: ['new'],
    });
    return changed.ok;
  });
}

export interface RepeatReport {
  added: { productId: number; name: string; quantity: number }[];
  unavailable: { name: string; sku: string; reason: string }[];
}

/** Copies an order's lines into the cart at today's prices; what cannot be ordered is listed. */
export async function repeatOrder(db: Kysely<DB>, clock: Clock, company: BuyingCompany, actor: UserRow, orderId: number): Promise<RepeatReport> {
  const lines = await orderLines(db, orderId);
  const report: RepeatReport = { added: [], unavailable: [] };
  for (const line of lines) {
    if (line.product_id === null) {
      report.unavailable.push({ name: line.name, sku: line.sku, reason: 'unknown_product' });
      continue;
    }
    const change = await changeCartQuantity(db, clock, company, actor.id, line.product_id, line.quantity, 'add');
    if (change.ok) report.added.push({ productId: line.product_id, name: line.name, quantity: line.quantity });
    else report.unavailable.push({ name: line.name, sku: line.sku, reason: change.problem });
  }
  return report;
}

/** Per company of a manager (or all for an admin): last order date and open orders, for the dashboard. */
export async function companyOrderSummary(db: Kysely<DB>, viewer: UserRow) {
  const scope = companyScope(viewer);
  let query = db
    .selectFrom('companies as c')
    .leftJoin('orders as o', 'o.company_id', 'c.id')
    .select((eb) => [
      'c.id',
      'c.name',
      eb.fn.max('o.created_at').as('last_order_at'),
      eb.fn.sum<number>(eb.case().when('o.status', 'in', [...OPEN_STATUSES]).then(1).else(0).end()).as('open_orders'),
      eb.fn.count<number>('o.id').as('orders'),
    ])
    .where('c.disabled_at', 'is', null)
    .groupBy('c.id')
    .orderBy('c.name');
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('c.id', '=', scope.companyId);
  return query.limit(500).execute();
}
