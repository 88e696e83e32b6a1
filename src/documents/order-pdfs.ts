import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import { orderPdfPath } from './order-mails.js';
import { renderOrderPdf } from './pdf.js';

/**
 * Order PDFs on disk (<data_dir>/pdf/<number>.pdf), each made once: the PDF job, the mail job and
 * the /orders/:id/pdf page ask here, and a render in progress is shared rather than started again.
 */
export class OrderPdfs {
  private readonly rendering = new Map<string, Promise<string>>();

  constructor(private readonly ctx: Pick<AppContext, 'db' | 'config' | 'pdf'>) {}

  /** The order's PDF, made now (in the site's language) if it is not on disk yet. */
  async ensure(orderId: number): Promise<string> {
    const { ctx } = this;
    const order = await ctx.db.selectFrom('orders').select('number').where('id', '=', orderId).executeTakeFirstOrThrow();
    const path = orderPdfPath(ctx, order.number);
    if (existsSync(path)) return path;
    const pending = this.rendering.get(path);
    if (pending) return pending;
    const render = renderOrderPdf(ctx, ctx.pdf, orderId, ctx.config.site.defaultLocale).finally(() => this.rendering.delete(path));
    this.rendering.set(path, render);
    return render;
  }
}
