/**
 * One quantity and money rule everywhere (issue 16): for products with random packs, minimums,
 * units and prices, and quantities typed in every way (comma or dot, too many decimals, zero,
 * negative, huge, text), the catalog's "add to cart", the REST API and the quick order give the
 * same answer — the same quantity, or all refuse — and an order placed from the cart and one
 * placed through the API have the same line: quantity, unit price, line total and VAT, kopeck for
 * kopeck. The quick order is the one place that rounds a quantity up to the pack or the minimum
 * (and says so): it adds exactly what the others suggest.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/accounts/api-tokens.js';
import { checkQuantity } from '../src/catalog/quantity.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { Browser, checkoutForm, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let browser: Browser;
let token: string;
let companyId: number;
let priceTypeId: number;
const units: Record<number, number> = {};

beforeAll(async () => {
  t = await startTestApp({ catalog: { allow_backorder: true }, api: { rate_limit: 0 } });
  const now = t.ctx.clock.now();
  priceTypeId = (
    await t.ctx.db
      .insertInto('price_types')
      .values({ name: 'Оптовая', is_default: 1, external_1c_id: null, external_ms_id: null, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  for (const [code, name, precision] of [
    ['796', 'шт', 0],
    ['006', 'м', 2],
    ['166', 'кг', 3],
  ] as const)
    units[precision] = (
      await t.ctx.db.insertInto('units').values({ code, name, precision }).returning('id').executeTakeFirstOrThrow()
    ).id;
  const company = await makeCompany(t.ctx, { name: 'Ромашка' });
  companyId = company.id;
  await t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: priceTypeId, discount_bp: 350 })
    .where('id', '=', company.id)
    .execute();
  await t.ctx.db
    .insertInto('company_addresses')
    .values({ company_id: company.id, address: 'Москва, Складская 1', created_at: 0 })
    .execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId: company.id });
  browser = new Browser(t.app);
  await browser.login(user.email);
  token = (await createApiToken(t.ctx.db, t.ctx.clock, user, { name: 'ERP', scopes: ['read', 'order'] })).token;
});
afterAll(async () => t?.close());

let made = 0;
async function product(rule: { precision: number; multiple: number; minQty: number }, price: number, vatBp: number) {
  made += 1;
  const sku = `R-${made}`;
  const now = t.ctx.clock.now();
  const { id } = await t.ctx.db
    .insertInto('products')
    .values({
      sku,
      sku_norm: normalizeSku(sku),
      name: `Товар ${made}`,
      unit_id: units[rule.precision] ?? null,
      multiple: rule.multiple,
      min_qty: rule.minQty,
      vat_bp: vatBp,
      stock_total: 1_000_000,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await t.ctx.db.insertInto('prices').values({ product_id: id, price_type_id: priceTypeId, price }).execute();
  return { id, sku };
}

const cartQuantity = async (productId: number) =>
  (
    await t.ctx.db
      .selectFrom('cart_items')
      .select('quantity')
      .where('company_id', '=', companyId)
      .where('product_id', '=', productId)
      .executeTakeFirst()
  )?.quantity ?? null;

const lineOf = (orderId: number) =>
  t.ctx.db
    .selectFrom('order_lines')
    .select(['quantity', 'unit_price', 'line_total', 'vat_amount'])
    .where('order_id', '=', orderId)
    .executeTakeFirstOrThrow();

const quantityText = fc.oneof(
  fc.integer({ min: -5, max: 2000 }).map(String),
  fc
    .tuple(
      fc.integer({ min: 0, max: 300 }),
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(',', '.'),
    )
    .map(([whole, fraction, places, sep]) => `${whole}${sep}${String(fraction).padStart(4, '0').slice(0, places)}`),
  fc.constantFrom('0', '-1', '0,0', '1e3', 'abc', '12x', '99999999999999', '0.001', '0,5', '2,50', '1.25'),
);

describe('one quantity rule, one money rule', () => {
  it('catalog, API and quick order agree on every quantity; cart and API orders have the same line to the kopeck', async () => {
    let compared = 0;
    let ordered = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          precision: fc.constantFrom(0, 2, 3),
          multiple: fc.constantFrom(0, 0, 1, 5, 12, 0.5, 0.25, 2.5),
          minQty: fc.constantFrom(0, 0, 1, 3, 10, 2.5),
        }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.constantFrom(0, 1000, 2000),
        quantityText,
        async (rule, price, vatBp, typed) => {
          const p = await product(rule, price, vatBp);
          const expected = checkQuantity(typed, rule);

          // The catalog's "add to cart".
          await browser.post('/cart/clear', {}, { csrfFrom: '/cart' });
          const added = await browser.post('/cart/add', { next: '/catalog', [`qty[${p.id}]`]: typed }, { csrfFrom: '/catalog' });
          const inCart = await cartQuantity(p.id);
          // The REST API.
          const api = await t.app.inject({
            method: 'POST',
            url: '/api/v1/orders',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `eq-${made}` },
            // A system writes decimals with a dot (docs/api.md); a malformed number is a 400, a rule broken a 422.
            payload: { lines: [{ sku: p.sku, quantity: typed.replace(',', '.') }] },
          });
          const where = `${JSON.stringify(rule)}, «${typed}»`;
          if (added.status === 303) {
            expect(api.statusCode, where).toBe(201);
            expect(inCart, where).toBe(expected.ok ? expected.quantity : Number.NaN);
            const apiOrder = await t.ctx.db.selectFrom('orders').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
            const apiLine = await lineOf(apiOrder.id);
            expect(apiLine.quantity, where).toBe(inCart);
            // The same line from the cart through the checkout.
            const form = await checkoutForm(browser);
            const placed = await browser.post('/checkout', {
              _csrf: form.csrf,
              idempotency_key: form.key,
              confirmed_total: form.total,
              ...(form.entity ? { legal_entity_id: form.entity } : {}),
              address_choice: 'Москва, Складская 1',
            });
            expect(placed.status, where).toBe(303);
            const webLine = await lineOf(Number(/\/orders\/(\d+)/.exec(placed.location ?? '')?.[1]));
            expect(webLine, where).toEqual(apiLine);
            ordered += 1;
          } else {
            expect(added.status, where).toBe(422);
            expect([400, 422], where).toContain(api.statusCode);
            expect(inCart, where).toBeNull();
          }

          // The quick order: the same quantity; a pack or minimum miss rounded up to the suggestion; a bad number refused.
          if (!/\s/.test(typed)) {
            await browser.post('/quick-order/paste', { lines: `${p.sku}\t${typed}`, replace: '1' }, { csrfFrom: '/quick-order' });
            const quick = await cartQuantity(p.id);
            const want = expected.ok
              ? expected.quantity
              : expected.problem === 'below_minimum' || expected.problem === 'not_multiple'
                ? (expected.suggestion ?? null)
                : null;
            expect(quick, `quick order: ${where}`).toBe(want);
          }
          compared += 1;
        },
      ),
      { numRuns: 60, seed: 20261204 },
    );
    expect(compared).toBe(60);
    // The generator reaches both sides: some quantities are taken and ordered, some refused.
    expect(ordered).toBeGreaterThan(5);
    expect(ordered).toBeLessThan(60);
  }, 120_000);
});
