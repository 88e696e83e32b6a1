import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import type { OrderStatus } from '../db/schema.js';
import type { JobHandler } from '../jobs/handler.js';
import { type InvoiceAttachment, invoiceForMail } from './invoice.js';
import { orderPdfPath, sendOrderPlacedMails, sendStatusMails } from './order-mails.js';
import { renderOrderPdf } from './pdf.js';

/** What an order's document jobs carry. */
export interface OrderJob {
  orderId: number;
}

/** A status mail also names the status it announces (the order may have moved on by the time it runs). */
export interface StatusMailJob extends OrderJob {
  status: OrderStatus;
}

/** A PDF render that keeps failing gives way after this many tries: the mail goes without it. */
const PDF_TRIES_BEFORE_MAIL_WITHOUT = 3;

/** Renders in progress, so the PDF job and the mail job of one order never render it twice. */
const rendering = new Map<string, Promise<string>>();

/** The order's PDF, made now if it is not on disk yet; both the PDF job and the mail job ask. */
async function ensureOrderPdf(ctx: AppContext, orderId: number): Promise<string> {
  const order = await ctx.db.selectFrom('orders').select('number').where('id', '=', orderId).executeTakeFirstOrThrow();
  const path = orderPdfPath(ctx, order.number);
  if (existsSync(path)) return path;
  const pending = rendering.get(path);
  if (pending) return pending;
  const render = renderOrderPdf(ctx, ctx.pdf, orderId, ctx.config.site.defaultLocale).finally(() => rendering.delete(path));
  rendering.set(path, render);
  return render;
}

export const renderPdfJob: JobHandler<OrderJob> = async (ctx, { orderId }) => {
  if (!ctx.pdf.available) return; // nothing to do without a browser; the mail says so
  await ensureOrderPdf(ctx, orderId);
};

export const sendOrderMailJob: JobHandler<OrderJob> = async (ctx, { orderId }, job) => {
  let pdf: { path: string } | { missing: string };
  if (!ctx.pdf.available) {
    pdf = { missing: ctx.pdf.reason ?? 'no browser' };
  } else {
    try {
      pdf = { path: await ensureOrderPdf(ctx, orderId) };
    } catch (error) {
      // Retry the job (and the PDF) a few times; then the mail matters more than the attachment.
      if (job.attempts + 1 < PDF_TRIES_BEFORE_MAIL_WITHOUT) throw error;
      pdf = { missing: error instanceof Error ? error.message : String(error) };
    }
  }
  let invoice: InvoiceAttachment | { missing: string } | null;
  try {
    invoice = await invoiceForMail(ctx, orderId);
  } catch (error) {
    // The same patience as for the order PDF: a few tries, then the mail goes without the invoice.
    if (job.attempts + 1 < PDF_TRIES_BEFORE_MAIL_WITHOUT) throw error;
    invoice = { missing: error instanceof Error ? error.message : String(error) };
  }
  await sendOrderPlacedMails(ctx, job, orderId, pdf, invoice);
};

export const sendStatusMailJob: JobHandler<StatusMailJob> = async (ctx, { orderId }, job) => {
  await sendStatusMails(ctx, job, orderId);
};
