import type { Locale } from '../../config/types.js';
import { formatMoney, formatNumber, type MessageKey, type Translate } from '../../i18n/index.js';
import type { LineChange, OrderEvent } from '../../orders/events.js';

/** One history entry as the page shows it: when, who, what (one or more sentences), changed lines. */
export interface HistoryEntry {
  at: number;
  who: string;
  kind: OrderEvent['kind'];
  text: string[];
  lines: { sku: string; name: string; change: string }[];
}

/** Sources with a name of their own in the catalogs; anything else is the portal itself. */
const NAMED_SOURCES = ['1c', 'moysklad', 'api', 'portal'];
const sourceName = (source: string, t: Translate) =>
  t(`desk.source_${NAMED_SOURCES.includes(source) ? source : 'system'}` as MessageKey);

/** Words for one changed line: "10 → 20 шт", "added: 5 шт", "removed (was 3 шт)", and a price move. */
export function describeLineChange(c: LineChange, t: Translate, locale: Locale): string {
  const qty = (n: number) => `${formatNumber(n, locale)} ${c.unit}`.trim();
  const money = (k: number) => formatMoney(k, locale);
  const parts: string[] = [];
  if (c.before === null && c.after !== null) parts.push(t('desk.lineAdded', { qty: qty(c.after) }));
  else if (c.after === null && c.before !== null) parts.push(t('desk.lineRemoved', { qty: qty(c.before) }));
  else if (c.before !== null && c.after !== null && c.before !== c.after)
    parts.push(t('desk.lineQty', { before: qty(c.before), after: qty(c.after) }));
  if (
    c.before !== null &&
    c.after !== null &&
    c.priceBefore !== null &&
    c.priceAfter !== null &&
    c.priceBefore !== c.priceAfter
  ) {
    parts.push(t('desk.linePrice', { before: money(c.priceBefore), after: money(c.priceAfter) }));
  }
  return parts.join(', ');
}

/** The order's events in words, in the reader's language. */
export function describeHistory(events: readonly OrderEvent[], t: Translate, locale: Locale): HistoryEntry[] {
  const money = (k: number) => formatMoney(k, locale);
  const status = (s: string) => t(`orders.status_${s}` as MessageKey);
  return events.map((e) => {
    const who = e.actorName || sourceName(e.source, t);
    const entry: HistoryEntry = { at: e.at, who, kind: e.kind, text: [], lines: [] };
    switch (e.kind) {
      case 'placed':
        entry.text.push(
          e.data.origin === 'api'
            ? t('desk.eventPlacedApi', { total: money(e.data.total) })
            : e.data.byRole && e.data.byRole !== 'buyer'
              ? t('desk.eventPlacedFor', { company: e.data.company, total: money(e.data.total) })
              : t('desk.eventPlaced', { total: money(e.data.total) }),
        );
        break;
      case 'status_changed':
        entry.text.push(t('desk.eventStatus', { from: status(e.data.from), to: status(e.data.to) }));
        if (e.data.note) entry.text.push(t('desk.eventNote', { note: e.data.note }));
        break;
      case 'lines_changed':
        entry.text.push(
          t('desk.eventLines'),
          t('desk.changesTotal', { before: money(e.data.totalBefore), after: money(e.data.totalAfter) }),
        );
        if (e.data.note) entry.text.push(t('desk.eventNote', { note: e.data.note }));
        entry.lines = e.data.lines.map((c) => ({ sku: c.sku, name: c.name, change: describeLineChange(c, t, locale) }));
        break;
      case 'marked': {
        const key =
          e.data.mark === 'paid'
            ? e.data.on
              ? 'desk.eventPaidOn'
              : 'desk.eventPaidOff'
            : e.data.on
              ? 'desk.eventShippedOn'
              : 'desk.eventShippedOff';
        entry.text.push(t(key));
        break;
      }
      case 'mail_sent': {
        const sentence =
          e.data.mail === 'order_placed'
            ? t('desk.eventMailPlaced', { to: e.data.to })
            : t('desk.eventMailStatus', { status: status(e.data.status ?? ''), to: e.data.to });
        entry.text.push(e.data.pdf ? `${sentence} (${t('desk.eventMailPdf')})` : sentence);
        break;
      }
      case 'exported':
        entry.text.push(
          t('desk.eventExported', {
            system: NAMED_SOURCES.includes(e.data.system) ? sourceName(e.data.system, t) : e.data.system,
          }),
        );
        break;
    }
    return entry;
  });
}
