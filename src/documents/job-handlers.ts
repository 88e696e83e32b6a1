import type { AppContext } from '../context.js';
import type { JobKind } from '../jobs/outbox.js';
import type { JobHandler } from '../jobs/worker.js';
import { ORDER_STATUSES } from '../orders/status.js';
import { type InvoiceAttachment, invoiceForMail } from './invoice.js';
import { sendOrderPlacedMails, sendStatusMails } from './order-mails.js';
import { ensureOrderPdf, PDF_TRIES_BEFORE_MAIL_WITHOUT, pdfForMail } from './order-pdf.js';

function orderIdOf(payload: Record<string, unknown>): number {
  const id = payload.orderId;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`job payload has no orderId: ${JSON.stringify(payload)}`);
  return id;
}

export function documentJobHandlers(ctx: AppContext): Partial<Record<JobKind, JobHandler>> {
  return {
    async render_pdf(_job, payload) {
      if (!ctx.pdf.available) return; // nothing to do without a browser; the mail says so
      await ensureOrderPdf(ctx, orderIdOf(payload));
    },

    async send_order_mail(job, payload) {
      const orderId = orderIdOf(payload);
      const pdf = await pdfForMail(ctx, job, orderId);
      let invoice: InvoiceAttachment | { missing: string } | null;
      try {
        invoice = await invoiceForMail(ctx, orderId);
      } catch (error) {
        // The same patience as for the order PDF: a few tries, then the mail goes without the invoice.
        if (job.attempts + 1 < PDF_TRIES_BEFORE_MAIL_WITHOUT) throw error;
        invoice = { missing: error instanceof Error ? error.message : String(error) };
      }
      await sendOrderPlacedMails(ctx, job, orderId, pdf, invoice);
    },

    async send_status_mail(job, payload) {
      const orderId = orderIdOf(payload);
      const status = ORDER_STATUSES.find((s) => s === payload.status);
      // A cancelled order needs no document; every other status mail carries the order as it is now.
      await sendStatusMails(ctx, job, orderId, status === 'cancelled' ? null : await pdfForMail(ctx, job, orderId), status);
    },

    // 1C collects new orders itself through the exchange (type=sale&mode=query); a push
    // integration (MoySklad) hooks in here. Until one is configured there is nothing to push.
    async export_order() {},
  };
}
