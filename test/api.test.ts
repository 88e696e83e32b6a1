import { Validator } from '@seriousme/openapi-schema-validator';
import type { RouteOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setCompanyDisabled } from '../src/accounts/companies.js';
import { setUserDisabled } from '../src/accounts/users.js';
import { loadConfig } from '../src/config/load.js';
import { assertRouteSchema } from '../src/http/api/plugin.js';
import { PROBLEM_TYPES } from '../src/http/api/problems.js';
import { type ApiTestApp, apiBuyer, call, newKey, placeApiOrder, sku, startApiApp, tokenFor } from './api-helpers.js';
import { Browser, makeUser } from './helpers.js';

let t: ApiTestApp;
beforeEach(async () => {
  t = await startApiApp();
});
afterEach(async () => {
  await t.close();
});

const product = (body: { items: { sku: string }[] }, code: string) => body.items.find((p) => p.sku === code);

describe('API tokens', () => {
  it('a buyer makes a token on the profile page, sees it once, uses it, and revoking it shuts it out at once', async () => {
    const { user } = await apiBuyer(t);
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const made = await browser.post('/account/api/tokens', { name: '1С: УТ', scopes: 'read' }, { csrfFrom: '/account/api' });
    expect(made.status).toBe(200);
    const token = /id="new-token">(opk_[a-z2-7]+)</.exec(made.body)?.[1] ?? '';
    expect(token).toMatch(/^opk_[a-z2-7]{32}$/);
    // Shown once: the page shows only its first characters afterwards, the database only a hash.
    const later = await browser.get('/account/api');
    expect(later.body).not.toContain(token);
    expect(later.body).toContain(`${token.slice(0, 10)}…`);
    expect(later.body).toContain('1С: УТ');
    const row = await t.ctx.db.selectFrom('api_tokens').selectAll().where('name', '=', '1С: УТ').executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(token.slice(4));

    const ok = await call(t, '/api/v1/products?limit=1', { token });
    expect(ok.status).toBe(200);
    const used = await t.ctx.db.selectFrom('api_tokens').select(['last_used_at', 'last_used_ip']).where('id', '=', row.id).executeTakeFirstOrThrow();
    expect(used).toEqual({ last_used_at: t.clock.now(), last_used_ip: '127.0.0.1' });
    expect((await browser.get('/account/api')).body).toContain(`<td data-label="Использован">${'15.01.2026'}`);

    const revoke = await browser.post(`/account/api/tokens/${row.id}/revoke`, {}, { csrfFrom: '/account/api' });
    expect(revoke.location).toBe('/account/api?notice=api.tokenRevoked');
    const refused = await call(t, '/api/v1/products?limit=1', { token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ type: '/api/problems/unauthorized', status: 401 });
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('asks for a name and a scope', async () => {
    const { user } = await apiBuyer(t);
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const noName = await browser.post('/account/api/tokens', { name: ' ', scopes: 'read' }, { csrfFrom: '/account/api' });
    expect(noName.status).toBe(422);
    expect(noName.body).toContain('Укажите название токена.');
    const noScope = await browser.post('/account/api/tokens', { name: 'ERP' }, { csrfFrom: '/account/api' });
    expect(noScope.status).toBe(422);
    expect(noScope.body).toContain('Отметьте хотя бы одно право.');
  });

  it('dies with its user being disabled or deleted and its company being disabled, at the very next request', async () => {
    const { user, company, token } = await apiBuyer(t);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(200);
    await setUserDisabled(t.ctx.db, t.ctx.clock, user.id, true);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(401);
    await setUserDisabled(t.ctx.db, t.ctx.clock, user.id, false);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(200);
    await setCompanyDisabled(t.ctx.db, t.ctx.clock, company.id, true);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(401);
    await setCompanyDisabled(t.ctx.db, t.ctx.clock, company.id, false);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(200);
    await t.ctx.db.deleteFrom('users').where('id', '=', user.id).execute();
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(401);
    expect(await t.ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', user.id).execute()).toEqual([]);
  });

  it('refuses requests without a token or with a made-up one, saying how to authenticate', async () => {
    const none = await call(t, '/api/v1/products');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="optovik"');
    expect(none.body.detail).toContain('Authorization: Bearer');
    for (const header of ['Bearer opk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'Bearer nonsense', 'Basic dXNlcjpwYXNz']) {
      const res = await call(t, '/api/v1/products', { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expect(res.body.type).toBe('/api/problems/unauthorized');
    }
  });

  it('holds each token to its scopes', async () => {
    const reader = await apiBuyer(t, { scopes: ['read'] });
    const refused = await placeApiOrder(t, reader.token, { lines: [{ sku: 'BLT-101', quantity: '1' }] });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: '/api/problems/insufficient-scope', detail: 'Для этого нужен токен с правом «order».' });
    expect(refused.headers.get('www-authenticate')).toContain('scope="order"');
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);

    const orderOnly = await tokenFor(t, reader.user, ['order']);
    expect((await call(t, '/api/v1/products', { token: orderOnly })).status).toBe(403);
    expect((await call(t, '/api/v1/orders', { token: orderOnly })).status).toBe(403);
    const placed = await placeApiOrder(t, orderOnly, { lines: [{ sku: 'BLT-101', quantity: '1' }] });
    expect(placed.status).toBe(201);
  });

  it('lets an admin list and revoke anyone’s token, and only an admin', async () => {
    const { user, token } = await apiBuyer(t);
    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const list = await browser.get('/admin/api-tokens');
    expect(list.status).toBe(200);
    expect(list.body).toContain(user.email);
    expect(list.body).toContain('ERP');
    const row = await t.ctx.db.selectFrom('api_tokens').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();

    // Another buyer can neither see the list nor revoke the token.
    const other = await apiBuyer(t, { name: 'Лютик' });
    const otherBrowser = new Browser(t.app);
    await otherBrowser.login(other.user.email);
    expect((await otherBrowser.get('/admin/api-tokens')).status).toBe(403);
    const attempt = await otherBrowser.post(`/account/api/tokens/${row.id}/revoke`, {}, { csrfFrom: '/account/api' });
    expect(attempt.status).toBe(404);
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(200);

    const revoke = await browser.post(`/admin/api-tokens/${row.id}/revoke`, {}, { csrfFrom: '/admin/api-tokens' });
    expect(revoke.location).toBe('/admin/api-tokens?notice=api.tokenRevoked');
    expect((await call(t, '/api/v1/categories', { token })).status).toBe(401);
  });
});

describe('catalog', () => {
  it('lists products at the company’s own prices with stock as displayed, unit, pack and minimum', async () => {
    const { company, token } = await apiBuyer(t, { discountBp: 500 });
    await t.ctx.db.insertInto('special_prices').values({ company_id: company.id, product_id: sku(t, 'BLT-102').id, price: 999 }).execute();
    const res = await call(t, '/api/v1/products?limit=500', { token });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(32);
    expect(res.body.next_cursor).toBeNull();
    // 11,22 less 5 % = 10,659 → 10,66 (rounded half-up by quote).
    expect(product(res.body, 'BLT-101')).toMatchObject({
      name: 'Болт шестигранный М8×25 оцинкованный',
      unit: { name: 'шт', code: '796', decimals: 0 },
      price: { amount: { kopecks: 1066, formatted: '10,66\u00a0₽' }, list: { kopecks: 1122 }, discount_bp: 500, source: 'price_type', vat_rate_bp: 2000, vat_included: true },
      stock: { level: 'exact', quantity: '10' },
      available: true,
    });
    expect(product(res.body, 'BLT-102')).toMatchObject({ price: { amount: { kopecks: 999 }, discount_bp: 0, source: 'special' } });
    expect(product(res.body, 'BLT-107')).toMatchObject({ order_rule: { multiple: '50', minimum: '0', decimals: 0 } });
    expect(product(res.body, 'ВВГ-3×2.5')).toMatchObject({
      unit: { name: 'м', decimals: 2 },
      barcodes: ['4601234567893'],
      stock: { level: 'exact', quantity: '1250.5' },
    });
    expect(product(res.body, 'SPEC-1')).toMatchObject({ price: null, stock: { level: 'none', quantity: null } });
    expect(product(res.body, 'HID-1')).toBeUndefined();
    // Another price type, another price: nobody sees another company's prices.
    const retail = await apiBuyer(t, { priceTypeId: t.catalog.priceTypes.retail, name: 'Лютик' });
    const theirs = await call(t, '/api/v1/products?sku=BLT-101', { token: retail.token });
    expect(theirs.body.items[0].price.amount.kopecks).toBe(1111);
  });

  it('shows a price or stock change on the very next request, whatever it read before', async () => {
    const { company, token } = await apiBuyer(t);
    const read = async () => (await call(t, '/api/v1/products?sku=BLT-101', { token })).body.items[0];
    expect((await read()).price.amount.kopecks).toBe(1122);
    expect((await read()).price.amount.kopecks).toBe(1122);
    await t.ctx.db.updateTable('prices').set({ price: 1500 }).where('product_id', '=', sku(t, 'BLT-101').id).where('price_type_id', '=', t.catalog.priceTypes.wholesale).execute();
    expect((await read()).price.amount.kopecks).toBe(1500);
    await t.ctx.db.insertInto('special_prices').values({ company_id: company.id, product_id: sku(t, 'BLT-101').id, price: 777 }).execute();
    expect((await read()).price).toMatchObject({ amount: { kopecks: 777 }, source: 'special' });
    await t.ctx.db.updateTable('products').set({ stock_total: 3 }).where('id', '=', sku(t, 'BLT-101').id).execute();
    expect((await read()).stock.quantity).toBe('3');
    await t.ctx.db.updateTable('companies').set({ discount_bp: 1000 }).where('id', '=', company.id).execute();
    await t.ctx.db.deleteFrom('special_prices').execute();
    expect((await read()).price.amount.kopecks).toBe(1350);
  });

  it('shows stock the way the portal is set to show it', async () => {
    await t.close();
    t = await startApiApp({ catalog: { stock_display: 'ranges', stock_few_below: 20 } });
    const { token } = await apiBuyer(t);
    const res = await call(t, '/api/v1/products?limit=500', { token, headers: { 'accept-language': 'en' } });
    expect(product(res.body, 'BLT-101')).toMatchObject({ stock: { level: 'few', quantity: null } });
    expect(product(res.body, 'BLT-103')).toMatchObject({ stock: { level: 'many', quantity: null } });
    expect(product(res.body, 'BLT-104')).toMatchObject({ stock: { level: 'none', quantity: null } });
    expect(product(res.body, 'BLT-101')).toMatchObject({ price: { amount: { formatted: expect.stringMatching(/11\.22/) } } });
  });

  it('filters by SKUs, barcode, category, stock and search, and pages by cursor without gaps or repeats', async () => {
    const { token } = await apiBuyer(t);
    const skus = await call(t, `/api/v1/products?sku=BLT-101&sku=${encodeURIComponent('blt 103')}&sku=NOPE`, { token });
    expect(skus.body.items.map((p: { sku: string }) => p.sku)).toEqual(['BLT-101', 'BLT-103']);
    const barcode = await call(t, '/api/v1/products?barcode=4601234567893', { token });
    expect(barcode.body.items.map((p: { sku: string }) => p.sku)).toEqual(['ВВГ-3×2.5']);
    const branch = await call(t, `/api/v1/products?category=${t.catalog.categories.fasteners}&limit=500`, { token });
    expect(branch.body.items).toHaveLength(31);
    const inStock = await call(t, '/api/v1/products?in_stock=true&limit=500', { token });
    expect(inStock.body.items.every((p: { stock: { level: string } }) => p.stock.level !== 'none')).toBe(true);
    expect(inStock.body.items.length).toBeLessThan(32);
    const search = await call(t, `/api/v1/products?q=${encodeURIComponent('кабель ввг')}`, { token });
    expect(search.body.items.map((p: { sku: string }) => p.sku)).toEqual(['ВВГ-3×2.5']);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call(t, `/api/v1/products?limit=10${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((p: { sku: string }) => p.sku));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(32);

    const badCursor = await call(t, '/api/v1/products?cursor=garbage', { token });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.type).toBe('/api/problems/invalid-cursor');
    const mixed = await call(t, '/api/v1/products?q=болт&sku=BLT-101', { token });
    expect(mixed.status).toBe(400);
    expect(mixed.body.type).toBe('/api/problems/invalid-parameters');
  });

  it('syncs by updated_since: price and stock changes come back, products taken off sale come back unavailable', async () => {
    const { token } = await apiBuyer(t);
    const first = await call(t, '/api/v1/products?updated_since=2000-01-01T00:00:00Z&limit=500', { token });
    // Every product, the one hidden from the start included (as unavailable): a first sync knows nothing.
    expect(first.body.items).toHaveLength(33);
    expect(product(first.body, 'HID-1')).toMatchObject({ available: false, price: null });
    const asOf = first.body.as_of as string;
    expect(Date.parse(asOf)).toBe(t.clock.now());

    t.clock.advance(60_000);
    const quiet = await call(t, `/api/v1/products?updated_since=${asOf}`, { token });
    expect(quiet.body.items.filter((p: { updated_at: string }) => p.updated_at > asOf)).toEqual([]);

    const wholesale = t.catalog.priceTypes.wholesale;
    await t.ctx.db.updateTable('prices').set({ price: 5000 }).where('product_id', '=', sku(t, 'BLT-105').id).where('price_type_id', '=', wholesale).execute();
    await t.ctx.db.updateTable('products').set({ stock_total: 999 }).where('id', '=', sku(t, 'BLT-106').id).execute();
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', sku(t, 'BLT-108').id).execute();
    t.clock.advance(60_000);
    const changed = await call(t, `/api/v1/products?updated_since=${asOf}`, { token });
    const later = changed.body.items.filter((p: { updated_at: string }) => p.updated_at > asOf);
    expect(later.map((p: { sku: string }) => p.sku).sort()).toEqual(['BLT-105', 'BLT-106', 'BLT-108']);
    expect(product(changed.body, 'BLT-105')).toMatchObject({ price: { amount: { kopecks: 5000 } }, available: true });
    expect(product(changed.body, 'BLT-106')).toMatchObject({ stock: { quantity: '999' } });
    expect(product(changed.body, 'BLT-108')).toMatchObject({ available: false, price: null });
    expect(Date.parse(changed.body.as_of)).toBe(t.clock.now());

    // Compared at most once a minute: a change within it comes with the next sync, never lost.
    const asOf2 = changed.body.as_of as string;
    t.clock.advance(10_000);
    await t.ctx.db.updateTable('products').set({ stock_total: 7 }).where('id', '=', sku(t, 'BLT-110').id).execute();
    const soon = await call(t, `/api/v1/products?updated_since=${asOf2}`, { token });
    expect(soon.body.as_of).toBe(asOf2);
    expect(product(soon.body, 'BLT-110')).toBeUndefined();
    t.clock.advance(60_000);
    const next = await call(t, `/api/v1/products?updated_since=${asOf2}`, { token });
    expect(product(next.body, 'BLT-110')).toMatchObject({ stock: { quantity: '7' } });
  });

  it('answers one product by SKU, 404 for an unknown or hidden one', async () => {
    const { token } = await apiBuyer(t);
    const one = await call(t, `/api/v1/products/${encodeURIComponent('ВВГ-3×2.5')}`, { token });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ sku: 'ВВГ-3×2.5', price: { amount: { kopecks: 9522 } } });
    for (const code of ['NOPE-1', 'HID-1']) {
      const res = await call(t, `/api/v1/products/${code}`, { token });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ type: '/api/problems/not-found', title: 'Не найдено', status: 404 });
    }
  });

  it('lists categories as a tree and the companies the token buys for', async () => {
    const { token, company } = await apiBuyer(t);
    const categories = await call(t, '/api/v1/categories', { token });
    expect(categories.body.items).toContainEqual({ id: t.catalog.categories.bolts, parent_id: t.catalog.categories.fasteners, name: 'Болты', path: ['Крепёж', 'Болты'] });
    const companies = await call(t, '/api/v1/companies', { token });
    expect(companies.body.items).toEqual([
      expect.objectContaining({ id: company.id, name: 'Ромашка', price_type: 'Оптовая', legal_entities: [{ name: 'ООО «Ромашка»', inn: '7701234567', kpp: '', primary: true }] }),
    ]);
  });
});

describe('other companies and managers', () => {
  it('answers 404 for another company’s order on every route that names one, exactly as for no order at all', async () => {
    const mine = await apiBuyer(t);
    const theirs = await apiBuyer(t, { name: 'Лютик' });
    const placed = await placeApiOrder(t, theirs.token, { lines: [{ sku: 'BLT-101', quantity: '1' }], po_number: 'SECRET-PO' });
    expect(placed.status).toBe(201);
    const number = placed.body.number as string;
    for (const path of [`/api/v1/orders/${number}`, `/api/v1/orders/${number}/pdf`]) {
      const other = await call(t, path, { token: mine.token });
      const none = await call(t, path.replace(number, 'W-999999'), { token: mine.token });
      expect(other.status).toBe(404);
      expect(other.text).toBe(none.text);
    }
    const list = await call(t, '/api/v1/orders?po_number=SECRET-PO', { token: mine.token });
    expect(list.body.items).toEqual([]);
    const named = await call(t, '/api/v1/products', { token: mine.token, headers: { 'optovik-company': String(theirs.company.id) } });
    expect(named.status).toBe(404);
    expect(named.body.type).toBe('/api/problems/company-not-found');
  });

  it('lets a manager act for an assigned company named per call, and for no other', async () => {
    const manager = await makeUser(t.ctx, 'manager');
    const assigned = await apiBuyer(t, { managerId: manager.id, priceTypeId: t.catalog.priceTypes.large });
    const foreign = await apiBuyer(t, { name: 'Лютик' });
    const token = await tokenFor(t, manager);

    const missing = await call(t, '/api/v1/products', { token });
    expect(missing.status).toBe(400);
    expect(missing.body.type).toBe('/api/problems/company-required');
    const prices = await call(t, '/api/v1/products?sku=BLT-101', { token, headers: { 'optovik-company': String(assigned.company.id) } });
    expect(prices.body.items[0].price.amount.kopecks).toBe(1133);

    for (const id of [foreign.company.id, 999_999]) {
      const res = await call(t, '/api/v1/products', { token, headers: { 'optovik-company': String(id) } });
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('/api/problems/company-not-found');
      const order = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '1' }] }, newKey(), { 'optovik-company': String(id) });
      expect(order.status).toBe(404);
    }
    const placed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '2' }] }, newKey(), { 'optovik-company': String(assigned.company.id) });
    expect(placed.status).toBe(201);
    const row = await t.ctx.db.selectFrom('orders').selectAll().where('number', '=', placed.body.number).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ company_id: assigned.company.id, manager_id: manager.id, placed_by: manager.id, origin: 'api', total: 2266 });
    const theirList = await call(t, '/api/v1/orders', { token: assigned.token });
    expect(theirList.body.items.map((o: { number: string }) => o.number)).toEqual([placed.body.number]);

    const companies = await call(t, '/api/v1/companies', { token });
    expect(companies.body.items.map((c: { id: number }) => c.id)).toEqual([assigned.company.id]);
    // Unassigned from the company: the token loses it at once.
    await t.ctx.db.updateTable('companies').set({ manager_id: null }).where('id', '=', assigned.company.id).execute();
    expect((await call(t, '/api/v1/products', { token, headers: { 'optovik-company': String(assigned.company.id) } })).status).toBe(404);
  });
});

describe('bad requests', () => {
  it('answers malformed JSON, wrong types and unknown fields with problem details that point at the field', async () => {
    const { token } = await apiBuyer(t);
    const broken = await placeApiOrder(t, token, '{"lines": [{"sku": "BLT-101", "quantity": 1,]}');
    expect(broken.status).toBe(400);
    expect(broken.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(broken.body.type).toBe('/api/problems/malformed-json');
    const empty = await placeApiOrder(t, token, '');
    expect(empty.status).toBe(400);

    const wrong = await placeApiOrder(t, token, { lines: [{ sku: 101, quantity: true }, { quantity: '1,5' }], po_number: 7, colour: 'red' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.type).toBe('/api/problems/validation');
    const pointers = wrong.body.errors.map((e: { pointer: string; code: string }) => `${e.pointer} ${e.code}`);
    expect(pointers).toEqual(
      expect.arrayContaining(['/lines/0/sku type', '/lines/0/quantity anyOf', '/lines/1/quantity anyOf', '/po_number type', '/colour unknown_field']),
    );
    expect(wrong.body.errors.find((e: { pointer: string }) => e.pointer === '/colour').detail).toBe('неизвестное поле «colour»');
    const noLines = await placeApiOrder(t, token, { lines: [] });
    expect(noLines.body.errors).toEqual([{ pointer: '/lines', code: 'minItems', detail: 'элементов должно быть не меньше 1' }]);
    const badQuery = await call(t, '/api/v1/products?limit=abc&in_stock=maybe', { token });
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.errors.map((e: { parameter: string }) => e.parameter).sort()).toEqual(['in_stock', 'limit']);
    const text = await placeApiOrder(t, token, 'lines=1', newKey(), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.type).toBe('/api/problems/unsupported-media-type');
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);
  });

  it('needs an Idempotency-Key on every order', async () => {
    const { token } = await apiBuyer(t);
    const res = await call(t, '/api/v1/orders', { token, body: { lines: [{ sku: 'BLT-101', quantity: '1' }] } });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('/api/problems/idempotency-key-missing');
    const bad = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '1' }] }, 'has spaces in it');
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('/api/problems/idempotency-key-invalid');
  });

  it('refuses a huge body with 413 and an order of 10,000 lines with 400, placing nothing', async () => {
    const { token } = await apiBuyer(t);
    const huge = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '1' }], comment: 'x'.repeat(1_100_000) });
    expect(huge.status).toBe(413);
    expect(huge.body).toMatchObject({ type: '/api/problems/body-too-large', detail: 'Тело запроса больше 1024 КиБ.' });
    // Without a token a big body is not even read.
    const anonymous = await call(t, '/api/v1/orders', { body: { comment: 'x'.repeat(1_100_000) }, headers: { 'idempotency-key': newKey() } });
    expect(anonymous.status).toBe(401);

    const lines = Array.from({ length: 10_000 }, (_, i) => ({ sku: `BLT-${101 + (i % 30)}`, quantity: '1' }));
    const many = await placeApiOrder(t, token, { lines });
    expect(many.status).toBe(400);
    expect(many.body.errors).toEqual([{ pointer: '/lines', code: 'maxItems', detail: 'элементов должно быть не больше 1000' }]);
    expect(await t.ctx.db.selectFrom('orders').select('id').execute()).toEqual([]);
  });

  it('answers unknown API addresses with a problem, not the web’s HTML page', async () => {
    const { token } = await apiBuyer(t);
    const res = await call(t, '/api/v1/nothing-here', { token });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ type: '/api/problems/not-found', title: 'Не найдено', status: 404 });
    const english = await call(t, '/api/v1/nothing-here', { token, headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(english.body.title).toBe('Not found');
  });
});

describe('rate limit', () => {
  it('is on by default and answers 429 with Retry-After and RateLimit headers past the limit, per token', async () => {
    await t.close();
    t = await startApiApp({ api: { rate_limit: 3 } });
    const a = await apiBuyer(t);
    const b = await apiBuyer(t, { name: 'Лютик' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(t, '/api/v1/categories', { token: a.token });
      statuses.push(res.status);
      expect(res.headers.get('ratelimit-policy')).toBe('"per-token";q=3;w=1');
      expect(res.headers.get('ratelimit')).toBe(`"per-token";r=${2 - i};t=1`);
    }
    const refused = await call(t, '/api/v1/categories', { token: a.token });
    expect([...statuses, refused.status]).toEqual([200, 200, 200, 429]);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ type: '/api/problems/rate-limited', status: 429 });
    expect((await call(t, '/api/v1/categories', { token: b.token })).status).toBe(200);
    t.clock.advance(1000);
    expect((await call(t, '/api/v1/categories', { token: a.token })).status).toBe(200);
    // On by default: without api.rate_limit in config.yml a token gets 20 requests a second.
    expect(loadConfig({ env: {}, cwd: t.dataDir, overrides: { demo: false } }).api.rateLimit).toBe(20);
  });
});

describe('OpenAPI document and documentation', () => {
  it('is generated from the route schemas, covers every route and validates as OpenAPI 3.1', async () => {
    const res = await call(t, '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc);
    expect(result).toEqual({ valid: true });
    expect(Object.keys(doc.webhooks)).toEqual(['order.created', 'order.status_changed']);
    const operations = Object.entries(doc.paths as Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>).flatMap(
      ([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`).sort()).toEqual([
      'GET /api/v1/categories',
      'GET /api/v1/companies',
      'GET /api/v1/orders',
      'GET /api/v1/orders/{number}',
      'GET /api/v1/orders/{number}/invoice.pdf',
      'GET /api/v1/orders/{number}/pdf',
      'GET /api/v1/products',
      'GET /api/v1/products/{sku}',
      'POST /api/v1/orders',
    ]);
    for (const { op } of operations) {
      expect(op.operationId).toBeTruthy();
      expect(Object.keys(op.responses).some((s) => s.startsWith('2'))).toBe(true);
      expect(op.responses['401']).toBeTruthy();
    }
    expect(doc.components.schemas.Problem).toBeTruthy();
    // The documented body is the one the route validates with.
    expect(doc.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema.properties.lines.maxItems).toBe(1000);
  });

  it('refuses to start with an API route that has no response or body schema', () => {
    const route = (schema: unknown, method = 'GET') => ({ method, url: '/api/v1/x', schema, handler: async () => ({}) }) as unknown as RouteOptions;
    expect(() => assertRouteSchema(route(undefined))).toThrow('API route GET /api/v1/x has no response schema');
    expect(() => assertRouteSchema(route({ response: { 404: {} } }))).toThrow(/no response schema/);
    expect(() => assertRouteSchema(route({ response: { 200: {} } }, 'POST'))).toThrow('API route POST /api/v1/x has no body schema');
    expect(() => assertRouteSchema(route({ response: { 200: {} }, body: {} }, 'POST'))).not.toThrow();
  });

  it('serves the documentation page and its assets from the portal itself, and a page per problem type', async () => {
    const page = await call(t, '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const assets = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/api\/docs\//);
      expect((await call(t, asset)).status).toBe(200);
    }
    // Nothing may come from elsewhere: the browser is told so, and the spec validator badge is off.
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toMatch(/https?:|\*/);
    const init = await call(t, '/api/docs/static/swagger-initializer.js');
    expect(init.text).toContain('validatorUrl: null');
    expect(init.text).toContain("url: resolveUrl('./json')");
    expect((await call(t, '/api/docs/json')).body.openapi).toBe('3.1.0');
    for (const type of Object.keys(PROBLEM_TYPES)) {
      const res = await call(t, `/api/problems/${type}`);
      expect(res.status).toBe(200);
      expect(res.text).toContain(`/api/problems/${type}`);
    }
  });
});

describe('web pages are not the API', () => {
  it('keeps CSRF and sessions off the API and bearer tokens off the pages', async () => {
    const { user, token } = await apiBuyer(t);
    // No CSRF token, a foreign Origin: the API does not care, the bearer token is what counts.
    const placed = await placeApiOrder(t, token, { lines: [{ sku: 'BLT-101', quantity: '1' }] }, newKey(), { origin: 'https://evil.example' });
    expect(placed.status).toBe(201);
    // A session cookie is no API credential.
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    expect((await call(t, '/api/v1/orders', { headers: { cookie } })).status).toBe(401);
    // A bearer token is no web session.
    const page = await fetch(`${t.base}/orders`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(/^\/login/);
  });
});
