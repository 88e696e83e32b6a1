import { createReadStream, existsSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RATE_SCALE } from '../../catalog/currency.js';
import type { AppContext } from '../../context.js';
import type { OrderStatus } from '../../db/schema.js';
import { type InvoiceOrder, invoiceForViewer, invoiceOrderFor, renderInvoiceHtml } from '../../documents/invoice.js';
import { orderFileName, renderOrderHtml } from '../../documents/order-document.js';
import { orderPdfPath } from '../../documents/order-mails.js';
import { invoiceAvailable } from '../../documents/seller.js';
import { showDate } from '../../finance/dates.js';
import { documentsOfOrder } from '../../finance/ledger.js';
import { formatForeignMoney, formatNumber } from '../../i18n/index.js';
import { orderEvents } from '../../orders/events.js';
import {
  cancelOrder,
  companyOrderSummary,
  listOrders,
  ORDER_STATUSES,
  orderLines,
  repeatOrder,
  statusHistory,
  visibleOrder,
} from '../../orders/orders.js';
import { enteredBySeller } from '../../orders/seller-orders.js';
import { currentUser, formString, idParam, pageNumber, queryString, requireLogin, requireRole } from '../guards.js';
import { notFound } from '../http-error.js';
import { chooseCompanyUrl, companyBuyingFor } from './buying.js';
import { describeHistory } from './order-history.js';

const PAGE_SIZE = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `2026-03-07` → midnight Moscow time of that day, in ms; undefined for anything else. */
function dayStart(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00+03:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

export async function orderRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  async function loadVisible(request: FastifyRequest) {
    // Someone else's order is "not found", never "forbidden": its existence is not revealed.
    const order = await visibleOrder(ctx.db, currentUser(request), idParam(request.params));
    if (!order) throw notFound();
    return order;
  }

  app.get('/orders', { preHandler: requireLogin }, async (request, reply) => {
    const q = request.query;
    const status = queryString(q, 'status') as OrderStatus;
    const from = queryString(q, 'from');
    const to = queryString(q, 'to');
    const text = queryString(q, 'text').slice(0, 100);
    const page = pageNumber(q);
    const filter = {
      ...(ORDER_STATUSES.includes(status) ? { status } : {}),
      ...(dayStart(from) !== undefined ? { from: dayStart(from) } : {}),
      ...(dayStart(to) !== undefined ? { to: (dayStart(to) ?? 0) + DAY_MS - 1 } : {}),
      ...(text ? { text } : {}),
    };
    const { rows, total } = await listOrders(ctx.db, currentUser(request), filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries({ status: filter.status ?? '', from, to, text })) if (value) params.set(key, value);
    return reply.page('orders/list', {
      orders: rows,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      pagerBase: `/orders?${params.toString()}${params.size ? '&' : ''}`,
      filter: { status: filter.status ?? '', from, to, text },
      statuses: ORDER_STATUSES,
    });
  });

  app.get('/orders/:id', { preHandler: requireLogin }, async (request, reply) => {
    const order = await loadVisible(request);
    const [lines, history, documents, events] = await Promise.all([
      orderLines(ctx.db, order.id),
      statusHistory(ctx.db, order.id),
      documentsOfOrder(ctx.db, order.id),
      orderEvents(ctx.db, order.id, { buyerView: true }),
    ]);
    const user = currentUser(request);
    const bySeller = enteredBySeller(order.origin);
    // An order the seller entered in accounting lives there: its status is accounting's to change.
    const canCancel = !bySeller && order.status === 'new' && (user.role !== 'buyer' || ctx.config.orders.allowCancel);
    const invoice = invoiceAvailable(ctx.config) && order.status !== 'cancelled';
    const overrideBy =
      order.credit_override_by === null
        ? null
        : ((await ctx.db.selectFrom('users').select('name').where('id', '=', order.credit_override_by).executeTakeFirst())
            ?.name ?? null);
    // What staff (or accounting) changed in the lines since the buyer placed the order.
    const changes = describeHistory(
      events.filter((e) => e.kind === 'lines_changed'),
      request.t,
      request.locale,
    );
    // A line priced from another currency says so, with the rate it was priced at (which never moves).
    const rateNotes = lines.map((l) =>
      l.currency && l.currency_price !== null && l.rate_micro !== null && l.rate_date
        ? request.t('orders.atRate', {
            amount: formatForeignMoney(l.currency_price, l.currency, request.locale),
            rate: formatNumber(l.rate_micro / RATE_SCALE, request.locale, 6),
            date: showDate(l.rate_date, request.locale),
          })
        : null,
    );
    return reply.page('orders/order', {
      order,
      lines,
      rateNotes,
      history,
      canCancel,
      invoice,
      bySeller,
      documents,
      overrideBy,
      changes,
    });
  });

  app.get('/orders/:id/print', { preHandler: requireLogin }, async (request, reply) => {
    const order = await loadVisible(request);
    // The very function the PDF is made with: the printed page and the mailed PDF are one document.
    const html = await renderOrderHtml(ctx, order.id, request.locale);
    return reply.header('cache-control', 'no-store').header('content-type', 'text/html; charset=utf-8').send(html);
  });

  // The stored PDF (made by the mail job), or made now; without a browser, the printable page.
  app.get('/orders/:id/pdf', { preHandler: requireLogin }, async (request, reply) => {
    const order = await loadVisible(request);
    if (!ctx.pdf.available && !existsSync(orderPdfPath(ctx, order))) return reply.redirect(`/orders/${order.id}/print`, 303);
    const path = await ctx.orderPdfs.ensure(order.id);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${orderFileName(order.number)}"`)
      .header('cache-control', 'private, no-store')
      .send(createReadStream(path));
  });

  /** Why there is no invoice, as the order page says it; 404 for an order the viewer may not see (or without bank details). */
  function noInvoice(reply: FastifyReply, outcome: Extract<InvoiceOrder, { ok: false }>) {
    if (outcome.problem === 'cancelled' && outcome.order)
      return reply.redirect(`/orders/${outcome.order.id}?notice=invoice.cancelledOrder`, 303);
    throw notFound();
  }

  // The invoice for payment, made fresh each time (an edited order gets a current one); without a browser, its printable page.
  app.get('/orders/:id/invoice.pdf', { preHandler: requireLogin }, async (request, reply) => {
    if (!ctx.pdf.available) {
      const found = await invoiceOrderFor(ctx, currentUser(request), { id: idParam(request.params) });
      return found.ok ? reply.redirect(`/orders/${found.order.id}/invoice`, 303) : noInvoice(reply, found);
    }
    const outcome = await invoiceForViewer(ctx, currentUser(request), { id: idParam(request.params) });
    if (!outcome.ok) return noInvoice(reply, outcome);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${outcome.fileName}"`)
      .header('cache-control', 'private, no-store')
      .send(outcome.pdf);
  });

  app.get('/orders/:id/invoice', { preHandler: requireLogin }, async (request, reply) => {
    const found = await invoiceOrderFor(ctx, currentUser(request), { id: idParam(request.params) });
    if (!found.ok) return noInvoice(reply, found);
    const html = await renderInvoiceHtml(ctx, found.order.id, request.locale);
    return reply.header('cache-control', 'no-store').header('content-type', 'text/html; charset=utf-8').send(html);
  });

  app.post('/orders/:id/cancel', { preHandler: requireLogin }, async (request, reply) => {
    const order = await loadVisible(request);
    const user = currentUser(request);
    if (user.role === 'buyer' && !ctx.config.orders.allowCancel) throw notFound();
    const done = await cancelOrder(ctx, order, user, formString(request.body, 'note'));
    return reply.redirect(`/orders/${order.id}?notice=${done ? 'orders.cancelled' : 'orders.cannotCancel'}`, 303);
  });

  app.post('/orders/:id/repeat', { preHandler: requireLogin }, async (request, reply) => {
    const order = await loadVisible(request);
    const company = await companyBuyingFor(ctx, request);
    // Staff repeat into the cart of the order's company, choosing it first if needed.
    if (!company || company.companyId !== order.company_id) return reply.redirect(chooseCompanyUrl(`/orders/${order.id}`), 303);
    const report = await repeatOrder(ctx.db, ctx.clock, company, currentUser(request), order.id);
    return reply.page('orders/repeat-result', { order, report });
  });

  app.get('/manager', { preHandler: requireRole('manager', 'admin') }, async (request, reply) => {
    const companies = await companyOrderSummary(ctx.db, currentUser(request));
    return reply.page('orders/manager', { companies });
  });
}
