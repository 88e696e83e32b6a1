/**
 * Delivering one webhook message: the `deliver_webhook` job. The body was fixed when the event
 * happened (events.ts); each attempt signs it anew with the attempt's timestamp. A 2xx answer
 * is delivered; anything else throws, so the job worker retries with growing waits and, after
 * jobs.max_attempts, gives up, and the delivery shows as failed on the buyer's profile with the
 * last answer. Redirects are not followed (they could lead anywhere, the checks included).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { JobHandler } from '../../jobs/handler.js';
import { pruneDeliveries } from './endpoints.js';
import { webhookHeaders } from './signature.js';
import { checkWebhookUrl, guardedLookup, hostOf } from './target.js';

const USER_AGENT = 'Optovik-Webhooks/1';
/** What is kept of a receiver's answer, for the profile page. */
const KEEP_BODY_CHARS = 500;

export interface AttemptResult {
  status: number | null;
  body: string;
  error: string;
}

/** One POST of the body, signed; never throws, every outcome is described. */
export async function postWebhook(
  url: string,
  secret: string,
  messageId: string,
  body: string,
  nowMs: number,
  opts: { allowPrivate: boolean; timeoutMs: number },
): Promise<AttemptResult> {
  const target = checkWebhookUrl(url, opts.allowPrivate);
  if (!target.ok) return { status: null, body: '', error: `refused: ${target.problem}` };
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'content-length': String(Buffer.byteLength(body)),
    ...webhookHeaders(secret, messageId, Math.floor(nowMs / 1000), body),
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  // A literal IP is not looked up, so it was checked above; a name is checked at connect time.
  const lookup = isIP(hostOf(target.url)) ? undefined : guardedLookup(opts.allowPrivate);
  return new Promise<AttemptResult>((done) => {
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      done(result);
    };
    const req = send(target.url, { method: 'POST', headers, ...(lookup ? { lookup } : {}), timeout: opts.timeoutMs }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 4096) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish({ status: res.statusCode ?? null, body: Buffer.concat(chunks).toString('utf8').slice(0, KEEP_BODY_CHARS), error: '' }));
      res.on('error', (error) => finish({ status: res.statusCode ?? null, body: '', error: error.message }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (error: Error) => finish({ status: null, body: '', error: error.message.slice(0, KEEP_BODY_CHARS) }));
    req.end(body);
  });
}

/** What a `deliver_webhook` job carries: the delivery row that holds the message. */
export interface WebhookDeliveryJob {
  deliveryId: number;
}

export const deliverWebhookJob: JobHandler<WebhookDeliveryJob> = async (ctx, { deliveryId }, job) => {
  const delivery = await ctx.db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
    .innerJoin('companies as c', 'c.id', 'e.company_id')
    .select(['d.id', 'd.endpoint_id', 'd.message_id', 'd.payload', 'd.status', 'd.attempts', 'e.url', 'e.secret', 'c.disabled_at as company_disabled_at'])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
  // The endpoint was removed (its deliveries with it), or the message went out already.
  if (!delivery || delivery.status === 'delivered' || delivery.status === 'cancelled') return;
  const now = ctx.clock.now();
  if (delivery.company_disabled_at !== null) {
    await ctx.db.updateTable('webhook_deliveries').set({ status: 'cancelled', error: 'company disabled' }).where('id', '=', delivery.id).execute();
    return;
  }
  const result = await postWebhook(delivery.url, delivery.secret, delivery.message_id, delivery.payload, now, {
    allowPrivate: ctx.config.api.webhooks.allowPrivate,
    timeoutMs: ctx.config.api.webhooks.timeoutSeconds * 1000,
  });
  const ok = result.status !== null && result.status >= 200 && result.status < 300;
  const lastTry = job.attempts + 1 >= ctx.config.jobs.maxAttempts;
  await ctx.db
    .updateTable('webhook_deliveries')
    .set({
      attempts: delivery.attempts + 1,
      last_attempt_at: now,
      response_status: result.status,
      response_body: result.body,
      error: result.error,
      status: ok ? 'delivered' : lastTry ? 'failed' : 'pending',
      delivered_at: ok ? now : null,
    })
    .where('id', '=', delivery.id)
    .execute();
  if (ok) await pruneDeliveries(ctx.db, delivery.endpoint_id, now);
  if (!ok) throw new Error(result.status !== null ? `receiver answered ${result.status}` : `not delivered: ${result.error}`);
};
