/**
 * config.yml's map of 1C fields (integrations.commerceml.fields): the order multiple and the
 * minimum quantity come from wherever this 1C keeps them — a property (a Справочник value resolved
 * to its text), a requisite, with a comma or a dot — and changing the map re-applies it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { OneCClient } from './commerceml-client.js';
import { Browser, buyerAt, makeUser, startTestApp, type TestApp } from './helpers.js';

const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';

const IMPORT = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>
    <Свойства>
      <Свойство><Ид>p-pack</Ид><Наименование>Кратность отгрузки</Наименование><ТипЗначений>Справочник</ТипЗначений>
        <ВариантыЗначений><Справочник><ИдЗначения>v-12</ИдЗначения><Значение>12</Значение></Справочник></ВариантыЗначений></Свойство>
      <Свойство><Ид>p-box</Ид><Наименование>В коробке</Наименование><ТипЗначений>Число</ТипЗначений></Свойство>
    </Свойства>
  </Классификатор>
  <Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>
    <Товары>
      <Товар><Ид>g-1</Ид><Артикул>BOX-1</Артикул><Наименование>Саморез в коробке</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница>
        <ЗначенияСвойств>
          <ЗначенияСвойства><Ид>p-pack</Ид><Значение>v-12</Значение></ЗначенияСвойства>
          <ЗначенияСвойства><Ид>p-box</Ид><Значение>200</Значение></ЗначенияСвойства>
        </ЗначенияСвойств>
        <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Минимальная партия</Наименование><Значение>2,5</Значение></ЗначениеРеквизита></ЗначенияРеквизитов>
      </Товар>
      <Товар><Ид>g-2</Ид><Артикул>BAD-2</Артикул><Наименование>Шуруп</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница>
        <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Кратность</Наименование><Значение>много</Значение></ЗначениеРеквизита></ЗначенияРеквизитов>
      </Товар>
      <Товар><Ид>g-3</Ид><Артикул>PLAIN-3</Артикул><Наименование>Гвоздь</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница></Товар>
    </Товары>
  </Каталог>
</КоммерческаяИнформация>`;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const clients = new Map<TestApp, OneCClient>();

async function importWith(fields: Record<string, unknown> | undefined, app?: TestApp) {
  t =
    app ??
    (await startTestApp({
      integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false, ...(fields ? { fields } : {}) } },
    } as never));
  const client = clients.get(t) ?? new OneCClient(await t.app.listen({ port: 0, host: '127.0.0.1' }), LOGIN, PASSWORD);
  clients.set(t, client);
  expect((await client.checkauth('catalog'))[0]).toBe('success');
  await client.init('catalog');
  expect(await client.upload('catalog', 'import.xml', Buffer.from(IMPORT))).toMatch(/^success/);
  const run = await client.importUntilDone('catalog', 'import.xml');
  expect(run.final).toMatch(/^success/);
  return t;
}

async function rules(app: TestApp) {
  const rows = await app.ctx.db.selectFrom('products').select(['sku', 'multiple', 'min_qty']).orderBy('sku').execute();
  return Object.fromEntries(rows.map((r) => [r.sku, [r.multiple, r.min_qty]]));
}

describe('the map of 1C fields', () => {
  it('takes the pack size from a property and the minimum from a requisite, with a comma, by default', async () => {
    const app = await importWith(undefined);
    // "Кратность отгрузки" is a Справочник property: its value is the text 12, not the value's Ид.
    expect(await rules(app)).toEqual({ 'BAD-2': [0, 0], 'BOX-1': [12, 2.5], 'PLAIN-3': [0, 0] });
    // The run says what it could not read, and where.
    const run = await app.ctx.db.selectFrom('exchange_runs').select('message').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run.message).toContain('«Кратность» is "много", not a quantity');
    // The buyer's catalog holds the rule: the pack size is shown.
    const wholesale = await app.ctx.db
      .insertInto('price_types')
      .values({ name: 'Опт', is_default: 1, external_1c_id: null, external_ms_id: null, created_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { browser } = await buyerAt(app, wholesale.id);
    expect((await browser.get('/catalog?q=BOX-1')).body).toMatch(/Кратность: 12/);
  });

  it('follows the map: another property, no requisite; an identical re-run changes nothing', async () => {
    const app = await importWith({
      multiple: { property: ['В коробке'], requisite: [] },
      min_qty: { property: [], requisite: [] },
    });
    // Not said (min_qty unmapped) keeps what was stored: 0 for new products.
    expect(await rules(app)).toEqual({ 'BAD-2': [0, 0], 'BOX-1': [200, 0], 'PLAIN-3': [0, 0] });
    const before = await app.ctx.db.selectFrom('products').select(['sku', 'name', 'updated_at']).orderBy('sku').execute();
    // The same package again: nothing changes.
    await importWith(undefined, app);
    expect(await app.ctx.db.selectFrom('products').select(['sku', 'name', 'updated_at']).orderBy('sku').execute()).toEqual(
      before,
    );
  });
});

const OFFERS = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога><ИдКлассификатора>cls</ИдКлассификатора><Наименование>Предложения</Наименование>
    <ТипыЦен>
      <ТипЦены><Ид>pt-opt</Ид><Наименование>Оптовая цена</Наименование><Валюта>RUB</Валюта></ТипЦены>
      <ТипЦены><Ид>pt-buy</Ид><Наименование>Закупочная</Наименование><Валюта>RUB</Валюта></ТипЦены>
    </ТипыЦен>
    <Предложения>
      <Предложение><Ид>g-1</Ид><Наименование>Саморез в коробке</Наименование>
        <Цены>
          <Цена><ИдТипаЦены>pt-opt</ИдТипаЦены><ЦенаЗаЕдиницу>12,50</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>
          <Цена><ИдТипаЦены>pt-buy</ИдТипаЦены><ЦенаЗаЕдиницу>7,00</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>
        </Цены>
        <Количество>500</Количество>
      </Предложение>
    </Предложения>
  </ПакетПредложений>
</КоммерческаяИнформация>`;

describe('the map of 1C price types', () => {
  async function exchange(
    priceTypes: string[],
    prepare?: (app: TestApp) => Promise<void>,
    more: Record<string, unknown> = {},
    offers = OFFERS,
  ) {
    t = await startTestApp({
      integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false, price_types: priceTypes, ...more } },
    } as never);
    await prepare?.(t);
    const client = new OneCClient(await t.app.listen({ port: 0, host: '127.0.0.1' }), LOGIN, PASSWORD);
    await client.sendCatalog([
      ['import.xml', IMPORT],
      ['offers.xml', offers],
    ]);
    return t;
  }
  const types = (app: TestApp) =>
    app.ctx.db.selectFrom('price_types').select(['id', 'name', 'external_1c_id']).orderBy('id').execute();

  it('renames a 1C price type, takes over the portal one of that name with its buyers, and leaves the purchase price out', async () => {
    let handMade = 0;
    const app = await exchange(['Оптовая цена = опт'], async (a) => {
      handMade = (
        await a.ctx.db
          .insertInto('price_types')
          .values({ name: 'Опт', is_default: 1, external_1c_id: null, external_ms_id: null, created_at: 0 })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    });
    // One price type: the hand-made «Опт», found by a case-blind match, now 1C's and spelled as the map says; no «Закупочная».
    expect(await types(app)).toEqual([{ id: handMade, name: 'опт', external_1c_id: 'pt-opt' }]);
    const { browser } = await buyerAt(app, handMade);
    const page = (await browser.get('/catalog?q=BOX-1')).body.replace(/[\u00a0\u202f]/g, ' ');
    expect(page).toContain('12,50');
    expect(page).not.toContain('7,00');
  });

  it('maps by Ид too, and every price type 1C sends comes under its own name with an empty map', async () => {
    const byId = await exchange(['pt-opt = Оптовый']);
    expect((await types(byId)).map((p) => [p.name, p.external_1c_id])).toEqual([['Оптовый', 'pt-opt']]);
    await byId.close();
    t = undefined;
    const all = await exchange([]);
    expect((await types(all)).map((p) => p.name).sort()).toEqual(['Закупочная', 'Оптовая цена']);
  });

  it('shows 1C warehouses under the names config.yml gives them, by name or Ид', async () => {
    const withStores = OFFERS.replace(
      '</ТипыЦен>',
      '</ТипыЦен><Склады><Склад><Ид>w-main</Ид><Наименование>Основной склад</Наименование></Склад><Склад><Ид>w-2</Ид><Наименование>Склад №2</Наименование></Склад><Склад><Ид>w-3</Ид><Наименование>Транзит</Наименование></Склад></Склады>',
    ).replace(
      '<Количество>500</Количество>',
      '<Количество>500</Количество><Склад ИдСклада="w-main" КоличествоНаСкладе="300"/><Склад ИдСклада="w-2" КоличествоНаСкладе="200"/><Склад ИдСклада="w-3" КоличествоНаСкладе="0"/>',
    );
    const app = await exchange(
      [],
      undefined,
      { warehouses: ['основной склад = Москва, Складская 1', 'w-2 = Казань'] },
      withStores,
    );
    const rows = await app.ctx.db.selectFrom('warehouses').select(['name', 'external_1c_id']).orderBy('external_1c_id').execute();
    expect(rows).toEqual([
      { name: 'Казань', external_1c_id: 'w-2' },
      { name: 'Транзит', external_1c_id: 'w-3' },
      { name: 'Москва, Складская 1', external_1c_id: 'w-main' },
    ]);
  });

  it('the exchange page shows the map in effect: what each field is taken from, and the key to change it', async () => {
    const app = await exchange(['Оптовая цена = Опт'], undefined, {
      warehouses: ['w-2 = Казань'],
      fields: { multiple: { property: ['Кратность'], requisite: ['Упаковка'] } },
    });
    const admin = new Browser(app.app);
    await admin.login((await makeUser(app.ctx, 'admin')).email);
    const page = (await admin.get('/admin/exchange')).body.replace(/&laquo;|&#171;/g, '«').replace(/&raquo;|&#187;/g, '»');
    expect(page).toContain('Карта полей 1C (config.yml)');
    expect(page).toMatch(/Кратность \(упаковка\)<\/td>\s*<td[^>]*>property «Кратность»; requisite «Упаковка»<\/td>/);
    expect(page).toContain('Оптовая цена = Опт');
    expect(page).toContain('w-2 = Казань');
    // Not mapped: what happens then, in words.
    expect(page).toMatch(
      /Статусы заказов<\/td>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*><\/td>\s*<td[^>]*><code>integrations\.commerceml\.status_map/,
    );
    // What the run found: no product has «Упаковка», and the page says so (the built-in «Кратность» is no typo).
    expect(page).toMatch(
      /Кратность \(упаковка\)<\/td>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>0 \/ 3<div><small class="muted">ни разу не встретились: requisite «Упаковка»<\/small>/,
    );
    expect(page).toContain('<code>integrations.commerceml.fields.min_qty</code>');
  });

  it('config check names a half-written item', async () => {
    const { ConfigError, loadConfig } = await import('../src/config/load.js');
    let message = '';
    try {
      loadConfig({ env: {}, overrides: { integrations: { commerceml: { price_types: ['Оптовая цена = '] } } } as never });
    } catch (error) {
      message = error instanceof ConfigError ? error.message : String(error);
    }
    expect(message).toContain('integrations.commerceml.price_types[0]: must look like "name in 1C = value"');
  });
});
