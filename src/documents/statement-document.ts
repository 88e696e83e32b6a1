/**
 * The buyer's statement ("акт сверки"-style) as HTML and PDF: the same Eta engine, document
 * stylesheet and warm Chromium as the order document, so the printable page and the PDF are one
 * rendering. Does no access check: callers load the legal entity through their own visibility
 * rules first.
 */
import { join } from 'node:path';
import { Eta } from 'eta';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import { showDate } from '../finance/dates.js';
import { accountStatement } from '../finance/statement.js';
import { formatDateTime, formatMoney, translator } from '../i18n/index.js';
import { documentCss } from './order-document.js';
import { type PdfRenderer, PdfUnavailableError, pageNumberFooter } from './pdf.js';
import { buyerLine, sellerDetails, sellerLine } from './seller.js';

const eta = new Eta({ views: join(import.meta.dirname, '..', '..', 'templates'), cache: true });

export interface StatementRequest {
  legalEntityId: number;
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
}

export class LegalEntityNotFoundError extends Error {
  constructor(readonly legalEntityId: number) {
    super(`legal entity ${legalEntityId} not found`);
    this.name = 'LegalEntityNotFoundError';
  }
}

export async function renderStatementHtml(
  ctx: Pick<AppContext, 'db' | 'config' | 'clock'>,
  request: StatementRequest,
  locale: Locale,
  opts: { inlineCss?: boolean } = {},
): Promise<string> {
  const entity = await ctx.db.selectFrom('legal_entities').selectAll().where('id', '=', request.legalEntityId).executeTakeFirst();
  if (!entity) throw new LegalEntityNotFoundError(request.legalEntityId);
  const statement = await accountStatement(ctx.db, entity.id, request.from, request.to);
  const t = translator(locale);
  const seller = sellerDetails(ctx.config);
  return eta.render('documents/statement', {
    locale,
    t,
    money: (kopecks: number) => formatMoney(kopecks, locale),
    day: (isoDate: string) => showDate(isoDate, locale),
    madeAt: formatDateTime(ctx.clock.now(), locale),
    entity,
    statement,
    seller,
    // The same one-line parties as the order document and the invoice.
    sellerLine: sellerLine(seller, t),
    buyerLine: buyerLine({ buyer_name: entity.name, buyer_inn: entity.inn, buyer_kpp: entity.kpp, buyer_address: entity.legal_address }, t),
    siteName: ctx.config.site.name,
    inlineCss: opts.inlineCss ? documentCss() : '',
  });
}

/** The statement's PDF, made now (statements are for a period the buyer picks: nothing is stored). */
export async function renderStatementPdf(
  ctx: Pick<AppContext, 'db' | 'config' | 'clock'>,
  renderer: PdfRenderer,
  request: StatementRequest,
  locale: Locale,
): Promise<Buffer> {
  if (!renderer.available) throw new PdfUnavailableError(renderer.reason ?? 'no Chromium');
  const html = await renderStatementHtml(ctx, request, locale, { inlineCss: true });
  const label = translator(locale)('finance.statementFooter', { from: showDate(request.from, locale), to: showDate(request.to, locale) });
  return renderer.render(html, { footerTemplate: pageNumberFooter(locale, label) });
}

export function statementFileName(entityInn: string, request: StatementRequest): string {
  const who = entityInn.replace(/\D/g, '') || String(request.legalEntityId);
  return `statement-${who}-${request.from}-${request.to}.pdf`;
}
