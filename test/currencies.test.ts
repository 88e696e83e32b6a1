/**
 * Prices in other currencies, on the public 1C sample (official 2.04 offers: three price types
 * in USD, one in roubles): never shown as roubles, shown at the day's rate once one is set, and
 * frozen on the order line so an order never changes when the rate does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatRate, normalizeCurrency, parseRate, parseRateItem, toKopecks } from '../src/catalog/currency.js';
import { setRates } from '../src/catalog/currency-rates.js';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { OneCClient } from './commerceml-client.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { Browser, buyerAt, checkout, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';
const SAMPLE = join(COMMERCEML_FIXTURES, 'official-2.04');
const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function importSample(catalog: Record<string, unknown> = {}): Promise<TestApp> {
  t = await startTestApp({
    catalog: { allow_backorder: true, ...catalog },
    integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false } },
  } as never);
  const client = new OneCClient(await t.app.listen({ port: 0, host: '127.0.0.1' }), LOGIN, PASSWORD);
  expect((await client.checkauth('catalog'))[0]).toBe('success');
  await client.init('catalog');
  for (const name of ['import.xml', 'offers.xml'])
    expect(await client.upload('catalog', name, readFileSync(join(SAMPLE, name)))).toMatch(/^success/);
  for (const name of ['import.xml', 'offers.xml'])
    expect((await client.importUntilDone('catalog', name)).final).toMatch(/^success/);
  return t;
}

async function priceTypeId(app: TestApp, name: string): Promise<number> {
  return (await app.ctx.db.selectFrom('price_types').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
}

/** The sample's dining table ("Стол обеденный") as a buyer's catalog search shows it. */
async function tableRow(browser: Browser): Promise<string> {
  const res = await browser.get('/catalog?q=%D0%A1%D1%82%D0%BE%D0%BB');
  expect(res.status).toBe(200);
  return plain(res.body);
}

describe('prices in another currency', () => {
  it('are never shown as roubles: a dollar price type without a rate is "price on request"', async () => {
    const app = await importSample();
    const types = await app.ctx.db.selectFrom('price_types').select(['name', 'currency']).orderBy('name').execute();
    expect(types).toEqual([
      { name: 'Закупочная', currency: 'USD' },
      { name: 'Оптовая', currency: 'USD' },
      { name: 'Плановая', currency: 'USD' },
      { name: 'Розничная', currency: 'RUB' },
    ]);
    const wholesale = await priceTypeId(app, 'Оптовая');
    // The sample says 5 USD: kept as 500 cents, and no rouble price until a rate is known.
    const foreign = await app.ctx.db.selectFrom('foreign_prices').selectAll().where('price_type_id', '=', wholesale).execute();
    expect(foreign.map((f) => [f.currency, f.amount])).toEqual([
      ['USD', 500],
      ['USD', 500],
    ]);
    expect(await app.ctx.db.selectFrom('prices').selectAll().where('price_type_id', '=', wholesale).execute()).toEqual([]);
    const { browser } = await buyerAt(app, wholesale);
    const page = await tableRow(browser);
    expect(page).toContain('Стол обеденный');
    expect(page).toContain('Цена по запросу');
    expect(page).not.toMatch(/5,00 ₽/);
    // The rouble price type shows its 7 roubles.
    const retail = await buyerAt(app, await priceTypeId(app, 'Розничная'));
    expect(await tableRow(retail.browser)).toMatch(/7,00 ₽/);

    // The sample lists its purchase prices first: that must not become what buyers see. No
    // default until the admin chooses one; a company without its own price type sees none.
    expect(await app.ctx.db.selectFrom('price_types').select('name').where('is_default', '=', 1).execute()).toEqual([]);
    const none = await buyerAt(app, wholesale);
    await app.ctx.db.updateTable('companies').set({ price_type_id: null }).where('id', '=', none.company.id).execute();
    expect(await tableRow(none.browser)).not.toMatch(/\d,\d\d ₽/);
    const admin = new Browser(app.app);
    await admin.login((await makeUser(app.ctx, 'admin')).email);
    const exchangePage = plain((await admin.get('/admin/exchange')).body);
    expect(exchangePage).toContain('Тип цен по умолчанию не выбран');
    const chosen = await admin.post(
      '/admin/exchange/default-price-type',
      { price_type_id: String(await priceTypeId(app, 'Розничная')) },
      { csrfFrom: '/admin/exchange' },
    );
    expect(chosen.status).toBe(303);
    expect(await tableRow(none.browser)).toMatch(/7,00 ₽/);
  });

  it('are shown at the rate of the day, and an order keeps the rate it was priced at', async () => {
    const app = await importSample();
    const wholesale = await priceTypeId(app, 'Оптовая');
    const now = app.ctx.clock.now();
    expect(
      await setRates(app.ctx.db, [{ currency: 'USD', rateMicro: parseRate('92,3456') ?? 0, date: '2026-12-03' }], 'cli', now),
    ).toBe(6);
    // 5 USD × 92.3456 = 461.728 ₽ → 461.73 ₽.
    const { browser } = await buyerAt(app, wholesale);
    expect(await tableRow(browser)).toMatch(/461,73 ₽/);

    const variant = await app.ctx.db
      .selectFrom('products')
      .select('id')
      .where('parent_id', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const added = await browser.post('/cart/add', { next: '/catalog', [`qty[${variant.id}]`]: '3' }, { csrfFrom: '/catalog' });
    expect(added.status, added.body).toBe(303);
    const placed = await checkout(browser);
    expect(placed.res.status, placed.res.body).toBe(303);
    const order = await app.ctx.db
      .selectFrom('orders')
      .select(['id', 'total'])
      .where('id', '=', placed.orderId)
      .executeTakeFirstOrThrow();
    expect(order.total).toBe(3 * 46173);

    // The rate moves: the catalog follows at once, the order does not.
    expect(
      await setRates(app.ctx.db, [{ currency: 'USD', rateMicro: 100_000_000, date: '2026-12-04' }], 'cli', now + 86_400_000),
    ).toBe(6);
    expect(await tableRow(browser)).toMatch(/500,00 ₽/);
    const line = await app.ctx.db
      .selectFrom('order_lines')
      .selectAll()
      .where('order_id', '=', order.id)
      .executeTakeFirstOrThrow();
    expect(line).toMatchObject({
      unit_price: 46173,
      line_total: 138519,
      currency: 'USD',
      currency_price: 500,
      rate_micro: 92_345_600,
      rate_date: '2026-12-03',
    });
    expect(
      (await app.ctx.db.selectFrom('orders').select('total').where('id', '=', order.id).executeTakeFirstOrThrow()).total,
    ).toBe(138519);
    const orderPage = plain((await browser.get(`/orders/${order.id}`)).body);
    expect(orderPage).toContain('461,73 ₽');
    expect(orderPage).toContain('5,00 $ по курсу 92,3456 ₽ на 03.12.2026');

    // Every price of the sample now has its rouble price: 2 in roubles, 6 from dollars.
    const counts = await app.ctx.db
      .selectFrom('prices')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(8);
  });

  it('show the original amount next to the rouble price when config allows, at the buyer’s discount', async () => {
    const app = await importSample({ show_original_currency: true });
    await setRates(app.ctx.db, [{ currency: 'USD', rateMicro: 92_345_600 }], 'test', app.clock.now());
    const wholesale = await priceTypeId(app, 'Оптовая');
    const { browser } = await buyerAt(app, wholesale);
    // The sample's table comes as a grid of its colours: each cell says both.
    expect(await tableRow(browser)).toContain('<span class="cell-price">461,73 ₽ (5,00 $)</span>');
    // 10 % off: 415,56 ₽ and 4,50 $, by the one rounding rule.
    const discounted = await buyerAt(app, wholesale, 1000);
    const row = await tableRow(discounted.browser);
    expect(row).toContain('<span class="cell-price">415,56 ₽ (4,50 $)</span>');
    const id = (
      await app.ctx.db
        .selectFrom('foreign_prices')
        .select('product_id')
        .where('price_type_id', '=', wholesale)
        .executeTakeFirstOrThrow()
    ).product_id;
    expect(plain((await discounted.browser.get(`/catalog/p/${id}`)).body)).toContain('(4,50 $)');
    // A rouble price type shows no second amount; and the option is off by default (the tests above).
    const retail = await buyerAt(app, await priceTypeId(app, 'Розничная'));
    expect(await tableRow(retail.browser)).not.toContain(' $)');
  });

  it('read what 1C, MoySklad and spreadsheets write, and round to kopecks half up', () => {
    expect(['руб', 'RUB', '643', 'руб.', ' Рубль ', '₽'].map(normalizeCurrency)).toEqual(Array(6).fill('RUB'));
    expect(['USD', 'usd', '840', '$', 'долл.'].map(normalizeCurrency)).toEqual(Array(5).fill('USD'));
    expect([normalizeCurrency('евро'), normalizeCurrency('978'), normalizeCurrency('CNY'), normalizeCurrency('')]).toEqual([
      'EUR',
      'EUR',
      'CNY',
      null,
    ]);
    expect(normalizeCurrency('у.е.')).toBe('У.Е.'); // unknown, and never roubles
    expect(toKopecks(500, 92_345_600)).toBe(46173);
    expect(toKopecks(1, 500_000)).toBe(1); // 0.5 kopeck → 1
    expect(toKopecks(1, 499_999)).toBe(0);
    expect(toKopecks(9_999_999_999, 1_000_000_000)).toBe(9_999_999_999_000); // exact beyond 2^53 in between
    expect([parseRate('92.5'), parseRate('0'), parseRate('-1'), parseRate('1e3'), parseRate('92.1234567')]).toEqual([
      92_500_000,
      null,
      null,
      null,
      null,
    ]);
    expect(formatRate(92_500_000)).toBe('92.50');
    expect(formatRate(92_345_600)).toBe('92.3456');
    expect(parseRateItem('USD = 92,50')).toEqual({ currency: 'USD', rateMicro: 92_500_000 });
    expect(parseRateItem('RUB = 1')).toBe('"RUB" is not a foreign currency');
  });

  it('config.yml fixes rates, and names the key of a mistake', () => {
    const dir = tempDir();
    const file = join(dir, 'config.yml');
    writeFileSync(file, 'catalog:\n  currency_rates: ["USD = 92.50", "EUR = 100,1"]\n');
    expect(loadConfig({ file, env: {} }).catalog.currencyRates).toEqual(['USD = 92.50', 'EUR = 100,1']);
    writeFileSync(file, 'catalog:\n  currency_rates: ["USD 92.50"]\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file, env: {} })).toThrow(
      'catalog.currency_rates[0]: must look like "USD = 92.50", got "USD 92.50"',
    );
  });
});

describe('optovik rates', () => {
  it('applies the rates of config.yml at start, sets one, and lists what each currency prices', () => {
    const dir = tempDir();
    const config = join(dir, 'config.yml');
    writeFileSync(config, 'data_dir: ./data\nlog:\n  level: warn\ncatalog:\n  currency_rates: ["USD = 90"]\n');
    const bin = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [bin, ...args, '--config', config], {
        cwd: dir,
        env: { ...process.env, HOME: dir },
        encoding: 'utf8',
      });
    const listed = run(['rates']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/USD {2}90\.00 ₽ \(\d{4}-\d{2}-\d{2}, config\) {2}0 price\(s\)/);
    const set = run(['rates', 'set', 'eur', '100,5', '--date', '2026-12-03']);
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toContain('EUR: rate set; 0 rouble price(s) changed');
    expect(set.stdout).toContain('EUR  100.50 ₽ (2026-12-03, cli)');
    const bad = run(['rates', 'set', 'USD', 'много']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('"много" is not a rate');
  }, 60_000);
});
