import { createReadStream, existsSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context.js';
import type { OrderRow } from '../../../db/schema.js';
import { invoiceForViewer } from '../../../documents/invoice.js';
import { orderFileName } from '../../../documents/order-document.js';
import { orderPdfPath } from '../../../documents/order-mails.js';
import { companyOrderByNumber, companyOrdersPage, type OrderCursor } from '../../../orders/order-feed.js';
import { ORDER_STATUSES, orderLines, statusHistory } from '../../../orders/orders.js';
import { ApiProblem } from '../problems.js';
import {
  COMMON_ERRORS,
  CompanyHeader,
  Cursor,
  decodeCursor,
  encodeCursor,
  Limit,
  Nullable,
  problemResponses,
  StringEnum,
} from '../schemas.js';
import { callerCompany, callerUser } from './caller.js';
import { OrderSchema, OrderSummarySchema, orderJson, orderSummaryJson } from './present.js';

export const OrderNumberParams = Type.Object({
  number: Type.String({ minLength: 1, maxLength: 50, description: 'The order number, e.g. W-000123.' }),
});

/**
 * The company's order named in the path, or 404 (another company's order is not found either).
 * Routes about one order (lines, PDF, documents) start here.
 */
export async function orderOfRequest(ctx: AppContext, request: FastifyRequest, number: string): Promise<OrderRow> {
  const company = await callerCompany(ctx, request);
  const order = await companyOrderByNumber(ctx.db, company.companyId, number);
  if (!order) throw new ApiProblem('not-found');
  return order;
}

/** A PDF, or why not (503: no browser on the server). */
const PDF_RESPONSES = {
  200: { description: 'The PDF.', content: { 'application/pdf': { schema: Type.String({ format: 'binary' }) } } },
  ...problemResponses(...COMMON_ERRORS, 503),
};

const OrdersQuery = Type.Object(
  {
    status: Type.Optional(StringEnum(ORDER_STATUSES)),
    created_from: Type.Optional(Type.String({ format: 'date-time', description: 'Placed at or after this moment.' })),
    created_to: Type.Optional(Type.String({ format: 'date-time', description: 'Placed before this moment.' })),
    po_number: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Your purchase order number, exactly.' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

function parseOrderCursor(text: string | undefined): OrderCursor | null {
  if (text === undefined) return null;
  const value = decodeCursor(text) as { c?: unknown; i?: unknown } | undefined;
  const int = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
  if (!int(value?.c) || !int(value?.i)) throw new ApiProblem('invalid-cursor');
  return { createdAt: value.c, id: value.i };
}

export const orderReadRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/orders',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'listOrders',
        tags: ['orders'],
        summary: 'Your orders, newest first',
        description:
          'Whoever placed them: on the portal, through the API or your manager. Poll with status or created_from, or use webhooks.',
        querystring: OrdersQuery,
        headers: CompanyHeader,
        response: {
          200: Type.Object({ items: Type.Array(OrderSummarySchema), next_cursor: Nullable(Type.String()) }),
          ...problemResponses(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const company = await callerCompany(ctx, request);
      const q = request.query;
      const page = await companyOrdersPage(
        ctx.db,
        company.companyId,
        {
          ...(q.status ? { status: q.status } : {}),
          ...(q.created_from ? { createdFrom: Date.parse(q.created_from) } : {}),
          ...(q.created_to ? { createdTo: Date.parse(q.created_to) } : {}),
          ...(q.po_number ? { poNumber: q.po_number } : {}),
        },
        parseOrderCursor(q.cursor),
        q.limit ?? 100,
      );
      return {
        items: page.rows.map((o) => orderSummaryJson(o, request.apiLocale)),
        next_cursor: page.next ? encodeCursor({ c: page.next.createdAt, i: page.next.id }) : null,
      };
    },
  );

  app.get(
    '/orders/:number',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'getOrder',
        tags: ['orders'],
        summary: 'One order with its lines and status history',
        params: OrderNumberParams,
        headers: CompanyHeader,
        response: { 200: OrderSchema, ...problemResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const order = await orderOfRequest(ctx, request, request.params.number);
      const [lines, history] = await Promise.all([orderLines(ctx.db, order.id), statusHistory(ctx.db, order.id)]);
      return orderJson(order, lines, history, request.apiLocale);
    },
  );

  app.get(
    '/orders/:number/pdf',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'getOrderPdf',
        tags: ['orders'],
        summary: 'The order as PDF',
        description: 'The same document the order mail carries.',
        params: OrderNumberParams,
        headers: CompanyHeader,
        response: PDF_RESPONSES,
      },
    },
    async (request, reply) => {
      const order = await orderOfRequest(ctx, request, request.params.number);
      if (!ctx.pdf.available && !existsSync(orderPdfPath(ctx, order)))
        throw new ApiProblem('pdf-unavailable', { headers: { 'retry-after': '3600' } });
      const path = await ctx.orderPdfs.ensure(order.id);
      // A stream, not a value the response schema could serialize.
      return (reply as FastifyReply)
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${orderFileName(order.number)}"`)
        .header('cache-control', 'private, no-store')
        .send(createReadStream(path));
    },
  );

  app.get(
    '/orders/:number/invoice.pdf',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'getOrderInvoicePdf',
        tags: ['orders'],
        summary: 'The invoice for payment (Счёт на оплату) as PDF',
        description:
          'The seller’s invoice for the order with the payment QR code (ГОСТ Р 56042-2014), made for the order as it is now. 404 when the order is cancelled or the seller has not configured bank details.',
        params: OrderNumberParams,
        headers: CompanyHeader,
        response: PDF_RESPONSES,
      },
    },
    async (request, reply) => {
      const order = await orderOfRequest(ctx, request, request.params.number);
      if (!ctx.pdf.available) throw new ApiProblem('pdf-unavailable', { headers: { 'retry-after': '3600' } });
      // The same access rules as the invoice page, on top of the company check above.
      const outcome = await invoiceForViewer(ctx, callerUser(request), { id: order.id }, request.apiLocale);
      if (!outcome.ok) throw new ApiProblem('not-found');
      return (reply as FastifyReply)
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${outcome.fileName}"`)
        .header('cache-control', 'private, no-store')
        .send(outcome.pdf);
    },
  );
};
