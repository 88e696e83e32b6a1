/**
 * Variants as a grid: 1C sends `product#characteristic` offers with ХарактеристикиТовара; the
 * import keeps their name/value pairs, and the product page and the catalog lay the variants out
 * as rows × columns of quantity boxes that go to the cart in one post.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { orderValues } from '../src/catalog/variants.js';
import { OneCClient } from './commerceml-client.js';
import { buyerAt, startTestApp, type TestApp } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'commerceml');
const fixture = (path: string) => readFileSync(join(FIXTURES, path));
const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';
const TSHIRT_1C = 'd4b2f100-2222-11f0-9a51-00155d0a1b01';

let t: TestApp | undefined;
let address: string | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  address = undefined;
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

async function importPackage(files: ReadonlyArray<[string, Buffer]>): Promise<{ app: TestApp; finals: string[] }> {
  if (!t) {
    t = await startTestApp({ integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false } } } as never);
  }
  address ??= await t.app.listen({ port: 0, host: '127.0.0.1' });
  const client = new OneCClient(address, LOGIN, PASSWORD);
  expect((await client.checkauth('catalog'))[0]).toBe('success');
  await client.init('catalog');
  for (const [name, data] of files) expect(await client.upload('catalog', name, data)).toMatch(/^success/);
  const finals: string[] = [];
  for (const [name] of files) finals.push((await client.importUntilDone('catalog', name)).final);
  return { app: t, finals };
}

/** The grid in a page as text rows: header, then each row's cells (a price, "—" or the state). */
function gridOf(html: string): string[][] {
  const grid = /<div class="variant-grid"[\s\S]*?<\/table>/.exec(html)?.[0];
  if (!grid) throw new Error('no grid on the page');
  return [...grid.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...(row[1] ?? '').matchAll(/<t[hd]([^>]*)>([\s\S]*?)<\/t[hd]>/g)].map(([, attrs = '', inner = '']) => {
      const text = plain(inner.replace(/<span class="sr-only">[\s\S]*?<\/span>/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
      const input = /name="qty\[(\d+)\]"/.exec(inner);
      return `${attrs.includes('cell off') ? '(off) ' : ''}${input ? '[ ] ' : ''}${text}`;
    }),
  );
}

describe('variant grid from 1C', () => {
  it('keeps ХарактеристикиТовара as pairs and lays size × colour out on the product page', async () => {
    const { app, finals } = await importPackage([
      ['import.xml', fixture('grid-2.07/import.xml')],
      ['offers.xml', fixture('grid-2.07/offers.xml')],
    ]);
    expect(finals.at(-1)).toMatch(/^success\nCatalog imported/);
    const parent = await app.ctx.db.selectFrom('products').select(['id', 'has_variants']).where('external_1c_id', '=', TSHIRT_1C).executeTakeFirstOrThrow();
    expect(parent.has_variants).toBe(1);
    const pairs = await app.ctx.db
      .selectFrom('product_characteristics as c')
      .innerJoin('products as p', 'p.id', 'c.product_id')
      .select(['p.sku', 'c.name', 'c.value', 'c.sort'])
      .where('p.sku', '=', 'ФТ-100-M-02')
      .orderBy('c.sort')
      .execute();
    expect(pairs).toEqual([
      { sku: 'ФТ-100-M-02', name: 'Цвет', value: 'Чёрный', sort: 0 },
      { sku: 'ФТ-100-M-02', name: 'Размер', value: 'M', sort: 1 },
    ]);

    const priceType = await app.ctx.db.selectFrom('price_types').select('id').executeTakeFirstOrThrow();
    const { browser, company } = await buyerAt(app, priceType.id);
    const page = (await browser.get(`/catalog/p/${parent.id}`)).body;
    // Sizes (4 values) go down, colours (2) across; XL in black is not sold, M in black is out of stock.
    expect(gridOf(page)).toEqual([
      ['Размер \\ Цвет', 'Белый', 'Чёрный'],
      ['S', '[ ] 450,00 ₽ 15', '[ ] 450,00 ₽ 25'],
      ['M', '[ ] 450,00 ₽ 35', '(off) нет в наличии 450,00 ₽'],
      ['L', '[ ] 470,00 ₽ 55', '[ ] 470,00 ₽ 65'],
      ['XL', '[ ] 490,00 ₽ 75', '—'],
    ]);
    expect(page).toContain('aria-label="Футболка рабочая хлопок: варианты (Размер × Цвет)"');
    expect(page).toContain('<span class="sr-only">XL, Чёрный: такого варианта нет</span>');

    // The whole grid goes to the cart with one post.
    const id = async (sku: string) => (await app.ctx.db.selectFrom('products').select('id').where('sku', '=', sku).executeTakeFirstOrThrow()).id;
    const form = { next: `/catalog/p/${parent.id}`, [`qty[${await id('ФТ-100-S-01')}]`]: '10', [`qty[${await id('ФТ-100-L-02')}]`]: '4', [`qty[${await id('ФТ-100-XL-01')}]`]: '2' };
    const added = await browser.post('/cart/add', form, { csrfFrom: `/catalog/p/${parent.id}` });
    expect(added.location).toBe(`/catalog/p/${parent.id}?notice=orders.addedToCart`);
    const cart = await app.ctx.db
      .selectFrom('cart_items as c')
      .innerJoin('products as p', 'p.id', 'c.product_id')
      .select(['p.sku', 'c.quantity'])
      .where('c.company_id', '=', company.id)
      .orderBy('p.sku')
      .execute();
    expect(cart).toEqual([
      { sku: 'ФТ-100-L-02', quantity: 4 },
      { sku: 'ФТ-100-S-01', quantity: 10 },
      { sku: 'ФТ-100-XL-01', quantity: 2 },
    ]);

    // A variant's own page shows the grid of all of them too.
    const variantPage = (await browser.get(`/catalog/p/${await id('ФТ-100-L-02')}`)).body;
    expect(gridOf(variantPage)[0]).toEqual(['Размер \\ Цвет', 'Белый', 'Чёрный']);
  });

  it('shows the variants as one grid in the catalog listing, beside the plain products, from the listing cache as well', async () => {
    const { app } = await importPackage([
      ['import.xml', fixture('grid-2.07/import.xml')],
      ['offers.xml', fixture('grid-2.07/offers.xml')],
    ]);
    const priceType = await app.ctx.db.selectFrom('price_types').select('id').executeTakeFirstOrThrow();
    const { browser } = await buyerAt(app, priceType.id);
    const category = await app.ctx.db.selectFrom('categories').select('id').where('name', '=', 'Спецодежда').executeTakeFirstOrThrow();
    for (const round of [1, 2]) {
      const html = (await browser.get(`/catalog?c=${category.id}`)).body;
      expect((html.match(/<tr class="grid-row">/g) ?? []).length, `round ${round}`).toBe(1);
      expect((html.match(/name="qty\[\d+\]"/g) ?? []).length, `round ${round}`).toBe(7); // 6 grid boxes + the gloves
      expect(html).toMatch(/class="grid-title" href="\/catalog\/p\/\d+">Футболка рабочая хлопок<\/a>/);
      expect(plain(html)).toContain('Перчатки х/б с ПВХ');
      expect(gridOf(html)[1]).toEqual(['S', '[ ] 450,00 ₽ 15', '[ ] 450,00 ₽ 25']);
    }
    // A price 1C changes shows in the grid at once (the listing cache follows the catalog).
    await app.ctx.db.updateTable('prices').set({ price: 45500 }).where('product_id', '=', (await app.ctx.db.selectFrom('products').select('id').where('sku', '=', 'ФТ-100-S-01').executeTakeFirstOrThrow()).id).execute();
    expect(gridOf((await browser.get(`/catalog?c=${category.id}`)).body)[1]).toEqual(['S', '[ ] 455,00 ₽ 15', '[ ] 450,00 ₽ 25']);
  });

  it('a second run of the same package changes nothing; the UT 11 demo keeps its three characteristics and no grid', async () => {
    const first = await importPackage([
      ['import.xml', fixture('grid-2.07/import.xml')],
      ['offers.xml', fixture('grid-2.07/offers.xml')],
    ]);
    const before = await first.app.ctx.db.selectFrom('product_characteristics').selectAll().orderBy('product_id').orderBy('sort').execute();
    const again = await importPackage([
      ['import.xml', fixture('grid-2.07/import.xml')],
      ['offers.xml', fixture('grid-2.07/offers.xml')],
    ]);
    expect(again.finals.at(-1)).toMatch(/^success\nCatalog imported: nothing changed/);
    expect(await again.app.ctx.db.selectFrom('product_characteristics').selectAll().orderBy('product_id').orderBy('sort').execute()).toEqual(before);

    const demo = await importPackage([
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ]);
    const boots = await demo.app.ctx.db
      .selectFrom('product_characteristics')
      .select(['name', 'value'])
      .where('product_id', '=', (await demo.app.ctx.db.selectFrom('products').select('id').where('external_1c_id', '=', 'bd72d910-55bc-11d9-848a-00112f43529a#90c55447-d3a8-11e4-9423-e0cb4ed5eed4').executeTakeFirstOrThrow()).id)
      .orderBy('sort')
      .execute();
    expect(boots).toEqual([
      { name: 'Размер', value: '40' },
      { name: 'Тип кожи', value: 'натуральная кожа' },
      { name: 'Цвет', value: 'Коричневый' },
    ]);
    // Three characteristics (and a sibling without any) make no grid: the plain list of variants stays.
    const parent = await demo.app.ctx.db.selectFrom('products').select('id').where('external_1c_id', '=', 'bd72d910-55bc-11d9-848a-00112f43529a').executeTakeFirstOrThrow();
    const priceType = await demo.app.ctx.db.selectFrom('price_types').select('id').where('external_1c_id', '=', 'bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4').executeTakeFirstOrThrow();
    const { browser } = await buyerAt(demo.app, priceType.id);
    const page = (await browser.get(`/catalog/p/${parent.id}`)).body;
    expect(page).not.toContain('class="variant-grid"');
    expect(page).toMatch(/<h2>Варианты<\/h2>\s*<ul><li><a href="\/catalog\/p\/\d+">39<\/a>.*<a href="\/catalog\/p\/\d+">40, натуральная кожа, Коричневый<\/a>/);
  });
});

describe('the order of values', () => {
  it('sizes by size, numbers by value, words alphabetically', () => {
    expect(orderValues(['XL', 's', 'M', 'XXL', 'XS'])).toEqual(['XS', 's', 'M', 'XL', 'XXL']);
    expect(orderValues(['10 м', '2,5 м', '1,5 м', '25 м'])).toEqual(['1,5 м', '2,5 м', '10 м', '25 м']);
    expect(orderValues(['Чёрный', 'Белый', 'Синий', 'Белый'])).toEqual(['Белый', 'Синий', 'Чёрный']);
  });
});
