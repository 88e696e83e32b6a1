import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, buyerAt, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

beforeEach(async () => {
  t = await startTestApp();
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => {
  await t.close();
});

const buyerOf = (priceTypeId: number, discountBp = 0) => buyerAt(t, priceTypeId, discountBp);

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

describe('catalog pages', () => {
  it('asks anonymous visitors to log in', async () => {
    const res = await new Browser(t.app).get('/catalog');
    expect(res.status).toBe(302);
    expect(res.location).toBe('/login?next=%2Fcatalog');
  });

  it('shows a category with its subcategories, the buyer price and the stock', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const res = await browser.get(`/catalog?c=${catalog.categories.fasteners}`);
    expect(res.status).toBe(200);
    const html = plain(res.body);
    expect(html).toContain('Болт шестигранный');
    expect(html).toContain('Анкер химический под заказ');
    expect(html).not.toContain('Кабель ВВГнг');
    expect(html).toContain('Найдено: 31');
    // BLT-101: 11 ₽ + wholesale kopecks ,22; stock 10 + 0.
    expect(html).toMatch(/BLT-101[\s\S]*?11,22 ₽/);
    expect(html).toContain('Цена по запросу');
    expect(html).not.toMatch(/0,00 ₽/);
  });

  it('never hides nor shows hidden products', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    expect((await browser.get(`/catalog?c=${catalog.categories.bolts}`)).body).not.toContain('Скрытый товар');
    expect((await browser.get('/catalog?q=скрытый')).body).not.toContain('Скрытый товар');
    expect((await browser.get(`/catalog/p/${catalog.hidden}`)).status).toBe(404);
  });

  it('filters by stock and brand, sorts by price and pages', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const inStock = plain((await browser.get(`/catalog?c=${catalog.categories.bolts}&stock=1`)).body);
    // Of 30 bolts, every 4th has no stock in the main warehouse; of those, every 3rd has some in the second.
    expect(inStock).toContain('Найдено: 25');
    const kraft = plain((await browser.get(`/catalog?c=${catalog.categories.bolts}&brand=KRAFT`)).body);
    expect(kraft).toContain('Найдено: 15');
    const byPrice = plain((await browser.get(`/catalog?c=${catalog.categories.bolts}&sort=price_desc`)).body);
    expect(byPrice.indexOf('BLT-130')).toBeLessThan(byPrice.indexOf('BLT-129'));
    expect(byPrice.indexOf('BLT-129')).toBeGreaterThan(0);
  });

  it('shows the product page with stock per warehouse, properties and the unit rule', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const bolt = catalog.products.find((p) => p.sku === 'BLT-107');
    const res = await browser.get(`/catalog/p/${bolt?.id}`);
    const html = plain(res.body);
    expect(res.status).toBe(200);
    expect(html).toContain('Основной склад');
    expect(html).toContain('Склад Подольск');
    expect(html).toContain('Кратность: 50 шт');
    expect(html).toContain('17,22 ₽');
    expect(html).toContain('НДС 20 %');
  });

  it('shows ranges instead of quantities when configured', async () => {
    const ranged = await startTestApp({ catalog: { stock_display: 'ranges', stock_few_below: 50 } });
    try {
      const c = await buildCatalog(ranged.ctx);
      const user = await makeUser(ranged.ctx, 'buyer');
      const browser = new Browser(ranged.app);
      await browser.login(user.email);
      const html = (await browser.get(`/catalog?c=${c.categories.bolts}`)).body;
      expect(html).toContain('>много<');
      expect(html).toContain('>мало<');
      expect(html).toContain('>нет<');
      expect(html).not.toMatch(/class="stock in">\d/);
    } finally {
      await ranged.close();
    }
  });
});

describe('a buyer sees only its own prices', () => {
  it('no page ever carries another price type', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const pages = [
      '/catalog',
      `/catalog?c=${catalog.categories.bolts}`,
      `/catalog?c=${catalog.categories.bolts}&page=2`,
      `/catalog?c=${catalog.categories.bolts}&sort=price_asc`,
      '/catalog?q=болт',
      '/catalog?q=BLT-1',
      ...catalog.products.map((p) => `/catalog/p/${p.id}`),
    ];
    let wholesaleSeen = 0;
    for (const page of pages) {
      const res = await browser.get(page);
      if (res.status === 404) continue;
      const html = plain(res.body);
      expect(html, page).not.toMatch(/\d,11 ₽/);
      expect(html, page).not.toMatch(/\d,33 ₽/);
      wholesaleSeen += (html.match(/\d,22 ₽/g) ?? []).length;
    }
    expect(wholesaleSeen).toBeGreaterThan(50);
  });

  it('applies the company discount, and a special price wins without a further discount', async () => {
    const { company, browser } = await buyerOf(catalog.priceTypes.retail, 1000);
    const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
    const other = catalog.products.find((p) => p.sku === 'BLT-102');
    await t.ctx.db
      .insertInto('special_prices')
      .values({ company_id: company.id, product_id: other?.id ?? 0, price: 555 })
      .execute();
    // 11,11 ₽ less 10 % = 9,999 → 10,00 ₽ (half-up to the kopeck).
    expect(plain((await browser.get(`/catalog/p/${bolt?.id}`)).body)).toContain('10,00 ₽');
    expect(plain((await browser.get(`/catalog/p/${other?.id}`)).body)).toContain('5,55 ₽');
    // Another company's buyer does not get that special price.
    const stranger = await buyerOf(catalog.priceTypes.retail);
    expect(plain((await stranger.browser.get(`/catalog/p/${other?.id}`)).body)).toContain('12,11 ₽');
  });
});

describe('search', () => {
  it('puts an exact SKU first and finds by barcode and by words in any order', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const exact = plain((await browser.get('/catalog?q=blt 110')).body);
    const first = /<td data-label="Артикул" class="sku">([^<]+)/.exec(exact)?.[1];
    expect(first?.trim()).toBe('BLT-110');
    expect(exact).toContain('точное совпадение');
    const barcode = plain((await browser.get('/catalog?q=4601234567893')).body);
    expect(barcode).toContain('Кабель ВВГнг-LS 3×2,5 ГОСТ');
    const words = plain((await browser.get('/catalog?q=гост ввгнг')).body);
    expect(words).toContain('Кабель ВВГнг-LS 3×2,5 ГОСТ');
  });

  it('survives hostile input', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    for (const q of ['"', 'AND OR NOT', '*', '((', '-', "'; drop table products; --", 'x'.repeat(5000)]) {
      const res = await browser.get(`/catalog?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
  });
});

describe('staff view the catalog as a company', () => {
  it('a manager sees its company prices, and cannot pick another manager company', async () => {
    const manager = await makeUser(t.ctx, 'manager');
    const otherManager = await makeUser(t.ctx, 'manager');
    const mine = await makeCompany(t.ctx, { name: 'Моя компания', managerId: manager.id });
    const theirs = await makeCompany(t.ctx, { name: 'Чужая компания', managerId: otherManager.id });
    await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.large }).where('id', '=', mine.id).execute();
    const browser = new Browser(t.app);
    await browser.login(manager.email);

    const generic = plain((await browser.get(`/catalog?c=${catalog.categories.bolts}`)).body);
    expect(generic).toContain('Цены по типу «Оптовая»');

    const choices = (await browser.get('/catalog/view-as')).body;
    expect(choices).toContain('Моя компания');
    expect(choices).not.toContain('Чужая компания');

    expect((await browser.post('/catalog/view-as', { company_id: String(theirs.id) })).status).toBe(404);
    const chosen = await browser.post('/catalog/view-as', {
      company_id: String(mine.id),
      next: `/catalog?c=${catalog.categories.bolts}`,
    });
    expect(chosen.location).toBe(`/catalog?c=${catalog.categories.bolts}`);
    const html = plain((await browser.get(`/catalog?c=${catalog.categories.bolts}`)).body);
    expect(html).toContain('Цены для «Моя компания» — тип цен «Крупный опт»');
    expect(html).toMatch(/11,33 ₽/);
    expect(html).not.toMatch(/\d,22 ₽/);
  });

  it('a buyer cannot switch companies', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const other = await makeCompany(t.ctx);
    expect((await browser.post('/catalog/view-as', { company_id: String(other.id) })).status).toBe(403);
  });
});
