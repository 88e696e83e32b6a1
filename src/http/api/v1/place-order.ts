import { createHash } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { legalEntitiesOf } from '../../../accounts/companies.js';
import { toThousandths } from '../../../catalog/quantity.js';
import type { AppContext } from '../../../context.js';
import type { OrderRow } from '../../../db/schema.js';
import { formatMoney, type Translate } from '../../../i18n/index.js';
import type { BuyingCompany, Cart, RequestedLine } from '../../../orders/cart.js';
import { orderByIdempotencyKey } from '../../../orders/order-feed.js';
import { orderLines, statusHistory } from '../../../orders/orders.js';
import { checkLines, type LineProblem, placeOrder } from '../../../orders/place-order.js';
import { matchLines } from '../../../orders/quick-order/match.js';
import { ApiProblem, type ProblemItem } from '../problems.js';
import { COMMON_ERRORS, CompanyHeader, problemResponses } from '../schemas.js';
import { callerCompany, callerUser } from './caller.js';
import { decimal, OrderSchema, orderHref, orderJson } from './present.js';

/** More lines than this in one order is a mistake (or an attack), not an order. */
export const MAX_ORDER_LINES = 1000;

const Quantity = Type.Union(
  [
    Type.String({
      pattern: '^(0|[1-9][0-9]{0,11})(\\.[0-9]{1,3})?$',
      description: 'Decimal string, up to 3 decimals: "10", "1.5".',
    }),
    Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000_000, description: 'Or a JSON number.' }),
  ],
  { description: 'In the product’s unit; must fit its decimals, minimum and pack size.' },
);

const OrderLineInput = Type.Object(
  {
    sku: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'The product’s SKU (case, spaces and dashes do not count).' }),
    ),
    barcode: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Or its barcode.' })),
    quantity: Quantity,
  },
  { additionalProperties: false },
);

const OrderInput = Type.Object(
  {
    lines: Type.Array(OrderLineInput, { minItems: 1, maxItems: MAX_ORDER_LINES }),
    legal_entity_inn: Type.Optional(
      Type.String({
        pattern: '^([0-9]{10}|[0-9]{12})$',
        description: 'Which of your legal entities buys; the primary one when left out.',
      }),
    ),
    legal_entity_kpp: Type.Optional(
      Type.String({ pattern: '^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$', description: 'With the INN, when several entities share it.' }),
    ),
    delivery_address: Type.Optional(Type.String({ maxLength: 1000 })),
    desired_date: Type.Optional(Type.String({ format: 'date', description: 'YYYY-MM-DD.' })),
    po_number: Type.Optional(Type.String({ maxLength: 100, description: 'Your purchase order number.' })),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
    expected_total: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'Kopecks. When given, the order is refused (price-changed) unless the total at today’s prices is exactly this.',
      }),
    ),
  },
  { additionalProperties: false },
);

type OrderInputBody = Static<typeof OrderInput>;

const IdempotencyHeaders = Type.Object({
  ...CompanyHeader.properties,
  'idempotency-key': Type.String({
    pattern: '^[!-~]{1,255}$',
    description: 'Required. One random value (a UUID) per order; send the same on a retry to get the same order back.',
  }),
});

/** Stable JSON: the same body with its keys in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Keys as the client sent them may be anything printable; stored, they take placeOrder's form. */
function storedKey(key: string): string {
  return `api-${createHash('sha256').update(key).digest('base64url')}`;
}

/** Requests being placed right now, by company and key: a second one with the key waits its turn as 409. */
const inFlight = new Set<string>();

interface Resolved {
  lines: RequestedLine[];
  /** The request's line index of each requested line. */
  indexOf: Map<number, number>;
  problems: ProblemItem[];
}

function lineRef(line: OrderInputBody['lines'][number], index: number) {
  return {
    line: index,
    ...(line.sku !== undefined ? { sku: line.sku } : {}),
    ...(line.barcode !== undefined ? { barcode: line.barcode } : {}),
  };
}

/** SKU or barcode → product, the way quick order matches (one query per kind for all lines). */
async function resolveLines(ctx: AppContext, body: OrderInputBody, t: Translate): Promise<Resolved> {
  const matches = await matchLines(
    ctx.db,
    body.lines.map((l, i) => ({ line: i, sku: l.sku ?? '', barcode: l.barcode ?? '', name: '', quantity: null })),
  );
  const lines: RequestedLine[] = [];
  const indexOf = new Map<number, number>();
  const problems: ProblemItem[] = [];
  for (const [i, line] of body.lines.entries()) {
    const fault = (code: string, detail: string) =>
      void problems.push({ pointer: `/lines/${i}`, code, detail, ...lineRef(line, i) });
    const match = matches[i];
    let productId: number | null = null;
    if (match?.kind === 'product') productId = match.product.id;
    else if (match?.kind === 'ambiguous') {
      // Several products fold to this SKU; the one spelled exactly so settles it.
      const exact = match.candidates.filter((c) => line.sku !== undefined && c.sku === line.sku);
      if (exact.length === 1 && exact[0]) productId = exact[0].id;
      else {
        fault('ambiguous', t('api.lineAmbiguous'));
        continue;
      }
    } else {
      fault(
        match?.kind === 'no_code' ? 'no_code' : 'unknown_product',
        t(match?.kind === 'no_code' ? 'api.lineNoCode' : 'api.lineUnknown'),
      );
      continue;
    }
    const quantity = typeof line.quantity === 'number' ? line.quantity : Number(line.quantity);
    const first = indexOf.get(productId);
    if (!(quantity > 0) || toThousandths(quantity) === null) fault('quantity_format', t('api.lineQuantityPrecision'));
    else if (first !== undefined) fault('duplicate', t('api.lineDuplicate', { line: first }));
    else {
      indexOf.set(productId, i);
      lines.push({ productId, quantity });
    }
  }
  return { lines, indexOf, problems };
}

/** placeOrder's findings about lines, pointed at the request's lines. */
function lineItems(
  problems: readonly LineProblem[],
  resolved: Resolved,
  body: OrderInputBody,
  cart: Cart,
  t: Translate,
): ProblemItem[] {
  return problems.map((p) => {
    const index = resolved.indexOf.get(p.productId) ?? -1;
    const line = body.lines[index];
    const unit = cart.lines.find((l) => l.productId === p.productId)?.unitName ?? '';
    const base = { pointer: `/lines/${index}`, ...(line ? lineRef(line, index) : { line: index }) };
    switch (p.problem) {
      case 'unavailable':
        return { ...base, code: 'unavailable', detail: t('api.lineUnavailable') };
      case 'no_price':
        return { ...base, code: 'no_price', detail: t('api.lineNoPrice') };
      case 'quantity':
        return p.suggestion !== undefined
          ? {
              ...base,
              pointer: `${base.pointer}/quantity`,
              code: 'quantity',
              detail: t('api.lineQuantity', { qty: `${decimal(p.suggestion)} ${unit}`.trim() }),
              suggestion: decimal(p.suggestion),
            }
          : { ...base, pointer: `${base.pointer}/quantity`, code: 'quantity', detail: t('api.lineQuantityNoSuggestion') };
      default:
        return {
          ...base,
          pointer: `${base.pointer}/quantity`,
          code: 'stock',
          detail: t('api.lineStock', { available: `${decimal(p.available)} ${unit}`.trim() }),
          available: decimal(p.available),
        };
    }
  });
}

async function legalEntityId(ctx: AppContext, company: BuyingCompany, body: OrderInputBody): Promise<number | null> {
  if (body.legal_entity_inn === undefined) return null;
  const entities = (await legalEntitiesOf(ctx.db, company.companyId)).filter(
    (e) => e.inn === body.legal_entity_inn && (body.legal_entity_kpp === undefined || e.kpp === body.legal_entity_kpp),
  );
  const entity = entities[0];
  if (!entity)
    throw new ApiProblem('legal-entity-unknown', {
      detail: { key: 'api.detailLegalEntity', params: { inn: body.legal_entity_inn } },
    });
  return entity.id;
}

export const placeOrderRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  /** The answer for an order the key already placed: the same order, or a refusal if the body differs. */
  async function replay(order: OrderRow, requestHash: string, t: Translate) {
    if (order.request_hash !== requestHash) {
      throw new ApiProblem('idempotency-key-reused', { detail: t('api.detailKeyReused', { number: order.number }) });
    }
    return order;
  }

  app.post(
    '/orders',
    {
      config: { apiScope: 'order' },
      schema: {
        operationId: 'createOrder',
        tags: ['orders'],
        summary: 'Place an order',
        description:
          'The same path as the portal’s checkout: lines by SKU or barcode, quantity rules, stock, availability and prices are checked and read again; the order is written with its prices, numbered, mailed with its PDF and sent to accounting. Lines that cannot be ordered are refused all together (422, one errors[] item per line) and nothing is placed. The cart on the portal is not touched.',
        headers: IdempotencyHeaders,
        body: OrderInput,
        response: {
          201: { ...OrderSchema, description: 'Placed. Location names the order.' },
          200: {
            ...OrderSchema,
            description: 'This Idempotency-Key placed this order before, with the same body (Idempotent-Replayed: true).',
          },
          ...problemResponses(...COMMON_ERRORS, 409, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const t = request.apiT;
      const company = await callerCompany(ctx, request);
      const body = request.body;
      const key = storedKey(request.headers['idempotency-key'].replace(/^"(.*)"$/, '$1'));
      const requestHash = createHash('sha256').update(canonical(body)).digest('hex');
      const lock = `${company.companyId}:${key}`;
      if (inFlight.has(lock)) throw new ApiProblem('idempotency-key-in-use', { headers: { 'retry-after': '1' } });
      inFlight.add(lock);
      try {
        let order: OrderRow;
        let replayed = true;
        const resolved = await resolveLines(ctx, body, t);
        const entityId = await legalEntityId(ctx, company, body).catch((error: unknown) => error as ApiProblem);
        // A retry of an order placed before is answered with it, even if it could not be placed today.
        const today = resolved.problems.length > 0 || entityId instanceof ApiProblem;
        const earlier = today ? await orderByIdempotencyKey(ctx.db, company.companyId, key) : undefined;
        if (earlier) order = await replay(earlier, requestHash, t);
        else {
          if (entityId instanceof ApiProblem) throw entityId;
          if (resolved.problems.length > 0) {
            // Report every line at fault at once: the matched lines are checked too.
            const checked = resolved.lines.length > 0 ? await checkLines(ctx, company, resolved.lines) : null;
            const more = checked ? lineItems(checked.problems, resolved, body, checked.cart, t) : [];
            const errors = [...resolved.problems, ...more].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
            throw new ApiProblem('order-lines-refused', {
              detail: { key: 'api.detailLinesRefused', params: { count: errors.length } },
              errors,
            });
          }
          const result = await placeOrder(ctx, callerUser(request), company, {
            legalEntityId: entityId,
            deliveryAddress: body.delivery_address ?? '',
            desiredDate: body.desired_date ?? '',
            poNumber: body.po_number ?? '',
            comment: body.comment ?? '',
            idempotencyKey: key,
            confirmedTotal: body.expected_total ?? 'any',
            origin: 'api',
            lines: resolved.lines,
            requestHash,
          });
          if (!result.ok) {
            switch (result.problem) {
              case 'lines': {
                const errors = lineItems(result.lines, resolved, body, result.cart, t);
                throw new ApiProblem('order-lines-refused', {
                  detail: { key: 'api.detailLinesRefused', params: { count: errors.length } },
                  errors,
                });
              }
              case 'price_changed':
                throw new ApiProblem('price-changed', {
                  detail: {
                    key: 'api.detailPriceChanged',
                    params: {
                      total: formatMoney(result.cart.quote.total, request.apiLocale),
                      expected: formatMoney(body.expected_total ?? 0, request.apiLocale),
                    },
                  },
                });
              case 'bad_input':
                if (result.field === 'legal_entity') throw new ApiProblem('legal-entity-unknown');
                throw new ApiProblem('validation', {
                  errors: [{ pointer: `/${result.field}`, code: 'invalid', detail: t('api.fieldInvalid') }],
                });
              case 'credit':
                // The API places as the token's user: a manager's override needs a reason typed on the order page.
                throw new ApiProblem('credit-limit', {
                  detail: {
                    key: 'api.detailCreditLimit',
                    params: {
                      over: formatMoney(result.credit.overLimitBy, request.apiLocale),
                      overdue: formatMoney(result.credit.overdue, request.apiLocale),
                    },
                  },
                });
              case 'empty_cart':
                throw new ApiProblem('validation', {
                  errors: [{ pointer: '/lines', code: 'minItems', detail: t('api.fieldMinItems', { limit: 1 }) }],
                });
            }
          }
          order = result.duplicate ? await replay(result.order, requestHash, t) : result.order;
          replayed = result.duplicate;
        }
        const [lines, history] = await Promise.all([orderLines(ctx.db, order.id), statusHistory(ctx.db, order.id)]);
        reply.header('location', orderHref(order.number));
        if (replayed) reply.header('idempotent-replayed', 'true');
        return reply.code(replayed ? 200 : 201).send(orderJson(order, lines, history, request.apiLocale));
      } finally {
        inFlight.delete(lock);
      }
    },
  );
};
