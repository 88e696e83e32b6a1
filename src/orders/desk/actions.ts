/**
 * What staff do to an order on the order desk, each in one transaction that also writes the
 * order's history: move it to another status (with a comment to the buyer, who gets the status
 * mail), mark it paid or shipped (or take the mark back). Whether staff may do it at all is
 * config's (policy.ts); which orders a person may touch is checked by the caller (a manager's
 * companies only), before anything here runs.
 */
import type { AppContext } from '../../context.js';
import type { OrderStatus, UserRow } from '../../db/schema.js';
import { transaction } from '../../db/transaction.js';
import { queueExports } from '../export.js';
import { recordOrderEvent } from '../events.js';
import { changeOrderStatus, staffTargets } from '../status.js';
import { assertStaffChangesAllowed } from './policy.js';

type DeskContext = Pick<AppContext, 'db' | 'database' | 'clock' | 'config' | 'outbox' | 'orderExporters'>;

export type DeskStatusResult =
  | { ok: true }
  | { ok: false; problem: 'not_found' }
  /** Not a status staff can move this order to from where it is now (it may have moved meanwhile). */
  | { ok: false; problem: 'not_a_target'; current: OrderStatus };

/** Statuses an order reaches only after it has been shipped: moving there marks it shipped too. */
const SHIPPED_OR_LATER: readonly OrderStatus[] = ['shipped', 'completed'];
const BEFORE_SHIPPING: readonly OrderStatus[] = ['new', 'confirmed', 'in_progress'];

export async function deskChangeStatus(ctx: DeskContext, actor: UserRow, orderId: number, to: OrderStatus, note: string): Promise<DeskStatusResult> {
  assertStaffChangesAllowed(ctx.config);
  return transaction(ctx.database, async (tx) => {
    const trx = tx.db;
    const order = await trx.selectFrom('orders').select(['id', 'status', 'shipped_at']).where('id', '=', orderId).executeTakeFirst();
    if (!order) return { ok: false, problem: 'not_found' } as const;
    if (!staffTargets(order.status).includes(to)) return { ok: false, problem: 'not_a_target', current: order.status } as const;
    const now = ctx.clock.now();
    const by = { id: actor.id, name: actor.name };
    const marksShipped = SHIPPED_OR_LATER.includes(to) && order.shipped_at === null;
    const changed = await changeOrderStatus(ctx, tx, {
      orderId,
      to,
      note,
      source: 'portal',
      actor: by,
      at: now,
      from: [order.status],
      ...(marksShipped ? { alsoSet: { shipped_at: now } } : {}),
    });
    if (!changed.ok) return { ok: false, problem: 'not_a_target', current: changed.problem === 'not_found' ? order.status : changed.current } as const;
    if (marksShipped) await recordOrderEvent(trx, { orderId, kind: 'marked', data: { mark: 'shipped', on: true, at: now }, source: 'portal', actor: by, at: now });
    return { ok: true } as const;
  });
}

export type DeskMarkResult = { ok: true; changed: boolean } | { ok: false; problem: 'not_found' | 'cancelled' };

/**
 * Marks the order paid or shipped (`on`), or takes the mark back. Marking an order shipped that
 * is not that far yet moves it to "shipped" as well (the buyer gets that status mail), as a
 * shipment from accounting does.
 */
export async function deskMark(ctx: DeskContext, actor: UserRow, orderId: number, mark: 'paid' | 'shipped', on: boolean): Promise<DeskMarkResult> {
  assertStaffChangesAllowed(ctx.config);
  return transaction(ctx.database, async (tx) => {
    const trx = tx.db;
    const order = await trx.selectFrom('orders').select(['id', 'status', 'paid_at', 'shipped_at']).where('id', '=', orderId).executeTakeFirst();
    if (!order) return { ok: false, problem: 'not_found' } as const;
    if (order.status === 'cancelled') return { ok: false, problem: 'cancelled' } as const;
    const current = mark === 'paid' ? order.paid_at : order.shipped_at;
    if ((current !== null) === on) return { ok: true, changed: false } as const;
    const now = ctx.clock.now();
    const by = { id: actor.id, name: actor.name };
    await trx
      .updateTable('orders')
      .set({ ...(mark === 'paid' ? { paid_at: on ? now : null } : { shipped_at: on ? now : null }), updated_at: now })
      .where('id', '=', orderId)
      .execute();
    await recordOrderEvent(trx, { orderId, kind: 'marked', data: { mark, on, at: on ? now : null }, source: 'portal', actor: by, at: now });
    const moves = mark === 'shipped' && on && BEFORE_SHIPPING.includes(order.status);
    if (moves) await changeOrderStatus(ctx, tx, { orderId, to: 'shipped', source: 'portal', actor: by, at: now, from: [order.status] });
    else await queueExports(ctx, tx, orderId);
    return { ok: true, changed: true } as const;
  });
}
