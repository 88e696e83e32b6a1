import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeepPartialRecord } from '../src/config/load.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, buyerAt, checkout, makeUser, parseEml, startTestApp, type TestApp } from './helpers.js';
import { type Entity, FakeMoySklad, TOKEN } from './moysklad-fake.js';
import { Inbox } from './smtp-inbox.js';

let t: TestApp;
let fake: FakeMoySklad;
let inbox: Inbox;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;
let ms: { org: Entity; store: Entity; states: Record<string, string>; products: Map<string, string> };

async function world(moysklad: DeepPartialRecord = {}) {
  fake = new FakeMoySklad();
  await fake.start();
  const org = fake.put('organization', { name: 'ООО «Оптовик-Юг»', inn: '6164000000' });
  fake.put('organization', { name: 'ИП Склад', inn: '616400000012' });
  const store = fake.put('store', { name: 'Основной склад' });
  fake.put('store', { name: 'Склад Подольск' });
  const states: Record<string, string> = {};
  for (const name of ['Новый', 'Подтвержден', 'Отгружен', 'Отменен']) states[name] = String(fake.addState(name).id);
  fake.addPriceType('Оптовая');
  inbox = new Inbox();
  await inbox.start();
  t = await startTestApp({
    smtp: { host: '127.0.0.1', port: inbox.port, security: 'none', from: 'Оптовик <orders@optovik.test>' },
    integrations: {
      moysklad: { token: TOKEN, base_url: fake.url, timeout_seconds: 1, organization: 'ООО «Оптовик-Юг»', stores: ['Основной склад'], ...moysklad },
    },
  });
  catalog = await buildCatalog(t.ctx);
  // The portal's products came from MoySklad: each has its MoySklad id.
  const products = new Map<string, string>();
  for (const p of catalog.products) {
    const msProduct = fake.put('product', { name: p.name, article: p.sku });
    products.set(p.sku, msProduct.id);
    await t.ctx.db.updateTable('products').set({ external_ms_id: msProduct.id }).where('id', '=', p.id).execute();
  }
  ms = { org, store, states, products };
}

afterEach(async () => {
  await t?.close();
  await fake?.stop();
  await inbox?.stop();
});

async function placeOrder(fields: Record<string, string> = {}) {
  const buyer = await buyerAt(t, catalog.priceTypes.wholesale);
  const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
  await buyer.browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '10' }, { csrfFrom: '/catalog' });
  const { orderId } = await checkout(buyer.browser, { comment: 'Позвонить за час', po_number: 'PO-77', ...fields });
  expect(orderId).toBeGreaterThan(0);
  return { ...buyer, orderId };
}

const orderRow = (id: number) => t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('orders pushed to MoySklad', () => {
  beforeEach(async () => world());

  it('become one customerorder even when the first POST times out and is sent again', async () => {
    // The buyer's counterparty is already in MoySklad: found by INN, not created twice.
    const agent = fake.put('counterparty', { name: 'ООО «Ромашка»', inn: '7701234567' });
    const { orderId } = await placeOrder();
    fake.delayPosts(1500, 1);
    await t.worker.runDue();

    expect(fake.requests('POST', '/entity/customerorder')).toHaveLength(2);
    const made = fake.all('customerorder');
    expect(made).toHaveLength(1);
    const order = await orderRow(orderId);
    expect(order.external_ms_id).toBe(made[0]?.id);
    const sent = made[0] as Entity & Record<'agent' | 'organization' | 'store' | 'state', { meta: { href: string } }>;
    expect(sent.syncId).toBe(order.uuid);
    expect(sent.name).toBe(order.number);
    expect(sent.agent.meta.href).toContain(`/entity/counterparty/${agent.id}`);
    expect(sent.organization.meta.href).toContain(`/entity/organization/${ms.org.id}`);
    expect(sent.store.meta.href).toContain(`/entity/store/${ms.store.id}`);
    expect(sent.state.meta.href).toContain(ms.states.Новый);
    expect(sent.description).toContain('Позвонить за час');
    expect(sent.description).toContain('PO: PO-77');
    expect(sent.shipmentAddress).toBe('Москва, Складская 1');
    const positions = sent.positionRows as unknown as { quantity: number; price: number; assortment: { meta: { href: string } } }[];
    expect(positions).toHaveLength(1);
    expect(positions[0]?.quantity).toBe(10);
    expect(positions[0]?.assortment.meta.href).toContain(`/entity/product/${ms.products.get('BLT-101')}`);
    expect(fake.all('counterparty')).toHaveLength(1);
    const company = await t.ctx.db.selectFrom('companies').select('external_ms_id').where('id', '=', order.company_id).executeTakeFirstOrThrow();
    expect(company.external_ms_id).toBe(agent.id);
  });

  it('create the buyer\'s counterparty when MoySklad has none with its INN', async () => {
    await placeOrder();
    await t.worker.runDue();
    const counterparties = fake.all('counterparty');
    expect(counterparties).toHaveLength(1);
    expect(counterparties[0]).toMatchObject({ inn: '7701234567', companyType: 'legal' });
    expect(fake.all('customerorder')).toHaveLength(1);
  });

  it('come back with MoySklad\'s states: the buyer sees the new status and gets the status mail', async () => {
    const { orderId, browser, user } = await placeOrder();
    await t.worker.runDue();
    const pushed = fake.all('customerorder')[0];
    if (!pushed) throw new Error('not pushed');
    fake.change('customerorder', pushed.id, { state: fake.stateRef(ms.states.Отгружен ?? '') });

    const result = await t.ctx.moysklad?.sync({ full: false });
    expect(result).toMatchObject({ ok: true, counts: { statuses_changed: 1 } });
    expect((await orderRow(orderId)).status).toBe('shipped');
    const history = await t.ctx.db.selectFrom('order_status_history').select(['status', 'source', 'note']).where('order_id', '=', orderId).orderBy('id').execute();
    expect(history.at(-1)).toEqual({ status: 'shipped', source: 'moysklad', note: 'МойСклад: Отгружен' });

    await t.worker.runDue();
    const mails = inbox.to(user.email);
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect((await parseEml(mails.at(-1)?.raw ?? '')).subject).toMatch(/Отгружен/);
    const page = await browser.get(`/orders/${orderId}`);
    expect(page.body).toContain('Отгружен');
    // A change MoySklad made is not sent back to MoySklad.
    const exports = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', 'export_order').execute();
    expect(exports).toHaveLength(1);

    // The next look asks only for what changed since, and changes nothing more.
    const again = await t.ctx.moysklad?.sync({ full: false });
    expect(again?.counts.statuses_changed).toBe(0);
    const lastList = fake.requests('GET', '/entity/customerorder').at(-1);
    expect(lastList?.query.get('filter')).toMatch(/^updated>=\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('typed into MoySklad for a known buyer appear in that buyer\'s history, entered by the seller', async () => {
    const agent = fake.put('counterparty', { name: 'ООО «Ромашка»', inn: '7701234567' });
    const { browser, company } = await placeOrder();
    await t.worker.runDue();
    expect((await t.ctx.db.selectFrom('companies').select('external_ms_id').where('id', '=', company.id).executeTakeFirstOrThrow()).external_ms_id).toBe(agent.id);
    fake.put('customerorder', {
      name: '00077',
      moment: '2026-12-02 10:15:00.000',
      agent: fake.ref('counterparty', agent.id),
      organization: fake.ref('organization', ms.org.id),
      state: fake.stateRef(ms.states.Подтвержден ?? ''),
      vatIncluded: true,
      positionRows: [{ id: 'p1', quantity: 4, price: 12322, discount: 0, vat: 20, vatEnabled: true, assortment: fake.ref('product', ms.products.get('BLT-101') ?? '') }],
    });
    // A customerorder for someone who does not buy on the portal (a retail customer with no INN) stays out.
    const stranger = fake.put('counterparty', { name: 'Иванов Пётр', companyType: 'individual' });
    fake.put('customerorder', { name: '00078', agent: fake.ref('counterparty', stranger.id), organization: fake.ref('organization', ms.org.id), positionRows: [] });

    const result = await t.ctx.moysklad?.sync({ full: false });
    expect(result?.counts.orders_from_moysklad).toBe(1);
    const typed = await t.ctx.db.selectFrom('orders').selectAll().where('origin', '=', 'moysklad').execute();
    expect(typed).toHaveLength(1);
    expect(typed[0]).toMatchObject({ number: '00077', status: 'confirmed', total: 4 * 12322, company_id: company.id });
    const list = await browser.get('/orders');
    expect(list.body).toContain('00077');
    expect(list.body).not.toContain('00078');
    // Seen again on the next look: still one.
    await t.ctx.moysklad?.sync({ full: true });
    expect(await t.ctx.db.selectFrom('orders').select('id').where('origin', '=', 'moysklad').execute()).toHaveLength(1);
  });
});

describe('a MoySklad sync', () => {
  it('with a wrong token fails with a clear message on the run, and changes nothing', async () => {
    await world({ token: 'not-the-token' });
    const result = await t.ctx.moysklad?.sync({ full: true });
    expect(result?.ok).toBe(false);
    expect(result?.message).toMatch(/MoySklad did not accept the token \(401.*check integrations\.moysklad\.token/);
    const runs = await t.ctx.db.selectFrom('exchange_runs').selectAll().execute();
    expect(runs).toMatchObject([{ source: 'moysklad', status: 'failed' }]);
    expect(fake.log).toHaveLength(fake.log.filter((r) => r.status === 401).length);
  });

  it('names the config key when MoySklad has no such organization', async () => {
    await world({ organization: 'ООО «Нет такой»' });
    const result = await t.ctx.moysklad?.sync({ full: true });
    expect(result?.message).toBe(
      'integrations.moysklad.organization: MoySklad has no legal entity "ООО «Нет такой»"; it has "ООО «Оптовик-Юг»", "ИП Склад"',
    );
  });
});

describe('MoySklad webhooks', () => {
  it('name a changed order, which is read back through the API; a wrong secret is refused', async () => {
    await world({ webhook_secret: 'hook-secret-42' });
    const { orderId } = await placeOrder();
    await t.worker.runDue();
    const pushed = fake.all('customerorder')[0];
    if (!pushed) throw new Error('not pushed');
    fake.change('customerorder', pushed.id, { state: fake.stateRef(ms.states.Подтвержден ?? '') });
    const payload = {
      auditContext: { meta: { type: 'audit', href: `${fake.url}/audit/x` }, uid: 'manager@shop', moment: '2026-12-02 12:05:13' },
      events: [{ meta: { type: 'customerorder', href: `https://api.moysklad.ru/api/remap/1.2/entity/customerorder/${pushed.id}` }, action: 'UPDATE', updatedFields: ['state'] }],
    };
    const refused = await t.app.inject({ method: 'POST', url: '/hooks/moysklad?k=guess&requestId=1', payload });
    expect(refused.statusCode).toBe(403);
    const before = fake.log.length;
    const accepted = await t.app.inject({ method: 'POST', url: '/hooks/moysklad?k=hook-secret-42&requestId=2', payload });
    expect(accepted.statusCode).toBe(204);
    for (let i = 0; i < 50 && (await orderRow(orderId)).status !== 'confirmed'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await orderRow(orderId)).status).toBe('confirmed');
    expect(fake.log.slice(before).map((r) => `${r.method} ${r.path}`)).toContain(`GET /entity/customerorder/${pushed.id}`);
  });
});

describe('the accounting exchange page', () => {
  it('lists MoySklad runs with their requests, syncs on "sync now" and re-sends an order as one customerorder', async () => {
    await world();
    const { orderId } = await placeOrder();
    await t.worker.runDue();
    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);

    const queued = await browser.post('/admin/exchange/moysklad-sync', { full: '1' }, { csrfFrom: '/admin/exchange' });
    expect(queued.location).toBe('/admin/exchange?notice=exchange.msSyncQueued');
    await t.worker.runDue();
    const page = await browser.get('/admin/exchange');
    expect(page.body).toContain('МойСклад: каталог, покупатели, заказы');
    expect(page.body).toMatch(/Запросов: \d+, отказов 429: 0/);
    expect(page.body).toContain('Синхронизировать сейчас');

    const order = await orderRow(orderId);
    const resent = await browser.post('/admin/exchange/resend', { number: order.number }, { csrfFrom: '/admin/exchange' });
    expect(resent.location).toBe(`/admin/exchange?resent=${encodeURIComponent(order.number)}`);
    await t.worker.runDue();
    expect(fake.all('customerorder')).toHaveLength(1);
  });
});

