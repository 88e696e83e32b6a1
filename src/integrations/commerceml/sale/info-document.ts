/**
 * `mode=info`: the lists 1C shows when its operator maps 1C order statuses to the site's
 * (spec §4.6). Ид is our status code, which 1C may send back as "Статуса заказа ИД".
 */
import type { AppContext } from '../../../context.js';
import { ORDER_STATUSES } from '../../../orders/orders.js';
import { contentTypeFor, encodeXmlText } from './encoding.js';
import { exchangeEncoding } from './orders-document.js';
import { outgoingStatusNames, portalStatusLabel } from './status-map.js';
import { branch, leaf, renderXmlDocument } from './xml-writer.js';

/** Bitrix's language file spells the element with a Latin "C"; which one 1C reads is unverified, so both go. */
const STATUSES_LATIN_C = 'Cтатусы';
const STATUSES_CYRILLIC = 'Статусы';

const item = (id: string, name: string) => branch('Элемент', [leaf('Ид', id), leaf('Название', name)]);

export function buildInfoDocument(ctx: AppContext): { body: Buffer; contentType: string } {
  const encoding = exchangeEncoding(ctx);
  const names = outgoingStatusNames(ctx.config.integrations.commerceml.outgoingStatuses);
  const statuses = ORDER_STATUSES.map((s) => item(s, names.get(s) ?? portalStatusLabel(s)));
  const root = branch('Справочник', [
    branch(STATUSES_LATIN_C, statuses),
    branch(STATUSES_CYRILLIC, statuses),
    // A wholesale portal takes no payments and runs no delivery service: the invoice and the
    // distributor's own delivery are what every order uses.
    branch('ПлатежныеСистемы', [item('invoice', 'Счёт на оплату')]),
    branch('СлужбыДоставки', [item('delivery', 'Доставка поставщиком')]),
  ]);
  return { body: encodeXmlText(renderXmlDocument(root, encoding), encoding), contentType: contentTypeFor(encoding) };
}
