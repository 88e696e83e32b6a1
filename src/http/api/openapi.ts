import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { Type } from 'typebox';
import type { AppContext } from '../../context.js';
import { ORDER_STATUSES } from '../../orders/orders.js';
import { PROBLEM_BASE, PROBLEM_TYPES } from './problems.js';
import { StringEnum } from './schemas.js';

const ORIGINS = ['web', 'api', '1c', 'moysklad'] as const;

/** The body of every webhook delivery (see integrations/webhooks/events.ts, which writes it). */
function webhookOperation(event: 'order.created' | 'order.status_changed', summary: string) {
  const order = Type.Object({
    number: Type.String({ examples: ['W-000123'] }),
    status: StringEnum(ORDER_STATUSES),
    ...(event === 'order.status_changed' ? { previous_status: StringEnum(ORDER_STATUSES) } : {}),
    origin: StringEnum(ORIGINS),
    po_number: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    href: Type.String({
      description: 'Where to read the whole order: GET this path with your token.',
      examples: ['/api/v1/orders/W-000123'],
    }),
  });
  return {
    post: {
      summary,
      description:
        'Sent as a POST to each registered address subscribed to the event, after the change is committed. Headers per the Standard ' +
        'Webhooks specification: `webhook-id` (the same for every retry of one message), `webhook-timestamp` (Unix seconds) and ' +
        '`webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the endpoint secret, base64-decoded ' +
        'after the `whsec_` prefix). Any 2xx answer within api.webhooks.timeout_seconds counts as delivered; anything else is ' +
        'retried with growing waits (10 s, 20 s, 40 s … up to jobs.max_attempts tries).',
      requestBody: {
        content: {
          'application/json': {
            schema: Type.Object({
              type: Type.Literal(event),
              timestamp: Type.String({ format: 'date-time' }),
              data: Type.Object({ order }),
            }),
          },
        },
      },
      responses: { 200: { description: 'Any 2xx status: delivered.' } },
    },
  };
}

const DESCRIPTION = `The buyer's own system (ERP, 1C, a shop) reads the catalog at the company's own prices and stock, places
orders by SKU or barcode, and follows their statuses — through the same code the portal's pages use.

**Authentication.** Every request carries \`Authorization: Bearer <token>\`. A buyer creates tokens on the profile page
(scopes \`read\` and \`order\`); the token is shown once. A manager's token acts for one of the manager's companies, named
in each request with the header \`Optovik-Company: <company number>\`.

**Conventions.** Money is integer kopecks plus a formatted string; dates are ISO 8601; quantities are decimal strings.
Lists are paged with \`limit\` (up to 500) and \`cursor\` (pass \`next_cursor\` back as it is). Errors are RFC 9457
problem details (\`application/problem+json\`) with a stable \`type\`:
${Object.entries(PROBLEM_TYPES)
  .map(([name, spec]) => `\`${PROBLEM_BASE}${name}\` (${spec.status})`)
  .join(', ')}.

**Orders** need an \`Idempotency-Key\` header: the same key with the same body returns the same order (200), with another
body is refused (422); while the first request runs, a second with the key is answered 409.

**Limits.** Requests per token per second (api.rate_limit; 429 with Retry-After and the RateLimit headers); request bodies
up to api.max_body_kb.`;

export function openApiOptions(ctx: AppContext): FastifyDynamicSwaggerOptions {
  return {
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    openapi: {
      openapi: '3.1.0',
      info: { title: `${ctx.config.site.name} API`, version: '1.0.0', description: DESCRIPTION },
      servers: [{ url: ctx.config.server.publicUrl }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token from the profile page (opk_…).' },
        },
      },
      security: [{ bearer: [] }],
      tags: [
        { name: 'catalog', description: 'Products at your prices, stock, categories.' },
        { name: 'orders', description: 'Placing orders and following them.' },
        { name: 'account', description: 'Whom the token acts for.' },
      ],
      webhooks: {
        'order.created': webhookOperation(
          'order.created',
          'A new order of your company (placed on the portal, through the API or by your manager).',
        ),
        'order.status_changed': webhookOperation('order.status_changed', 'An order of your company changed its status.'),
      },
    } as FastifyDynamicSwaggerOptions['openapi'],
  };
}
