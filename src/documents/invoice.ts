/**
 * The invoice for payment (Счёт на оплату) of an order, in the layout every 1C user knows: the bank
 * details block with the payment QR code of ГОСТ Р 56042-2014, supplier and buyer, the lines, the
 * totals, the amount in words, the payment deadline and the signatures. One Eta template, rendered
 * by the same warm Chromium as the order PDF. Always made fresh from the order (never stored): an
 * order edited by the seller gets a current invoice, not yesterday's file.
 */
import { join } from 'node:path';
import { Eta } from 'eta';
import type { Locale } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { OrderRow, UserRow } from '../db/schema.js';
import { amountInWords } from '../i18n/amount-in-words.js';
import { formatDate, formatDateLong, formatKopecksPlain, formatMoney, formatNumber, formatPercentBp, translator } from '../i18n/index.js';
import { orderLines, visibleOrder } from '../orders/orders.js';
import { type DocumentTotals, documentTotals } from './document-lines.js';
import { documentCss, OrderNotFoundError } from './order-document.js';
import { paymentQrSvg, paymentQrText } from './payment-qr.js';
import { pageNumberFooter, type PdfRenderer, PdfUnavailableError } from './pdf.js';
import { buyerLine, invoiceAvailable, sellerDetails, sellerLine } from './seller.js';

const TEMPLATES = join(import.meta.dirname, '..', '..', 'templates');
const eta = new Eta({ views: TEMPLATES, cache: true });

const DAY_MS = 24 * 60 * 60 * 1000;

/** The seller's requisites are not complete enough for an invoice (no bank details): see invoiceAvailable(). */
export class InvoiceUnavailableError extends Error {
  constructor() {
    super('no invoice: fill in seller.name, inn, bank_name, bik and settlement_account in config.yml');
    this.name = 'InvoiceUnavailableError';
  }
}

type Order = Pick<OrderRow, 'number' | 'created_at' | 'total'>;

/**
 * The payment's purpose as the buyer's bank will show it: always in Russian (it goes into a
 * Russian payment order), with the VAT the sum includes, or that there is none.
 */
export function paymentPurpose(order: Order, totals: Pick<DocumentTotals, 'vat' | 'vatTotal'>): string {
  const t = translator('ru');
  const vat = totals.vat.every((row) => row.rateBp === null)
    ? t('invoice.purposeNoVat')
    : t('invoice.purposeVat', { vat: `${formatKopecksPlain(totals.vatTotal)} ${t('invoice.rub')}` });
  return `${t('invoice.purpose', { number: order.number, date: formatDate(order.created_at, 'ru') })}, ${vat}`;
}

/** The ST00012 text of the order's payment QR code. */
export function invoiceQrText(config: AppContext['config'], order: Order, totals: Pick<DocumentTotals, 'vat' | 'vatTotal'>): string {
  const s = config.seller;
  return paymentQrText({
    name: s.name,
    personalAcc: s.settlementAccount,
    bankName: s.bankName,
    bic: s.bik,
    correspAcc: s.correspondentAccount,
    payeeInn: s.inn,
    kpp: s.kpp,
    sum: order.total,
    purpose: paymentPurpose(order, totals),
  });
}

/** "Оплатить не позднее": the order's day plus seller.payment_days; null when the config sets none. */
export function paymentDeadline(config: AppContext['config'], order: Pick<OrderRow, 'created_at'>): number | null {
  return config.seller.paymentDays > 0 ? order.created_at + config.seller.paymentDays * DAY_MS : null;
}

export interface InvoiceHtmlOptions {
  /** Put document.css inside the page (for the PDF) instead of linking it. */
  inlineCss?: boolean;
}

/** The invoice as HTML in the given locale. Does no access check: callers load the order through their visibility rules first. */
export async function renderInvoiceHtml(ctx: Pick<AppContext, 'db' | 'config'>, orderId: number, locale: Locale, opts: InvoiceHtmlOptions = {}): Promise<string> {
  if (!invoiceAvailable(ctx.config)) throw new InvoiceUnavailableError();
  const [order, rows] = await Promise.all([
    ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst(),
    orderLines(ctx.db, orderId),
  ]);
  if (!order) throw new OrderNotFoundError(orderId);
  const totals = documentTotals(order, rows);
  const deadline = paymentDeadline(ctx.config, order);
  const t = translator(locale);
  const seller = sellerDetails(ctx.config);
  return eta.render('documents/invoice', {
    locale,
    t,
    money: (kopecks: number) => formatMoney(kopecks, locale),
    number: (value: number) => formatNumber(value, locale),
    percentBp: (bp: number) => formatPercentBp(bp, locale),
    date: (millis: number) => formatDateLong(millis, locale),
    order,
    totals,
    amountInWords: amountInWords(totals.total, locale),
    deadline,
    seller,
    sellerLine: sellerLine(seller, t),
    buyerLine: buyerLine(order, t),
    nameHeader: t('invoice.colGoods'),
    qrSvg: await paymentQrSvg(invoiceQrText(ctx.config, order, totals)),
    inlineCss: opts.inlineCss ? documentCss() : '',
  });
}

/** The invoice's file name: the order number, made safe for a file name (as orderFileName does). */
export function invoiceFileName(number: string): string {
  return `invoice-${number.replace(/[^\w.-]/g, '_')}.pdf`;
}

/** The invoice as an A4 PDF, made now. Rejects with PdfUnavailableError without a browser. */
export async function renderInvoicePdf(ctx: Pick<AppContext, 'db' | 'config'>, renderer: PdfRenderer, orderId: number, locale: Locale): Promise<Buffer> {
  if (!renderer.available) throw new PdfUnavailableError(renderer.reason ?? 'no Chromium');
  const html = await renderInvoiceHtml(ctx, orderId, locale, { inlineCss: true });
  const order = await ctx.db.selectFrom('orders').select(['number', 'created_at']).where('id', '=', orderId).executeTakeFirstOrThrow();
  const title = translator(locale)('invoice.title', { number: order.number, date: formatDate(order.created_at, locale) });
  return renderer.render(html, { footerTemplate: pageNumberFooter(locale, title) });
}

export type InvoiceOrder =
  | { readonly ok: true; readonly order: OrderRow }
  /** not_found: no such order, or not one the viewer may see (answer 404, never 403). */
  | { readonly ok: false; readonly problem: 'not_found' | 'cancelled' | 'unavailable'; readonly order?: OrderRow };

export type InvoiceOutcome = { readonly ok: true; readonly pdf: Buffer; readonly fileName: string; readonly order: OrderRow } | Extract<InvoiceOrder, { ok: false }>;

/**
 * The order an invoice is asked for, by id or by number, if the viewer may have its invoice: the
 * same access rules as the order itself (a buyer its company's orders, a manager its companies', an
 * admin all). `unavailable`: the seller's bank details are not configured. A cancelled order has
 * nothing to pay, so it has no invoice.
 */
export async function invoiceOrderFor(
  ctx: Pick<AppContext, 'db' | 'config'>,
  viewer: UserRow,
  ref: { readonly id: number } | { readonly number: string },
): Promise<InvoiceOrder> {
  const id = 'id' in ref ? ref.id : (await ctx.db.selectFrom('orders').select('id').where('number', '=', ref.number).executeTakeFirst())?.id;
  const order = id === undefined ? undefined : await visibleOrder(ctx.db, viewer, id);
  if (!order) return { ok: false, problem: 'not_found' };
  if (!invoiceAvailable(ctx.config)) return { ok: false, problem: 'unavailable', order };
  if (order.status === 'cancelled') return { ok: false, problem: 'cancelled', order };
  return { ok: true, order };
}

/**
 * The invoice PDF of an order for a viewer, access checked as invoiceOrderFor() does: what the order
 * page and the buyer API answer with. Rejects with PdfUnavailableError when there is no browser.
 */
export async function invoiceForViewer(
  ctx: Pick<AppContext, 'db' | 'config' | 'pdf'>,
  viewer: UserRow,
  ref: { readonly id: number } | { readonly number: string },
  locale: Locale = ctx.config.site.defaultLocale,
): Promise<InvoiceOutcome> {
  const found = await invoiceOrderFor(ctx, viewer, ref);
  if (!found.ok) return found;
  const pdf = await renderInvoicePdf(ctx, ctx.pdf, found.order.id, locale);
  return { ok: true, pdf, fileName: invoiceFileName(found.order.number), order: found.order };
}

/** A file for a mail. */
export interface InvoiceAttachment {
  readonly filename: string;
  readonly content: Buffer;
  readonly contentType: 'application/pdf';
}

/**
 * The invoice to attach to an order's mail: null when documents.invoice is off, the requisites are
 * missing, there is no browser, or the order is cancelled. Rejects when the render fails (the mail
 * job retries, then goes without it).
 */
export async function invoiceForMail(ctx: Pick<AppContext, 'db' | 'config' | 'pdf'>, orderId: number): Promise<InvoiceAttachment | null> {
  if (!ctx.config.documents.invoice || !invoiceAvailable(ctx.config) || !ctx.pdf.available) return null;
  const order = await ctx.db.selectFrom('orders').select(['number', 'status']).where('id', '=', orderId).executeTakeFirst();
  if (!order || order.status === 'cancelled') return null;
  const content = await renderInvoicePdf(ctx, ctx.pdf, orderId, ctx.config.site.defaultLocale);
  return { filename: invoiceFileName(order.number), content, contentType: 'application/pdf' };
}
