import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, checkoutForm, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

beforeEach(async () => {
  t = await startTestApp();
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => {
  await t.close();
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');
const product = (sku: string) => {
  const p = catalog.products.find((x) => x.sku === sku);
  if (!p) throw new Error(sku);
  return p;
};

async function buyer(opts: { managerId?: number } = {}) {
  const company = await makeCompany(t.ctx, { name: 'Ромашка', managerId: opts.managerId ?? null });
  await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale }).where('id', '=', company.id).execute();
  await t.ctx.db.insertInto('company_addresses').values({ company_id: company.id, address: 'Москва, Складская 1', created_at: 0 }).execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId: company.id, name: 'Иван' });
  const browser = new Browser(t.app);
  await browser.login(user.email);
  return { company, user, browser };
}

async function addToCart(browser: Browser, lines: Record<string, string>) {
  const form: Record<string, string> = { next: '/catalog' };
  for (const [sku, qty] of Object.entries(lines)) form[`qty[${product(sku).id}]`] = qty;
  return browser.post('/cart/add', form, { csrfFrom: '/catalog' });
}

async function submit(browser: Browser, form: Awaited<ReturnType<typeof checkoutForm>>, extra: Record<string, string> = {}) {
  return browser.post('/checkout', {
    _csrf: form.csrf,
    idempotency_key: form.key,
    confirmed_total: form.total,
    legal_entity_id: form.entity,
    address_choice: 'Москва, Складская 1',
    po_number: 'PO-77',
    comment: 'Позвонить за час',
    ...extra,
  });
}

describe('cart', () => {
  it('adds several lines from the catalog table and shows totals with VAT', async () => {
    const { browser } = await buyer();
    const res = await addToCart(browser, { 'BLT-101': '10', 'BLT-102': '3', 'ВВГ-3×2.5': '1,5' });
    expect(res.status).toBe(303);
    expect(res.location).toBe('/catalog?notice=orders.addedToCart');
    const cart = plain((await browser.get('/cart')).body);
    expect(cart).toContain('BLT-101');
    expect(cart).toContain('ВВГ-3×2.5');
    // 10 × 11,22 + 3 × 12,22 + 1,5 × 95,22 = 112,20 + 36,66 + 142,83 = 291,69
    expect(cart).toContain('291,69 ₽');
    expect(cart).toMatch(/в т\. ч\. НДС[\s\S]*48,62 ₽/);
  });

  it('refuses a quantity that breaks the pack rule and says what would fit', async () => {
    const { browser } = await buyer();
    const res = await addToCart(browser, { 'BLT-107': '7', 'BLT-101': '1,5' });
    expect(res.status).toBe(422);
    const html = plain(res.body);
    expect(html).toContain('Товар продаётся упаковками по 50 шт. Можно заказать 50.');
    expect(html).toContain('без дробей');
    expect(plain((await browser.get('/cart')).body)).toContain('Корзина пуста');
  });

  it('keeps the cart across logins and lets a quantity be changed or removed', async () => {
    const { user, browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10', 'BLT-102': '3' });
    await browser.post('/logout', {});
    const again = new Browser(t.app);
    await again.login(user.email);
    const id101 = product('BLT-101').id;
    const id102 = product('BLT-102').id;
    const update = await again.post('/cart/update', { [`qty[${id101}]`]: '20', [`qty[${id102}]`]: '0' }, { csrfFrom: '/cart' });
    expect(update.location).toBe('/cart?notice=orders.cartUpdated');
    const items = await t.ctx.db.selectFrom('cart_items').select(['product_id', 'quantity']).execute();
    expect(items).toEqual([{ product_id: id101, quantity: 20 }]);
  });
});

describe('placing an order', () => {
  it('writes the order with copied prices, numbers it, queues the follow-ups and empties the cart', async () => {
    const { company, browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10', 'ВВГ-3×2.5': '2,5' });
    const form = await checkoutForm(browser);
    expect(plain(form.page.body)).toContain('Подтверждаю заказ на сумму 350,25 ₽');
    const res = await submit(browser, form);
    expect(res.status).toBe(303);
    const id = Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]);
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(order).toMatchObject({ number: 'W-000001', company_id: company.id, total: 35025, po_number: 'PO-77', delivery_address: 'Москва, Складская 1', status: 'new', manager_id: null });
    const lines = await t.ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', id).orderBy('line_no').execute();
    expect(lines.map((l) => [l.sku, l.quantity, l.unit_price, l.line_total])).toEqual([
      ['BLT-101', 10, 1122, 11220],
      ['ВВГ-3×2.5', 2.5, 9522, 23805],
    ]);
    const jobs = await t.ctx.db.selectFrom('jobs').select('kind').orderBy('id').execute();
    // No exporter is configured (1C collects orders itself): no export job is queued.
    expect(jobs.map((j) => j.kind)).toEqual(['render_pdf', 'send_order_mail']);
    expect(await t.ctx.db.selectFrom('cart_items').selectAll().execute()).toEqual([]);
    const page = plain((await browser.get(res.location ?? '')).body);
    expect(page).toContain('Заказ принят');
    expect(page).toContain('W-000001');
    expect(page).toContain('Новый');
    // A later price change does not touch the placed order.
    await t.ctx.db.updateTable('prices').set({ price: 99999 }).execute();
    expect(plain((await browser.get(`/orders/${id}`)).body)).toContain('350,25 ₽');
  });

  it('a double click, a reload or a retry with the same key makes one order', async () => {
    const { browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10' });
    const form = await checkoutForm(browser);
    const [a, b] = await Promise.all([submit(browser, form), submit(browser, form)]);
    const c = await submit(browser, form);
    expect(a.location?.split('?')[0]).toBe(b.location?.split('?')[0]);
    expect(c.location).toMatch(/notice=orders\.alreadyPlaced/);
    expect((await t.ctx.db.selectFrom('orders').selectAll().execute()).length).toBe(1);
  });

  it('two tabs submitting one cart make one order', async () => {
    const { browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10' });
    const first = await checkoutForm(browser);
    const second = await checkoutForm(browser);
    expect(first.key).not.toBe(second.key);
    const results = await Promise.all([submit(browser, first), submit(browser, second)]);
    expect(results.map((r) => (r.location ?? '').startsWith('/orders/') || r.location === '/cart?notice=orders.cartEmpty')).toEqual([true, true]);
    expect((await t.ctx.db.selectFrom('orders').selectAll().execute()).length).toBe(1);
  });

  it('asks to confirm again when a price changed between cart and submit', async () => {
    const { browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10' });
    const form = await checkoutForm(browser);
    await t.ctx.db.updateTable('prices').set({ price: 1500 }).where('product_id', '=', product('BLT-101').id).where('price_type_id', '=', catalog.priceTypes.wholesale).execute();
    const res = await submit(browser, form);
    expect(res.status).toBe(409);
    expect(plain(res.body)).toContain('цены изменились');
    expect(plain(res.body)).toContain('Подтверждаю заказ на сумму 150,00 ₽');
    expect((await t.ctx.db.selectFrom('orders').selectAll().execute()).length).toBe(0);
    const again = await checkoutForm(browser);
    expect((await submit(browser, again)).status).toBe(303);
    expect((await t.ctx.db.selectFrom('orders').select('total').executeTakeFirstOrThrow()).total).toBe(15000);
  });

  it('refuses more than is in stock', async () => {
    const { browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '500' });
    const res = await submit(browser, await checkoutForm(browser));
    expect(res.status).toBe(422);
    expect(plain(res.body)).toContain('в наличии только 10 шт.');
  });
});

describe('who sees which orders', () => {
  async function placeFor(b: Awaited<ReturnType<typeof buyer>>) {
    await addToCart(b.browser, { 'BLT-101': '10' });
    const res = await submit(b.browser, await checkoutForm(b.browser));
    return Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]);
  }

  it('a buyer cannot open another company order by URL, its print view or act on it', async () => {
    const mine = await buyer();
    const other = await buyer();
    const theirs = await placeFor(other);
    expect((await mine.browser.get(`/orders/${theirs}`)).status).toBe(404);
    expect((await mine.browser.get(`/orders/${theirs}/print`)).status).toBe(404);
    expect((await mine.browser.post(`/orders/${theirs}/cancel`, {}, { csrfFrom: '/orders' })).status).toBe(404);
    expect((await mine.browser.get('/orders')).body).not.toContain('W-000001');
    expect((await other.browser.get('/orders')).body).toContain('W-000001');
  });

  it('a manager sees and orders only for its companies; the order records the manager', async () => {
    const manager = await makeUser(t.ctx, 'manager', { name: 'Менеджер Мария' });
    const own = await buyer({ managerId: manager.id });
    const foreign = await buyer();
    const foreignOrder = await placeFor(foreign);
    const browser = new Browser(t.app);
    await browser.login(manager.email);
    expect((await browser.get(`/orders/${foreignOrder}`)).status).toBe(404);
    // Without a chosen company the cart asks to choose one.
    expect((await browser.get('/cart')).location).toMatch(/^\/catalog\/view-as/);
    await browser.post('/catalog/view-as', { company_id: String(own.company.id), next: '/catalog' });
    const page = plain((await browser.get('/catalog')).body);
    expect(page).toContain('Вы работаете за компанию «Ромашка»');
    await addToCart(browser, { 'BLT-101': '10' });
    const res = await submit(browser, await checkoutForm(browser));
    const id = Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]);
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(order.company_id).toBe(own.company.id);
    expect(order.manager_id).toBe(manager.id);
    expect((await own.browser.get('/orders')).body).toContain(order.number);
    const dashboard = plain((await browser.get('/manager')).body);
    expect(dashboard).toContain('Ромашка');
  });
});

describe('after ordering', () => {
  it('repeats an order at today prices, cancels a new one, and prints it', async () => {
    const { browser } = await buyer();
    await addToCart(browser, { 'BLT-101': '10', 'BLT-102': '2' });
    const placed = await submit(browser, await checkoutForm(browser));
    const id = Number(/\/orders\/(\d+)/.exec(placed.location ?? '')?.[1]);

    const print = plain((await browser.get(`/orders/${id}/print`)).body);
    expect(print).toContain('Заказ покупателя № W-000001');
    expect(print).toContain('ООО «Ромашка»');
    expect(print).toContain('136,64 ₽');

    await t.ctx.db.updateTable('prices').set({ price: 2000 }).where('product_id', '=', product('BLT-101').id).where('price_type_id', '=', catalog.priceTypes.wholesale).execute();
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', product('BLT-102').id).execute();
    const repeated = plain((await browser.post(`/orders/${id}/repeat`, {}, { csrfFrom: `/orders/${id}` })).body);
    expect(repeated).toContain('добавлено строк: 1');
    expect(repeated).toContain('BLT-102');
    expect(plain((await browser.get('/cart')).body)).toContain('200,00 ₽');

    const cancel = await browser.post(`/orders/${id}/cancel`, { note: 'передумали' }, { csrfFrom: `/orders/${id}` });
    expect(cancel.location).toBe(`/orders/${id}?notice=orders.cancelled`);
    const page = plain((await browser.get(`/orders/${id}`)).body);
    expect(page).toContain('Отменён');
    expect(page).toContain('передумали');
    const again = await browser.post(`/orders/${id}/cancel`, {}, { csrfFrom: `/orders/${id}` });
    expect(again.location).toBe(`/orders/${id}?notice=orders.cannotCancel`);
  });

  it('filters the history by status and text', async () => {
    const { browser } = await buyer();
    for (const qty of ['4', '5']) {
      await addToCart(browser, { 'BLT-101': qty });
      await submit(browser, await checkoutForm(browser), { po_number: `PO-${qty}` });
    }
    const orders = await t.ctx.db.selectFrom('orders').select(['id', 'number']).orderBy('id').execute();
    await browser.post(`/orders/${orders[0]?.id}/cancel`, {}, { csrfFrom: '/orders' });
    const cancelled = (await browser.get('/orders?status=cancelled')).body;
    expect(cancelled).toContain('W-000001');
    expect(cancelled).not.toContain('W-000002');
    const byPo = (await browser.get('/orders?text=PO-5')).body;
    expect(byPo).toContain('W-000002');
    expect(byPo).not.toContain('W-000001');
    const byProduct = (await browser.get(`/orders?text=${encodeURIComponent('болт шестигранный')}`)).body;
    expect(byProduct).toContain('W-000001');
  });
});
