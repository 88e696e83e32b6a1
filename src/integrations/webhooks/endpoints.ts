import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.js';
import type { DB, UserRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../db/schema.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from './events.js';
import { newWebhookSecret } from './signature.js';
import { checkWebhookTarget, type TargetProblem } from './target.js';

/** A company rarely needs more than one receiver; a handful covers test and production systems. */
export const MAX_ENDPOINTS_PER_COMPANY = 5;
/** Deliveries older than this are dropped once done: the profile shows recent ones. */
const KEEP_DELIVERIES_MS = 30 * 24 * 60 * 60 * 1000;

export type EndpointProblem = TargetProblem | 'events_required' | 'limit';

export type AddEndpointResult = { ok: true; endpoint: WebhookEndpointRow } | { ok: false; problem: EndpointProblem };

/**
 * Registers a receiver for the company. The URL is checked now (scheme, no credentials, and
 * unless api.webhooks.allow_private: not a private or loopback address, looked up in DNS) and
 * again at every delivery, where it counts. The secret is made here and shown to the user once.
 */
export async function addWebhookEndpoint(ctx: AppContext, companyId: number, user: UserRow, input: { url: string; events: readonly string[] }): Promise<AddEndpointResult> {
  const events = WEBHOOK_EVENTS.filter((e) => input.events.includes(e));
  if (events.length === 0) return { ok: false, problem: 'events_required' };
  const target = await checkWebhookTarget(input.url, ctx.config.api.webhooks.allowPrivate);
  if (!target.ok) return target;
  const count = await ctx.db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('company_id', '=', companyId).executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_ENDPOINTS_PER_COMPANY) return { ok: false, problem: 'limit' };
  const endpoint = await ctx.db
    .insertInto('webhook_endpoints')
    .values({ company_id: companyId, url: target.url.href, secret: newWebhookSecret(), events: events.join(' '), created_by: user.id, created_at: ctx.clock.now() })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ok: true, endpoint };
}

/** Removes the company's endpoint with its deliveries; false when it is not the company's. */
export async function removeWebhookEndpoint(db: Kysely<DB>, companyId: number, endpointId: number): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('id', '=', endpointId).where('company_id', '=', companyId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export interface EndpointView {
  id: number;
  url: string;
  events: WebhookEvent[];
  createdAt: number;
  deliveries: Pick<WebhookDeliveryRow, 'id' | 'event' | 'status' | 'attempts' | 'response_status' | 'response_body' | 'error' | 'created_at' | 'last_attempt_at'>[];
}

/** The company's endpoints with their most recent deliveries, for the profile page (no secrets). */
export async function companyEndpoints(db: Kysely<DB>, companyId: number, recent = 10): Promise<EndpointView[]> {
  const endpoints = await db.selectFrom('webhook_endpoints').select(['id', 'url', 'events', 'created_at']).where('company_id', '=', companyId).orderBy('id').execute();
  return Promise.all(
    endpoints.map(async (e) => ({
      id: e.id,
      url: e.url,
      events: WEBHOOK_EVENTS.filter((ev) => e.events.split(' ').includes(ev)),
      createdAt: e.created_at,
      deliveries: await db
        .selectFrom('webhook_deliveries')
        .select(['id', 'event', 'status', 'attempts', 'response_status', 'response_body', 'error', 'created_at', 'last_attempt_at'])
        .where('endpoint_id', '=', e.id)
        .orderBy('id', 'desc')
        .limit(recent)
        .execute(),
    })),
  );
}

/** Drops an endpoint's old finished deliveries. */
export async function pruneDeliveries(db: Kysely<DB>, endpointId: number, now: number): Promise<void> {
  await db
    .deleteFrom('webhook_deliveries')
    .where('endpoint_id', '=', endpointId)
    .where('created_at', '<', now - KEEP_DELIVERIES_MS)
    .where('status', '!=', 'pending')
    .execute();
}
