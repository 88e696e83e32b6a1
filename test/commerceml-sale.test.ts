import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeepPartialRecord } from '../src/config/load.js';
import type { AppContext } from '../src/context.js';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { contentTypeFor, encodeXmlText } from '../src/integrations/commerceml/sale/encoding.js';
import { buildInfoDocument } from '../src/integrations/commerceml/sale/info-document.js';
import {
  buildOrdersDocument,
  markOrdersExported,
  ordersPendingExport,
  resendOrder,
} from '../src/integrations/commerceml/sale/orders-document.js';
import { at, child, children, requisites, textOf } from '../src/integrations/commerceml/xml/node.js';
import { parseXmlBuffer, XmlError, type XmlNode } from '../src/integrations/commerceml/xml/reader.js';
import { changeCartQuantity } from '../src/orders/cart.js';
import { cancelOrder } from '../src/orders/orders.js';
import { placeOrder } from '../src/orders/place-order.js';
import { buildCatalog } from './catalog-fixture.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { makeCompany, makeUser, savedMails, startTestApp, type TestApp } from './helpers.js';

const fixture = (path: string) => join(COMMERCEML_FIXTURES, path);

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

async function start(overrides: DeepPartialRecord = {}) {
  t = await startTestApp(overrides);
  catalog = await buildCatalog(t.ctx);
}

afterEach(async () => {
  await t.close();
});

const productId = (sku: string) => {
  const p = catalog.products.find((x) => x.sku === sku);
  if (!p) throw new Error(sku);
  return p.id;
};

let keyCounter = 0;

/** A real order through the cart and checkout domain, as a buyer places it. */
async function placeTestOrder(
  ctx: AppContext,
  opts: {
    company?: string;
    lines: Record<string, number>;
    comment?: string;
    poNumber?: string;
    desiredDate?: string;
    address?: string;
    phone?: string;
  },
) {
  const company = await makeCompany(ctx, { name: opts.company ?? 'Ромашка' });
  await ctx.db
    .updateTable('companies')
    .set({ price_type_id: catalog.priceTypes.wholesale })
    .where('id', '=', company.id)
    .execute();
  await ctx.db
    .updateTable('legal_entities')
    .set({ kpp: '770101001', legal_address: '101000, Москва, ул. Примерная, 1' })
    .where('company_id', '=', company.id)
    .execute();
  const user = await makeUser(ctx, 'buyer', {
    companyId: company.id,
    name: 'Иванов Иван',
    email: `buyer${++keyCounter}@romashka.test`,
  });
  if (opts.phone) await ctx.db.updateTable('users').set({ phone: opts.phone }).where('id', '=', user.id).execute();
  const buying = {
    companyId: company.id,
    companyName: company.name,
    priceTypeId: catalog.priceTypes.wholesale,
    priceTypeName: 'Оптовая',
    discountBp: 0,
    generic: false,
  };
  for (const [sku, qty] of Object.entries(opts.lines)) {
    const change = await changeCartQuantity(ctx.db, ctx.clock, buying, user.id, productId(sku), qty, 'add');
    if (!change.ok) throw new Error(`cannot add ${sku}: ${change.problem}`);
  }
  const input = {
    legalEntityId: null,
    deliveryAddress: opts.address ?? 'Москва, Складская 1',
    desiredDate: opts.desiredDate ?? '',
    poNumber: opts.poNumber ?? '',
    comment: opts.comment ?? '',
    idempotencyKey: `test-order-key-${String(++keyCounter).padStart(6, '0')}`,
    confirmedTotal: null,
  };
  // As at checkout: the first answer shows the total, the buyer confirms exactly that.
  const shown = await placeOrder(ctx, user, buying, input);
  if (shown.ok || shown.problem !== 'price_changed')
    throw new Error(`expected the total to confirm, got ${shown.ok ? 'an order' : shown.problem}`);
  const placed = await placeOrder(ctx, user, buying, { ...input, confirmedTotal: shown.cart.quote.total });
  if (!placed.ok) throw new Error(`order not placed: ${placed.problem}`);
  return { order: placed.order, company, user };
}

/** Our own reader over what 1C would download: every Документ, wherever it sits. */
function readBack(body: Buffer) {
  const documents: { node: XmlNode; path: readonly string[] }[] = [];
  let root: { name: string; attrs: Record<string, string> } | null = null;
  parseXmlBuffer(body, {
    open(name, attrs, path) {
      if (path.length === 0) root = { name, attrs };
      return name === 'Документ';
    },
    node(node, path) {
      documents.push({ node, path: [...path] });
    },
  });
  if (!root) throw new Error('no root');
  return { root: root as { name: string; attrs: Record<string, string> }, documents };
}

const money = (text: string) => Math.round(Number(text) * 100);

async function orderByNumber(number: string) {
  return t.ctx.db.selectFrom('orders').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
}

async function counts() {
  const history = await t.ctx.db.selectFrom('order_status_history').select('id').where('source', '=', '1c').execute();
  const mails = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', 'send_status_mail').execute();
  return { history: history.length, mails: mails.length };
}

describe('orders 1C downloads (mode=query)', () => {
  beforeEach(() => start());

  it('sends pending orders as a windows-1251 CommerceML 2.05 document that reads back to the same orders', async () => {
    await t.ctx.db
      .updateTable('products')
      .set({ external_1c_id: '5a1e-bolt#7c3d' })
      .where('id', '=', productId('BLT-101'))
      .execute();
    const first = await placeTestOrder(t.ctx, {
      company: 'Ромашка & Сыновья <Опт>',
      lines: { 'BLT-101': 10, 'ВВГ-3×2.5': 2.5 },
      comment: 'Позвонить за час ✓, цена в € не нужна\u0007',
      poNumber: 'PO-77',
      desiredDate: '2026-02-01',
      phone: '+7 495 000-00-00',
    });
    const second = await placeTestOrder(t.ctx, { company: 'Лютик', lines: { 'BLT-102': 3 } });

    const pending = await ordersPendingExport(t.ctx.db);
    expect(pending).toEqual([first.order.id, second.order.id]);
    const doc = await buildOrdersDocument(t.ctx, pending, t.clock.now());

    expect(doc.contentType).toBe('application/xml; charset=windows-1251');
    expect(doc.body.toString('latin1')).toMatch(/^<\?xml version="1.0" encoding="windows-1251"\?>\n/);
    // Cyrillic as single windows-1251 bytes, not UTF-8; ✓ and × (not in the code page) as references, € as its byte.
    expect(doc.body.includes(Buffer.from([0xc4, 0xee, 0xea, 0xf3, 0xec, 0xe5, 0xed, 0xf2]))).toBe(true); // "Документ"
    expect(doc.body.includes(Buffer.from('Документ', 'utf8'))).toBe(false);
    expect(doc.body.toString('latin1')).toContain('&#10003;');
    expect(doc.body.includes(Buffer.from([0xc2, 0xc2, 0xc3, ...Buffer.from('-3&#215;2.5')]))).toBe(true); // "ВВГ-3×2.5"
    expect(doc.body.includes(Buffer.from([0x88]))).toBe(true);

    const { root, documents } = readBack(doc.body);
    expect(root.name).toBe('КоммерческаяИнформация');
    expect(root.attrs.ВерсияСхемы).toBe('2.05');
    expect(root.attrs.ДатаФормирования).toBe('2026-01-15T12:00:00');
    expect(documents.map((d) => textOf(d.node, 'Ид'))).toEqual([first.order.number, second.order.number]);

    const order = documents[0]?.node as XmlNode;
    expect(textOf(order, 'Номер')).toBe(first.order.number);
    expect(textOf(order, 'Дата')).toBe('2026-01-15');
    expect(textOf(order, 'ХозОперация')).toBe('Заказ товара');
    expect(money(textOf(order, 'Сумма'))).toBe(first.order.total);
    const lines = children(child(order, 'Товары'), 'Товар');
    expect(
      lines.map((l) => [
        textOf(l, 'Ид'),
        textOf(l, 'Артикул'),
        textOf(l, 'Количество'),
        textOf(l, 'ЦенаЗаЕдиницу'),
        textOf(l, 'Сумма'),
      ]),
    ).toEqual([
      ['5a1e-bolt#7c3d', 'BLT-101', '10', '11.22', '112.20'],
      [`optovik-product-${productId('ВВГ-3×2.5')}`, 'ВВГ-3×2.5', '2.5', '95.22', '238.05'],
    ]);
    expect(lines.reduce((sum, l) => sum + money(textOf(l, 'Сумма')), 0)).toBe(money(textOf(order, 'Сумма')));
    expect(child(lines[0] as XmlNode, 'БазоваяЕдиница')?.attrs.Код).toBe('796');
    expect(textOf(lines[1] as XmlNode, 'БазоваяЕдиница')).toBe('м');
    expect(textOf(at(lines[0], 'СтавкиНалогов', 'СтавкаНалога'), 'Ставка')).toBe('20');

    const buyer = child(child(order, 'Контрагенты') as XmlNode, 'Контрагент') as XmlNode;
    expect(textOf(buyer, 'Ид')).toBe(`optovik-company-${first.company.id}`);
    expect(textOf(buyer, 'Наименование')).toBe('ООО «Ромашка & Сыновья <Опт>»');
    expect(textOf(buyer, 'ИНН')).toBe('7701234567');
    expect(textOf(buyer, 'КПП')).toBe('770101001');
    expect(textOf(child(buyer, 'АдресРегистрации'), 'Представление')).toBe('101000, Москва, ул. Примерная, 1');
    const contacts = children(child(buyer, 'Контакты'), 'Контакт').map((c) => textOf(c, 'Значение'));
    expect(contacts).toEqual([first.user.email, '+7 495 000-00-00']);
    expect(textOf(at(buyer, 'Представители', 'Представитель'), 'Наименование')).toBe('Иванов Иван');

    const comment = textOf(order, 'Комментарий');
    expect(comment).toContain('Позвонить за час ✓, цена в € не нужна');
    expect(comment).toContain('Номер заказа покупателя: PO-77');
    expect(comment).toContain('Желаемая дата отгрузки: 01.02.2026');
    expect(comment).toContain('Адрес доставки: Москва, Складская 1');
    const values = requisites(order);
    expect(values.get('Статус заказа')).toBe('[new] Новый');
    expect(values.get('Номер заказа покупателя')).toBe('PO-77');
    expect(values.get('Отменен')).toBe('false');
    expect(values.get('Заказ оплачен')).toBe('false');
  });

  it('writes UTF-8 with a BOM and a matching declaration when configured', async () => {
    await t.close();
    await start({ integrations: { commerceml: { order_encoding: 'utf-8' } } });
    const { order } = await placeTestOrder(t.ctx, { lines: { 'BLT-101': 1 }, comment: 'Галочка ✓' });
    const doc = await buildOrdersDocument(t.ctx, [order.id], t.clock.now());
    expect(doc.contentType).toBe('application/xml; charset=utf-8');
    expect([...doc.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(doc.body.subarray(3).toString('utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(doc.body.toString('utf8')).toContain('Галочка ✓');
    expect(textOf(readBack(doc.body).documents[0]?.node, 'Комментарий')).toContain('Галочка ✓');
  });

  it('wraps every Документ in Контейнер for CommerceML 3.1, in UTF-8 whatever the encoding setting', async () => {
    await t.close();
    await start({ integrations: { commerceml: { order_schema: '3.1', order_encoding: 'windows-1251' } } });
    const a = await placeTestOrder(t.ctx, { lines: { 'BLT-101': 1 } });
    const b = await placeTestOrder(t.ctx, { lines: { 'BLT-102': 2 } });
    const doc = await buildOrdersDocument(t.ctx, [a.order.id, b.order.id], t.clock.now());
    expect(doc.contentType).toBe(contentTypeFor('utf-8'));
    expect(doc.text).toContain('xmlns="urn:1C.ru:commerceml_3"');
    const { root, documents } = readBack(doc.body);
    expect(root.attrs.ВерсияСхемы).toBe('3.1');
    expect(documents.map((d) => d.path)).toEqual([
      ['КоммерческаяИнформация', 'Контейнер'],
      ['КоммерческаяИнформация', 'Контейнер'],
    ]);
  });

  it('answers with an empty root when nothing is pending', async () => {
    expect(await ordersPendingExport(t.ctx.db)).toEqual([]);
    const doc = await buildOrdersDocument(t.ctx, [], t.clock.now());
    const { root, documents } = readBack(doc.body);
    expect(root.name).toBe('КоммерческаяИнформация');
    expect(documents).toEqual([]);
    expect(doc.text).not.toContain('Документ');
  });

  it('marks confirmed orders exported, but sends again one that changed after the query', async () => {
    const a = await placeTestOrder(t.ctx, { lines: { 'BLT-101': 1 } });
    const b = await placeTestOrder(t.ctx, { lines: { 'BLT-102': 1 } });
    const queriedAt = t.clock.now();
    const sent = await ordersPendingExport(t.ctx.db);
    t.clock.advance(1000);
    // The buyer cancels between 1C's query and its success call.
    expect(await cancelOrder(t.ctx, b.order, b.user, 'передумали')).toBe(true);
    expect(await markOrdersExported(t.ctx.db, sent, queriedAt)).toBe(1);
    expect(await ordersPendingExport(t.ctx.db)).toEqual([b.order.id]);
    const again = await buildOrdersDocument(t.ctx, [b.order.id], t.clock.now());
    expect(requisites(readBack(again.body).documents[0]?.node as XmlNode).get('Отменен')).toBe('true');

    expect(await resendOrder(t.ctx.db, a.order.id)).toBe(true);
    expect(await ordersPendingExport(t.ctx.db)).toEqual([a.order.id, b.order.id]);
    expect(await resendOrder(t.ctx.db, 999_999)).toBe(false);
  });

  it('lists our statuses for 1C under both spellings of Статусы (mode=info)', async () => {
    const info = buildInfoDocument(t.ctx);
    expect(info.contentType).toBe('application/xml; charset=windows-1251');
    const lists = new Map<string, [string, string][]>();
    parseXmlBuffer(info.body, {
      open: (_name, _attrs, path) => path.length === 1,
      node: (node) =>
        lists.set(
          node.name,
          children(node, 'Элемент').map((e) => [textOf(e, 'Ид'), textOf(e, 'Название')]),
        ),
    });
    const expected = [
      ['new', 'Новый'],
      ['confirmed', 'Подтверждён'],
      ['in_progress', 'В работе'],
      ['shipped', 'Отгружен'],
      ['completed', 'Выполнен'],
      ['cancelled', 'Отменён'],
    ];
    expect(lists.get('Cтатусы')).toEqual(expected); // Latin C, as Bitrix spells it
    expect(lists.get('Статусы')).toEqual(expected);
    expect(lists.get('ПлатежныеСистемы')).toHaveLength(1);
    expect(lists.get('СлужбыДоставки')).toHaveLength(1);
  });
});

describe('order changes 1C sends back', () => {
  beforeEach(() => start());

  async function orderNumbered(number: string, lines: Record<string, number> = { 'BLT-101': 1 }) {
    const placed = await placeTestOrder(t.ctx, { lines });
    await t.ctx.db.updateTable('orders').set({ number }).where('id', '=', placed.order.id).execute();
    return { ...placed, order: await orderByNumber(number) };
  }

  it('applies the 2.09 documents: status, 1C number, paid and shipped, lines; mails the buyer once', async () => {
    const shipped = await orderNumbered('142');
    // 1C already took it (query + success): what 1C sends back must not be echoed to it.
    await markOrdersExported(t.ctx.db, [shipped.order.id], t.clock.now());
    t.clock.advance(60_000);

    const result = await applySaleFile(t.ctx, fixture('onec-docs-2.09/documents-example.xml'), {
      fileName: 'documents-example.xml',
    });
    expect(result.orders).toEqual({ updated: 1, unchanged: 0, created: 0, unknown: ['235'] });

    const order = await orderByNumber('142');
    expect(order).toMatchObject({
      status: 'shipped',
      external_number: 'ТДЦУ-000001',
      external_date: '2015-06-29',
      paid_at: Date.UTC(2015, 5, 29, 12, 39, 10),
      shipped_at: Date.UTC(2015, 5, 29, 14, 32, 27),
      prices_include_vat: 0,
      subtotal: 693800,
      vat_total: 124884,
      total: 818684,
      line_count: 2,
    });
    const lines = await t.ctx.db
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', order.id)
      .orderBy('line_no')
      .execute();
    expect(lines.map((l) => [l.product_1c_id, l.name, l.quantity, l.unit_price, l.line_total, l.vat_bp, l.unit_name])).toEqual([
      ['cbcf493f-55bc-11d9-848a-00112f43529a', 'Вентилятор BINATONE ALPINE 160вт, напольный ,', 1, 333800, 333800, 1800, 'шт'],
      [
        'bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802',
        'Ботинки женские демисезонные (35, 5, натуральная кожа, Бежевый)',
        1,
        360000,
        360000,
        1800,
        'пар',
      ],
    ]);
    const history = await t.ctx.db
      .selectFrom('order_status_history')
      .selectAll()
      .where('order_id', '=', order.id)
      .where('source', '=', '1c')
      .execute();
    expect(history).toHaveLength(1);
    expect(history[0]?.status).toBe('shipped');
    expect(history[0]?.note).toContain('1C: Отгружен, № ТДЦУ-000001, отгрузка ТДЦУ-000003');
    expect(history[0]?.note).toContain('1C изменил состав заказа');
    const jobs = await t.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'send_status_mail').execute();
    expect(jobs.map((j) => JSON.parse(j.payload))).toEqual([{ orderId: order.id, status: 'shipped' }]);
    expect(await ordersPendingExport(t.ctx.db)).toEqual([]);
    // The order's history tells the same: exported (success), lines, marks and status, all by 1C.
    const events = await t.ctx.db
      .selectFrom('order_events')
      .select(['kind', 'source', 'data'])
      .where('order_id', '=', order.id)
      .where('kind', '!=', 'placed')
      .orderBy('id')
      .execute();
    expect(events.map((e) => `${e.kind}/${e.source}`)).toEqual([
      'exported/1c',
      'lines_changed/1c',
      'marked/1c',
      'marked/1c',
      'status_changed/1c',
    ]);
    expect(JSON.parse(events[4]?.data ?? '{}')).toMatchObject({ from: 'new', to: 'shipped' });
    expect(order.revision).toBe(1);

    await t.ctx.worker.runDue();
    const mail = (await savedMails(t.dataDir)).find((m) => m.to.includes(shipped.user.email) && m.subject.includes('Отгружен'));
    expect(mail?.subject).toBe('Заказ 142: Отгружен');

    const before = await counts();
    const rerun = await applySaleFile(t.ctx, fixture('onec-docs-2.09/documents-example.xml'), {
      fileName: 'documents-example.xml',
    });
    expect(rerun.orders).toEqual({ updated: 0, unchanged: 1, created: 0, unknown: ['235'] });
    expect(await counts()).toEqual(before);
    expect((await orderByNumber('142')).updated_at).toBe(order.updated_at);
  });

  it('a posted document confirms a new order; a delivery line from 1C joins the lines', async () => {
    const placed = await orderNumbered('235', { 'BLT-101': 2 });
    await applySaleFile(t.ctx, fixture('onec-docs-2.09/documents-example.xml'), { fileName: 'documents-example.xml' });
    const order = await orderByNumber('235');
    expect(order).toMatchObject({
      status: 'confirmed',
      external_number: 'ТДЦУ-000002',
      paid_at: Date.UTC(2015, 5, 29, 13, 36, 25),
      shipped_at: null,
      total: 410000,
    });
    const lines = await t.ctx.db
      .selectFrom('order_lines')
      .select(['product_1c_id', 'line_total'])
      .where('order_id', '=', order.id)
      .orderBy('line_no')
      .execute();
    expect(lines.map((l) => l.product_1c_id)).toEqual([
      'bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802',
      'ORDER_DELIVERY',
    ]);
    // The order had never been confirmed by 1C's success call: it still goes out on the next query.
    expect(await ordersPendingExport(t.ctx.db)).toEqual([placed.order.id]);
  });

  it('applies the 3.1 Контейнер documents, finding orders by the site number in Комментарий', async () => {
    for (const number of ['L319', 'K479', 'K480', 'K481']) await orderNumbered(number);
    const result = await applySaleFile(t.ctx, fixture('cml-3.1-bitrix-module/documents/2/documents.xml'), {
      fileName: 'documents.xml',
    });
    expect(result.orders).toEqual({ updated: 4, unchanged: 0, created: 0, unknown: [] });
    const orders = await t.ctx.db
      .selectFrom('orders')
      .select(['number', 'status', 'external_number', 'shipped_at', 'total'])
      .orderBy('id')
      .execute();
    expect(orders).toEqual([
      { number: 'L319', status: 'confirmed', external_number: 'L319', shipped_at: null, total: 132000 },
      { number: 'K479', status: 'shipped', external_number: 'K479', shipped_at: Date.UTC(2017, 7, 2, 15, 36, 44), total: 112200 },
      { number: 'K480', status: 'new', external_number: 'K480', shipped_at: null, total: 126650 },
      { number: 'K481', status: 'shipped', external_number: 'K481', shipped_at: Date.UTC(2017, 7, 4, 9, 17, 52), total: 126650 },
    ]);
    const mails = await t.ctx.db.selectFrom('jobs').select('payload').where('kind', '=', 'send_status_mail').execute();
    expect(mails).toHaveLength(3);

    const before = await counts();
    const rerun = await applySaleFile(t.ctx, fixture('cml-3.1-bitrix-module/documents/2/documents.xml'), {
      fileName: 'documents.xml',
    });
    expect(rerun.orders).toEqual({ updated: 0, unchanged: 4, created: 0, unknown: [] });
    expect(await counts()).toEqual(before);
  });

  it('maps 1C status words through status_map and never reopens a completed order on flags alone', async () => {
    const { order } = await orderNumbered('W-000777');
    const statusFile = (requisiteXml: string) =>
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>W-000777</Ид><Номер>W-000777</Номер>
        <ЗначенияРеквизитов>${requisiteXml}</ЗначенияРеквизитов></Документ></КоммерческаяИнформация>`,
      );
    const req = (name: string, value: string) =>
      `<ЗначениеРеквизита><Наименование>${name}</Наименование><Значение>${value}</Значение></ЗначениеРеквизита>`;

    await applySaleFile(t.ctx, statusFile(req('Статус заказа', '[F]  закрыт ')), { fileName: 'a.xml' });
    expect((await orderByNumber('W-000777')).status).toBe('completed');
    // Still posted and shipped in 1C: not a reason to reopen.
    const flags = await applySaleFile(t.ctx, statusFile(req('Проведен', 'true') + req('Отгружен', 'true')), {
      fileName: 'b.xml',
    });
    expect((await orderByNumber('W-000777')).status).toBe('completed');
    expect(flags.orders.updated).toBe(1); // only the shipment date was new
    await applySaleFile(t.ctx, statusFile(req('Статус заказа', 'В работе')), { fileName: 'c.xml' });
    expect((await orderByNumber('W-000777')).status).toBe('in_progress');
    const unknown = await applySaleFile(t.ctx, statusFile(req('Статус заказа', 'Ждём луну')), { fileName: 'd.xml' });
    expect(unknown.warnings.join('\n')).toMatch(
      /d\.xml line 1: order W-000777: 1C status "Ждём луну" is not in integrations\.commerceml\.status_map/,
    );
    const history = await t.ctx.db
      .selectFrom('order_status_history')
      .select(['status', 'source'])
      .where('order_id', '=', order.id)
      .orderBy('id')
      .execute();
    expect(history.map((h) => h.status)).toEqual(['new', 'completed', 'in_progress']);
  });

  it("takes the buyer's 1C Ид from a document for the company with that ИНН, and sends it back on the next query", async () => {
    const { order, company } = await orderNumbered('W-000900');
    const file = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.09"><Документ><Ид>W-000900</Ид>
      <Контрагенты><Контрагент><Ид>1c-buyer-guid</Ид><Наименование>Ромашка ООО</Наименование><ИНН>7701234567</ИНН><КПП>770101001</КПП></Контрагент></Контрагенты>
      </Документ></КоммерческаяИнформация>`,
    );
    const result = await applySaleFile(t.ctx, file, { fileName: 'orders.xml' });
    expect(result.companies).toEqual({ created: 0, updated: 1, skipped: 0 });
    expect(
      (await t.ctx.db.selectFrom('companies').select('external_1c_id').where('id', '=', company.id).executeTakeFirstOrThrow())
        .external_1c_id,
    ).toBe('1c-buyer-guid');
    const doc = await buildOrdersDocument(t.ctx, [order.id], t.clock.now());
    expect(textOf(at(readBack(doc.body).documents[0]?.node, 'Контрагенты', 'Контрагент'), 'Ид')).toBe('1c-buyer-guid');
    expect((await t.ctx.db.selectFrom('companies').select('id').execute()).length).toBe(1);
  });

  it('refuses a truncated file with its line and changes nothing', async () => {
    await orderNumbered('142');
    const bytes = readFileSync(fixture('onec-docs-2.09/documents-example.xml'));
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
    const error = await applySaleFile(t.ctx, cut, { fileName: 'documents-example.xml' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(XmlError);
    expect((error as XmlError).line).toBeGreaterThan(100);
    expect((error as XmlError).message).toMatch(/unclosed tag|cut short/);
    expect(await orderByNumber('142')).toMatchObject({ status: 'new', external_number: null, paid_at: null });
    expect(await counts()).toEqual({ history: 0, mails: 0 });
  });

  it('skips a document it cannot read, says where, and applies the rest', async () => {
    await orderNumbered('142');
    await orderNumbered('235');
    const text = readFileSync(fixture('onec-docs-2.09/documents-example.xml'), 'utf8').replace(
      '<Количество>1</Количество>',
      '<Количество>один</Количество>',
    );
    const result = await applySaleFile(t.ctx, Buffer.from(text), { fileName: 'bad.xml' });
    expect(result.orders.updated).toBe(1);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^bad\.xml line 128: <Товар> <Количество> "один" is not a quantity; this document was skipped$/),
    ]);
    expect((await orderByNumber('142')).status).toBe('new');
    expect((await orderByNumber('235')).status).toBe('confirmed');
  });
});

describe('counterparties 1C sends', () => {
  beforeEach(() => start());

  it('creates a company with its legal entity per Контрагент, and a second run changes nothing', async () => {
    const usersBefore = (await t.ctx.db.selectFrom('users').select('id').execute()).length;
    const result = await applySaleFile(t.ctx, fixture('onec-docs-2.09/contractors-example.xml'), {
      fileName: 'contractors-example.xml',
    });
    expect(result.companies).toEqual({ created: 4, updated: 0, skipped: 0 });
    const rows = await t.ctx.db
      .selectFrom('companies as c')
      .innerJoin('legal_entities as e', 'e.company_id', 'c.id')
      .select([
        'c.name',
        'c.external_1c_id',
        'c.price_type_id',
        'c.email',
        'e.name as entity',
        'e.inn',
        'e.kpp',
        'e.account',
        'e.bik',
        'e.legal_address',
        'e.is_primary',
      ])
      .orderBy('c.id')
      .execute();
    expect(rows.map((r) => [r.name, r.inn, r.kpp])).toEqual([
      ['Удаленный отдел "Уют"', '', ''],
      ['Алтай ТОО', '181310839110', ''],
      ['ТД Уют', '181620360057', ''],
      ['Банк ТуранАлем ОАО', '600520144856', ''],
    ]);
    expect(rows[2]).toMatchObject({
      external_1c_id: '021e0e3f-e329-11db-95d9-505054503030',
      price_type_id: catalog.priceTypes.wholesale,
      email: 'Uyt@komp.kz',
      entity: 'ТОО "ТД Уют"',
      account: '798321',
      bik: '190701310',
      legal_address: '005897, Города Республиканского значения: Алматы, Тохтарова, дом № 18',
      is_primary: 1,
    });
    const addresses = await t.ctx.db.selectFrom('company_addresses').select('address').execute();
    expect(addresses.map((a) => a.address)).toEqual(['005897, Города Республиканского значения: Алматы, Тохтарова, дом № 18']);
    expect((await t.ctx.db.selectFrom('users').select('id').execute()).length).toBe(usersBefore);

    const rerun = await applySaleFile(t.ctx, fixture('onec-docs-2.09/contractors-example.xml'), {
      fileName: 'contractors-example.xml',
    });
    expect(rerun.companies).toEqual({ created: 0, updated: 0, skipped: 0 });
    expect((await t.ctx.db.selectFrom('companies').select('id').execute()).length).toBe(4);
  });

  it('finds an existing company by ИНН instead of creating a second one, and leaves one marked for deletion alone', async () => {
    const existing = await makeCompany(t.ctx, { name: 'Алтай' });
    await t.ctx.db.updateTable('legal_entities').set({ inn: '181310839110' }).where('company_id', '=', existing.id).execute();
    const text = readFileSync(fixture('onec-docs-2.09/contractors-example.xml'), 'utf8').replace(
      /(<Ид>c5b29133-e35a-11db-95d9-505054503030<\/Ид>\s*<НомерВерсии>[^<]*<\/НомерВерсии>\s*<ПометкаУдаления>)false/,
      '$1true',
    );
    const result = await applySaleFile(t.ctx, Buffer.from(text), { fileName: 'contractors.xml' });
    expect(result.companies).toEqual({ created: 2, updated: 1, skipped: 1 });
    expect(result.warnings).toEqual([
      expect.stringMatching(/^contractors\.xml line \d+: Контрагент "Банк ТуранАлем ОАО" .* marked for deletion/),
    ]);
    const altai = await t.ctx.db.selectFrom('companies').selectAll().where('id', '=', existing.id).executeTakeFirstOrThrow();
    expect(altai).toMatchObject({ name: 'Алтай ТОО', external_1c_id: '4141d5ec-e2a6-11db-95d9-505054503030' });
    expect((await t.ctx.db.selectFrom('companies').select('id').execute()).length).toBe(3);
  });
});

describe('windows-1251 encoder', () => {
  it('writes every character of the code page as its byte and the rest as references', () => {
    const text = '<?xml version="1.0" encoding="windows-1251"?><a b="ё€№">АЯаяЁ — ✓ 😀</a>';
    const bytes = encodeXmlText(text, 'windows-1251');
    expect(new TextDecoder('windows-1251').decode(bytes)).toBe(text.replace('✓', '&#10003;').replace('😀', '&#128512;'));
    expect(() => encodeXmlText(text, 'utf-8')).toThrow(/declares encoding "windows-1251"/);
  });
});

describe('statuses the portal sends to 1C (integrations.commerceml.outgoing_statuses)', () => {
  it('writes the 1C name config.yml gives, offers it in mode=info, and reads it back as the same status', async () => {
    await start({
      integrations: { commerceml: { outgoing_statuses: ['confirmed = Согласован клиентом', 'shipped = Отгружено'] } },
    } as never);
    const { order } = await placeTestOrder(t.ctx, { lines: { 'BLT-101': 1 } });
    const statusSent = async () => {
      const doc = await buildOrdersDocument(t.ctx, [order.id], t.clock.now());
      return requisites(readBack(doc.body).documents[0]?.node as XmlNode).get('Статус заказа');
    };
    // A status the map leaves out goes as before: "[code] portal name".
    expect(await statusSent()).toBe('[new] Новый');
    await t.ctx.db.updateTable('orders').set({ status: 'confirmed' }).where('id', '=', order.id).execute();
    expect(await statusSent()).toBe('Согласован клиентом');

    const info = new TextDecoder('windows-1251').decode(buildInfoDocument(t.ctx).body);
    expect(info).toMatch(/<Ид>confirmed<\/Ид>\s*<Название>Согласован клиентом<\/Название>/);
    expect(info).toMatch(/<Ид>new<\/Ид>\s*<Название>Новый<\/Название>/);

    // 1C writes back the name it was given: the portal understands its own words.
    const back = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>${order.number}</Ид><Номер>${order.number}</Номер>
      <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>Отгружено</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Документ></КоммерческаяИнформация>`,
    );
    const result = await applySaleFile(t.ctx, back, { fileName: 'status.xml' });
    expect(result.warnings).toEqual([]);
    expect((await orderByNumber(order.number)).status).toBe('shipped');
  });

  it('config refuses an item whose left side is no portal status', async () => {
    const { ConfigError, loadConfig } = await import('../src/config/load.js');
    expect(() =>
      loadConfig({
        env: {},
        overrides: { integrations: { commerceml: { outgoing_statuses: ['Отгружен = shipped'] } } } as never,
      }),
    ).toThrow(ConfigError);
    try {
      loadConfig({
        env: {},
        overrides: { integrations: { commerceml: { outgoing_statuses: ['Отгружен = shipped'] } } } as never,
      });
    } catch (error) {
      expect((error as Error).message).toContain(
        'integrations.commerceml.outgoing_statuses[0]: "Отгружен" is not one of new, confirmed, in_progress, shipped, completed, cancelled',
      );
    }
  });
});
