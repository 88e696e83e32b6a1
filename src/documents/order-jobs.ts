import type { OrderStatus } from '../db/schema.js';
import type { JobHandler } from '../jobs/handler.js';
import { type InvoiceAttachment, invoiceForMail } from './invoice.js';
import { sendOrderPlacedMails, sendStatusMails } from './order-mails.js';

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

export const renderPdfJob: JobHandler<OrderJob> = async (ctx, { orderId }) => {
  if (!ctx.pdf.available) return; // nothing to do without a browser; the mail says so
  await ctx.orderPdfs.ensure(orderId);
};

export const sendOrderMailJob: JobHandler<OrderJob> = async (ctx, { orderId }, job) => {
  let pdf: { path: string } | { missing: string };
  if (!ctx.pdf.available) {
    pdf = { missing: ctx.pdf.reason ?? 'no browser' };
  } else {
    try {
      pdf = { path: await ctx.orderPdfs.ensure(orderId) };
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
