import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findChromium } from '../src/documents/chromium.js';
import { type ApiTestApp, apiBuyer, call, newKey, placeApiOrder, sku, startApiApp } from './api-helpers.js';
import { Browser, savedMails } from './helpers.js';

let t: ApiTestApp;
beforeEach(async () => {
  t = await startApiApp();
});
afterEach(async () => {
  await t.close();
});

const orderCount = async () => (await t.ctx.db.selectFrom('orders').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;

describe('POST /api/v1/orders', () => {
  it('places an order by SKU and barcode through checkout’s path: prices, totals, number, mails, export, and leaves the cart alone', async () => {
    const { company, user, token } = await apiBuyer(t, { discountBp: 250 });
    // Something in the portal cart: an API order must not take it or empty it.
    await t.ctx.db
      .insertInto('cart_items')
      .values({ company_id: company.id, product_id: sku(t, 'BLT-110').id, quantity: 3, price_seen: null, added_by: user.id, added_at: 0, updated_at: 0 })
      .execute();
    const res = await placeApiOrder(t, token, {
      lines: [
        { sku: 'blt 101', quantity: '10' },
        { barcode: '4601234567893', quantity: 1.5 },
      ],
      po_number: 'PO-2026-17',
      delivery_address: 'Москва, Складская 1',
      desired_date: '2026-02-01',
      comment: 'Позвонить за час',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/v1/orders/${res.body.number}`);
    // 11,22 less 2.5 % = 10,94 × 10 = 109,40; 95,22 less 2.5 % = 92,84 × 1,5 = 139,26; total 248,66 with VAT inside.
    expect(res.body).toMatchObject({
      number: 'W-000001',
      status: 'new',
      origin: 'api',
      po_number: 'PO-2026-17',
      desired_date: '2026-02-01',
      discount_bp: 250,
      totals: { subtotal: { kopecks: 24866 }, total: { kopecks: 24866, formatted: '248,66\u00a0₽' } },
      line_count: 2,
      lines: [
        { line_no: 1, sku: 'BLT-101', quantity: '10', unit_price: { kopecks: 1094 }, list_price: { kopecks: 1122 }, line_total: { kopecks: 10940 }, unit: 'шт' },
        { line_no: 2, sku: 'ВВГ-3×2.5', quantity: '1.5', unit_price: { kopecks: 9284 }, line_total: { kopecks: 13926 }, unit: 'м' },
      ],
      status_history: [{ status: 'new', source: 'portal' }],
      links: { pdf: '/api/v1/orders/W-000001/pdf' },
    });
    const row = await t.ctx.db.selectFrom('orders').selectAll().where('number', '=', 'W-000001').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ origin: 'api', placed_by: user.id, manager_id: null, total: 24866 });
    expect(row.request_hash).toMatch(/^[0-9a-f]{64}$/);
    const cart = await t.ctx.db.selectFrom('cart_items').select(['product_id', 'quantity']).where('company_id', '=', company.id).execute();
    expect(cart).toEqual([{ product_id: sku(t, 'BLT-110').id, quantity: 3 }]);
    const jobs = await t.ctx.db.selectFrom('jobs').select('kind').where('payload', '=', JSON.stringify({ orderId: row.id })).orderBy('id').execute();
    // No export job: 1C collects orders itself, and no push integration is configured here.
    expect(jobs.map((j) => j.kind)).toEqual(['render_pdf', 'send_order_mail']);
    // The same mail as any order (no Chromium here: it says the PDF follows).
    await t.ctx.worker.runDue();
    const mail = (await savedMails(t.dataDir)).find((m) => m.to.includes(user.email));
    expect(mail?.subject).toContain('W-000001');
  });

  it('answers the same key and body with the same order, refuses the key with another body, and counts one order', async () => {
    const { token } = await apiBuyer(t);
    const key = newKey();
    const body = { lines: [{ sku: 'BLT-101', quantity: '2' }], po_number: 'PO-1' };
    const first = await placeApiOrder(t, token, body, key);
    expect(first.status).toBe(201);
    // The same body with its keys in another order is the same request.
    const again = await placeApiOrder(t, token, '{"po_number":"PO-1","lines":[{"quantity":"2","sku":"BLT-101"}]}', key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '3' }], po_number: 'PO-1' }, key);
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ type: '/api/problems/idempotency-key-reused', detail: expect.stringContaining('W-000001') });
    expect(await orderCount()).toBe(1);
    // A retry after the product was taken off sale still gets its order back, not a refusal.
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', sku(t, 'BLT-101').id).execute();
    const late = await placeApiOrder(t, token, body, key);
    expect(late.status).toBe(200);
    expect(late.body.number).toBe(first.body.number);
    await t.ctx.db.updateTable('products').set({ hidden: 0 }).where('id', '=', sku(t, 'BLT-101').id).execute();
    // A key is the company's: another company's identical key places its own order.
    const stranger = await apiBuyer(t, { name: 'Лютик' });
    expect((await placeApiOrder(t, stranger.token, body, key)).status).toBe(201);
    expect(await orderCount()).toBe(2);
  });

  it('makes one order of two requests sent at once with one key; the other waits its turn as 409 or replays it', async () => {
    const { token } = await apiBuyer(t);
    for (let round = 0; round < 3; round++) {
      const key = newKey();
      const body = { lines: [{ sku: 'BLT-102', quantity: '1' }, { sku: 'BLT-103', quantity: '2' }] };
      const answers = await Promise.all([placeApiOrder(t, token, body, key), placeApiOrder(t, token, body, key)]);
      const statuses = answers.map((a) => a.status).sort();
      expect([
        [201, 409],
        [200, 201],
      ]).toContainEqual(statuses);
      const busy = answers.find((a) => a.status === 409);
      if (busy) {
        expect(busy.body.type).toBe('/api/problems/idempotency-key-in-use');
        expect(busy.headers.get('retry-after')).toBe('1');
        // Retried as told: the order placed meanwhile.
        const retried = await placeApiOrder(t, token, body, key);
        expect(retried.status).toBe(200);
        expect(retried.body.number).toBe(answers.find((a) => a.status === 201)?.body.number);
      }
      expect(await orderCount()).toBe(round + 1);
    }
  });

  it('refuses lines that cannot be ordered all together, one reason per line, and places nothing', async () => {
    const { company, token } = await apiBuyer(t);
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', sku(t, 'BLT-120').id).execute();
    const key = newKey();
    const res = await placeApiOrder(
      t,
      token,
      {
        lines: [
          { sku: 'BLT-101', quantity: '5' }, // fine
          { sku: 'NO-SUCH-SKU', quantity: '1' },
          { sku: 'BLT-107', quantity: '7' }, // sold in packs of 50
          { sku: 'BLT-101', quantity: '1' }, // the same product again
          { sku: 'BLT-104', quantity: '1' }, // nothing in stock
          { sku: 'SPEC-1', quantity: '1' }, // price on request
          { sku: 'BLT-102', quantity: '1.5' }, // pieces come whole
          { sku: 'HID-1', quantity: '1' }, // hidden
          { sku: 'BLT-120', quantity: '1' }, // taken off sale
          { quantity: '1' },
          { sku: 'ВВГ-3×2.5', quantity: 0.0005 },
        ],
      },
      key,
    );
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('/api/problems/order-lines-refused');
    const byLine = Object.fromEntries(res.body.errors.map((e: { line: number; code: string }) => [e.line, e.code]));
    expect(byLine).toEqual({
      1: 'unknown_product',
      2: 'quantity',
      3: 'duplicate',
      4: 'stock',
      5: 'no_price',
      6: 'quantity',
      7: 'unknown_product',
      8: 'unknown_product',
      9: 'no_code',
      10: 'quantity_format',
    });
    const pack = res.body.errors.find((e: { line: number }) => e.line === 2);
    expect(pack).toMatchObject({ pointer: '/lines/2/quantity', sku: 'BLT-107', suggestion: '50', detail: 'Количество не подходит (единица, минимум или упаковка); можно 50 шт.' });
    expect(res.body.errors.find((e: { line: number }) => e.line === 4)).toMatchObject({ available: '0', detail: 'В наличии только 0 шт.' });
    expect(res.body.detail).toBe('Не принято строк: 10. Заказ не размещён.');
    expect(await orderCount()).toBe(0);
    expect(await t.ctx.db.selectFrom('jobs').select('id').execute()).toEqual([]);
    // A refusal does not use the key up: the corrected order goes through with it.
    const fixed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '5' }, { sku: 'BLT-107', quantity: '50' }] }, key);
    expect(fixed.status).toBe(201);
    expect((await t.ctx.db.selectFrom('orders').select('company_id').executeTakeFirstOrThrow()).company_id).toBe(company.id);
  });

  it('checks each order against the stock the portal shows at that moment', async () => {
    const first = await apiBuyer(t);
    const second = await apiBuyer(t, { name: 'Лютик' });
    await t.ctx.db.updateTable('products').set({ stock_total: 5 }).where('id', '=', sku(t, 'BLT-109').id).execute();
    expect((await placeApiOrder(t, first.token, { lines: [{ sku: 'BLT-109', quantity: '5' }] })).status).toBe(201);
    // Stock comes from accounting: the portal still shows 5, so 6 is refused for anyone.
    const more = await placeApiOrder(t, second.token, { lines: [{ sku: 'BLT-109', quantity: '6' }] });
    expect(more.status).toBe(422);
    expect(more.body.errors[0]).toMatchObject({ code: 'stock', available: '5' });
  });

  it('holds the order to expected_total when given, and names the legal entity by INN', async () => {
    const { company, token } = await apiBuyer(t);
    await t.ctx.db
      .insertInto('legal_entities')
      .values({ company_id: company.id, name: 'ИП Ромашкин', inn: '500100732259', kpp: '', is_primary: 0, external_1c_id: null, created_at: 0, updated_at: 0 })
      .execute();
    const wrong = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }], expected_total: 2000 });
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ type: '/api/problems/price-changed', detail: 'Сумма по текущим ценам — 22,44\u00a0₽, ожидалась 20,00\u00a0₽.' });
    const unknown = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }], legal_entity_inn: '7700000000' });
    expect(unknown.status).toBe(422);
    expect(unknown.body.type).toBe('/api/problems/legal-entity-unknown');
    const right = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }], expected_total: 2244, legal_entity_inn: '500100732259' });
    expect(right.status).toBe(201);
    expect(right.body.buyer).toEqual({ name: 'ИП Ромашкин', inn: '500100732259', kpp: '' });
    const badDate = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }], desired_date: '01.02.2026' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors).toEqual([{ pointer: '/desired_date', code: 'format', detail: 'неверный формат: ожидается date' }]);
  });
});

describe('reading orders', () => {
  it('lists the company’s orders from every channel with filters and a cursor, and shows one with its history', async () => {
    const { user, token } = await apiBuyer(t);
    for (let i = 1; i <= 5; i++) {
      t.clock.advance(60_000);
      expect((await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: String(i) }], po_number: `PO-${i}` })).status).toBe(201);
    }
    // An order placed on the portal's pages is the company's too.
    t.clock.advance(60_000);
    const browser = new Browser(t.app);
    await browser.login(user.email);
    await browser.post('/cart/add', { [`qty[${sku(t, 'BLT-111').id}]`]: '1', next: '/catalog' }, { csrfFrom: '/catalog' });
    const checkout = await browser.get('/checkout');
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(checkout.body)?.[1] ?? '';
    const placed = await browser.post('/checkout', {
      _csrf: field('_csrf'),
      idempotency_key: field('idempotency_key'),
      confirmed_total: field('confirmed_total'),
      legal_entity_id: field('legal_entity_id'),
      address_choice: 'new',
      new_address: 'Склад',
    });
    expect(placed.status).toBe(303);

    const all = await call(t, '/api/v1/orders?limit=4', { token });
    expect(all.body.items.map((o: { number: string; origin: string }) => `${o.number} ${o.origin}`)).toEqual([
      'W-000006 web',
      'W-000005 api',
      'W-000004 api',
      'W-000003 api',
    ]);
    const rest = await call(t, `/api/v1/orders?limit=4&cursor=${all.body.next_cursor}`, { token });
    expect(rest.body.items.map((o: { number: string }) => o.number)).toEqual(['W-000002', 'W-000001']);
    expect(rest.body.next_cursor).toBeNull();
    const byPo = await call(t, '/api/v1/orders?po_number=PO-3', { token });
    expect(byPo.body.items.map((o: { number: string }) => o.number)).toEqual(['W-000003']);
    const from = new Date(t.clock.now() - 90_000).toISOString();
    const recent = await call(t, `/api/v1/orders?created_from=${from}`, { token });
    expect(recent.body.items.map((o: { number: string }) => o.number)).toEqual(['W-000006', 'W-000005']);

    // Cancelled on the portal: the API shows the new status and its history.
    const id = (await t.ctx.db.selectFrom('orders').select('id').where('number', '=', 'W-000002').executeTakeFirstOrThrow()).id;
    t.clock.advance(60_000);
    await browser.post(`/orders/${id}/cancel`, { note: 'передумали' }, { csrfFrom: `/orders/${id}` });
    const cancelled = await call(t, '/api/v1/orders?status=cancelled', { token });
    expect(cancelled.body.items.map((o: { number: string }) => o.number)).toEqual(['W-000002']);
    const one = await call(t, '/api/v1/orders/W-000002', { token, headers: { 'accept-language': 'en' } });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({
      number: 'W-000002',
      status: 'cancelled',
      po_number: 'PO-2',
      lines: [{ sku: 'BLT-101', quantity: '2', line_total: { kopecks: 2244, formatted: expect.stringMatching(/22\.44/) } }],
      accounting_number: null,
      paid_at: null,
    });
    expect(one.body.status_history.map((h: { status: string; note: string }) => `${h.status} ${h.note}`)).toEqual(['new ', 'cancelled передумали']);
    // The portal's own order page says where the order came from.
    const w5 = (await t.ctx.db.selectFrom('orders').select('id').where('number', '=', 'W-000005').executeTakeFirstOrThrow()).id;
    expect((await browser.get(`/orders/${w5}`)).body).toContain('через API учётной системы покупателя');
  });

  it('serves the order’s PDF, or says it is unavailable without a browser', async () => {
    const { token } = await apiBuyer(t);
    const placed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }] });
    const none = await call(t, `/api/v1/orders/${placed.body.number}/pdf`, { token });
    expect(none.status).toBe(503);
    expect(none.body.type).toBe('/api/problems/pdf-unavailable');
  });

  it.skipIf(!findChromium(process.env.CHROMIUM_PATH ?? ''))('renders the PDF with Chromium when there is one', async () => {
    await t.close();
    t = await startApiApp({ documents: { chromium_path: process.env.CHROMIUM_PATH ?? '' } });
    const { token } = await apiBuyer(t);
    const placed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }] });
    const res = await fetch(`${t.base}/api/v1/orders/${placed.body.number}/pdf`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it.skipIf(!findChromium(process.env.CHROMIUM_PATH ?? '') || !existsSync('/usr/bin/pdftotext'))(
    'serves the invoice for payment of its own orders only, with the seller’s bank details',
    async () => {
      await t.close();
      t = await startApiApp({
        documents: { chromium_path: process.env.CHROMIUM_PATH ?? '' },
        seller: {
          name: 'ООО «Оптовик-Трейд»',
          inn: '7707083893',
          kpp: '773601001',
          address: '117997, г. Москва, ул. Вавилова, д. 19',
          bank_name: 'ПАО Сбербанк, г. Москва',
          bik: '044525225',
          correspondent_account: '30101810400000000225',
          settlement_account: '40702810938000000001',
        },
      });
      const { token } = await apiBuyer(t);
      const placed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }] });
      const res = await fetch(`${t.base}/api/v1/orders/${placed.body.number}/invoice.pdf`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: Buffer.from(await res.arrayBuffer()) }).toString('utf8');
      expect(text).toContain(`Счёт на оплату № ${placed.body.number}`);
      expect(text).toContain('40702810938000000001');
      // Another company's buyer asks for the same number: not found, as if there were no such order.
      const other = await apiBuyer(t);
      const stranger = await call(t, `/api/v1/orders/${placed.body.number}/invoice.pdf`, { token: other.token });
      expect(stranger.status).toBe(404);
    },
  );
});
