/**
 * The buyer's account with the seller: what 1C's settlement documents and counterparty requisites
 * put there, the "Взаиморасчёты" page, the statement PDF (real Chromium, read back with
 * pdftotext), credit control at checkout in each mode, and who may see what.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import type { DeepPartialRecord } from '../src/config/load.js';
import { findChromium } from '../src/documents/chromium.js';
import { setAccountTerms } from '../src/finance/ledger.js';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'commerceml');
const SETTLEMENTS = join(FIXTURES, 'settlements-2.09');
const ROMASHKA_1C = '7c1f9a40-1d2e-11f0-9a51-00155d0a1b01';
const LUTIK_1C = '7c1f9a41-1d2e-11f0-9a51-00155d0a1b01';
const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

/** 2 March 2026, noon in Moscow: the fixtures' documents are from February. */
async function start(overrides: DeepPartialRecord = {}) {
  t = await startTestApp(
    { catalog: { allow_backorder: true }, ...overrides },
    { clock: new ManualClock(Date.UTC(2026, 2, 2, 9, 0)) },
  );
  catalog = await buildCatalog(t.ctx);
}
afterEach(async () => {
  await t?.close();
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ').replace(/&quot;/g, '"');
const skuId = (sku: string) => catalog.products.find((p) => p.sku === sku)?.id ?? -1;

async function companyBy1c(id: string) {
  const company = await t.ctx.db.selectFrom('companies').selectAll().where('external_1c_id', '=', id).executeTakeFirstOrThrow();
  const entity = await t.ctx.db
    .selectFrom('legal_entities')
    .selectAll()
    .where('company_id', '=', company.id)
    .executeTakeFirstOrThrow();
  return { company, entity };
}

/** A signed-in buyer of a company 1C created, buying at wholesale prices. */
async function buyerOf(companyId: number, managerId: number | null = null) {
  await t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: catalog.priceTypes.wholesale, manager_id: managerId })
    .where('id', '=', companyId)
    .execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId });
  const browser = new Browser(t.app);
  await browser.login(user.email);
  return { user, browser };
}

async function addToCart(browser: Browser, lines: Record<string, number>) {
  const form: Record<string, string> = { next: '/catalog' };
  for (const [sku, qty] of Object.entries(lines)) form[`qty[${skuId(sku)}]`] = String(qty);
  const res = await browser.post('/cart/add', form, { csrfFrom: '/catalog' });
  expect(res.status, res.body).toBe(303);
}

async function checkout(browser: Browser, extra: Record<string, string> = {}) {
  const page = await browser.get('/checkout');
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body)?.[1] ?? '';
  const result = await browser.post('/checkout', {
    _csrf: field('_csrf'),
    idempotency_key: field('idempotency_key'),
    confirmed_total: field('confirmed_total'),
    legal_entity_id: field('legal_entity_id'),
    address_choice: 'new',
    new_address: 'Москва, Складская 1',
    ...extra,
  });
  return { page, result };
}

async function applyContractorsAndDocuments() {
  const contractors = await applySaleFile(t.ctx, join(SETTLEMENTS, 'contractors.xml'), { fileName: 'contractors.xml' });
  expect(contractors.companies).toEqual({ created: 2, updated: 0, skipped: 0 });
  expect(contractors.creditTerms).toBe(2);
  const romashka = await companyBy1c(ROMASHKA_1C);
  const buyer = await buyerOf(romashka.company.id);
  // The order the invoice and the first shipment name (Основание W-000001), placed on the portal.
  await addToCart(buyer.browser, { 'BLT-101': 100 });
  const placed = await checkout(buyer.browser);
  expect(placed.result.location).toMatch(/^\/orders\/\d+\?notice=orders\.placed$/);
  const documents = await applySaleFile(t.ctx, join(SETTLEMENTS, 'documents.xml'), {
    fileName: 'documents.xml',
    packageDir: SETTLEMENTS,
  });
  return { romashka, buyer, contractors, documents };
}

describe('settlement documents and credit terms from 1C', () => {
  it('puts every 2.09 document kind in the buyer account with its order and file; the same file again changes nothing', async () => {
    await start();
    const { romashka, buyer, documents } = await applyContractorsAndDocuments();
    expect(documents.documents).toEqual({ created: 8, updated: 0, unchanged: 0, skipped: 0 });
    expect(documents.warnings).toEqual([]);

    const rows = await t.ctx.db
      .selectFrom('account_documents')
      .select(['kind', 'status', 'number', 'date', 'due_date', 'amount', 'order_id', 'file_name', 'legal_entity_id'])
      .orderBy('id')
      .execute();
    const order = await t.ctx.db.selectFrom('orders').select(['id', 'number', 'total']).executeTakeFirstOrThrow();
    expect(order.number).toBe('W-000001');
    expect(rows.map((r) => [r.kind, r.status, r.number, r.date, r.due_date, r.amount, r.order_id, r.file_name])).toEqual([
      ['invoice', 'active', 'ТДЦУ-000101', '2026-02-02', null, 6000000, order.id, null],
      ['shipment', 'active', 'ТДЦУ-000123', '2026-02-05', null, 6000000, order.id, 'upd-000123.pdf'],
      ['payment', 'active', 'ТДЦУ-000045', '2026-02-10', null, 2500000, order.id, null],
      ['return', 'active', 'ТДЦУ-000007', '2026-02-12', null, 300000, null, null],
      ['shipment', 'active', 'ТДЦУ-000131', '2026-02-25', '2026-03-27', 1850000, null, null],
      ['refund', 'active', 'ТДЦУ-000050', '2026-02-26', null, 100000, null, null],
      ['payment', 'deleted', 'ТДЦУ-000046', '2026-02-20', null, 9999900, null, null],
      ['shipment', 'draft', 'ТДЦУ-000140', '2026-03-01', null, 700000, null, null],
    ]);
    expect(new Set(rows.map((r) => r.legal_entity_id))).toEqual(new Set([romashka.entity.id]));

    // What the buyer sees: 60 000 + 18 500 + 1 000 − 25 000 − 3 000 owed; the first shipment was due
    // on 19 Feb (14 days), so 60 000 − 28 000 of it is overdue; the deleted and unposted ones do not count.
    const page = plain((await buyer.browser.get('/finance')).body);
    expect(page).toContain('Долг 51 500,00 ₽');
    expect(page).toContain('по документам, полученным из учёта');
    expect(page).toMatch(/class="overdue warn">32 000,00 ₽/);
    expect(page).toMatch(/class="limit">150 000,00 ₽/);
    expect(page).toMatch(/class="terms">14 дн\./);
    expect(page).toContain(`/orders/${order.id}">W-000001</a>`);
    expect(page).not.toContain('ТДЦУ-000046');
    expect(page).not.toContain('ТДЦУ-000140');
    for (const number of ['ТДЦУ-000101', 'ТДЦУ-000123', 'ТДЦУ-000045', 'ТДЦУ-000007', 'ТДЦУ-000131', 'ТДЦУ-000050'])
      expect(page).toContain(number);
    // The УПД accounting sent is there to download, byte for byte.
    const upd = await t.ctx.db
      .selectFrom('account_documents')
      .select('id')
      .where('number', '=', 'ТДЦУ-000123')
      .executeTakeFirstOrThrow();
    expect(page).toContain(`/finance/documents/${upd.id}/file`);
    const file = await t.app.inject({ url: `/finance/documents/${upd.id}/file`, headers: { cookie: cookieOf(buyer.browser) } });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.rawPayload.equals(readFileSync(join(SETTLEMENTS, 'files', 'upd-000123.pdf')))).toBe(true);
    // The order page lists its documents.
    expect(plain((await buyer.browser.get(`/orders/${order.id}`)).body)).toMatch(
      /Счёт на оплату № ТДЦУ-000101<\/strong>, 60 000,00 ₽/,
    );

    const before = await t.ctx.db.selectFrom('account_documents').select(['id', 'updated_at']).orderBy('id').execute();
    t.clock.advance(60_000);
    const again = await applySaleFile(t.ctx, join(SETTLEMENTS, 'documents.xml'), {
      fileName: 'documents.xml',
      packageDir: SETTLEMENTS,
    });
    expect(again.documents).toEqual({ created: 0, updated: 0, unchanged: 8, skipped: 0 });
    expect(await t.ctx.db.selectFrom('account_documents').select(['id', 'updated_at']).orderBy('id').execute()).toEqual(before);
    const terms = await applySaleFile(t.ctx, join(SETTLEMENTS, 'contractors.xml'), { fileName: 'contractors.xml' });
    expect(terms.creditTerms).toBe(0);
  });

  it('shows a stated balance and overdue amount as accounting gave them, with their date', async () => {
    await start();
    await applySaleFile(t.ctx, join(SETTLEMENTS, 'contractors.xml'), { fileName: 'contractors.xml' });
    const lutik = await companyBy1c(LUTIK_1C);
    expect(
      await t.ctx.db.selectFrom('account_terms').selectAll().where('legal_entity_id', '=', lutik.entity.id).executeTakeFirst(),
    ).toMatchObject({
      credit_limit: 5000000,
      payment_days: 7,
      balance: 4200050,
      overdue: 150000,
      balance_date: '2026-03-01',
      source: '1c',
    });
    const { browser } = await buyerOf(lutik.company.id);
    const page = plain((await browser.get('/finance')).body);
    expect(page).toContain('Долг 42 000,50 ₽');
    expect(page).toContain('по данным учёта на 01.03.2026');
    expect(page).toMatch(/class="overdue warn">1 500,00 ₽/);
    expect(page).toMatch(/class="available">7 999,50 ₽/);
  });

  it('reads the 3.1 container: the order entered in 1C and its invoice, payment, shipment and refund by Основание', async () => {
    await start();
    await applySaleFile(t.ctx, join(SETTLEMENTS, 'contractors.xml'), { fileName: 'contractors.xml' });
    const romashka = await companyBy1c(ROMASHKA_1C);
    const result = await applySaleFile(t.ctx, join(FIXTURES, 'settlements-3.1', 'documents.xml'), { fileName: 'documents.xml' });
    expect(result.orders).toEqual({ updated: 0, unchanged: 0, created: 1, unknown: [] });
    expect(result.documents).toEqual({ created: 4, updated: 0, unchanged: 0, skipped: 0 });
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('origin', '=', '1c').executeTakeFirstOrThrow();
    expect(order).toMatchObject({ number: 'ТДЦУ-000210', company_id: romashka.company.id, total: 612000, status: 'confirmed' });
    const docs = await t.ctx.db
      .selectFrom('account_documents')
      .select(['kind', 'number', 'amount', 'order_id', 'legal_entity_id'])
      .orderBy('id')
      .execute();
    expect(docs).toEqual([
      { kind: 'invoice', number: 'ТДЦУ-000211', amount: 612000, order_id: order.id, legal_entity_id: romashka.entity.id },
      { kind: 'payment', number: 'ТДЦУ-000212', amount: 612000, order_id: order.id, legal_entity_id: romashka.entity.id },
      { kind: 'shipment', number: 'ТДЦУ-000213', amount: 612000, order_id: order.id, legal_entity_id: romashka.entity.id },
      { kind: 'refund', number: 'ТДЦУ-000214', amount: 12000, order_id: order.id, legal_entity_id: romashka.entity.id },
    ]);
    const again = await applySaleFile(t.ctx, join(FIXTURES, 'settlements-3.1', 'documents.xml'), { fileName: 'documents.xml' });
    expect(again.orders).toEqual({ updated: 0, unchanged: 1, created: 0, unknown: [] });
    expect(again.documents).toEqual({ created: 0, updated: 0, unchanged: 4, skipped: 0 });
  });

  it('skips, with the reason, a document whose buyer the portal does not know or whose amount is not a number', async () => {
    await start();
    const xml = (operation: string, sum: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.09"><Документ><Ид>x-1</Ид><Номер>П-1</Номер><Дата>2026-02-01</Дата>
       <ХозОперация>${operation}</ХозОперация><Сумма>${sum}</Сумма><Контрагенты><Контрагент><Ид>nobody</Ид><Наименование>Неизвестный</Наименование><ИНН>7799999999</ИНН></Контрагент></Контрагенты>
       </Документ></КоммерческаяИнформация>`;
    const unknown = await applySaleFile(t.ctx, Buffer.from(xml('Выплата безналичных денег', '100')), { fileName: 'p.xml' });
    expect(unknown.documents.skipped).toBe(1);
    expect(unknown.warnings.join('\n')).toMatch(
      /p\.xml line 1: Выплата безналичных денег П-1 of 2026-02-01: counterparty "Неизвестный" not found on the portal; skipped/,
    );
    const bad = await applySaleFile(t.ctx, Buffer.from(xml('Отпуск товара', 'сто')), { fileName: 's.xml' });
    expect(bad.documents.skipped).toBe(1);
    expect(bad.warnings.join('\n')).toMatch(
      /s\.xml line 2: Документ П-1: <Сумма> "сто" is not an amount; this document was skipped/,
    );
    expect(await t.ctx.db.selectFrom('account_documents').select('id').execute()).toEqual([]);
  });
});

function cookieOf(browser: Browser): string {
  return [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

describe('documents in another currency', () => {
  it("keeps a dollar invoice in roubles at the rate 1C gives, takes that rate as the day's, and refuses one without a rate", async () => {
    await start();
    const { makeCompany } = await import('./helpers.js');
    await makeCompany(t.ctx, { name: 'Ромашка' }); // INN 7701234567
    const xml = (number: string, date: string, currency: string, rate: string) =>
      `<Документ><Ид>usd-${number}</Ид><Номер>${number}</Номер><Дата>${date}</Дата><ХозОперация>Счет на оплату</ХозОперация>
       <Валюта>${currency}</Валюта>${rate ? `<Курс>${rate}</Курс>` : ''}<Сумма>100.00</Сумма>
       <Контрагенты><Контрагент><Ид>cp-r</Ид><Наименование>Ромашка</Наименование><ИНН>7701234567</ИНН></Контрагент></Контрагенты></Документ>`;
    const file = (docs: string) =>
      Buffer.from(
        `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.09">${docs}</КоммерческаяИнформация>`,
      );
    const result = await applySaleFile(
      t.ctx,
      file(
        xml('И-1', '2026-03-01', 'USD', '92,5000') + xml('И-0', '2026-02-20', 'USD', '90') + xml('И-2', '2026-03-01', 'EUR', ''),
      ),
      { fileName: 'usd.xml' },
    );
    expect(result.documents).toMatchObject({ created: 2, skipped: 1 });
    expect(result.warnings.join('\n')).toContain(
      'Документ И-2: it is in EUR without a <Курс>; its sum cannot be told in roubles; this document was skipped',
    );
    const amounts = await t.ctx.db.selectFrom('account_documents').select(['number', 'amount']).orderBy('number').execute();
    // 100 $ at 92.50 and at 90: roubles, never 100 roubles.
    expect(amounts).toEqual([
      { number: 'И-0', amount: 900_000 },
      { number: 'И-1', amount: 925_000 },
    ]);
    const rates = await t.ctx.db.selectFrom('currency_rates').select(['currency', 'rate_micro', 'rate_date', 'source']).execute();
    expect(rates).toEqual([{ currency: 'USD', rate_micro: 92_500_000, rate_date: '2026-03-01', source: '1c' }]);
    // An older document later does not move the rate back.
    await applySaleFile(t.ctx, file(xml('И-3', '2026-02-10', 'USD', '88')), { fileName: 'old.xml' });
    expect((await t.ctx.db.selectFrom('currency_rates').select('rate_micro').executeTakeFirstOrThrow()).rate_micro).toBe(
      92_500_000,
    );
  });
});

describe.skipIf(!chromium)('the statement PDF', () => {
  it('lists the period documents as debit and credit with the balances, made by the real browser', async () => {
    await start();
    const { romashka, buyer } = await applyContractorsAndDocuments();
    const res = await t.app.inject({
      url: `/finance/statement.pdf?entity=${romashka.entity.id}&from=2026-02-01&to=2026-02-28`,
      headers: { cookie: cookieOf(buyer.browser) },
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = plain(execFileSync('pdftotext', ['-layout', '-', '-'], { input: res.rawPayload }).toString('utf8'));
    expect(text).toContain('Акт сверки взаимных расчётов');
    expect(text).toContain('за период с 01.02.2026 по 28.02.2026');
    expect(text).toContain('ООО "Ромашка", ИНН 7701234567, КПП 770101001');
    expect(text).toMatch(/Сальдо на 01\.02\.2026\s+0,00 ₽/);
    // The order number may go to a second line of its cell; the amount stays on the first.
    expect(text).toMatch(/05\.02\.2026\s+Отгрузка \(УПД\) № ТДЦУ-000123\s+(\(заказ W-000001\)\s+)?60 000,00 ₽/);
    expect(text).toContain('(заказ W-000001)');
    expect(text).toMatch(/10\.02\.2026\s+Оплата № ТДЦУ-000045 \(заказ W-000001\)\s+25 000,00 ₽/);
    expect(text).toMatch(/26\.02\.2026\s+Возврат денег № ТДЦУ-000050\s+1 000,00 ₽/);
    expect(text).toMatch(/Обороты за период\s+79 500,00 ₽\s+28 000,00 ₽/);
    expect(text).toMatch(/Сальдо на 28\.02\.2026\s+51 500,00 ₽/);
    expect(text).toContain('На 28.02.2026 задолженность в пользу Optovik: 51 500,00 ₽.');
    // The invoice moves nothing and the deleted payment never happened: neither is on the statement.
    expect(text).not.toContain('ТДЦУ-000101');
    expect(text).not.toContain('ТДЦУ-000046');
    expect(text).toContain('стр. 1 из 1');

    // A later period opens with what February closed with.
    const march = await buyer.browser.get(`/finance/statement?entity=${romashka.entity.id}&from=2026-03-01&to=2026-03-02`);
    expect(plain(march.body)).toMatch(/Сальдо на 01\.03\.2026<\/td><td class="num">51 500,00 ₽/);
  });
});

describe('who sees whose account', () => {
  it('a buyer never sees another company’s balance, documents, files or statement; a manager only its companies', async () => {
    await start();
    const { romashka } = await applyContractorsAndDocuments();
    const upd = await t.ctx.db
      .selectFrom('account_documents')
      .select('id')
      .where('number', '=', 'ТДЦУ-000123')
      .executeTakeFirstOrThrow();
    const other = await makeCompany(t.ctx, { name: 'Чужая' });
    await t.ctx.db.updateTable('legal_entities').set({ inn: '5001007322' }).where('company_id', '=', other.id).execute();
    const stranger = await buyerOf(other.id);
    const page = plain((await stranger.browser.get('/finance')).body);
    expect(page).toContain('Чужая');
    expect(page).not.toContain('ТДЦУ-000123');
    expect(page).not.toContain('51 500,00');
    for (const url of [
      `/finance/documents/${upd.id}/file`,
      `/finance/statement?entity=${romashka.entity.id}`,
      `/finance/statement.pdf?entity=${romashka.entity.id}`,
      `/finance?company=${romashka.company.id}`,
    ]) {
      expect((await stranger.browser.get(url)).status, url).toBe(404);
    }

    const manager = await makeUser(t.ctx, 'manager');
    const other2 = await makeUser(t.ctx, 'manager');
    await t.ctx.db.updateTable('companies').set({ manager_id: manager.id }).where('id', '=', romashka.company.id).execute();
    const mine = new Browser(t.app);
    await mine.login(manager.email);
    expect(plain((await mine.get(`/finance?company=${romashka.company.id}`)).body)).toContain('Долг 51 500,00 ₽');
    expect((await mine.get(`/finance/documents/${upd.id}/file`)).status).toBe(200);
    expect((await mine.get(`/finance/statement?entity=${romashka.entity.id}`)).status).toBe(200);
    expect((await mine.get(`/finance?company=${other.id}`)).status).toBe(404);
    const notMine = new Browser(t.app);
    await notMine.login(other2.email);
    expect((await notMine.get(`/finance?company=${romashka.company.id}`)).status).toBe(404);
    expect((await notMine.get(`/finance/documents/${upd.id}/file`)).status).toBe(404);
    expect((await notMine.get(`/finance/statement?entity=${romashka.entity.id}`)).status).toBe(404);
    // Without a company chosen, staff are sent to choose one.
    expect((await notMine.get('/finance')).location).toBe('/catalog/view-as?next=%2Ffinance');
  });
});

describe('credit control at checkout', () => {
  /** Лютик: limit 50 000, stated debt 42 000,50 and 1 500 overdue; an order of 11 220,00 goes 3 220,50 over. */
  async function lutik() {
    await applySaleFile(t.ctx, join(SETTLEMENTS, 'contractors.xml'), { fileName: 'contractors.xml' });
    const { company, entity } = await companyBy1c(LUTIK_1C);
    const manager = await makeUser(t.ctx, 'manager', { name: 'Мария Менеджер' });
    const buyer = await buyerOf(company.id, manager.id);
    await addToCart(buyer.browser, { 'BLT-101': 1000 });
    return { company, entity, manager, buyer };
  }

  it('off: the order goes through without a word', async () => {
    await start({ orders: { credit_control: 'off' } });
    const { buyer } = await lutik();
    const { page, result } = await checkout(buyer.browser);
    expect(page.body).not.toContain('credit-control');
    expect(result.location).toMatch(/notice=orders\.placed$/);
    expect(await t.ctx.db.selectFrom('orders').select(['credit_excess', 'credit_overdue']).executeTakeFirstOrThrow()).toEqual({
      credit_excess: null,
      credit_overdue: null,
    });
  });

  it('warn: the buyer sees by how much and what is overdue, the order is placed and marked', async () => {
    await start({ orders: { credit_control: 'warn' } });
    const { buyer } = await lutik();
    const { page, result } = await checkout(buyer.browser);
    const warning = plain(page.body);
    expect(warning).toContain(
      'Заказ превышает кредитный лимит на 3 220,50 ₽ (лимит 50 000,00 ₽, задолженность 42 000,50 ₽, заказы в работе 0,00 ₽, этот заказ 11 220,00 ₽).',
    );
    expect(warning).toContain('Есть просроченная задолженность: 1 500,00 ₽.');
    expect(result.location).toMatch(/notice=orders\.placed$/);
    const order = await t.ctx.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    expect(order).toMatchObject({ credit_excess: 322050, credit_overdue: 150000, credit_override_reason: null });
    expect(plain((await buyer.browser.get(`/orders/${order.id}`)).body)).toContain(
      'превышение лимита на 3 220,50 ₽; просроченная задолженность 1 500,00 ₽;',
    );
    // The open order now counts: the next one is over by its whole amount plus this one.
    await addToCart(buyer.browser, { 'BLT-102': 10 });
    expect(plain((await buyer.browser.get('/checkout')).body)).toMatch(/заказы в работе 11 220,00 ₽, этот заказ 122,20 ₽/);
  });

  it('block: the buyer is refused with the amounts; a manager places it only with a reason, kept on the order', async () => {
    await start({ orders: { credit_control: 'block' } });
    const { company, manager, buyer } = await lutik();
    const { page, result } = await checkout(buyer.browser);
    expect(plain(page.body)).toContain('Оформить заказ нельзя, пока задолженность не погашена или лимит не увеличен.');
    expect(page.body).toMatch(/<button type="submit" class="primary" disabled>/);
    expect(result.status).toBe(409);
    expect(plain(result.body)).toContain('Заказ превышает кредитный лимит на 3 220,50 ₽');
    // A buyer cannot talk its way through.
    const sneaky = await checkout(buyer.browser, { credit_override: '1', credit_override_reason: 'очень надо' });
    expect(sneaky.result.status).toBe(409);
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);

    const staff = new Browser(t.app);
    await staff.login(manager.email);
    await staff.post('/catalog/view-as', { company_id: String(company.id), next: '/checkout' }, { csrfFrom: '/catalog/view-as' });
    const asManager = await checkout(staff);
    expect(plain(asManager.page.body)).toContain('Заказ не проходит кредитный контроль. Вы можете оформить его, указав причину.');
    expect(asManager.page.body).toContain('name="credit_override_reason"');
    expect(asManager.result.status).toBe(409);
    const noReason = await checkout(staff, { credit_override: '1', credit_override_reason: '  ' });
    expect(noReason.result.status).toBe(422);
    expect(plain(noReason.result.body)).toContain('Укажите причину');
    const allowed = await checkout(staff, { credit_override: '1', credit_override_reason: 'Оплата завтра, гарантийное письмо' });
    expect(allowed.result.location).toMatch(/notice=orders\.placed$/);
    const order = await t.ctx.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
    expect(order).toMatchObject({
      credit_excess: 322050,
      credit_overdue: 150000,
      credit_override_reason: 'Оплата завтра, гарантийное письмо',
      credit_override_by: manager.id,
      manager_id: manager.id,
    });
    expect(plain((await buyer.browser.get(`/orders/${order.id}`)).body)).toContain(
      'разрешил(а) Мария Менеджер: «Оплата завтра, гарантийное письмо».',
    );
  });

  it('block lets through an order within the limit with nothing overdue', async () => {
    await start({ orders: { credit_control: 'block' } });
    const company = await makeCompany(t.ctx, { name: 'Пунктуальная' });
    const entity = await t.ctx.db
      .selectFrom('legal_entities')
      .select('id')
      .where('company_id', '=', company.id)
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .transaction()
      .execute((trx) =>
        setAccountTerms(trx, entity.id, { creditLimit: 2000000, balance: 500000, overdue: 0 }, 'spreadsheet', t.clock.now()),
      );
    const { browser } = await buyerOf(company.id);
    await addToCart(browser, { 'BLT-101': 1000 });
    const { page, result } = await checkout(browser);
    expect(page.body).not.toContain('credit-control');
    expect(result.location).toMatch(/notice=orders\.placed$/);
  });
});
