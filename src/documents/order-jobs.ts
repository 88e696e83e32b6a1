import type { OrderStatus } from '../db/schema.js';
import type { JobHandler } from '../jobs/handler.js';
import { type InvoiceAttachment, invoiceForMail } from './invoice.js';
import { sendOrderPlacedMails, sendStatusMails } from './order-mails.js';
import { PDF_TRIES_BEFORE_MAIL_WITHOUT } from './order-pdfs.js';

/** What an order's document jobs carry. */
export interface OrderJob {
  orderId: number;
}

/** A status mail also names the status it announces (the order may have moved on by the time it runs). */
export interface StatusMailJob extends OrderJob {
  status: OrderStatus;
}

export const renderPdfJob: JobHandler<OrderJob> = async (ctx, { orderId }) => {
  if (!ctx.pdf.available) return; // nothing to do without a browser; the mail says so
  await ctx.orderPdfs.ensure(orderId);
};

export const sendOrderMailJob: JobHandler<OrderJob> = async (ctx, { orderId }, job) => {
  const pdf = await ctx.orderPdfs.forMail(job, orderId);
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

export const sendStatusMailJob: JobHandler<StatusMailJob> = async (ctx, { orderId, status }, job) => {
  // A cancelled order needs no document; every other status mail carries the order as it is now.
  const pdf = status === 'cancelled' ? null : await ctx.orderPdfs.forMail(job, orderId);
  await sendStatusMails(ctx, job, orderId, pdf, status);
};
