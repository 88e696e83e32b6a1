import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import type { JobKind } from '../jobs/outbox.js';
import type { JobHandler } from '../jobs/worker.js';
import { type InvoiceAttachment, invoiceForMail } from './invoice.js';
import { orderPdfPath, sendOrderPlacedMails, sendStatusMails } from './order-mails.js';
import { renderOrderPdf } from './pdf.js';

/** A PDF render that keeps failing gives way after this many tries: the mail goes without it. */
const PDF_TRIES_BEFORE_MAIL_WITHOUT = 3;

function orderIdOf(payload: Record<string, unknown>): number {
  const id = payload.orderId;
  if (typeof id !== 'number' || !Number.isInteger(id)) throw new Error(`job payload has no orderId: ${JSON.stringify(payload)}`);
  return id;
}

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

export function documentJobHandlers(ctx: AppContext): Partial<Record<JobKind, JobHandler>> {
  return {
    async render_pdf(_job, payload) {
      if (!ctx.pdf.available) return; // nothing to do without a browser; the mail says so
      await ensureOrderPdf(ctx, orderIdOf(payload));
    },

    async send_order_mail(job, payload) {
      const orderId = orderIdOf(payload);
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
    },

    async send_status_mail(job, payload) {
      await sendStatusMails(ctx, job, orderIdOf(payload));
    },

    // 1C collects new orders itself through the exchange (type=sale&mode=query); a push
    // integration (MoySklad) hooks in here. Until one is configured there is nothing to push.
    async export_order() {},
  };
}
