import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { JobRow, OrderStatus } from '../db/schema.js';
import { formatDateTime, formatMoney, formatNumber, isLocale } from '../i18n/index.js';
import { type LineChange, type OrderEvent, type OrderEventData, orderEvents, recordOrderEvent } from '../orders/events.js';
import type { InvoiceAttachment } from './invoice.js';
import { link, sendMessage } from './messages.js';
import { orderPdfName } from './order-document.js';
import type { MailPdf } from './order-pdfs.js';

export interface Recipient {
  email: string;
  name: string;
  locale: Locale;
  /** Buyers get "your order"; the seller and the manager get "a new order from …". */
  side: 'buyer' | 'seller';
}

/** Everyone an order's mail goes to, each once, each in their language. */
export async function orderRecipients(ctx: AppContext, companyId: number): Promise<Recipient[]> {
  const fallback = ctx.config.site.defaultLocale;
  const localeOf = (l: string | null) => (isLocale(l) ? l : fallback);
  const buyers = await ctx.db
    .selectFrom('users')
    .select(['email', 'name', 'locale'])
    .where('company_id', '=', companyId)
    .where('role', '=', 'buyer')
    .where('disabled_at', 'is', null)
    .execute();
  const manager = await ctx.db
    .selectFrom('companies')
    .innerJoin('users', 'users.id', 'companies.manager_id')
    .select(['users.email', 'users.name', 'users.locale'])
    .where('companies.id', '=', companyId)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst();
  const all: Recipient[] = [
    ...buyers.map((u) => ({ email: u.email, name: u.name, locale: localeOf(u.locale), side: 'buyer' as const })),
    ...(manager ? [{ email: manager.email, name: manager.name, locale: localeOf(manager.locale), side: 'seller' as const }] : []),
    ...ctx.config.orders.sellerEmails.map((email) => ({ email, name: ctx.config.site.name, locale: fallback, side: 'seller' as const })),
  ];
  const seen = new Set<string>();
  return all.filter((r) => {
    const key = r.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where the PDF of the order as it is now (its revision) is kept. */
export function orderPdfPath(ctx: Pick<AppContext, 'config'>, order: { number: string; revision: number }): string {
  return join(ctx.config.dataDir, 'pdf', orderPdfName(order.number, order.revision));
}

/**
 * Sends the "order placed" mail to every recipient this job has not mailed yet (recorded in
 * sent_mails), so a job that re-runs after an SMTP failure never mails anyone twice.
 * `pdf` is the order's PDF, or null with the reason it is missing (the mail says so).
 */
export async function sendOrderPlacedMails(
  ctx: AppContext,
  job: JobRow,
  orderId: number,
  pdf: MailPdf,
  /** The invoice for payment (documents.invoice), the reason it is missing, or null when there is none to send. */
  invoice: InvoiceAttachment | { missing: string } | null = null,
): Promise<number> {
  const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!order) return 0;
  const [lines, company, sent] = await Promise.all([
    ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute(),
    ctx.db.selectFrom('companies').select('name').where('id', '=', order.company_id).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('sent_mails').select('recipient').where('job_id', '=', job.id).execute(),
  ]);
  const already = new Set(sent.map((s) => s.recipient));
  const attachment = 'path' in pdf && existsSync(pdf.path) ? { filename: `${order.number}.pdf`, content: readFileSync(pdf.path), contentType: 'application/pdf' } : null;
  let count = 0;
  for (const recipient of await orderRecipients(ctx, order.company_id)) {
    if (already.has(recipient.email)) continue;
    const money = (k: number) => formatMoney(k, recipient.locale);
    const files = [...(attachment ? [attachment] : []), ...(invoice && 'content' in invoice ? [invoice] : [])];
    const info = await sendMessage(ctx, recipient, (t) => ({
      subject:
        recipient.side === 'buyer'
          ? t('mail.orderPlacedSubject', { number: order.number })
          : t('mail.orderNewSubject', { number: order.number, company: company.name }),
      body: {
        paragraphs: [
          recipient.side === 'buyer'
            ? t('mail.orderPlacedText', { number: order.number, date: formatDateTime(order.created_at, recipient.locale) })
            : t('mail.orderNewText', { number: order.number, company: company.name, buyer: order.buyer_name }),
          t('mail.orderTotal', { total: money(order.total), lines: order.line_count }),
          ...(order.po_number ? [t('mail.orderPo', { po: order.po_number })] : []),
          ...(order.delivery_address ? [t('mail.orderAddress', { address: order.delivery_address })] : []),
          ...(order.comment ? [t('mail.orderComment', { comment: order.comment })] : []),
          attachment ? t('mail.orderPdfAttached') : t('mail.orderPdfMissing'),
          ...(invoice === null ? [] : 'content' in invoice ? [t('mail.invoiceAttached')] : [t('mail.invoiceMissing')]),
        ],
        table: [
          [t('orders.colSku'), t('orders.colName'), t('orders.colQty'), t('orders.colSum')],
          ...lines.map((l) => [l.sku, l.name, `${formatNumber(l.quantity, recipient.locale)} ${l.unit_name}`, money(l.line_total)]),
        ],
        action: { label: t('mail.orderOpen'), url: link(ctx, `/orders/${order.id}`) },
      },
      ...(files.length > 0 ? { attachments: files } : {}),
    }));
    await recordSentMail(ctx, job, order, recipient.email, info.messageId, { mail: 'order_placed', to: recipient.email, pdf: attachment !== null, ...(attachment ? { revision: order.revision } : {}) });
    count += 1;
  }
  if ('missing' in pdf) ctx.log.warn({ orderId, reason: pdf.missing }, 'order mails sent without the PDF');
  if (invoice && 'missing' in invoice) ctx.log.warn({ orderId, reason: invoice.missing }, 'order mails sent without the invoice');
  return count;
}

/**
 * "Your order's status changed" to the company's buyers: the status this job was queued for, the
 * comment staff gave with it, what was changed in the order's lines since the previous status
 * mail, and the order's PDF as it is now (`pdf`; null = none wanted, e.g. for a cancellation).
 */
export async function sendStatusMails(ctx: AppContext, job: JobRow, orderId: number, pdf: MailPdf | null, queuedStatus?: OrderStatus): Promise<number> {
  const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!order) return 0;
  const status = queuedStatus ?? order.status;
  const sent = new Set((await ctx.db.selectFrom('sent_mails').select('recipient').where('job_id', '=', job.id).execute()).map((s) => s.recipient));
  const { note, changes } = statusMailNews(await orderEvents(ctx.db, orderId, { buyerView: true }), status);
  const attachment = pdf && 'path' in pdf && existsSync(pdf.path) ? { filename: `${order.number}.pdf`, content: readFileSync(pdf.path), contentType: 'application/pdf' } : null;
  let count = 0;
  for (const recipient of (await orderRecipients(ctx, order.company_id)).filter((r) => r.side === 'buyer')) {
    if (sent.has(recipient.email)) continue;
    const money = (k: number) => formatMoney(k, recipient.locale);
    const qty = (n: number | null, unit: string) => (n === null ? '—' : `${formatNumber(n, recipient.locale)} ${unit}`.trim());
    const info = await sendMessage(ctx, recipient, (t) => {
      const statusName = t(`orders.status_${status}`);
      const paragraphs = [t('mail.statusText', { number: order.number, status: statusName })];
      if (note) paragraphs.push(t('desk.mailNote', { note }));
      if (changes.length > 0) paragraphs.push(t('desk.mailLinesChanged', { total: money(order.total), lines: order.line_count }));
      if (attachment) paragraphs.push(t('desk.mailPdfAttached'));
      const table =
        changes.length > 0
          ? [
              [t('orders.colSku'), t('orders.colName'), t('desk.colWas'), t('desk.colNow')],
              ...changes.map((c) => [c.sku, c.name, qty(c.before, c.unit), qty(c.after, c.unit)]),
            ]
          : undefined;
      return {
        subject: t('mail.statusSubject', { number: order.number, status: statusName }),
        body: {
          paragraphs,
          ...(table ? { table } : {}),
          action: { label: t('mail.orderOpen'), url: link(ctx, `/orders/${order.id}`) },
        },
        ...(attachment ? { attachments: [attachment] } : {}),
      };
    });
    await recordSentMail(ctx, job, order, recipient.email, info.messageId, {
      mail: 'status',
      to: recipient.email,
      status,
      pdf: attachment !== null,
      ...(attachment ? { revision: order.revision } : {}),
    });
    count += 1;
  }
  return count;
}

/**
 * What the status mail for `status` has to tell besides the status: the comment given with that
 * change, and the lines changed since the status change before it (the buyer hears of them now).
 */
export function statusMailNews(events: readonly OrderEvent[], status: OrderStatus): { note: string; changes: LineChange[] } {
  let at = -1;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e?.kind === 'status_changed' && e.data.to === status) {
      at = i;
      break;
    }
  }
  if (at < 0) return { note: '', changes: [] };
  const changes: LineChange[] = [];
  for (let i = at - 1; i >= 0; i--) {
    const e = events[i];
    if (!e || e.kind === 'status_changed') break;
    if (e.kind === 'lines_changed') changes.unshift(...e.data.lines);
  }
  const current = events[at];
  return { note: current?.kind === 'status_changed' ? current.data.note : '', changes: mergeChanges(changes) };
}

/** Several edits of one line since the last mail read as one: from the first "before" to the last "after". */
function mergeChanges(changes: LineChange[]): LineChange[] {
  const byLine = new Map<string, LineChange>();
  for (const c of changes) {
    const key = `${c.sku}\u0000${c.name}`;
    const first = byLine.get(key);
    byLine.set(key, first ? { ...c, before: first.before, priceBefore: first.priceBefore } : c);
  }
  return [...byLine.values()].filter((c) => c.before !== c.after || c.priceBefore !== c.priceAfter);
}

/** The mail went out: sent_mails (so a re-run skips this recipient) and the order's history, together. */
async function recordSentMail(
  ctx: AppContext,
  job: JobRow,
  order: { id: number },
  recipient: string,
  messageId: string,
  data: OrderEventData['mail_sent'],
): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sent_mails')
      .values({ job_id: job.id, recipient, message_id: messageId, with_attachment: data.pdf ? 1 : 0, sent_at: now })
      .execute();
    await recordOrderEvent(trx, { orderId: order.id, kind: 'mail_sent', data, source: 'system', actor: null, at: now });
  });
}
