import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import * as migration from '../migrations/0009_order_desk.js';
import { findChromium } from '../src/documents/chromium.js';
import type { DeepPartialRecord } from '../src/config/load.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, makeCompany, makeUser, parseEml, savedMails, startTestApp, type TestApp } from './helpers.js';
import { attachment, Inbox, plainText } from './smtp-inbox.js';

const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
const poppler = existsSync('/usr/bin/pdftotext');
const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

let t: TestApp;
let inbox: Inbox | null = null;
afterEach(async () => {
  await t?.close();
  await inbox?.stop();
  inbox = null;
});

/**
 * Two managers, each with a company; Ромашка buys at the wholesale price type less 5 % and has a
 * special price (50,00 ₽) for BLT-104. Prices in the fixture: wholesale ends in ,22 (BLT-101 11,22 ₽).
 */
async function world(overrides: DeepPartialRecord = {}) {
  t = await startTestApp(overrides);
  const catalog = await buildCatalog(t.ctx);
  const managerA = await makeUser(t.ctx, 'manager', { name: 'Михаил Продажин', email: 'mikhail@distributor.test' });
  const managerB = await makeUser(t.ctx, 'manager', { name: 'Ольга Сбытова', email: 'olga@distributor.test' });
  const admin = await makeUser(t.ctx, 'admin', { name: 'Анна Админова' });
  const romashka = await makeCompany(t.ctx, { name: 'Ромашка', managerId: managerA.id });
  const berezka = await makeCompany(t.ctx, { name: 'Берёзка', managerId: managerB.id });
  await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale, discount_bp: 500 }).where('id', '=', romashka.id).execute();
  await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale }).where('id', '=', berezka.id).execute();
  const id = (sku: string) => catalog.products.find((p) => p.sku === sku)?.id ?? Number.NaN;
  await t.ctx.db.insertInto('special_prices').values({ company_id: romashka.id, product_id: id('BLT-104'), price: 5000 }).execute();
  const buyer = await makeUser(t.ctx, 'buyer', { companyId: romashka.id, email: 'ivan@romashka.test', name: 'Иван' });
  const otherBuyer = await makeUser(t.ctx, 'buyer', { companyId: berezka.id, email: 'pyotr@berezka.test', name: 'Пётр' });
  return { catalog, id, managerA, managerB, admin, romashka, berezka, buyer, otherBuyer };
}

async function signedIn(user: { email: string }) {
  const browser = new Browser(t.app);
  await browser.login(user.email);
  return browser;
}

/** An order through the cart and checkout, as the buyer places it. */
async function placeByBuyer(browser: Browser, ids: Record<string, number>, lines: Record<string, string>): Promise<number> {
  const form: Record<string, string> = {};
  for (const [sku, qty] of Object.entries(lines)) form[`qty[${ids[sku]}]`] = qty;
  const added = await browser.post('/cart/add', form, { csrfFrom: '/catalog' });
  expect(added.status).toBe(303);
  const page = (await browser.get('/checkout')).body;
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
  const res = await browser.post('/checkout', {
    _csrf: field('_csrf'),
    idempotency_key: field('idempotency_key'),
    confirmed_total: field('confirmed_total'),
    address_choice: 'new',
    new_address: 'Москва, Складская 1',
  });
  const orderId = Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]);
  expect(orderId).toBeGreaterThan(0);
  return orderId;
}

async function lineIds(orderId: number): Promise<Record<string, number>> {
  const lines = await t.ctx.db.selectFrom('order_lines').select(['id', 'sku']).where('order_id', '=', orderId).execute();
  return Object.fromEntries(lines.map((l) => [l.sku, l.id]));
}

async function orderRow(orderId: number) {
  return t.ctx.db.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirstOrThrow();
}

const desk = (browser: Browser, orderId: number, action: string, form: Record<string, string>) =>
  browser.post(`/desk/orders/${orderId}/${action}`, form, { csrfFrom: `/desk/orders/${orderId}` });

function pdfText(pdf: Buffer): string {
  const file = join(t.dataDir, `check-${Date.now()}.pdf`);
  writeFileSync(file, pdf);
  return plain(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
}

describe('the status flow on the order desk', () => {
  it('staff change the lines and confirm with a comment: the buyer sees what changed and gets the status mail with the new PDF', async () => {
    inbox = new Inbox();
    await inbox.start();
    const w = await world({
      smtp: { host: '127.0.0.1', port: inbox.port, security: 'none', from: 'Оптовик <orders@optovik.test>' },
      documents: { chromium_path: process.env.CHROMIUM_PATH ?? '' },
    });
    const buyer = await signedIn(w.buyer);
    const orderId = await placeByBuyer(buyer, { 'BLT-101': w.id('BLT-101'), 'BLT-102': w.id('BLT-102') }, { 'BLT-101': '10', 'BLT-102': '3' });
    await t.ctx.worker.runDue();
    expect(inbox.to('ivan@romashka.test')).toHaveLength(1);

    const manager = await signedIn(w.managerA);
    const page = plain((await manager.get(`/desk/orders/${orderId}`)).body);
    expect(page).toContain('Заказ оформлен, сумма');
    expect(page).toContain('Письмо о заказе отправлено: ivan@romashka.test');
    const lines = await lineIds(orderId);
    const changed = await desk(manager, orderId, 'lines', {
      [`qty[${lines['BLT-101']}]`]: '20',
      [`remove[${lines['BLT-102']}]`]: '1',
      add_code: 'blt 103',
      add_qty: '5',
      note: 'М8×30 закончились, заменили на М10',
    });
    expect(changed.status).toBe(303);
    expect(changed.location).toBe(`/desk/orders/${orderId}?notice=desk.linesSaved`);
    const confirmed = await desk(manager, orderId, 'status', { status: 'confirmed', note: 'Отгрузим в четверг' });
    expect(confirmed.location).toBe(`/desk/orders/${orderId}?notice=desk.statusChanged`);
    await t.ctx.worker.runDue();

    // 20 × 10,66 (11,22 less 5 %) + 5 × 12,56 (13,22 less 5 %) = 213,20 + 62,80 = 276,00
    const order = await orderRow(orderId);
    expect(order.status).toBe('confirmed');
    expect(order.total).toBe(27600);
    expect(order.revision).toBe(1);
    const mails = inbox.to('ivan@romashka.test');
    expect(mails).toHaveLength(2);
    const raw = mails[1]?.raw ?? '';
    expect((await parseEml(raw)).subject).toBe('Заказ W-000001: Подтверждён');
    const text = plain(plainText(raw));
    expect(text).toContain('Комментарий: Отгрузим в четверг');
    expect(text).toContain('Состав заказа изменён, теперь в нём строк: 2, на сумму 276,00 ₽');
    expect(text).toMatch(/BLT-102 \| .* \| 3 шт \| —/);
    expect(text).toMatch(/BLT-101 \| .* \| 10 шт \| 20 шт/);
    expect(text).toMatch(/BLT-103 \| .* \| — \| 5 шт/);
    if (chromium) {
      const pdf = attachment(raw, 'W-000001.pdf');
      expect(pdf?.subarray(0, 5).toString()).toBe('%PDF-');
      // The PDF of the order as changed, kept under its revision; the old one is gone.
      expect(existsSync(join(t.dataDir, 'pdf', 'W-000001.r1.pdf'))).toBe(true);
      expect(existsSync(join(t.dataDir, 'pdf', 'W-000001.pdf'))).toBe(false);
      if (poppler && pdf) {
        const text = pdfText(pdf);
        expect(text).toContain('BLT-103');
        expect(text).not.toContain('BLT-102');
        expect(text).toContain('276,00');
        const first = attachment(inbox.to('ivan@romashka.test')[0]?.raw ?? '', 'W-000001.pdf');
        expect(first && pdfText(first)).toContain('BLT-102');
      }
      // The buyer downloads the same new document.
      const served = await buyer.get(`/orders/${orderId}/pdf`);
      expect(served.status).toBe(200);
    }

    // The buyer's order page says what changed, by whom.
    const buyerPage = plain((await buyer.get(`/orders/${orderId}`)).body);
    expect(buyerPage).toContain('Изменения в заказе');
    expect(buyerPage).toContain('Михаил Продажин');
    expect(buyerPage).toContain('10 шт → 20 шт');
    expect(buyerPage).toContain('удалено (было 3 шт)');
    expect(buyerPage).toContain('добавлено: 5 шт');
    expect(buyerPage).toContain('М8×30 закончились, заменили на М10');
    expect(buyerPage).toContain('Отгрузим в четверг');
    expect(buyerPage).not.toContain('Письмо о');

    // Who did what and when: every change is in the history with its author.
    const events = await t.ctx.db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('id').execute();
    expect(events.map((e) => `${e.kind}/${e.source}/${e.actor_name}`)).toEqual([
      'placed/portal/Иван',
      'mail_sent/system/',
      'mail_sent/system/',
      'lines_changed/portal/Михаил Продажин',
      'status_changed/portal/Михаил Продажин',
      'mail_sent/system/',
    ]);
    const history = plain((await manager.get(`/desk/orders/${orderId}`)).body);
    expect(history).toContain('Статус: Новый → Подтверждён');
    expect(history).toContain('Письмо о статусе «Подтверждён» отправлено: ivan@romashka.test');

    // Shipping it marks it shipped; marking paid is stored with who did it.
    await desk(manager, orderId, 'status', { status: 'shipped', note: '' });
    const paid = await desk(manager, orderId, 'mark', { mark: 'paid', on: '1' });
    expect(paid.location).toBe(`/desk/orders/${orderId}?notice=desk.marked`);
    const after = await orderRow(orderId);
    expect(after.status).toBe('shipped');
    expect(after.shipped_at).not.toBeNull();
    expect(after.paid_at).toBe(t.clock.now());
    const marks = await t.ctx.db.selectFrom('order_events').select(['data', 'actor_name']).where('order_id', '=', orderId).where('kind', '=', 'marked').execute();
    expect(marks.map((m) => [JSON.parse(m.data).mark, m.actor_name])).toEqual([
      ['shipped', 'Михаил Продажин'],
      ['paid', 'Михаил Продажин'],
    ]);
  });

  it('the buyer cancelling goes through the same status change: history, event, mail without a PDF', async () => {
    const w = await world();
    const buyer = await signedIn(w.buyer);
    const orderId = await placeByBuyer(buyer, { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '2' });
    await t.ctx.worker.runDue();
    const res = await buyer.post(`/orders/${orderId}/cancel`, { note: 'Передумали' }, { csrfFrom: `/orders/${orderId}` });
    expect(res.location).toBe(`/orders/${orderId}?notice=orders.cancelled`);
    await t.ctx.worker.runDue();
    const events = await t.ctx.db.selectFrom('order_events').select(['kind', 'data', 'actor_name']).where('order_id', '=', orderId).where('kind', '=', 'status_changed').execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.data ?? '{}')).toEqual({ from: 'new', to: 'cancelled', note: 'Передумали' });
    expect(events[0]?.actor_name).toBe('Иван');
    const mail = (await savedMails(t.dataDir)).find((m) => m.subject === 'Заказ W-000001: Отменён');
    expect(mail?.text).toContain('Комментарий: Передумали');
    expect(mail?.text).not.toContain('во вложении');
  });
});

describe('who may work which orders', () => {
  it('a manager neither sees nor touches another manager’s company’s orders (404), a buyer reaches no staff route', async () => {
    const w = await world();
    const theirs = await placeByBuyer(await signedIn(w.otherBuyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '1' });
    const ours = await placeByBuyer(await signedIn(w.buyer), { 'BLT-102': w.id('BLT-102') }, { 'BLT-102': '1' });
    const before = await orderRow(theirs);
    const theirLine = (await lineIds(theirs))['BLT-101'] ?? 0;

    const manager = await signedIn(w.managerA);
    const list = plain((await manager.get('/desk')).body);
    expect(list).toContain('W-000002');
    expect(list).not.toContain('W-000001');
    expect(list).not.toContain('Берёзка');
    expect((await manager.get(`/desk?company=${w.berezka.id}`)).body).not.toContain('W-000001');
    expect((await manager.get(`/desk/orders/${theirs}`)).status).toBe(404);
    const csrf = await manager.csrf(`/desk/orders/${ours}`);
    expect((await manager.post(`/desk/orders/${theirs}/status`, { _csrf: csrf, status: 'confirmed', note: 'x' })).status).toBe(404);
    expect((await manager.post(`/desk/orders/${theirs}/mark`, { _csrf: csrf, mark: 'paid', on: '1' })).status).toBe(404);
    expect((await manager.post(`/desk/orders/${theirs}/lines`, { _csrf: csrf, [`qty[${theirLine}]`]: '5' })).status).toBe(404);
    const xlsx = await t.app.inject({ method: 'GET', url: '/desk/orders.xlsx', headers: { cookie: [...manager.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    expect((await readSheet(xlsx.rawPayload)).map((r) => r[0])).toEqual(['W-000002', 'Итого без отменённых, заказов: 1', 'Из них оплачено']);

    const buyer = await signedIn(w.buyer);
    expect((await buyer.get('/desk')).status).toBe(403);
    expect((await buyer.get(`/desk/orders/${ours}`)).status).toBe(403);
    expect((await buyer.get('/desk/orders.xlsx')).status).toBe(403);
    const buyerCsrf = await buyer.csrf('/account');
    expect((await buyer.post(`/desk/orders/${ours}/status`, { _csrf: buyerCsrf, status: 'confirmed', note: '' })).status).toBe(403);
    expect((await buyer.post(`/desk/orders/${ours}/mark`, { _csrf: buyerCsrf, mark: 'paid', on: '1' })).status).toBe(403);
    expect((await buyer.get(`/orders/${ours}`)).body).not.toContain('/desk/orders/');

    // Nothing moved: same row, no events but the placement.
    expect(await orderRow(theirs)).toEqual(before);
    expect((await orderRow(ours)).status).toBe('new');
    const kinds = await t.ctx.db.selectFrom('order_events').select('kind').where('kind', '!=', 'placed').execute();
    expect(kinds).toEqual([]);

    // The admin sees both, and the other manager its own.
    const admin = plain((await (await signedIn(w.admin)).get('/desk')).body);
    expect(admin).toContain('W-000001');
    expect(admin).toContain('W-000002');
    expect((await (await signedIn(w.managerB)).get(`/desk/orders/${theirs}`)).status).toBe(200);
  });
});

describe('changing lines', () => {
  it('prices the changed order at the buyer’s prices of today: price type less discount, special price, fractional unit', async () => {
    const w = await world();
    const orderId = await placeByBuyer(await signedIn(w.buyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '10' });
    expect((await orderRow(orderId)).total).toBe(10 * 1066);
    // The wholesale price moves after the order was placed: an edited order takes today's.
    await t.ctx.db.updateTable('prices').set({ price: 1500 }).where('product_id', '=', w.id('BLT-101')).where('price_type_id', '=', w.catalog.priceTypes.wholesale).execute();
    const manager = await signedIn(w.managerA);
    const lines = await lineIds(orderId);
    let res = await desk(manager, orderId, 'lines', { [`qty[${lines['BLT-101']}]`]: '20', add_code: 'BLT-104', add_qty: '2' });
    expect(res.status).toBe(303);
    res = await desk(manager, orderId, 'lines', { add_code: 'ВВГ-3×2.5', add_qty: '1,5' });
    expect(res.status).toBe(303);

    const order = await orderRow(orderId);
    const priced = await t.ctx.db.selectFrom('order_lines').select(['sku', 'quantity', 'list_price', 'unit_price', 'discount_bp', 'line_total', 'vat_amount']).where('order_id', '=', orderId).orderBy('line_no').execute();
    expect(priced).toEqual([
      // 15,00 less 5 % = 14,25; × 20
      { sku: 'BLT-101', quantity: 20, list_price: 1500, unit_price: 1425, discount_bp: 500, line_total: 28500, vat_amount: 4750 },
      // The special price, no discount on top (stock 0 does not stop the seller).
      { sku: 'BLT-104', quantity: 2, list_price: 1422, unit_price: 5000, discount_bp: 0, line_total: 10000, vat_amount: 1667 },
      // 95,22 less 5 % = 90,46; × 1,5 = 135,69
      { sku: 'ВВГ-3×2.5', quantity: 1.5, list_price: 9522, unit_price: 9046, discount_bp: 500, line_total: 13569, vat_amount: 2262 },
    ]);
    expect(order).toMatchObject({ total: 52069, subtotal: 52069, vat_total: 8679, discount_total: 1500 + 714, line_count: 3, revision: 2 });
    const page = plain((await manager.get(`/desk/orders/${orderId}`)).body);
    expect(page).toContain('цена 10,66 ₽ → 14,25 ₽');
    expect(page).toContain('Сумма: 106,60 ₽ → 385,00 ₽');
    expect(page).toContain('520,69 ₽');
  });

  it('refuses a quantity that breaks the pack rule, an unknown product and removing every line, changing nothing', async () => {
    const w = await world();
    const orderId = await placeByBuyer(await signedIn(w.buyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '10' });
    const manager = await signedIn(w.managerA);
    const line = (await lineIds(orderId))['BLT-101'] ?? 0;
    const before = await orderRow(orderId);

    let res = await desk(manager, orderId, 'lines', { [`qty[${line}]`]: '12', add_code: 'BLT-107', add_qty: '7' });
    expect(res.status).toBe(422);
    const html = plain(res.body);
    expect(html).toContain('Изменения не сохранены');
    expect(html).toContain('Товар продаётся упаковками по 50 шт. Можно заказать 50.');
    expect(html).toContain('value="12"'); // what was typed stays in the form

    res = await desk(manager, orderId, 'lines', { add_code: 'NO-SUCH', add_qty: '1' });
    expect(plain(res.body)).toContain('Товар с таким артикулом или штрихкодом не найден.');
    res = await desk(manager, orderId, 'lines', { [`qty[${line}]`]: '1,5' });
    expect(plain(res.body)).toContain('без дробей');
    res = await desk(manager, orderId, 'lines', { [`remove[${line}]`]: '1' });
    expect(res.status).toBe(422);
    expect(plain(res.body)).toContain('Нельзя удалить все строки');
    res = await desk(manager, orderId, 'lines', { [`qty[${line}]`]: '10' });
    expect(res.location).toBe(`/desk/orders/${orderId}?notice=desk.linesUnchanged`);

    expect(await orderRow(orderId)).toEqual(before);
    expect(await t.ctx.db.selectFrom('order_events').select('kind').where('kind', '=', 'lines_changed').execute()).toEqual([]);
  });

  it('refuses a change once the order is confirmed', async () => {
    const w = await world();
    const orderId = await placeByBuyer(await signedIn(w.buyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '10' });
    const manager = await signedIn(w.managerA);
    const line = (await lineIds(orderId))['BLT-101'] ?? 0;
    await desk(manager, orderId, 'status', { status: 'confirmed', note: '' });
    const page = plain((await manager.get(`/desk/orders/${orderId}`)).body);
    expect(page).toContain('Строки меняются только у нового заказа');
    expect(page).not.toContain(`name="qty[${line}]"`);
    const res = await desk(manager, orderId, 'lines', { [`qty[${line}]`]: '20' });
    expect(res.status).toBe(409);
    expect(plain(res.body)).toContain('Заказ уже подтверждён — строки больше не меняются.');
    const order = await orderRow(orderId);
    expect([order.total, order.revision]).toEqual([10660, 0]);
    // Nor can an order be taken back to "new" to reopen it.
    const back = await desk(manager, orderId, 'status', { status: 'new', note: '' });
    expect(back.status).toBe(409);
    expect((await orderRow(orderId)).status).toBe('confirmed');
  });
});

async function readSheet(body: Buffer): Promise<unknown[][]> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(body as unknown as ArrayBuffer);
  const sheet = workbook.worksheets[0];
  const rows: unknown[][] = [];
  sheet?.eachRow((row, n) => {
    if (n > 1) rows.push((row.values as unknown[]).slice(1));
  });
  return rows;
}

describe('the list, its totals and the export', () => {
  it('filters by status, company, paid; the totals and the XLSX follow the filter', async () => {
    const w = await world();
    const buyer = await signedIn(w.buyer);
    const ids = { 'BLT-101': w.id('BLT-101') };
    const a = await placeByBuyer(buyer, ids, { 'BLT-101': '1' }); // 10,66
    await placeByBuyer(buyer, ids, { 'BLT-101': '2' }); // 21,32
    const c = await placeByBuyer(buyer, ids, { 'BLT-101': '3' }); // 31,98
    await placeByBuyer(await signedIn(w.otherBuyer), ids, { 'BLT-101': '4' }); // 4 × 11,22 = 44,88, Берёзка
    const admin = await signedIn(w.admin);
    await desk(admin, a, 'mark', { mark: 'paid', on: '1' });
    await desk(admin, c, 'status', { status: 'cancelled', note: 'Дубль' });
    t.clock.advance(60_000);

    const list = plain((await admin.get(`/desk?company=${w.romashka.id}`)).body);
    expect(list).toContain('Заказов: 3');
    expect(list).toContain('Сумма без отменённых: 31,98 ₽');
    expect(list).toContain('Оплачено: 10,66 ₽');
    expect(list).toContain('Отменено: 1 на 31,98 ₽');
    expect(list).not.toContain('W-000004');
    const paidOnly = plain((await admin.get('/desk?paid=yes')).body);
    expect(paidOnly).toContain('Заказов: 1');
    expect(paidOnly).toContain('W-000001');
    expect(plain((await admin.get(`/desk?manager=${w.managerB.id}`)).body)).toContain('Заказов: 1');
    expect(plain((await admin.get('/desk?status=cancelled')).body)).toContain('W-000003');

    const res = await t.app.inject({
      method: 'GET',
      url: `/desk/orders.xlsx?company=${w.romashka.id}`,
      headers: { cookie: [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const rows = await readSheet(res.rawPayload);
    expect(rows.map((r) => r[0])).toEqual(['W-000003', 'W-000002', 'W-000001', 'Итого без отменённых, заказов: 2', 'Из них оплачено', 'Отменено заказов: 1']);
    const [first] = rows;
    expect(first?.[2]).toBe('Ромашка');
    expect(first?.[5]).toBe('Михаил Продажин');
    expect(first?.[6]).toBe('Отменён');
    expect(first?.[8]).toBe(31.98);
    expect(rows[2]?.[10]).toBeInstanceOf(Date); // paid
    expect(rows[3]?.[8]).toBe(31.98);
    expect(rows[4]?.[8]).toBe(10.66);
    expect(rows[5]?.[8]).toBe(31.98);
  });
});

describe('orders.staff_status_changes', () => {
  it('with the 1C exchange configured, staff changes are refused with a clear message (auto), allowed with always', async () => {
    const w = await world({ integrations: { commerceml: { login: 'exchange', password: 'secret-1c' } } });
    const orderId = await placeByBuyer(await signedIn(w.buyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '10' });
    const manager = await signedIn(w.managerA);
    const page = plain((await manager.get(`/desk/orders/${orderId}`)).body);
    expect(page).toContain('Заказы ведёт 1С: статусы, оплата и отгрузка приходят оттуда');
    expect(page).not.toContain(`action="/desk/orders/${orderId}/status"`);
    const line = (await lineIds(orderId))['BLT-101'] ?? 0;
    for (const [action, form] of [
      ['status', { status: 'confirmed', note: '' }],
      ['mark', { mark: 'paid', on: '1' }],
      ['lines', { [`qty[${line}]`]: '20' }],
    ] as const) {
      const res = await desk(manager, orderId, action, form);
      expect(res.status).toBe(409);
      expect(plain(res.body)).toContain('orders.staff_status_changes: always');
    }
    const order = await orderRow(orderId);
    expect([order.status, order.paid_at, order.total]).toEqual(['new', null, 10660]);
    await t.close();

    const w2 = await world({ integrations: { commerceml: { login: 'exchange', password: 'secret-1c' } }, orders: { staff_status_changes: 'always' } });
    const second = await placeByBuyer(await signedIn(w2.buyer), { 'BLT-101': w2.id('BLT-101') }, { 'BLT-101': '10' });
    const res = await desk(await signedIn(w2.managerA), second, 'status', { status: 'confirmed', note: '' });
    expect(res.status).toBe(303);
    expect((await orderRow(second)).status).toBe('confirmed');
  });

  it('never: the desk only shows orders, also without an exchange', async () => {
    const w = await world({ orders: { staff_status_changes: 'never' } });
    const orderId = await placeByBuyer(await signedIn(w.buyer), { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '10' });
    const res = await desk(await signedIn(w.admin), orderId, 'status', { status: 'confirmed', note: '' });
    expect(res.status).toBe(409);
    expect(plain(res.body)).toContain('orders.staff_status_changes: never');
    expect((await orderRow(orderId)).status).toBe('new');
  });
});

describe('migration 0009_order_desk', () => {
  it('gives the orders placed before it their history: placement, status changes, mails, the export', async () => {
    const w = await world();
    const buyer = await signedIn(w.buyer);
    const orderId = await placeByBuyer(buyer, { 'BLT-101': w.id('BLT-101') }, { 'BLT-101': '2' });
    t.clock.advance(60_000);
    await t.ctx.worker.runDue();
    t.clock.advance(60_000);
    await buyer.post(`/orders/${orderId}/cancel`, { note: 'Передумали' }, { csrfFrom: `/orders/${orderId}` });
    await t.ctx.worker.runDue();
    const exportedAt = t.clock.now() + 1000;
    await t.ctx.db.updateTable('orders').set({ exported_at: exportedAt }).where('id', '=', orderId).execute();

    // Back to the schema before the desk, then up again: what was stored then becomes the history.
    const db = t.ctx.db as unknown as Kysely<unknown>;
    await migration.down(db);
    await migration.up(db);
    const events = await t.ctx.db.selectFrom('order_events').selectAll().where('order_id', '=', orderId).orderBy('created_at').orderBy('id').execute();
    expect(events.map((e) => [e.kind, e.source, e.actor_name, JSON.parse(e.data)])).toEqual([
      ['placed', 'portal', 'Иван', { origin: 'web', company: 'Ромашка', byRole: 'buyer', total: 2 * 1066 }],
      ['mail_sent', 'portal', '', { mail: 'order_placed', to: 'ivan@romashka.test', pdf: Boolean(chromium) }],
      ['mail_sent', 'portal', '', { mail: 'order_placed', to: 'mikhail@distributor.test', pdf: Boolean(chromium) }],
      ['status_changed', 'portal', 'Иван', { from: 'new', to: 'cancelled', note: 'Передумали' }],
      ['mail_sent', 'portal', '', { mail: 'status', to: 'ivan@romashka.test', pdf: false, status: 'cancelled' }],
      ['exported', '1c', '', { system: '1c' }],
    ]);
    expect((await orderRow(orderId)).revision).toBe(0);
    // And the desk reads them.
    const page = plain((await (await signedIn(w.managerA)).get(`/desk/orders/${orderId}`)).body);
    expect(page).toContain('Статус: Новый → Отменён');
    expect(page).toContain('Письмо о статусе «Отменён» отправлено: ivan@romashka.test');
  });
});
