import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../src/context.js';
import { openSqlite } from '../src/db/open.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, buyerAt, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

// Catalog listings are cached per set of prices and dropped on any catalog write
// (http/web/catalog.ts, catalog/generation.ts): these tests load a page, change what it shows, and
// load it again.

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
const bolt101 = () => catalog.products.find((p) => p.sku === 'BLT-101')?.id ?? -1;
const priceOf101 = (html: string) => /BLT-101[\s\S]*?class="num price">([^<]+)</.exec(plain(html))?.[1];

describe('cached catalog listings', () => {
  it('give every price type, discount and special-price company its own prices from the same page', async () => {
    const page = `/catalog?c=${catalog.categories.bolts}`;
    const wholesale = await buyerOf(catalog.priceTypes.wholesale);
    const retail = await buyerOf(catalog.priceTypes.retail);
    const discounted = await buyerOf(catalog.priceTypes.retail, 1000);
    const special = await buyerOf(catalog.priceTypes.retail);
    await t.ctx.db
      .insertInto('special_prices')
      .values({ company_id: special.company.id, product_id: bolt101(), price: 555 })
      .execute();
    for (let round = 0; round < 2; round++) {
      expect(priceOf101((await wholesale.browser.get(page)).body)).toBe('11,22 ₽');
      expect(priceOf101((await retail.browser.get(page)).body)).toBe('11,11 ₽');
      expect(priceOf101((await discounted.browser.get(page)).body)).toBe('10,00 ₽');
      expect(priceOf101((await special.browser.get(page)).body)).toBe('5,55 ₽');
    }
  });

  it('carry the form token of the session asking, not of the one that filled the cache', async () => {
    const page = `/catalog?c=${catalog.categories.bolts}`;
    const first = await buyerOf(catalog.priceTypes.wholesale);
    const second = await buyerOf(catalog.priceTypes.wholesale);
    const tokens = [];
    for (const { browser } of [first, second]) {
      const html = (await browser.get(page)).body;
      const inForms = [...html.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(inForms).size).toBe(1);
      tokens.push(inForms[0]);
      // The token on the page is the one its own cart form is accepted with.
      const add = await browser.post('/cart/add', { _csrf: inForms[0] ?? '', [`qty[${bolt101()}]`]: '1', next: page });
      expect(add.status).toBe(303);
    }
    expect(tokens[0]).not.toBe(tokens[1]);
  });

  it('show a price, stock or name change made through the app at once', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const page = `/catalog?c=${catalog.categories.bolts}`;
    expect(priceOf101((await browser.get(page)).body)).toBe('11,22 ₽');
    await t.ctx.db
      .updateTable('prices')
      .set({ price: 4222 })
      .where('product_id', '=', bolt101())
      .where('price_type_id', '=', catalog.priceTypes.wholesale)
      .execute();
    expect(priceOf101((await browser.get(page)).body)).toBe('42,22 ₽');
    await t.ctx.db.updateTable('products').set({ name: 'Болт переименованный' }).where('id', '=', bolt101()).execute();
    expect((await browser.get(page)).body).toContain('Болт переименованный');
    await t.ctx.db.updateTable('products').set({ hidden: 1 }).where('id', '=', bolt101()).execute();
    expect((await browser.get(page)).body).not.toContain('BLT-101');
  });

  it('show a change committed by another connection (the CLI, an importer) at once', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const page = `/catalog?c=${catalog.categories.bolts}`;
    expect(priceOf101((await browser.get(page)).body)).toBe('11,22 ₽');
    const other = openSqlite(databaseFile(t.config), 5000);
    try {
      other
        .prepare('update prices set price = 9922 where product_id = ? and price_type_id = ?')
        .run(bolt101(), catalog.priceTypes.wholesale);
    } finally {
      other.close();
    }
    expect(priceOf101((await browser.get(page)).body)).toBe('99,22 ₽');
  });

  it('are not kept while a transaction is open, and a rolled-back write never shows', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    const page = `/catalog?c=${catalog.categories.bolts}`;
    expect(priceOf101((await browser.get(page)).body)).toBe('11,22 ₽');
    await t.ctx.db
      .transaction()
      .execute(async (trx) => {
        await trx.updateTable('prices').set({ price: 1 }).where('product_id', '=', bolt101()).execute();
        throw new Error('rolled back');
      })
      .catch(() => {});
    expect(priceOf101((await browser.get(page)).body)).toBe('11,22 ₽');
  });

  it('follow the generation, which moves on writes and on a bump', async () => {
    const before = t.ctx.catalogGeneration.current();
    expect(before).not.toBeNull();
    expect(t.ctx.catalogGeneration.current()).toBe(before);
    await t.ctx.db.updateTable('stock').set({ quantity: 3 }).where('product_id', '=', bolt101()).execute();
    const afterWrite = t.ctx.catalogGeneration.current();
    expect(afterWrite).not.toBe(before);
    t.ctx.catalogGeneration.bump();
    expect(t.ctx.catalogGeneration.current()).not.toBe(afterWrite);
    // Writes elsewhere (carts, orders, sessions) leave catalog pages cached.
    const stable = t.ctx.catalogGeneration.current();
    await makeUser(t.ctx, 'manager');
    expect(t.ctx.catalogGeneration.current()).toBe(stable);
  });
});

describe('cached sessions', () => {
  it('end at once when another connection deletes them', async () => {
    const { browser } = await buyerOf(catalog.priceTypes.wholesale);
    expect((await browser.get('/catalog')).status).toBe(200);
    const other = openSqlite(databaseFile(t.config), 5000);
    try {
      other.prepare('delete from sessions').run();
    } finally {
      other.close();
    }
    expect((await browser.get('/catalog')).status).toBe(302);
  });

  it('show a staff member the company chosen a moment ago, and its prices', async () => {
    const manager = await makeUser(t.ctx, 'manager');
    const mine = await makeCompany(t.ctx, { name: 'Моя компания', managerId: manager.id });
    await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.large }).where('id', '=', mine.id).execute();
    const browser = new Browser(t.app);
    await browser.login(manager.email);
    const page = `/catalog?c=${catalog.categories.bolts}`;
    expect(priceOf101((await browser.get(page)).body)).toBe('11,22 ₽');
    await browser.post('/catalog/view-as', { company_id: String(mine.id), next: page });
    const html = plain((await browser.get(page)).body);
    expect(priceOf101(html)).toBe('11,33 ₽');
    expect(html).toContain('Моя компания');
    await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.retail }).where('id', '=', mine.id).execute();
    expect(priceOf101((await browser.get(page)).body)).toBe('11,11 ₽');
  });
});
