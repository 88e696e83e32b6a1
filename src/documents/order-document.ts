import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Eta } from 'eta';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import { formattersFor, translator } from '../i18n/index.js';
import { orderLines } from '../orders/orders.js';
import { documentTotals } from './document-lines.js';
import { buyerLine, sellerDetails, sellerLine } from './seller.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const eta = new Eta({ views: TEMPLATES, cache: true });

let css: string | undefined;
/** templates/assets/css/document.css, read once: the PDF gets it inline (no server to fetch it from). */
export function documentCss(): string {
  css ??= readFileSync(join(TEMPLATES, 'assets', 'css', 'document.css'), 'utf8');
  return css;
}

export class OrderNotFoundError extends Error {
  constructor(readonly orderId: number) {
    super(`order ${orderId} not found`);
    this.name = 'OrderNotFoundError';
  }
}

export interface OrderHtmlOptions {
  /** Put document.css inside the page (and forbid every fetch) instead of linking /assets/css/document.css: for the PDF. */
  inlineCss?: boolean;
}

/**
 * The order document as HTML in the given locale, straight from the database: the printable page
 * (GET /orders/:id/print) and the PDF are this one function, so they cannot drift apart.
 * Does no access check: callers load the order through their own visibility rules first.
 */
export async function renderOrderHtml(
  ctx: Pick<AppContext, 'db' | 'config'>,
  orderId: number,
  locale: Locale,
  opts: OrderHtmlOptions = {},
): Promise<string> {
  const [order, lines] = await Promise.all([
    ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst(),
    orderLines(ctx.db, orderId),
  ]);
  if (!order) throw new OrderNotFoundError(orderId);
  const t = translator(locale);
  const seller = sellerDetails(ctx.config);
  return eta.render('documents/order', {
    locale,
    t,
    ...formattersFor(locale),
    order,
    totals: documentTotals(order, lines),
    seller,
    // The order document carries the bank details too: a buyer can pay from it when there is no invoice.
    sellerLine: sellerLine(seller, t, { bank: true }),
    buyerLine: buyerLine(order, t),
    siteName: ctx.config.site.name,
    inlineCss: opts.inlineCss ? documentCss() : '',
  });
}

/**
 * The order's PDF file name: a number prefix from config.yml may hold characters a file name must not.
 * Same rule as orderPdfPath() in order-mails.ts, which looks for the file before asking for a render.
 */
export function orderFileName(number: string): string {
  const safe = number.replace(/[^\w.-]/g, '_');
  // 1C numbers are often Cyrillic (ТДЦУ-000001, ПРОД-000001): without this they would share a file.
  return safe === number ? `${safe}.pdf` : `${safe}-${createHash('sha256').update(number).digest('hex').slice(0, 8)}.pdf`;
}

/**
 * The file the PDF of one revision of the order is kept in: the number for an order as it was
 * placed, with the revision after it once staff or accounting changed its lines (an edited order
 * must never be mailed or shown with the PDF of its old lines).
 */
export function orderPdfName(number: string, revision: number): string {
  return revision === 0 ? orderFileName(number) : `${number.replace(/[^\w.-]/g, '_')}.r${revision}.pdf`;
}
