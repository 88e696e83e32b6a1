import type { JobHandler } from '../../jobs/handler.js';

export interface MoySkladSyncJob {
  full: boolean;
}

/** The admin's "sync now": one sync through the worker; a failed sync is a failed run on the exchange page, not a retried job. */
export const moyskladSyncJob: JobHandler<MoySkladSyncJob> = async (ctx, { full }) => {
  if (!ctx.moysklad) throw new Error('MoySklad is not configured (integrations.moysklad.token is empty)');
  await ctx.moysklad.sync({ full });
};
