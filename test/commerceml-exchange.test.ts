/**
 * The 1C catalog exchange as 1C drives it, over a real port: checkauth → init → file (in
 * pieces, zipped or not) → import until success; real CommerceML files from test/fixtures/commerceml.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { searchProductIds } from '../src/catalog/search.js';
import { CatalogRun } from '../src/integrations/commerceml/catalog/catalog-run.js';
import { encodeXmlText } from '../src/integrations/commerceml/sale/encoding.js';
import { readSaleFile } from '../src/integrations/commerceml/sale/read-sale-file.js';
import { parseXmlBuffer, type XmlNode } from '../src/integrations/commerceml/xml/reader.js';
import { buildCatalog } from './catalog-fixture.js';
import { OneCClient } from './commerceml-client.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { Browser, buyerAt, checkout, makeCompany, makeUser, multipartBody, startTestApp, type TestApp } from './helpers.js';
import { makeZip } from './zip-writer.js';

const FIXTURES = COMMERCEML_FIXTURES;
const fixture = (path: string) => readFileSync(join(FIXTURES, path));
const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(settings: Record<string, unknown> = {}) {
  t = await startTestApp({
    integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false, ...settings } },
  } as never);
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, client: new OneCClient(address, LOGIN, PASSWORD), address };
}

function count(app: TestApp, sql: string): number {
  return (app.ctx.database.sqlite.prepare(sql).get() as { n: number }).n;
}

/** A signed-in buyer whose company has the (first) price type 1C sent. */
async function buyerAtImportedPrices(app: TestApp): Promise<Browser> {
  const priceType = await app.ctx.db.selectFrom('price_types').select('id').executeTakeFirstOrThrow();
  return (await buyerAt(app, priceType.id)).browser;
}

/** Upload every file (in small pieces, as 1C cuts them by file_limit), then import each. */
async function exchange(client: OneCClient, files: ReadonlyArray<[string, Uint8Array]>, piece = 7000): Promise<string[]> {
  expect((await client.checkauth('catalog'))[0]).toBe('success');
  await client.init('catalog');
  for (const [name, data] of files) expect(await client.upload('catalog', name, data, piece)).toMatch(/^success/);
  const finals: string[] = [];
  for (const [name] of files) if (name.endsWith('.xml')) finals.push((await client.importUntilDone('catalog', name)).final);
  return finals;
}

function walk(dir: string, base = ''): string[] {
  return readdirSync(dir).flatMap((n) =>
    statSync(join(dir, n)).isDirectory() ? walk(join(dir, n), `${base}${n}/`) : [`${base}${n}`],
  );
}

describe('1C catalog exchange', () => {
  it('imports the UT 11 demo package as 1C sends it, and the buyer sees its price and stock', async () => {
    const { t, client } = await start();
    const finals = await exchange(client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ]);
    expect(finals.at(-1)).toMatch(/^success\nCatalog imported/);
    expect(count(t, 'select count(*) n from categories where external_1c_id is not null')).toBe(22);
    expect(count(t, 'select count(*) n from products where parent_id is null')).toBe(2);
    expect(count(t, 'select count(*) n from products where parent_id is not null')).toBe(5);
    expect(count(t, 'select count(*) n from prices')).toBe(5);
    // Offers named "<product> (<size>)" become variants named by the size.
    const variants = t.ctx.database.sqlite
      .prepare(
        "select variant_name from products where parent_id = (select id from products where sku = 'Б- 130005' and parent_id is null) order by variant_name",
      )
      .pluck()
      .all();
    expect(variants).toEqual(['35', '36', '37']);
    // The brand property becomes the brand, not a second line among the properties.
    expect(count(t, "select count(*) n from products where brand = 'Обувной комбинат' and parent_id is null")).toBe(1);
    expect(count(t, "select count(*) n from product_properties where value = 'Обувной комбинат'")).toBe(0);
    expect(count(t, 'select count(*) n from product_properties')).toBeGreaterThan(0);

    const run = await t.ctx.db.selectFrom('exchange_runs').selectAll().executeTakeFirstOrThrow();
    expect(run).toMatchObject({ kind: 'catalog', status: 'success' });
    expect(JSON.parse(run.counts)).toMatchObject({ products_created: 7, categories_created: 22, prices_changed: 5 });
    // The three pictures import.xml names were not sent: said, not fatal.
    expect(run.message).toContain('not sent by 1C');

    const browser = await buyerAtImportedPrices(t);
    const page = await browser.get(`/catalog?q=${encodeURIComponent('ботфорты')}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('Женские ботфорты коричневые');
    expect(page.body).toMatch(/1[\s\u00a0]719,00/);
  });

  it('a buyer sees a price 1C changed on the next page view (no stale cached page)', async () => {
    const { t, client } = await start();
    const offers = fixture('ut11-demo-2.07/offers.xml').toString('utf8');
    await exchange(client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', Buffer.from(offers)],
    ]);
    const browser = await buyerAtImportedPrices(t);
    const url = `/catalog?q=${encodeURIComponent('ботфорты')}`;
    expect((await browser.get(url)).body).toMatch(/1[\s\u00a0]719,00/);
    expect((await browser.get(url)).body).toMatch(/1[\s\u00a0]719,00/);

    const delta = offers
      .replace('СодержитТолькоИзменения="false"', 'СодержитТолькоИзменения="true"')
      .replace('<ЦенаЗаЕдиницу>1719</ЦенаЗаЕдиницу>', '<ЦенаЗаЕдиницу>1999</ЦенаЗаЕдиницу>');
    expect(delta).not.toBe(offers.replace('СодержитТолькоИзменения="false"', 'СодержитТолькоИзменения="true"'));
    t.clock.advance(60_000);
    await exchange(client, [['offers.xml', Buffer.from(delta)]]);
    const after = (await browser.get(url)).body;
    expect(after).toMatch(/1[\s\u00a0]999,00/);
    expect(after).not.toMatch(/1[\s\u00a0]719,00/);
  });

  it('the search index follows the import, and a failed run leaves nothing in it', async () => {
    const { t, client } = await start();
    const orphans = () =>
      count(t, 'select count(*) n from products_fts f where not exists (select 1 from products p where p.id = f.rowid)');
    // The catalog part is read, then offers.xml breaks.
    const cut = fixture('ut11-demo-2.07/offers.xml').subarray(0, 9000);
    const failed = await exchange(client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', cut],
    ]);
    expect(failed.at(-1)).toMatch(/^failure/);
    expect(count(t, 'select count(*) n from products')).toBe(0);
    expect(orphans()).toBe(0);

    await exchange(client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ]);
    expect(orphans()).toBe(0);
    // Searches inside a transaction use the FTS index (the in-memory one cannot see uncommitted rows).
    const found = await t.ctx.db.transaction().execute(async (trx) => ({
      byName: await searchProductIds(trx, t.ctx.searchIndex, 'ботфорт', {}, 50, 0),
      bySku: await searchProductIds(trx, t.ctx.searchIndex, '130005', {}, 50, 0),
    }));
    const sellable = t.ctx.database.sqlite
      .prepare('select id from products where hidden = 0 and has_variants = 0 order by id')
      .pluck()
      .all();
    const variantsOf = (sku: string) =>
      t.ctx.database.sqlite
        .prepare('select id from products where sku = ? and parent_id is not null order by id')
        .pluck()
        .all(sku);
    expect([...found.byName.ids].sort((a, b) => a - b)).toEqual(variantsOf('Б-130001'));
    expect([...found.bySku.ids].sort((a, b) => a - b)).toEqual(variantsOf('Б- 130005'));
    expect(sellable.length).toBe(5);
  });

  it('a second identical run changes nothing; a delta changes only what it carries', async () => {
    const { t, client } = await start();
    const files: Array<[string, Buffer]> = [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ];
    await exchange(client, files);
    const before = t.ctx.database.sqlite.prepare('select id, updated_at, hidden from products order by id').all();
    t.clock.advance(60_000);
    const again = await exchange(client, files);
    expect(again.at(-1)).toMatch(/nothing changed/);
    expect(t.ctx.database.sqlite.prepare('select id, updated_at, hidden from products order by id').all()).toEqual(before);

    // A delta with one offer and a new price: the rest keeps its prices and stays visible.
    const offers = fixture('ut11-demo-2.07/offers.xml').toString('utf8');
    const first = offers.indexOf('<Предложение>');
    const second = offers.indexOf('<Предложение>', first + 1);
    const last = offers.lastIndexOf('</Предложение>') + '</Предложение>'.length;
    const delta = (offers.slice(0, second) + offers.slice(last))
      .replace('СодержитТолькоИзменения="false"', 'СодержитТолькоИзменения="true"')
      .replace(/<ЦенаЗаЕдиницу>[^<]+<\/ЦенаЗаЕдиницу>/, '<ЦенаЗаЕдиницу>2000.50</ЦенаЗаЕдиницу>');
    t.clock.advance(60_000);
    const result = await exchange(client, [['offers.xml', Buffer.from(delta)]]);
    expect(result.at(-1)).toMatch(/prices changed: 1\)/);
    expect(count(t, 'select count(*) n from prices where price = 200050')).toBe(1);
    expect(count(t, 'select count(*) n from products where hidden = 1')).toBe(0);
    expect(count(t, 'select count(*) n from prices')).toBe(5);
  });

  it('a full export hides what it no longer lists, and deletion marks hide; nothing is deleted', async () => {
    const { t, client } = await start();
    const importXml = fixture('ut11-demo-2.07/import.xml').toString('utf8');
    await exchange(client, [['import.xml', Buffer.from(importXml)]]);
    expect(count(t, 'select count(*) n from products where hidden = 0')).toBe(2);

    // The same full catalog without its second product.
    const start2 = importXml.indexOf('<Товар>', importXml.indexOf('<Товар>') + 1);
    const end2 = importXml.indexOf('</Товар>', start2) + '</Товар>'.length;
    const without = importXml.slice(0, start2) + importXml.slice(end2);
    t.clock.advance(1000);
    const finals = await exchange(client, [['import.xml', Buffer.from(without)]]);
    expect(finals.at(-1)).toMatch(/products hidden: 1/);
    expect(count(t, 'select count(*) n from products')).toBe(2);
    expect(count(t, 'select count(*) n from products where hidden = 1')).toBe(1);

    // A delta marking the first one deleted hides it too; a delta never hides by absence.
    const marked = without
      .replace('СодержитТолькоИзменения="false"', 'СодержитТолькоИзменения="true"')
      .replace('<Товар>', '<Товар Статус="Удален">');
    t.clock.advance(1000);
    await exchange(client, [['import.xml', Buffer.from(marked)]]);
    expect(count(t, 'select count(*) n from products where hidden = 1')).toBe(2);
    expect(count(t, 'select count(*) n from products')).toBe(2);
  });

  it('imports every catalog fixture with the expected counts', async () => {
    const expected: Record<
      string,
      { products: number; variants: number; hidden: number; prices: number; stock: number; categories: number }
    > = {
      // Six of the sample's eight prices are in USD: kept apart until a rate is set (test/currencies.test.ts).
      'official-2.04': { products: 6, variants: 4, hidden: 0, prices: 2, stock: 2, categories: 1 },
      'ut11-split-2.09': { products: 978, variants: 0, hidden: 0, prices: 978, stock: 978, categories: 97 },
      'cml-3.1-bitrix-module': { products: 107, variants: 86, hidden: 6, prices: 0, stock: 0, categories: 0 },
    };
    for (const [name, want] of Object.entries(expected)) {
      const { t, client } = await start();
      const order = (f: string) => (/import/.test(f) ? 0 : /offers/.test(f) ? 1 : /prices/.test(f) ? 2 : 3);
      const files = walk(join(FIXTURES, name))
        .filter((f) => f.endsWith('.xml') && !f.startsWith('documents/'))
        .sort((a, b) => order(a) - order(b));
      const finals = await exchange(
        client,
        files.map((f): [string, Buffer] => [f, fixture(`${name}/${f}`)]),
        64 * 1024,
      );
      expect(
        finals.every((f) => f.startsWith('success')),
        `${name}: ${finals.join(' / ')}`,
      ).toBe(true);
      expect(
        {
          products: count(t, 'select count(*) n from products'),
          variants: count(t, 'select count(*) n from products where parent_id is not null'),
          hidden: count(t, 'select count(*) n from products where hidden = 1'),
          prices: count(t, 'select count(*) n from prices'),
          stock: count(t, 'select count(*) n from stock'),
          categories: count(t, 'select count(*) n from categories'),
        },
        name,
      ).toEqual(want);
      await t.close();
      (globalThis as { t?: unknown }).t = undefined;
    }
    t = undefined;
  });

  it('unpacks a zipped package with pictures in nested folders and attaches the pictures', async () => {
    const { t, client } = await start({ zip: true });
    const importXml = fixture('ut11-demo-2.07/import.xml').toString('utf8');
    const pictures = [...importXml.matchAll(/<Картинка>([^<]+)<\/Картинка>/g)].map((m) => m[1] as string);
    expect(pictures.length).toBe(3);
    const sharp = (await import('sharp')).default;
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#c33' } })
      .jpeg()
      .toBuffer();
    const zip = makeZip([
      { name: 'import.xml', data: fixture('ut11-demo-2.07/import.xml') },
      { name: 'offers.xml', data: fixture('ut11-demo-2.07/offers.xml') },
      ...pictures.map((p, i) => ({ name: p, data: i === 0 ? jpeg : Buffer.concat([jpeg, Buffer.from([i])]) })),
    ]);
    expect((await client.checkauth('catalog'))[0]).toBe('success');
    expect(await client.init('catalog')).toContain('zip=yes');
    expect(await client.upload('catalog', 'v8_1A76_155ae.zip', zip, 5000)).toMatch(/^success/);
    const first = await client.importUntilDone('catalog', 'import.xml');
    expect(first.final).toMatch(/^success/);
    expect(client.log.some((l) => l.includes('Unpacked 5 files'))).toBe(true);
    expect((await client.importUntilDone('catalog', 'offers.xml')).final).toMatch(/^success\nCatalog imported/);
    expect(count(t, "select count(*) n from product_photos where source like '1c:import_files/%'")).toBeGreaterThanOrEqual(1);
    // Some 1C versions also ask to import the archive by its own name.
    expect((await client.importUntilDone('catalog', 'v8_1A76_155ae.zip')).final).toMatch(/^success/);
  });

  it('works when 1C uploads and imports file by file (no zip), sending a file again too', async () => {
    const { t, client } = await start();
    await client.checkauth('catalog');
    await client.init('catalog');
    for (const name of ['import.xml', 'offers.xml', 'offers.xml']) {
      expect(await client.upload('catalog', name, fixture(`ut11-demo-2.07/${name}`), 7000)).toMatch(/^success/);
      expect((await client.importUntilDone('catalog', name)).final).toMatch(/^success\nCatalog imported/);
    }
    expect(count(t, 'select count(*) n from products where parent_id is null')).toBe(2);
    expect(count(t, 'select count(*) n from prices')).toBe(5);
    expect(count(t, 'select count(*) n from stock')).toBeGreaterThan(0);
  });

  it('applies a counterparties file sent along with the catalog', async () => {
    const { t, client } = await start();
    const finals = await exchange(client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['contractors.xml', fixture('onec-docs-2.09/contractors-example.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ]);
    expect(finals[1]).toMatch(/^success\n.*companies created 4/);
    expect(finals.at(-1)).toMatch(/^success\nCatalog imported/);
    expect(count(t, 'select count(*) n from companies where external_1c_id is not null')).toBe(4);
    expect(count(t, 'select count(*) n from prices')).toBe(5);
  });

  it('reads windows-1251 files and files with a BOM alike', async () => {
    const { t, client } = await start();
    const utf8 = fixture('ut11-demo-2.07/import.xml')
      .toString('utf8')
      .replace(/^\uFEFF/, '');
    const cp1251 = encodeXmlText(utf8.replace('encoding="UTF-8"', 'encoding="windows-1251"'), 'windows-1251');
    expect(cp1251.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    const finals = await exchange(client, [['import.xml', cp1251]]);
    expect(finals[0]).toMatch(/^success/);
    const names = t.ctx.database.sqlite.prepare('select name from products order by name').pluck().all();
    expect(names).toContain('Женские ботфорты коричневые');
  });
});

describe('1C catalog exchange refuses bad input and keeps what was imported', () => {
  async function seeded() {
    const started = await start({ max_package_mb: 1 });
    await exchange(started.client, [
      ['import.xml', fixture('ut11-demo-2.07/import.xml')],
      ['offers.xml', fixture('ut11-demo-2.07/offers.xml')],
    ]);
    const snapshot = () =>
      started.t.ctx.database.sqlite
        .prepare(
          'select p.id, p.name, p.hidden, pr.price from products p left join prices pr on pr.product_id = p.id order by p.id',
        )
        .all();
    return { ...started, before: snapshot(), snapshot };
  }

  it('a truncated file fails with its line, and the catalog stays as it was', async () => {
    const { t, client, before, snapshot } = await seeded();
    const offers = fixture('ut11-demo-2.07/offers.xml');
    const cut = offers.subarray(0, Math.floor(offers.length * 0.6));
    const finals = await exchange(client, [['offers.xml', cut]]);
    expect(finals[0]).toMatch(/^failure\noffers\.xml line \d+: /);
    expect(snapshot()).toEqual(before);
    const run = await t.ctx.db.selectFrom('exchange_runs').selectAll().orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', error_file: 'offers.xml' });
    expect(run.error_line).toBeGreaterThan(1);
    expect(run.message).toContain('Nothing from this run was applied');
  });

  it('malformed XML and entity tricks (XXE, billion laughs) are refused', async () => {
    const { client, before, snapshot } = await seeded();
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><КоммерческаяИнформация><Каталог><Товары><Товар><Ид>x</Ид><Наименование>&e;</Наименование></Товар></Товары></Каталог></КоммерческаяИнформация>';
    expect((await exchange(client, [['import.xml', Buffer.from(xxe)]]))[0]).toMatch(/^failure\n.*DOCTYPE/);
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>';
    expect((await exchange(client, [['import.xml', Buffer.from(laughs)]]))[0]).toMatch(/^failure\n.*DOCTYPE/);
    const broken = '<КоммерческаяИнформация><Каталог><Товары><Товар><Ид>x</Ид></Каталог></КоммерческаяИнформация>';
    expect((await exchange(client, [['import.xml', Buffer.from(broken)]]))[0]).toMatch(/^failure\nimport\.xml line 1: /);
    expect(snapshot()).toEqual(before);
  });

  it('paths outside the exchange folder are refused, in file names and inside archives', async () => {
    const { t, client, before, snapshot } = await seeded();
    await client.checkauth('catalog');
    await client.init('catalog');
    for (const name of ['../evil.xml', '/etc/passwd', 'import_files/../../x.xml', 'C:\\Windows\\x.xml', 'shell.php']) {
      expect(await client.upload('catalog', name, Buffer.from('<x/>'))).toMatch(/^failure\n/);
    }
    const slip = makeZip([{ name: '../../escaped.xml', data: Buffer.from('<x/>') }]);
    await client.checkauth('catalog');
    await client.init('catalog');
    expect(await client.upload('catalog', 'v8_1.zip', slip)).toMatch(/^success/);
    expect((await client.importUntilDone('catalog', 'escaped.xml')).final).toMatch(/^failure\n.*\.\.\//);
    expect(readdirSync(join(t.dataDir, '..')).some((f) => f === 'escaped.xml')).toBe(false);
    expect(snapshot()).toEqual(before);
  });

  it('a zip bomb stops at max_package_mb', async () => {
    const { client, before, snapshot } = await seeded();
    const bomb = makeZip([{ name: 'import.xml', data: Buffer.alloc(3 * 1048576, 0x20) }]);
    expect(bomb.length).toBeLessThan(20_000);
    await client.checkauth('catalog');
    await client.init('catalog');
    expect(await client.upload('catalog', 'v8_2.zip', bomb)).toMatch(/^success/);
    expect((await client.importUntilDone('catalog', 'import.xml')).final).toMatch(/^failure\n.*max_package_mb/);
    expect(snapshot()).toEqual(before);
  });
});

describe('1C exchange protocol', () => {
  it('answers checkauth, init, unknown modes and bad logins as 1C expects', async () => {
    const { client, address } = await start();
    const challenge = await fetch(`${address}/1c_exchange?type=catalog&mode=checkauth`);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toMatch(/^Basic /);

    const wrong = new OneCClient(address, LOGIN, 'wrong');
    expect(await wrong.checkauth('catalog')).toEqual(['failure', 'Invalid login or password', '']);

    const lines = await client.checkauth('catalog');
    expect(lines[0]).toBe('success');
    expect(lines[1]).toBe('OPTOVIK_1C');
    expect(lines[2]).toMatch(/^[0-9a-f]{32}$/);
    const init = await client.init('catalog');
    expect(init.slice(0, 2)).toEqual(['zip=no', `file_limit=${20 * 1048576}`]);
    const unknown = await client.request('catalog', 'teleport');
    expect(unknown).toMatchObject({ status: 200, text: 'failure\nUnknown command\n' });

    const anonymous = await fetch(`${address}/1c_exchange?type=catalog&mode=init`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.text()).toMatch(/^failure\nNot authorized/);

    // Bitrix's address works too.
    const bitrix = new OneCClient(address, LOGIN, PASSWORD, '/1c_exchange.php');
    expect((await bitrix.checkauth('sale'))[0]).toBe('success');
  });

  it('refuses a second catalog exchange while one is running', async () => {
    const { client, address } = await start();
    await client.checkauth('catalog');
    await client.init('catalog');
    await client.upload('catalog', 'import.xml', fixture('ut11-demo-2.07/import.xml'));
    const other = new OneCClient(address, LOGIN, PASSWORD);
    expect(await other.checkauth('catalog')).toEqual([
      'failure',
      'Exchange already running: another exchange of this type is in progress',
      '',
    ]);
    // The order exchange is separate and may run meanwhile.
    expect((await other.checkauth('sale'))[0]).toBe('success');
  });

  it('stops guessing: after repeated wrong passwords an address is refused for a while', async () => {
    t = await startTestApp({
      auth: { max_failures_per_ip: 3 },
      integrations: { commerceml: { login: LOGIN, password: PASSWORD } },
    } as never);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const guesser = new OneCClient(address, LOGIN, 'guess');
    for (let i = 0; i < 2; i++) expect((await guesser.checkauth('catalog'))[1]).toBe('Invalid login or password');
    // Guessing through the other modes (Basic credentials instead of the cookie) counts too.
    const basic = `Basic ${Buffer.from(`${LOGIN}:guess`).toString('base64')}`;
    const sideDoor = await fetch(`${address}/1c_exchange?type=catalog&mode=init`, { headers: { authorization: basic } });
    expect(await sideDoor.text()).toMatch(/^failure\nNot authorized/);
    const refused = await new OneCClient(address, LOGIN, PASSWORD).checkauth('catalog');
    expect(refused[0]).toBe('failure');
    expect(refused[1]).toMatch(/^Too many failed logins from this address; try again in \d+ min$/);
    t.clock.advance(24 * 3600_000);
    expect((await new OneCClient(address, LOGIN, PASSWORD).checkauth('catalog'))[0]).toBe('success');
  });

  it('a run 1C abandons is marked so on the admin page and applies nothing', async () => {
    const { t, client, address } = await start();
    await client.checkauth('catalog');
    await client.init('catalog');
    await client.upload('catalog', 'import.xml', fixture('ut11-demo-2.07/import.xml'));
    await client.upload('catalog', 'offers.xml', fixture('ut11-demo-2.07/offers.xml'));
    expect((await client.importUntilDone('catalog', 'import.xml')).final).toMatch(/^success/);
    // 1C stops here (it timed out, say); its next scheduled run starts later.
    t.clock.advance(5 * 60_000);
    const next = new OneCClient(address, LOGIN, PASSWORD);
    expect((await next.checkauth('catalog'))[0]).toBe('success');
    expect(count(t, 'select count(*) n from products')).toBe(0);
    const run = await t.ctx.db.selectFrom('exchange_runs').selectAll().executeTakeFirstOrThrow();
    expect(run.status).toBe('abandoned');
    expect(run.message).toContain('nothing unfinished was applied');
    expect(run.message).toContain('not imported by 1C: offers.xml');
    // The old cookie is no longer a session.
    expect((await client.request('catalog', 'import', { filename: 'offers.xml' })).text).toMatch(/^failure\nNot authorized/);
  });

  it('is off while no login is configured', async () => {
    t = await startTestApp();
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const client = new OneCClient(address, 'x', 'y');
    expect((await client.checkauth('catalog')).slice(0, 2)).toEqual([
      'failure',
      'The 1C exchange is off: set integrations.commerceml.login and password in config.yml',
    ]);
  });
});

/** Documents (orders) in a CommerceML reply, read back with our own reader. */
function documents(bytes: Uint8Array): XmlNode[] {
  const found: XmlNode[] = [];
  parseXmlBuffer(bytes, { open: (name) => (name === 'Документ' ? true : undefined), node: (n) => void found.push(n) });
  return found;
}

/** A buyer's order placed through the real checkout, ready for 1C to take. */
async function orderPlacedFor1C() {
  const started = await start();
  const catalog = await buildCatalog(started.t.ctx);
  const company = await makeCompany(started.t.ctx, { name: 'Ромашка' });
  await started.t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: catalog.priceTypes.wholesale })
    .where('id', '=', company.id)
    .execute();
  await started.t.ctx.db
    .insertInto('company_addresses')
    .values({ company_id: company.id, address: 'Москва, Складская 1', created_at: 0 })
    .execute();
  const user = await makeUser(started.t.ctx, 'buyer', { companyId: company.id });
  const browser = new Browser(started.t.app);
  await browser.login(user.email);
  const form: Record<string, string> = { next: '/catalog' };
  for (const p of catalog.products.slice(0, 2)) form[`qty[${p.id}]`] = '10';
  await browser.post('/cart/add', form, { csrfFrom: '/catalog' });
  const { res: placed } = await checkout(browser, { address_choice: 'Москва, Складская 1' });
  expect(placed.location).toMatch(/^\/orders\/\d+/);
  const order = await started.t.ctx.db.selectFrom('orders').selectAll().executeTakeFirstOrThrow();
  return { ...started, browser, order };
}

describe('1C order exchange', () => {
  it('1C downloads new orders in windows-1251, confirms them, and they are not sent again', async () => {
    const { t, client, order } = await orderPlacedFor1C();
    await client.checkauth('sale');
    await client.init('sale');
    const first = await client.request('sale', 'query');
    expect(first.headers.get('content-type')).toBe('application/xml; charset=windows-1251');
    expect(first.bytes.subarray(0, 60).toString('latin1')).toMatch(/^<\?xml version="1.0" encoding="windows-1251"\?>/);
    const docs = documents(first.bytes);
    expect(docs.map((d) => d.children.find((c) => c.name === 'Номер')?.text)).toEqual([order.number]);

    // Without "success" the same orders come again (1C lost the answer, say).
    expect(documents((await client.request('sale', 'query')).bytes)).toHaveLength(1);
    expect((await client.request('sale', 'success')).text).toBe('success\n');
    expect(documents((await client.request('sale', 'query')).bytes)).toHaveLength(0);

    // An admin sends it again: the next query carries it once more.
    const admin = await makeUser(t.ctx, 'admin');
    const adminBrowser = new Browser(t.app);
    await adminBrowser.login(admin.email);
    const resent = await adminBrowser.post('/admin/exchange/resend', { number: order.number }, { csrfFrom: '/admin/exchange' });
    expect(resent.location).toBe(`/admin/exchange?resent=${encodeURIComponent(order.number)}`);
    expect(documents((await client.request('sale', 'query')).bytes)).toHaveLength(1);

    const info = await client.request('sale', 'info');
    expect(info.bytes.toString('latin1')).toContain('encoding="windows-1251"');
  });

  it("a status file from 1C moves the order on, and the buyer sees it with 1C's number", async () => {
    const { t, client, browser, order } = await orderPlacedFor1C();
    const file = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.09" ДатаФормирования="2026-11-25T10:00:00">
  <Документ>
    <Ид>${order.number}</Ид><Номер>${order.number}</Номер><Номер1С>ЗК-000045  </Номер1С><Дата1С>2026-11-25</Дата1С>
    <ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс>
    <ЗначенияРеквизитов>
      <ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>Отгружен</Значение></ЗначениеРеквизита>
      <ЗначениеРеквизита><Наименование>Номер отгрузки по 1С</Наименование><Значение>РТУ-17</Значение></ЗначениеРеквизита>
    </ЗначенияРеквизитов>
  </Документ>
</КоммерческаяИнформация>`;
    await client.checkauth('sale');
    await client.init('sale', { version: '2.08' });
    expect(await client.upload('sale', 'documents___1.xml', Buffer.from(file))).toMatch(/^success/);
    expect((await client.importUntilDone('sale', 'documents___1.xml')).final).toMatch(/^success\norders updated 1/);
    const page = await browser.get(`/orders/${order.id}`);
    expect(page.body).toContain('ЗК-000045');
    expect(page.body).toContain('Отгружен');
    const run = await t.ctx.db
      .selectFrom('exchange_runs')
      .selectAll()
      .where('kind', '=', 'sale')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(run.counts)).toMatchObject({ orders_updated: 1 });
  });
});

describe('shop-side order fixtures (what 1C already reads from Bitrix and 2.03 shops)', () => {
  const docs = async (path: string) => (await readSaleFile(fixture(path))).documents;
  const names = (node: XmlNode) => new Set(node.children.map((c) => c.name));

  it('reads them with our reader, and our query document carries every part of theirs 1C needs', async () => {
    const bitrix = await docs('bitrix-query-2.05-cp1251/bitrix-query-response-full.xml');
    expect(bitrix.map((d) => d.children.find((c) => c.name === 'Номер')?.text)).toEqual(['132', '133']);
    expect(bitrix.flatMap((d) => d.children.find((c) => c.name === 'Товары')?.children ?? [])).toHaveLength(8);
    expect(await docs('bitrix-query-2.05-cp1251/bitrix-query-response-empty.xml')).toEqual([]);
    const old = await docs('site-order-2.03/orders.xml');
    expect(old.map((d) => d.children.find((c) => c.name === 'Номер')?.text)).toEqual(['36']);

    const { client } = await orderPlacedFor1C();
    await client.checkauth('sale');
    await client.init('sale');
    const ours = documents((await client.request('sale', 'query')).bytes)[0] as XmlNode;
    const essential = [
      'Ид',
      'Номер',
      'Дата',
      'ХозОперация',
      'Роль',
      'Валюта',
      'Курс',
      'Сумма',
      'Контрагенты',
      'Время',
      'Товары',
      'ЗначенияРеквизитов',
    ];
    for (const reference of [...bitrix, ...old]) {
      const theirs = [...names(reference)].filter((n) => essential.includes(n));
      expect(theirs.filter((n) => !names(ours).has(n))).toEqual([]);
    }
    const line = (d: XmlNode) => d.children.find((c) => c.name === 'Товары')?.children[0] as XmlNode;
    const lineParts = ['Ид', 'Наименование', 'БазоваяЕдиница', 'ЦенаЗаЕдиницу', 'Количество', 'Сумма'];
    expect(lineParts.filter((n) => names(line(bitrix[0] as XmlNode)).has(n) && !names(line(ours)).has(n))).toEqual([]);
  });
});

describe('Accounting exchange admin page', () => {
  it('lists runs with the failing file and line, and imports a package uploaded by hand', async () => {
    const { t, client } = await start();
    const cut = fixture('ut11-demo-2.07/import.xml').subarray(0, 30_000);
    await exchange(client, [['import.xml', cut]]);
    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const page = await browser.get('/admin/exchange');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/Ошибка в файле import\.xml, строка \d+/);

    const zip = makeZip([
      { name: 'import.xml', data: fixture('ut11-demo-2.07/import.xml') },
      { name: 'offers.xml', data: fixture('ut11-demo-2.07/offers.xml') },
    ]);
    const csrf = await browser.csrf('/admin/exchange');
    const { payload, contentType } = await multipartBody({ _csrf: csrf }, [
      { filename: 'export.zip', data: zip, field: 'files' },
    ]);
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const posted = await t.app.inject({
      method: 'POST',
      url: '/admin/exchange/upload',
      payload,
      headers: { cookie, 'content-type': contentType },
    });
    expect(posted.headers.location).toBe('/admin/exchange?notice=exchange.uploadStarted');
    await t.ctx.exchange.idle();
    expect(count(t, 'select count(*) n from prices')).toBe(5);
    const after = await browser.get('/admin/exchange');
    expect(after.body).toContain('Загружен вручную');
    expect(after.body).toContain('products created: 7');

    const buyer = await makeUser(t.ctx, 'buyer');
    const other = new Browser(t.app);
    await other.login(buyer.email);
    expect((await other.get('/admin/exchange')).status).toBe(403);
  });
});

describe('time-boxed import', () => {
  it('reads a big file over several calls, then switches the catalog once', async () => {
    t = await startTestApp();
    const dir = join(FIXTURES, 'ut11-split-2.09');
    const run = new CatalogRun(t.ctx, dir);
    await run.start();
    const name = 'import___b815e2db-7a65-4265-9241-5f0c4f0565a7.xml';
    const answers: boolean[] = [];
    // A deadline already passed: each call returns at once with what was read so far.
    for (let done = false; !done; ) {
      done = (await run.readSlice(name, 0)).done;
      answers.push(done);
    }
    expect(answers[0]).toBe(false);
    expect(answers.at(-1)).toBe(true);
    expect(count(t, 'select count(*) n from categories')).toBe(0);
    await run.apply();
    expect(count(t, 'select count(*) n from categories')).toBe(97);
    await run.close();
  });
});
