/**
 * The quick order's report in the buyer's words: what each line became (added, rounded, short of
 * stock, unknown, ambiguous, refused) and the page that lists them, problems first.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { formatNumber } from '../../../i18n/index.js';
import type { BuyingCompany } from '../../../orders/cart.js';
import { needsAttention, type QuickOrderReport, type ReportEntry } from '../../../orders/quick-order/apply.js';
import { currentUser } from '../../guards.js';
import { stockText } from '../stock-text.js';

interface Message {
  text: string;
  tone: 'error' | 'warn' | 'muted' | '';
}

const n = (request: FastifyRequest, value: number) => formatNumber(value, request.locale);

/** One report line's messages, in the buyer's language, each with how it is shown. */
export function describeEntry(request: FastifyRequest, e: ReportEntry, allowBackorder: boolean): Message[] {
  const t = request.t;
  const unit = e.product?.unitName ?? '';
  const out: Message[] = [];
  const say = (text: string, tone: Message['tone'] = '') => out.push({ text, tone });
  switch (e.outcome) {
    case 'added': {
      const added = n(request, e.added ?? 0);
      if (e.rounded) {
        const params = {
          requested: n(request, e.requested ?? 0),
          added,
          unit,
          multiple: n(request, e.rounded.multiple),
          min: n(request, e.rounded.minQty),
        };
        const both = e.rounded.multiple > 0 && e.rounded.minQty > 0;
        say(
          t(both ? 'quick.roundedBoth' : e.rounded.multiple > 0 ? 'quick.roundedMultiple' : 'quick.roundedMinimum', params),
          'warn',
        );
      } else {
        say(t('quick.added', { qty: added, unit }));
      }
      if (e.cartQuantity !== null && e.cartQuantity !== e.added)
        say(t('quick.inCart', { qty: n(request, e.cartQuantity), unit }));
      if (e.short) {
        say(
          e.short.kind === 'none' || e.short.kind === 'no'
            ? t('quick.shortNone')
            : t('quick.short', { stock: stockText(request, e.short, unit) }),
          'warn',
        );
        if (!allowBackorder) say(t('quick.shortNoBackorder'), 'warn');
      }
      break;
    }
    case 'unknown':
      say(t('quick.unknown'), 'error');
      break;
    case 'ambiguous':
      say(
        t(
          e.matchedBy === 'barcode'
            ? 'quick.ambiguousBarcode'
            : e.matchedBy === 'name'
              ? 'quick.ambiguousName'
              : 'quick.ambiguousSku',
        ),
        'error',
      );
      break;
    case 'no_code':
      say(t('quick.noCode'), 'error');
      break;
    case 'bad_quantity':
    case 'refused': {
      const qty = e.quantityText;
      if (e.problem === 'missing') say(t('quick.missingQuantity'), 'error');
      else if (e.problem === 'not_a_number') say(t('quick.notANumber', { qty }), 'error');
      else if (e.problem === 'not_positive') say(t('quick.notPositive'), 'error');
      else if (e.problem === 'too_precise')
        say(
          e.precision === 0
            ? t('quick.tooPreciseWhole', { qty: n(request, e.requested ?? 0), unit })
            : t('quick.tooPrecise', { qty, places: e.precision ?? 0 }),
          'error',
        );
      else say(t('quick.refused'), 'error');
      if (e.suggestion !== null) say(t('quick.suggestion', { qty: n(request, e.suggestion), unit }));
      break;
    }
  }
  if (e.lines.length > 1) say(t('quick.summed', { lines: e.lines.join(', '), quantities: e.quantityText }));
  if (e.outcome === 'added' && e.matchedBy === 'barcode') say(t('quick.matchedByBarcode'), 'muted');
  if (e.outcome === 'added' && e.matchedBy === 'name') say(t('quick.matchedByName'), 'muted');
  return out;
}

/** The result page of a quick order. */
export function resultPage(
  request: FastifyRequest,
  reply: FastifyReply,
  company: BuyingCompany,
  report: QuickOrderReport,
  allowBackorder: boolean,
) {
  const rows = report.entries.map((e) => ({
    lines: e.lines.join(', '),
    code: e.code,
    quantity: e.quantityText,
    product: e.product,
    candidates: e.candidates,
    added: e.outcome === 'added',
    attention: needsAttention(e),
    messages: describeEntry(request, e, allowBackorder),
  }));
  return reply.page('orders/quick-order-result', {
    company,
    staff: currentUser(request).role !== 'buyer',
    report,
    attention: rows.filter((r) => r.attention),
    clean: rows.filter((r) => !r.attention),
    skipped: report.skipped,
    seconds: formatNumber(Math.max(0.01, report.elapsedMs / 1000), request.locale, 2),
  });
}
