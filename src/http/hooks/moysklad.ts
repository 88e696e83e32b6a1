import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { idOf } from '../../integrations/moysklad/wire.js';

interface HookBody {
  events?: { meta?: { type?: string; href?: string }; action?: string }[];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * MoySklad's webhooks on customer orders (`POST /hooks/moysklad?k=<secret>&requestId=…`). MoySklad
 * signs nothing, so the secret is in the URL and the body is only a hint: the named orders are
 * read back through the API after the answer. MoySklad wants 200/204 within 1.5 s.
 */
export async function moyskladHookRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const secret = ctx.config.integrations.moysklad.webhookSecret;
  app.post('/hooks/moysklad', { bodyLimit: 1024 * 1024 }, async (request, reply) => {
    const moysklad = ctx.moysklad;
    if (!moysklad || secret === '') return reply.code(404).send();
    const k = (request.query as Record<string, unknown>).k;
    if (typeof k !== 'string' || !sameSecret(k, secret)) return reply.code(403).send();
    const body = (request.body ?? {}) as HookBody;
    const ids = (body.events ?? [])
      .filter((e) => e.meta?.type === 'customerorder' && e.action !== 'DELETE' && typeof e.meta.href === 'string')
      .map((e) => idOf({ href: e.meta?.href ?? '', type: 'customerorder' }))
      .filter((id): id is string => id !== null && /^[0-9a-f-]{36}$/i.test(id))
      .slice(0, 100);
    if (ids.length > 0) {
      void moysklad
        .refreshOrders(ids)
        .catch((err: unknown) =>
          ctx.log.warn({ err }, 'MoySklad webhook: reading the orders back failed; the next poll catches up'),
        );
    }
    return reply.code(204).send();
  });
}
