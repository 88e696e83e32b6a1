/**
 * The order desk, for managers and admins:
 *   GET  /desk                     orders with filters and totals (a manager: its companies' orders only)
 *   GET  /desk/orders.xlsx         the same filtered list as a spreadsheet, streamed
 *   GET  /desk/orders/:id          one order: facts, status, marks, lines, full history
 *   POST /desk/orders/:id/status   another status, with a comment to the buyer
 *   POST /desk/orders/:id/mark     paid / shipped marks, on or off
 *   POST /desk/orders/:id/lines    quantities, removed lines, an added product (new orders only)
 * Someone else's order is "not found"; whether changes are allowed at all is config's (policy.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { QuantityProblem } from '../../catalog/quantity.js';
import type { AppContext } from '../../context.js';
import type { OrderStatus, UserRow } from '../../db/schema.js';
import { formatNumber, type MessageKey } from '../../i18n/index.js';
import { deskChangeStatus, deskMark } from '../../orders/desk/actions.js';
import { changeOrderLines, type LineEditProblem, type LineRef } from '../../orders/desk/edit-lines.js';
import { type DeskExportLabels, deskOrdersXlsx } from '../../orders/desk/export.js';
import { type DeskFilter, deskChoices, deskOrderPages, deskOrders, deskTotals } from '../../orders/desk/list.js';
import {
  accountingExchanges,
  type StaffChangesPolicy,
  StaffChangesRefused,
  staffChangesPolicy,
} from '../../orders/desk/policy.js';
import { orderEvents } from '../../orders/events.js';
import { orderLines, visibleOrder } from '../../orders/orders.js';
import { ORDER_STATUSES, staffTargets } from '../../orders/status.js';
import { currentUser, formString, idParam, pageNumber, queryString, requireRole } from '../guards.js';
import { notFound } from '../http-error.js';
import { quantitiesFromForm } from './cart.js';
import { describeHistory } from './order-history.js';

const PAGE_SIZE = 50;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `2026-03-07` → midnight Moscow time of that day, in ms; undefined for anything else. */
function dayStart(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00+03:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

const yesNo = (value: string): boolean | undefined => (value === 'yes' ? true : value === 'no' ? false : undefined);
const positiveId = (value: string): number | undefined => (/^\d{1,12}$/.test(value) ? Number(value) : undefined);

/** The filter as typed (to show it again) and as understood (to query with). */
function readFilter(query: unknown) {
  const form = {
    status: queryString(query, 'status'),
    company: queryString(query, 'company'),
    manager: queryString(query, 'manager'),
    from: queryString(query, 'from'),
    to: queryString(query, 'to'),
    exported: queryString(query, 'exported'),
    paid: queryString(query, 'paid'),
    shipped: queryString(query, 'shipped'),
    text: queryString(query, 'text').slice(0, 100),
  };
  const status = ORDER_STATUSES.find((s) => s === form.status);
  const from = dayStart(form.from);
  const to = dayStart(form.to);
  const filter: DeskFilter = {
    ...(status ? { status } : {}),
    ...(positiveId(form.company) !== undefined ? { companyId: positiveId(form.company) } : {}),
    ...(positiveId(form.manager) !== undefined ? { managerId: positiveId(form.manager) } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to: to + DAY_MS - 1 } : {}),
    ...(yesNo(form.exported) !== undefined ? { exported: yesNo(form.exported) } : {}),
    ...(yesNo(form.paid) !== undefined ? { paid: yesNo(form.paid) } : {}),
    ...(yesNo(form.shipped) !== undefined ? { shipped: yesNo(form.shipped) } : {}),
    ...(form.text.trim() ? { text: form.text.trim() } : {}),
  };
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) if (value) params.set(key, value);
  return { form, filter, params };
}

const staff = { preHandler: requireRole('manager', 'admin') };

export async function deskRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  async function loadVisible(request: FastifyRequest) {
    // Another manager's company's order does not exist for this one: 404, never 403.
    const order = await visibleOrder(ctx.db, currentUser(request), idParam(request.params));
    if (!order) throw notFound();
    return order;
  }

  function refusal(request: FastifyRequest, policy: StaffChangesPolicy): string | null {
    if (policy.allowed) return null;
    if (policy.reason === 'never') return request.t('desk.refusedNever');
    return request.t('desk.refusedExchange', { systems: policy.systems.map((s) => request.t(`desk.source_${s}`)).join(', ') });
  }

  app.get('/desk', staff, async (request, reply) => {
    const user = currentUser(request);
    const { form, filter, params } = readFilter(request.query);
    const page = pageNumber(request.query);
    const [{ rows }, totals, choices] = await Promise.all([
      deskOrders(ctx.db, user, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE),
      deskTotals(ctx.db, user, filter),
      deskChoices(ctx.db, user),
    ]);
    const query = params.toString();
    return reply.page('desk/list', {
      orders: rows,
      totals,
      choices,
      form,
      statuses: ORDER_STATUSES,
      page,
      pages: Math.max(1, Math.ceil(totals.orders / PAGE_SIZE)),
      pagerBase: `/desk?${query}${query ? '&' : ''}`,
      exportUrl: `/desk/orders.xlsx${query ? `?${query}` : ''}`,
      refusal: refusal(request, staffChangesPolicy(ctx.config)),
      // Without an accounting exchange there is nothing to export orders to: no column for it.
      exchange: accountingExchanges(ctx.config).length > 0,
    });
  });

  app.get('/desk/orders.xlsx', staff, async (request, reply) => {
    const user = currentUser(request);
    const { filter } = readFilter(request.query);
    const totals = await deskTotals(ctx.db, user, filter);
    const stream = deskOrdersXlsx(deskOrderPages(ctx.db, user, filter), totals, exportLabels(request));
    const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="orders-${day}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });

  interface LinesForm {
    quantities: Record<string, string>;
    remove: Set<number>;
    addCode: string;
    addQty: string;
    note: string;
  }

  async function orderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { error?: string; problems?: Map<LineRef, string>; linesForm?: LinesForm; status?: number } = {},
  ) {
    const order = await loadVisible(request);
    const [lines, events, people] = await Promise.all([
      orderLines(ctx.db, order.id),
      orderEvents(ctx.db, order.id),
      ctx.db
        .selectFrom('companies as c')
        .leftJoin('users as m', 'm.id', 'c.manager_id')
        .select('m.name as manager_name')
        .where('c.id', '=', order.company_id)
        .executeTakeFirst(),
    ]);
    const productIds = lines.flatMap((l) => (l.product_id === null ? [] : [l.product_id]));
    const stock = new Map(
      productIds.length === 0
        ? []
        : (await ctx.db.selectFrom('products').select(['id', 'stock_total']).where('id', 'in', productIds).execute()).map((p) => [
            p.id,
            p.stock_total,
          ]),
    );
    const policy = staffChangesPolicy(ctx.config);
    const placed = events.find((e) => e.kind === 'placed');
    return reply.page(
      'desk/order',
      {
        order,
        lines: lines.map((l) => ({
          ...l,
          stock: l.product_id === null ? null : (stock.get(l.product_id) ?? null),
          problem: extra.problems?.get(l.id) ?? null,
        })),
        history: describeHistory(events, request.t, request.locale),
        managerName: people?.manager_name ?? null,
        placedBy: placed?.actorName ?? '',
        inSync: order.exported_at !== null && order.updated_at <= order.exported_at,
        canChange: policy.allowed,
        canEditLines: policy.allowed && order.status === 'new',
        refusal: refusal(request, policy),
        targets: policy.allowed ? staffTargets(order.status) : [],
        // The step after the current one is what staff usually want: it is preselected.
        nextStatus:
          order.status === 'completed' || order.status === 'cancelled'
            ? null
            : ORDER_STATUSES[ORDER_STATUSES.indexOf(order.status) + 1],
        exchange: accountingExchanges(ctx.config).length > 0,
        error: extra.error ?? null,
        addProblem: extra.problems?.get('add') ?? null,
        linesForm: extra.linesForm ?? { quantities: {}, remove: new Set<number>(), addCode: '', addQty: '', note: '' },
      },
      extra.status ?? 200,
    );
  }

  /** Runs a desk action; a refusal by config re-renders the page saying why, as a 409. */
  async function act(
    request: FastifyRequest,
    reply: FastifyReply,
    action: (user: UserRow, orderId: number) => Promise<MessageKey | { page: Parameters<typeof orderPage>[2] }>,
  ) {
    const order = await loadVisible(request);
    try {
      const outcome = await action(currentUser(request), order.id);
      if (typeof outcome === 'string') return reply.redirect(`/desk/orders/${order.id}?notice=${outcome}`, 303);
      return orderPage(request, reply, outcome.page);
    } catch (error) {
      if (!(error instanceof StaffChangesRefused)) throw error;
      return orderPage(request, reply, { error: refusal(request, error.policy) ?? error.message, status: 409 });
    }
  }

  app.get('/desk/orders/:id', staff, async (request, reply) => orderPage(request, reply));

  app.post('/desk/orders/:id/status', staff, async (request, reply) =>
    act(request, reply, async (user, orderId) => {
      const to = ORDER_STATUSES.find((s) => s === formString(request.body, 'status'));
      if (!to) return { page: { error: request.t('desk.notATarget'), status: 422 } };
      const result = await deskChangeStatus(ctx, user, orderId, to, formString(request.body, 'note'));
      if (result.ok) return 'desk.statusChanged';
      if (result.problem === 'not_found') throw notFound();
      return { page: { error: request.t('desk.notATarget'), status: 409 } };
    }),
  );

  app.post('/desk/orders/:id/mark', staff, async (request, reply) =>
    act(request, reply, async (user, orderId) => {
      const mark = formString(request.body, 'mark');
      if (mark !== 'paid' && mark !== 'shipped') throw notFound();
      const result = await deskMark(ctx, user, orderId, mark, formString(request.body, 'on') === '1');
      if (result.ok) return result.changed ? 'desk.marked' : 'desk.markUnchanged';
      if (result.problem === 'not_found') throw notFound();
      return { page: { error: request.t('desk.markCancelled'), status: 409 } };
    }),
  );

  app.post('/desk/orders/:id/lines', staff, async (request, reply) =>
    act(request, reply, async (user, orderId) => {
      const body = request.body;
      const quantities = new Map(quantitiesFromForm(body));
      const remove = new Set(
        Object.keys((body ?? {}) as Record<string, unknown>).flatMap((key) => {
          const id = /^remove\[(\d{1,12})\]$/.exec(key)?.[1];
          return id ? [Number(id)] : [];
        }),
      );
      const linesForm: LinesForm = {
        quantities: Object.fromEntries([...quantities].map(([id, qty]) => [String(id), qty])),
        remove,
        addCode: formString(body, 'add_code').slice(0, 100),
        addQty: formString(body, 'add_qty').slice(0, 30),
        note: formString(body, 'note').slice(0, 500),
      };
      const result = await changeOrderLines(ctx, user, orderId, {
        quantities,
        remove,
        add: linesForm.addCode.trim() ? { code: linesForm.addCode, quantity: linesForm.addQty } : null,
        note: linesForm.note,
      });
      if (result.ok) return result.changed ? 'desk.linesSaved' : 'desk.linesUnchanged';
      switch (result.problem) {
        case 'not_found':
          throw notFound();
        case 'not_new':
          return { page: { error: request.t('desk.linesNotNew'), status: 409 } };
        case 'empty':
          return { page: { error: request.t('desk.linesEmpty'), status: 422, linesForm } };
        case 'lines':
          return {
            page: {
              error: request.t('desk.linesProblems'),
              problems: describeProblems(request, result.lines),
              linesForm,
              status: 422,
            },
          };
      }
    }),
  );

  function describeProblems(request: FastifyRequest, problems: LineEditProblem[]): Map<LineRef, string> {
    const t = request.t;
    const n = (value: number) => formatNumber(value, request.locale);
    const out = new Map<LineRef, string>();
    for (const p of problems) {
      let text: string;
      switch (p.problem) {
        case 'unavailable':
          text = t('desk.lineUnavailable');
          break;
        case 'no_price':
          text = t('desk.lineNoPrice');
          break;
        case 'unknown_product':
          text = t('desk.addUnknown');
          break;
        case 'ambiguous':
          text = t('desk.addAmbiguous');
          break;
        default: {
          text = t(QUANTITY_PROBLEM[p.problem], { min: n(p.rule.minQty), multiple: n(p.rule.multiple), unit: p.unit });
          if (p.suggestion !== undefined) text += ` ${t('orders.suggestion', { qty: n(p.suggestion) })}`;
        }
      }
      out.set(p.line, text);
    }
    return out;
  }

  function exportLabels(request: FastifyRequest): DeskExportLabels {
    const t = request.t;
    return {
      sheetName: t('desk.xlsxSheet'),
      columns: {
        number: t('orders.colNumber'),
        date: t('orders.colDate'),
        company: t('orders.colCompany'),
        buyer: t('desk.xlsxBuyer'),
        inn: t('orders.inn'),
        manager: t('desk.colManager'),
        status: t('orders.colStatus'),
        lines: t('orders.colLines'),
        total: t('orders.colTotal'),
        vat: t('desk.xlsxVat'),
        paid: t('desk.xlsxPaid'),
        shipped: t('desk.xlsxShipped'),
        exported: t('desk.xlsxExported'),
        accountingNumber: t('orders.accountingNumber'),
        po: t('orders.poNumber'),
        placedBy: t('desk.placedBy'),
      },
      status: (status: OrderStatus) => t(`orders.status_${status}`),
      totalRow: (count) => t('desk.xlsxTotal', { count }),
      paidRow: t('desk.xlsxPaidTotal'),
      cancelledRow: (count) => t('desk.xlsxCancelled', { count }),
      changedSince: t('desk.changedSinceExport'),
    };
  }
}

const QUANTITY_PROBLEM: Record<QuantityProblem, MessageKey> = {
  not_a_number: 'orders.qtyNotANumber',
  not_positive: 'orders.qtyNotPositive',
  too_precise: 'orders.qtyTooPrecise',
  below_minimum: 'orders.qtyBelowMinimum',
  not_multiple: 'orders.qtyNotMultiple',
};
