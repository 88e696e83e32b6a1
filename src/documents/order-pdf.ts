import { existsSync } from 'node:fs';
import type { AppContext } from '../context.js';
import type { JobRow } from '../db/schema.js';
import { orderPdfPath } from './order-mails.js';
import { renderOrderPdf } from './pdf.js';

/** A PDF render that keeps failing gives way after this many tries: the mail goes without it. */
export const PDF_TRIES_BEFORE_MAIL_WITHOUT = 3;

/** Renders in progress, so the PDF job and the mail job of one order never render it twice. */
const rendering = new Map<string, Promise<string>>();

/**
 * The PDF of the order as it is now, made if it is not on disk yet. Files are kept per revision,
 * so an order whose lines changed gets a new PDF while the old one is never served again.
 */
export async function ensureOrderPdf(ctx: AppContext, orderId: number): Promise<string> {
  const order = await ctx.db.selectFrom('orders').select(['number', 'revision']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const path = orderPdfPath(ctx, order);
  if (existsSync(path)) return path;
  const pending = rendering.get(path);
  if (pending) return pending;
  const render = renderOrderPdf(ctx, ctx.pdf, orderId, ctx.config.site.defaultLocale).finally(() => rendering.delete(path));
  rendering.set(path, render);
  return render;
}

export type MailPdf = { path: string } | { missing: string };

/**
 * The PDF to attach to a mail job: made now if needed; a render that fails fails the job (it is
 * retried) a few times, then the mail goes without it, saying why.
 */
export async function pdfForMail(ctx: AppContext, job: JobRow, orderId: number): Promise<MailPdf> {
  if (!ctx.pdf.available) return { missing: ctx.pdf.reason ?? 'no browser' };
  try {
    return { path: await ensureOrderPdf(ctx, orderId) };
  } catch (error) {
    if (job.attempts + 1 < PDF_TRIES_BEFORE_MAIL_WITHOUT) throw error;
    return { missing: error instanceof Error ? error.message : String(error) };
  }
}
