/**
 * Orders entered by the seller in 1C (by phone, typed in there): 1C sends them back in its order
 * documents; for a buyer the portal knows they join that buyer's history with 1C's number, lines,
 * status, PDF and "repeat", and they never go back to 1C. Real 1C files (onec-docs-2.09).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChromium } from '../src/documents/chromium.js';
import { orderFileName } from '../src/documents/order-document.js';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { ordersPendingExport } from '../src/integrations/commerceml/sale/orders-document.js';
import { buildCatalog } from './catalog-fixture.js';
import { OneCClient } from './commerceml-client.js';
import { Browser, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'commerceml');
const DOCUMENTS = join(FIXTURES, 'onec-docs-2.09', 'documents-example.xml');
/** The buyer of both orders in documents-example.xml ("Kikinda (Сербия)", no ИНН). */
const KIKINDA_1C = '4a65ecb6-8b1b-11df-be16-e0cb4ed5f70f';
const BOOTS_1C = 'bd72d913-55bc-11d9-848a-00112f43529a#b02e2814-720f-11df-b436-0015e92f2802';
const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';

const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

beforeEach(async () => {
  t = await startTestApp({ integrations: { commerceml: { login: LOGIN, password: PASSWORD } } } as never);
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => {
  await t.close();
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

/** Kikinda as a portal company (1C sent it as a counterparty once), with a signed-in buyer. */
async function kikinda() {
  const company = await makeCompany(t.ctx, { name: 'Kikinda' });
  await t.ctx.db
    .updateTable('companies')
    .set({ external_1c_id: KIKINDA_1C, price_type_id: catalog.priceTypes.wholesale })
    .where('id', '=', company.id)
    .execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId: company.id });
  const browser = new Browser(t.app);
  await browser.login(user.email);
  return { company, user, browser };
}

async function counts() {
  const n = async (table: 'orders' | 'order_lines' | 'order_status_history' | 'jobs') =>
    Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return { orders: await n('orders'), lines: await n('order_lines'), history: await n('order_status_history'), jobs: await n('jobs') };
}

describe('orders entered by the seller in 1C', () => {
  it('join the buyer history with 1C numbers, lines, totals and status, marked as entered by the seller', async () => {
    const { company, browser } = await kikinda();
    // One of the lines is a product the portal sells (1C's Ид of the boots variant).
    const boots = catalog.products.find((p) => p.sku === 'BLT-105')?.id ?? -1;
    await t.ctx.db.updateTable('products').set({ external_1c_id: BOOTS_1C }).where('id', '=', boots).execute();

    const result = await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    expect(result.orders).toEqual({ updated: 0, unchanged: 0, created: 2, unknown: [] });
    expect(result.warnings).toEqual([]);

    const orders = await t.ctx.db.selectFrom('orders').selectAll().orderBy('id').execute();
    expect(
      orders.map((o) => [o.number, o.origin, o.company_id, o.status, o.external_number, o.external_date, o.subtotal, o.vat_total, o.total, o.prices_include_vat]),
    ).toEqual([
      // 3 338 + 3 600 without VAT, 1 248,84 VAT on top: the document's Сумма 8 186,84.
      ['ТДЦУ-000001', '1c', company.id, 'shipped', 'ТДЦУ-000001', '2015-06-29', 693800, 124884, 818684, 0],
      // 3 600 + 500 delivery with VAT included: 4 100.
      ['ТДЦУ-000002', '1c', company.id, 'confirmed', 'ТДЦУ-000002', '2015-06-29', 410000, 62542, 410000, 1],
    ]);
    expect(orders[0]).toMatchObject({ external_1c_id: '142', paid_at: Date.UTC(2015, 5, 29, 12, 39, 10), shipped_at: Date.UTC(2015, 5, 29, 14, 32, 27) });
    // Placed when 1C says (29 June 2015, 15:39 Moscow), not when the file came.
    expect(orders[0]?.created_at).toBe(Date.UTC(2015, 5, 29, 12, 39, 10));
    const lines = await t.ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', orders[1]?.id ?? -1).orderBy('line_no').execute();
    expect(lines.map((l) => [l.product_id, l.product_1c_id, l.quantity, l.unit_price, l.line_total])).toEqual([
      [boots, BOOTS_1C, 1, 360000, 360000],
      [null, 'ORDER_DELIVERY', 1, 50000, 50000],
    ]);
    // Nobody was mailed about orders the seller typed in itself.
    expect(await t.ctx.db.selectFrom('jobs').select('kind').execute()).toEqual([]);
    // The portal's own numbering was not touched.
    expect(await t.ctx.db.selectFrom('settings').select('value').where('key', '=', 'order_counter').executeTakeFirst()).toBeUndefined();

    const list = plain((await browser.get('/orders')).body);
    expect(list).toMatch(/ТДЦУ-000001<\/strong><\/a> <span class="badge seller-entered">Внесён продавцом<\/span>/);
    expect(list).toContain('8 186,84 ₽');
    expect(list).toContain('4 100,00 ₽');
    const page = plain((await browser.get(`/orders/${orders[0]?.id}`)).body);
    expect(page).toContain('Внесён продавцом');
    expect(page).toContain('Заказ внесён в 1С, № ТДЦУ-000001; 1C: Отгружен');
    expect(page).toContain('Вентилятор BINATONE ALPINE 160вт');
    expect(page).not.toContain('/cancel');
    const print = plain((await browser.get(`/orders/${orders[0]?.id}/print`)).body);
    expect(print).toContain('ТДЦУ-000001');
    expect(print).toContain('8 186,84 ₽');

    // "Repeat" puts what the portal sells into the cart at today's price; the rest is listed.
    const repeat = plain((await browser.post(`/orders/${orders[1]?.id}/repeat`, {}, { csrfFrom: `/orders/${orders[1]?.id}` })).body);
    expect(repeat).toContain('Доставка заказа — Товар не найден или снят с продажи.');
    const cart = await t.ctx.db.selectFrom('cart_items').select(['product_id', 'quantity']).where('company_id', '=', company.id).execute();
    expect(cart).toEqual([{ product_id: boots, quantity: 1 }]);
    expect(plain((await browser.get('/cart')).body)).toContain('15,22 ₽');

    // A buyer cannot cancel it from the portal: its status is 1C's.
    const cancel = await browser.post(`/orders/${orders[1]?.id}/cancel`, { note: 'не надо' }, { csrfFrom: `/orders/${orders[1]?.id}` });
    expect(cancel.location).toContain('notice=orders.cannotCancel');
    expect((await t.ctx.db.selectFrom('orders').select('status').where('id', '=', orders[1]?.id ?? -1).executeTakeFirstOrThrow()).status).toBe('confirmed');

    // A portal order placed now takes the portal's first number.
    const web = await browser.get('/checkout');
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(web.body)?.[1] ?? '';
    const placed = await browser.post('/checkout', {
      _csrf: field('_csrf'),
      idempotency_key: field('idempotency_key'),
      confirmed_total: field('confirmed_total'),
      legal_entity_id: field('legal_entity_id'),
      address_choice: 'new',
      new_address: 'Кикинда',
    });
    const id = Number(/\/orders\/(\d+)/.exec(placed.location ?? '')?.[1]);
    expect((await t.ctx.db.selectFrom('orders').select('number').where('id', '=', id).executeTakeFirstOrThrow()).number).toBe('W-000001');
  });

  it('applying the same document again changes nothing, and 1C never gets them back on mode=query', async () => {
    await kikinda();
    await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    const before = await counts();
    const stamps = await t.ctx.db.selectFrom('orders').select(['id', 'updated_at', 'status']).orderBy('id').execute();
    t.clock.advance(60_000);
    const again = await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    expect(again.orders).toEqual({ updated: 0, unchanged: 2, created: 0, unknown: [] });
    expect(await counts()).toEqual(before);
    expect(await t.ctx.db.selectFrom('orders').select(['id', 'updated_at', 'status']).orderBy('id').execute()).toEqual(stamps);

    expect(await ordersPendingExport(t.ctx.db)).toEqual([]);
    // Even "send again" from the admin page does not make 1C's own orders go back to it.
    await t.ctx.db.updateTable('orders').set({ exported_at: null }).execute();
    expect(await ordersPendingExport(t.ctx.db)).toEqual([]);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OneCClient(address, LOGIN, PASSWORD);
    expect((await client.checkauth('sale'))[0]).toBe('success');
    await client.init('sale');
    const query = await client.request('sale', 'query');
    expect(query.status).toBe(200);
    expect(new TextDecoder('windows-1251').decode(query.bytes)).not.toContain('Документ');
  });

  it('a later document from 1C moves the order on, with the buyer mailed like for any order', async () => {
    await kikinda();
    await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    const closed = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.09"><Документ><Ид>235</Ид><Номер>235</Номер><Номер1С>ТДЦУ-000002</Номер1С>
      <ХозОперация>Заказ товара</ХозОперация><ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Финальный статус</Наименование><Значение>true</Значение></ЗначениеРеквизита>
      </ЗначенияРеквизитов></Документ></КоммерческаяИнформация>`,
    );
    const result = await applySaleFile(t.ctx, closed, { fileName: 'closed.xml' });
    expect(result.orders).toEqual({ updated: 1, unchanged: 0, created: 0, unknown: [] });
    expect((await t.ctx.db.selectFrom('orders').select('status').where('number', '=', 'ТДЦУ-000002').executeTakeFirstOrThrow()).status).toBe('completed');
    expect((await t.ctx.db.selectFrom('jobs').select('kind').execute()).map((j) => j.kind)).toEqual(['send_status_mail']);
    expect(await ordersPendingExport(t.ctx.db)).toEqual([]);
  });

  it.skipIf(!chromium)('each has its own PDF, however alike 1C’s Cyrillic numbers look as file names', async () => {
    expect(orderFileName('ТДЦУ-000001')).not.toBe(orderFileName('ПРОД-000001'));
    expect(orderFileName('W-000001')).toBe('W-000001.pdf');
    const { browser } = await kikinda();
    await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    const orders = await t.ctx.db.selectFrom('orders').select(['id', 'number']).orderBy('id').execute();
    for (const order of orders) {
      const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const pdf = await t.app.inject({ url: `/orders/${order.id}/pdf`, headers: { cookie } });
      expect(pdf.statusCode).toBe(200);
      const text = execFileSync('pdftotext', ['-', '-'], { input: pdf.rawPayload }).toString('utf8');
      expect(text).toContain(order.number);
    }
  });

  it('orders of a buyer the portal does not know, or of 1C’s shared web buyer, are still left out', async () => {
    const result = await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    expect(result.orders).toEqual({ updated: 0, unchanged: 0, created: 0, unknown: ['142', '235'] });
    // 3.1: every order is for "Покупатель через интернет-магазин", who has no ИНН and is nobody's company.
    await makeCompany(t.ctx, { name: 'Ромашка' });
    const shared = await applySaleFile(t.ctx, join(FIXTURES, 'cml-3.1-bitrix-module', 'documents', '2', 'documents.xml'), { fileName: 'documents.xml' });
    expect(shared.orders).toEqual({ updated: 0, unchanged: 0, created: 0, unknown: ['319', '479', '480', '481'] });
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);
  });

  it('keeps 1C’s number even where a portal order has the same one, by naming the source', async () => {
    const { company } = await kikinda();
    const web = await makeUser(t.ctx, 'buyer', { companyId: company.id });
    await t.ctx.db
      .insertInto('orders')
      .values({
        number: 'ТДЦУ-000001',
        company_id: company.id,
        legal_entity_id: null,
        buyer_name: 'Kikinda',
        placed_by: web.id,
        manager_id: null,
        desired_date: null,
        price_type_id: null,
        prices_include_vat: 1,
        subtotal: 100,
        discount_total: 0,
        vat_total: 0,
        total: 100,
        line_count: 0,
        idempotency_key: 'same-number-order-1',
        external_1c_id: null,
        external_number: null,
        external_date: null,
        paid_at: null,
        shipped_at: null,
        exported_at: null,
        external_ms_id: null,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
    // The document names order "142" (its Ид) first, so it is not taken for the portal's ТДЦУ-000001.
    const result = await applySaleFile(t.ctx, DOCUMENTS, { fileName: 'documents-example.xml' });
    expect(result.orders.created).toBe(2);
    const numbers = (await t.ctx.db.selectFrom('orders').select('number').where('origin', '=', '1c').orderBy('id').execute()).map((o) => o.number);
    expect(numbers).toEqual(['1С-ТДЦУ-000001', 'ТДЦУ-000002']);
  });
});
