/**
 * The portal → 1C half of the order exchange: which orders 1C still has to take (`mode=query`),
 * the CommerceML document it downloads (spec §6.3), and the "exported" marks `mode=success`
 * commits. An order is sent again whenever it changed after 1C last confirmed it.
 */
import type { Kysely } from 'kysely';
import type { AppContext } from '../../../context.js';
import type { DB, OrderLineRow, OrderRow, OrderStatus } from '../../../db/schema.js';
import { recordOrderEvent } from '../../../orders/events.js';
import { contentTypeFor, type ExchangeEncoding, encodeXmlText } from './encoding.js';
import { exchangeDate, exchangeDateTime, exchangeTime, formatKopecks, formatQuantity, formatVatRate } from './exchange-values.js';
import { outgoingStatusName } from './status-map.js';
import { branch, leaf, renderXmlDocument, requisiteList, type XmlElement } from './xml-writer.js';

export interface ExchangeDocument {
  body: Buffer;
  contentType: string;
  /** The same document as text, for logs and tests. */
  text: string;
}

/** Stable 1C Ид of things that never came from 1C, so 1C finds the same item on the next order. */
export const portalCompanyId = (companyId: number) => `optovik-company-${companyId}`;
export const portalProductId = (productId: number) => `optovik-product-${productId}`;
const portalUserId = (userId: number) => `optovik-user-${userId}`;

const ID_CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += ID_CHUNK) result.push(items.slice(i, i + ID_CHUNK));
  return result;
}

/**
 * Orders 1C has never confirmed, or that changed since it did; oldest first. Orders the seller
 * entered in accounting (origin 1c, moysklad) came from there and never go back.
 */
export async function ordersPendingExport(db: Kysely<DB>, limit = 500): Promise<number[]> {
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('origin', 'not in', ['1c', 'moysklad'])
    .where((eb) => eb.or([eb('exported_at', 'is', null), eb('updated_at', '>', eb.ref('exported_at'))]))
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Commits `mode=success`: the orders sent by the query made at `queriedAt` are now in 1C as
 * they were then. One changed after the query keeps its pending state and goes out again.
 */
export async function markOrdersExported(db: Kysely<DB>, orderIds: number[], queriedAt: number): Promise<number> {
  let marked = 0;
  for (const ids of chunks(orderIds)) {
    marked += await db.transaction().execute(async (trx) => {
      const rows = await trx
        .updateTable('orders')
        .set({ exported_at: queriedAt })
        .where('id', 'in', ids)
        .where('updated_at', '<=', queriedAt)
        .returning('id')
        .execute();
      for (const row of rows) {
        await recordOrderEvent(trx, {
          orderId: row.id,
          kind: 'exported',
          data: { system: '1c' },
          source: '1c',
          actor: null,
          at: queriedAt,
        });
      }
      return rows.length;
    });
  }
  return marked;
}

/** The admin's "send to 1C again" button: the next query includes the order. */
export async function resendOrder(db: Kysely<DB>, orderId: number): Promise<boolean> {
  const result = await db.updateTable('orders').set({ exported_at: null }).where('id', '=', orderId).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The encoding 1C gets: the configured one, except that the 1C-Bitrix module (3.1) reads only UTF-8. */
export function exchangeEncoding(ctx: AppContext): ExchangeEncoding {
  const cml = ctx.config.integrations.commerceml;
  return cml.orderSchema === '3.1' ? 'utf-8' : cml.orderEncoding;
}

export async function buildOrdersDocument(ctx: AppContext, orderIds: number[], now: number): Promise<ExchangeDocument> {
  const schema = ctx.config.integrations.commerceml.orderSchema;
  const encoding = exchangeEncoding(ctx);
  const statusName = outgoingStatusName(ctx.config.integrations.commerceml.outgoingStatuses);
  const documents = (await loadOrders(ctx.db, orderIds)).map((o) => orderDocument(o, statusName));
  const root = branch(
    'КоммерческаяИнформация',
    schema === '3.1' ? documents.map((d) => branch('Контейнер', [d])) : documents,
    schema === '3.1'
      ? { xmlns: 'urn:1C.ru:commerceml_3', ВерсияСхемы: '3.1', ДатаФормирования: exchangeDateTime(now) }
      : {
          ВерсияСхемы: '2.05',
          ДатаФормирования: exchangeDateTime(now),
          // The formats the Bitrix reference declares; 1C reads the values accordingly.
          ФорматДаты: 'ДФ=yyyy-MM-dd; ДЛФ=DT',
          ФорматВремени: 'ДФ=ЧЧ:мм:сс; ДЛФ=T',
          РазделительДатаВремя: 'T',
          ФорматСуммы: 'ЧЦ=18; ЧДЦ=2; ЧРД=.',
          ФорматКоличества: 'ЧЦ=18; ЧДЦ=3; ЧРД=.',
        },
  );
  const text = renderXmlDocument(root, encoding);
  return { body: encodeXmlText(text, encoding), contentType: contentTypeFor(encoding), text };
}

interface LineForExport extends OrderLineRow {
  unit_code: string | null;
  unit_full_name: string | null;
}

interface OrderForExport {
  order: OrderRow;
  lines: LineForExport[];
  company: { id: number; name: string; external_1c_id: string | null; email: string; phone: string };
  entity: { name: string; external_1c_id: string | null } | undefined;
  placedBy: { id: number; name: string; email: string; phone: string; role: string } | undefined;
  statusChangedAt: number;
}

async function loadOrders(db: Kysely<DB>, orderIds: number[]): Promise<OrderForExport[]> {
  const result: OrderForExport[] = [];
  for (const ids of chunks([...new Set(orderIds)])) {
    if (ids.length === 0) continue;
    const orders = await db.selectFrom('orders').selectAll().where('id', 'in', ids).orderBy('created_at').orderBy('id').execute();
    if (orders.length === 0) continue;
    const [lines, companies, entities, users, history] = await Promise.all([
      db
        .selectFrom('order_lines as l')
        .leftJoin('products as p', 'p.id', 'l.product_id')
        .leftJoin('units as u', 'u.id', 'p.unit_id')
        .selectAll('l')
        .select(['u.code as unit_code', 'u.full_name as unit_full_name'])
        .where('l.order_id', 'in', ids)
        .orderBy('l.order_id')
        .orderBy('l.line_no')
        .execute(),
      db
        .selectFrom('companies')
        .select(['id', 'name', 'external_1c_id', 'email', 'phone'])
        .where('id', 'in', [...new Set(orders.map((o) => o.company_id))])
        .execute(),
      db
        .selectFrom('legal_entities')
        .select(['id', 'name', 'external_1c_id'])
        .where('id', 'in', [...new Set(orders.map((o) => o.legal_entity_id ?? -1))])
        .execute(),
      db
        .selectFrom('users')
        .select(['id', 'name', 'email', 'phone', 'role'])
        .where('id', 'in', [...new Set(orders.map((o) => o.placed_by ?? -1))])
        .execute(),
      db
        .selectFrom('order_status_history')
        .select((eb) => ['order_id', eb.fn.max('created_at').as('at')])
        .where('order_id', 'in', ids)
        .groupBy('order_id')
        .execute(),
    ]);
    for (const order of orders) {
      const company = companies.find((c) => c.id === order.company_id);
      if (!company) throw new Error(`order ${order.number} belongs to a company that does not exist (${order.company_id})`);
      result.push({
        order,
        lines: lines.filter((l) => l.order_id === order.id),
        company,
        entity: entities.find((e) => e.id === order.legal_entity_id),
        placedBy: users.find((u) => u.id === order.placed_by),
        statusChangedAt: Number(history.find((h) => h.order_id === order.id)?.at ?? order.created_at),
      });
    }
  }
  return result;
}

/** Ид of a line's product: 1C's own when the product came from 1C, ours otherwise. */
export function lineProductId(line: Pick<OrderLineRow, 'product_1c_id' | 'product_id' | 'id'>): string {
  if (line.product_1c_id) return line.product_1c_id;
  if (line.product_id !== null) return portalProductId(line.product_id);
  return `optovik-line-${line.id}`;
}

const yes = (flag: boolean) => (flag ? 'true' : 'false');

function russianDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}.${m}.${y}`;
}

function orderDocument(data: OrderForExport, statusName: (status: OrderStatus) => string): XmlElement {
  const { order } = data;
  const vatIncluded = order.prices_include_vat === 1;
  const hasVat = data.lines.some((l) => l.vat_bp !== null);
  const tax = (amount: number, rate: number | null) =>
    branch('Налоги', [
      branch('Налог', [
        leaf('Наименование', 'НДС'),
        leaf('УчтеноВСумме', yes(vatIncluded)),
        leaf('Сумма', formatKopecks(amount)),
        rate === null ? null : leaf('Ставка', formatVatRate(rate)),
      ]),
    ]);
  const comment = [
    order.comment,
    order.po_number && `Номер заказа покупателя: ${order.po_number}`,
    order.desired_date && `Желаемая дата отгрузки: ${russianDate(order.desired_date)}`,
    order.delivery_address && `Адрес доставки: ${order.delivery_address}`,
  ]
    .filter(Boolean)
    .join('; ');
  return branch('Документ', [
    leaf('Ид', order.number),
    leaf('Номер', order.number),
    leaf('Дата', exchangeDate(order.created_at)),
    leaf('ХозОперация', 'Заказ товара'),
    leaf('Роль', 'Продавец'),
    // "руб" is what the Bitrix reference sends and stock 1C configurations match.
    leaf('Валюта', 'руб'),
    leaf('Курс', '1'),
    leaf('Сумма', formatKopecks(order.total)),
    branch('Контрагенты', [buyer(data)]),
    leaf('Время', exchangeTime(order.created_at)),
    leaf('Комментарий', comment),
    hasVat && tax(order.vat_total, null),
    branch(
      'Товары',
      data.lines.map((line) =>
        branch('Товар', [
          leaf('Ид', lineProductId(line)),
          line.sku && leaf('Артикул', line.sku),
          leaf('Наименование', line.name),
          leaf('БазоваяЕдиница', line.unit_name || 'шт', {
            ...(line.unit_code ? { Код: line.unit_code } : {}),
            ...(line.unit_full_name ? { НаименованиеПолное: line.unit_full_name } : {}),
          }),
          leaf('ЦенаЗаЕдиницу', formatKopecks(line.unit_price)),
          leaf('Количество', formatQuantity(line.quantity)),
          leaf('Сумма', formatKopecks(line.line_total)),
          line.vat_bp !== null &&
            branch('СтавкиНалогов', [
              branch('СтавкаНалога', [leaf('Наименование', 'НДС'), leaf('Ставка', formatVatRate(line.vat_bp))]),
            ]),
          line.vat_bp !== null && tax(line.vat_amount, line.vat_bp),
          requisiteList([
            ['ВидНоменклатуры', 'Товар'],
            ['ТипНоменклатуры', 'Товар'],
          ]),
        ]),
      ),
    ),
    requisiteList([
      ['Статус заказа', statusName(order.status)],
      ['Статуса заказа ИД', order.status],
      ['Заказ оплачен', yes(order.paid_at !== null)],
      ['Доставка разрешена', yes(order.shipped_at !== null || order.status === 'shipped' || order.status === 'completed')],
      ['Отменен', yes(order.status === 'cancelled')],
      ['Финальный статус', yes(order.status === 'completed')],
      ['Дата изменения статуса', exchangeDateTime(data.statusChangedAt, ' ')],
      order.po_number ? ['Номер заказа покупателя', order.po_number] : null,
      order.delivery_address ? ['Адрес доставки', order.delivery_address] : null,
      order.desired_date ? ['Желаемая дата отгрузки', order.desired_date] : null,
    ]),
  ]);
}

function buyer(data: OrderForExport): XmlElement {
  const { order, company, entity, placedBy } = data;
  const id = company.external_1c_id ?? entity?.external_1c_id ?? portalCompanyId(company.id);
  // A manager ordering for the company is not the company's contact: then the company's own details go.
  const contactUser = placedBy?.role === 'buyer' ? placedBy : undefined;
  const email = contactUser?.email || company.email;
  const phone = contactUser?.phone || company.phone;
  const name = order.buyer_name || company.name;
  return branch('Контрагент', [
    leaf('Ид', id),
    leaf('Наименование', name),
    leaf('ПолноеНаименование', name),
    leaf('ОфициальноеНаименование', name),
    leaf('Роль', 'Покупатель'),
    leaf('ИНН', order.buyer_inn),
    leaf('КПП', order.buyer_kpp),
    order.buyer_address && branch('АдресРегистрации', [leaf('Представление', order.buyer_address)]),
    (email || phone) &&
      branch('Контакты', [
        email && branch('Контакт', [leaf('Тип', 'Почта'), leaf('Значение', email)]),
        phone && branch('Контакт', [leaf('Тип', 'ТелефонРабочий'), leaf('Значение', phone)]),
      ]),
    placedBy &&
      branch('Представители', [
        branch('Представитель', [
          leaf('Отношение', 'Контактное лицо'),
          leaf('Ид', portalUserId(placedBy.id)),
          leaf('Наименование', placedBy.name),
        ]),
      ]),
  ]);
}
