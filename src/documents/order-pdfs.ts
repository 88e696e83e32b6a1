import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { orderPdfPath } from './order-mails.js';
import { renderOrderPdf } from './pdf.js';

/** A PDF render that keeps failing gives way after this many tries: the mail goes without it. */
export const PDF_TRIES_BEFORE_MAIL_WITHOUT = 3;

/** The PDF a mail attaches, or why it has none (the mail says so). */
export type MailPdf = { path: string } | { missing: string };

/**
 * Order PDFs on disk (<data_dir>/pdf/<number>[.r<revision>].pdf), each made once: the PDF job, the
 * mail jobs and the /orders/:id/pdf page ask here, and a render in progress is shared rather than
 * started again. Files are kept per revision, so an order whose lines changed gets a new PDF while
 * the old one is never served again.
 */
export class OrderPdfs {
  private readonly rendering = new Map<string, Promise<string>>();

  constructor(private readonly ctx: Pick<AppContext, 'db' | 'config' | 'pdf'>) {}

  /** The PDF of the order as it is now, made now (in the site's language) if it is not on disk yet. */
  async ensure(orderId: number): Promise<string> {
    const { ctx } = this;
    const order = await ctx.db.selectFrom('orders').select(['number', 'revision']).where('id', '=', orderId).executeTakeFirstOrThrow();
    const path = orderPdfPath(ctx, order);
    if (existsSync(path)) return path;
    const pending = this.rendering.get(path);
    if (pending) return pending;
    const render = renderOrderPdf(ctx, ctx.pdf, orderId, ctx.config.site.defaultLocale).finally(() => this.rendering.delete(path));
    this.rendering.set(path, render);
    return render;
  }

  /**
   * The PDF to attach to a mail job: made now if needed; a render that fails fails the job (it is
   * retried) a few times, then the mail goes without it, saying why.
   */
  async forMail(job: JobRow, orderId: number): Promise<MailPdf> {
    if (!this.ctx.pdf.available) return { missing: this.ctx.pdf.reason ?? 'no browser' };
    try {
      return { path: await this.ensure(orderId) };
    } catch (error) {
      if (job.attempts + 1 < PDF_TRIES_BEFORE_MAIL_WITHOUT) throw error;
      return { missing: error instanceof Error ? error.message : String(error) };
    }
  }
}
