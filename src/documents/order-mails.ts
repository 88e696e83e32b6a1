import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { formatDateTime, formatMoney, formatNumber, isLocale } from '../i18n/index.js';
import type { InvoiceAttachment } from './invoice.js';
import { link, sendMessage } from './messages.js';
import { orderFileName } from './order-document.js';

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

export function orderPdfPath(ctx: Pick<AppContext, 'config'>, orderNumber: string): string {
  return join(ctx.config.dataDir, 'pdf', orderFileName(orderNumber));
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
  pdf: { path: string } | { missing: string },
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
    await ctx.db
      .insertInto('sent_mails')
      .values({ job_id: job.id, recipient: recipient.email, message_id: info.messageId, with_attachment: attachment ? 1 : 0, sent_at: ctx.clock.now() })
      .execute();
    count += 1;
  }
  if ('missing' in pdf) ctx.log.warn({ orderId, reason: pdf.missing }, 'order mails sent without the PDF');
  if (invoice && 'missing' in invoice) ctx.log.warn({ orderId, reason: invoice.missing }, 'order mails sent without the invoice');
  return count;
}

/** "Your order's status changed" to the company's buyers. */
export async function sendStatusMails(ctx: AppContext, job: JobRow, orderId: number): Promise<number> {
  const order = await ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
  if (!order) return 0;
  const sent = new Set((await ctx.db.selectFrom('sent_mails').select('recipient').where('job_id', '=', job.id).execute()).map((s) => s.recipient));
  let count = 0;
  for (const recipient of (await orderRecipients(ctx, order.company_id)).filter((r) => r.side === 'buyer')) {
    if (sent.has(recipient.email)) continue;
    const info = await sendMessage(ctx, recipient, (t) => {
      const status = t(`orders.status_${order.status}`);
      return {
        subject: t('mail.statusSubject', { number: order.number, status }),
        body: {
          paragraphs: [t('mail.statusText', { number: order.number, status })],
          action: { label: t('mail.orderOpen'), url: link(ctx, `/orders/${order.id}`) },
        },
      };
    });
    await ctx.db.insertInto('sent_mails').values({ job_id: job.id, recipient: recipient.email, message_id: info.messageId, sent_at: ctx.clock.now() }).execute();
    count += 1;
  }
  return count;
}
