import type { AppContext } from '../context.js';
import type { SyncTx, Tx } from '../db/transaction.js';
import type { JobHandler } from '../jobs/handler.js';
import type { Urgency } from '../jobs/outbox.js';

/**
 * A system orders are pushed to (MoySklad's customerorder, a webhook receiver): built in
 * context.ts when its integration is configured. 1C is not one: it collects new orders itself
 * through the exchange (type=sale&mode=query). With no exporter, no export job is queued at all.
 */
export interface OrderExporter {
  /** Names the exporter in the job's payload, so the job finds it again after a restart. */
  readonly name: string;
  /** Sends the order as it is now (new, changed or cancelled). Throwing retries it later. */
  exportOrder(ctx: AppContext, orderId: number): Promise<void>;
}

export interface ExportOrderJob {
  orderId: number;
  exporter: string;
}

export const exportOrderJob: JobHandler<ExportOrderJob> = async (ctx, { orderId, exporter }) => {
  const target = ctx.orderExporters.find((e) => e.name === exporter);
  // Config changed since the job was queued: retried (and visible) until the exporter is back.
  if (!target) throw new Error(`no order exporter "${exporter}" is configured (any more)`);
  await target.exportOrder(ctx, orderId);
};

/** Queues the order's export to every configured exporter, one job each, in the order's transaction. */
export async function queueExports(ctx: Pick<AppContext, 'outbox' | 'orderExporters'>, tx: Tx, orderId: number): Promise<void> {
  for (const exporter of ctx.orderExporters) await ctx.outbox.enqueue(tx, 'export_order', { orderId, exporter: exporter.name });
}

/** The same inside placeOrder's transaction of plain statements. */
export function queueExportsSync(ctx: Pick<AppContext, 'outbox' | 'orderExporters'>, tx: SyncTx, orderId: number, urgency: Urgency): void {
  for (const exporter of ctx.orderExporters) ctx.outbox.enqueueSync(tx, 'export_order', { orderId, exporter: exporter.name }, urgency);
}
