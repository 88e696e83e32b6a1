/**
 * The rest of config.yml's map of 1C fields, one behaviour per key, on a package built for the
 * case (CommerceML 2.10 as УТ 11 writes it: a Классификатор with properties and units, Товары
 * with ЗначенияСвойств, ЗначенияРеквизитов and БазоваяЕдиница/Пересчет): the pack size from a unit
 * ratio; brand, description, country, weight, volume, VAT, the "new" and "sale" marks and
 * visibility; price types hidden from buyers; counterparty requisites → company fields; and
 * `optovik config check --against` naming a typo before the first exchange.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { OneCClient } from './commerceml-client.js';
import { Browser, buyerAt, makeUser, startTestApp, type TestApp } from './helpers.js';

const LOGIN = 'onec-exchange';
const PASSWORD = 's3cret-1c';
const ROOT = resolve(import.meta.dirname, '..');

const property = (id: string, value: string) =>
  `<ЗначенияСвойства><Ид>${id}</Ид><Значение>${value}</Значение></ЗначенияСвойства>`;
const requisite = (name: string, value: string) =>
  `<ЗначениеРеквизита><Наименование>${name}</Наименование><Значение>${value}</Значение></ЗначениеРеквизита>`;

function importXml(weightOfPack = '1,25', weightNet = '1,1'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <Классификатор><Ид>cls</Ид><Наименование>Классификатор</Наименование>
    <Свойства>
      <Свойство><Ид>p-country</Ид><Наименование>Страна</Наименование><ТипЗначений>Справочник</ТипЗначений>
        <ВариантыЗначений><Справочник><ИдЗначения>v-cn</ИдЗначения><Значение>Китай</Значение></Справочник></ВариантыЗначений></Свойство>
      <Свойство><Ид>p-weight</Ид><Наименование>Вес</Наименование><ТипЗначений>Число</ТипЗначений></Свойство>
      <Свойство><Ид>p-new</Ид><Наименование>Новинка</Наименование><ТипЗначений>Справочник</ТипЗначений>
        <ВариантыЗначений><Справочник><ИдЗначения>v-yes</ИдЗначения><Значение>Да</Значение></Справочник></ВариантыЗначений></Свойство>
      <Свойство><Ид>p-site</Ид><Наименование>Выгружать на сайт</Наименование><ТипЗначений>Строка</ТипЗначений></Свойство>
      <Свойство><Ид>p-color</Ид><Наименование>Цвет</Наименование><ТипЗначений>Строка</ТипЗначений></Свойство>
    </Свойства>
    <ЕдиницыИзмерения>
      <ЕдиницаИзмерения><Ид>u-796</Ид><Код>796</Код><НаименованиеКраткое>шт</НаименованиеКраткое></ЕдиницаИзмерения>
      <ЕдиницаИзмерения><Ид>u-778</Ид><Код>778</Код><НаименованиеКраткое>упак</НаименованиеКраткое></ЕдиницаИзмерения>
    </ЕдиницыИзмерения>
  </Классификатор>
  <Каталог СодержитТолькоИзменения="false"><Ид>cat</Ид><ИдКлассификатора>cls</ИдКлассификатора><Наименование>Каталог</Наименование>
    <Товары>
      <Товар><Ид>g-1</Ид><Артикул>PACK-1</Артикул><Наименование>Саморез 4,2×16</Наименование><Описание>Из 1С</Описание>
        <БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт<Пересчет><Единица>778</Единица><Коэффициент>24</Коэффициент></Пересчет></БазоваяЕдиница>
        <ЗначенияСвойств>${property('p-country', 'v-cn')}${property('p-weight', weightOfPack)}${property('p-new', 'v-yes')}${property('p-color', 'Красный')}</ЗначенияСвойств>
        <ЗначенияРеквизитов>${requisite('Ставка НДС', '10%')}${requisite('Объем', '0,003')}${requisite('Торговая марка', 'Зубр')}${requisite('Описание для сайта', 'Для сайта')}${requisite('Вес нетто', weightNet)}</ЗначенияРеквизитов>
      </Товар>
      <Товар><Ид>g-2</Ид><Артикул>HIDE-2</Артикул><Наименование>Снятый с продажи</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница>
        <ЗначенияСвойств>${property('p-site', 'нет')}</ЗначенияСвойств>
      </Товар>
      <Товар><Ид>g-3</Ид><Артикул>SALE-3</Артикул><Наименование>Дюбель</Наименование><БазоваяЕдиница Код="796">шт</БазоваяЕдиница>
        <ЗначенияСвойств>${property('p-weight', 'тяжёлый')}</ЗначенияСвойств>
        <ЗначенияРеквизитов>${requisite('Распродажа', 'да')}${requisite('Ставка НДС', 'Без НДС')}</ЗначенияРеквизитов>
      </Товар>
    </Товары>
  </Каталог>
</КоммерческаяИнформация>`;
}

const OFFERS = `<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10">
  <ПакетПредложений СодержитТолькоИзменения="false"><Ид>cat#</Ид><ИдКаталога>cat</ИдКаталога><ИдКлассификатора>cls</ИдКлассификатора><Наименование>Предложения</Наименование>
    <ТипыЦен>
      <ТипЦены><Ид>pt-opt</Ид><Наименование>Оптовая цена</Наименование><Валюта>RUB</Валюта></ТипЦены>
      <ТипЦены><Ид>pt-buy</Ид><Наименование>Закупочная</Наименование><Валюта>RUB</Валюта></ТипЦены>
    </ТипыЦен>
    <Предложения>
      ${['g-1', 'g-2', 'g-3']
        .map(
          (id) => `<Предложение><Ид>${id}</Ид><Цены>
        <Цена><ИдТипаЦены>pt-opt</ИдТипаЦены><ЦенаЗаЕдиницу>12,50</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>
        <Цена><ИдТипаЦены>pt-buy</ИдТипаЦены><ЦенаЗаЕдиницу>7,00</ЦенаЗаЕдиницу><Валюта>RUB</Валюта></Цена>
      </Цены><Количество>500</Количество></Предложение>`,
        )
        .join('\n')}
    </Предложения>
  </ПакетПредложений>
</КоммерческаяИнформация>`;

/** The map of this distributor's 1C: everything else stays at its default. */
const FIELDS = {
  multiple: { property: [], requisite: [], unit: ['упак'] },
  brand: { requisite: ['Торговая марка'] },
  description: { requisite: ['Описание для сайта'] },
  country: { property: ['Страна', 'Страна изготовителя'] },
  visible: { property: ['Выгружать на сайт'] },
};

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'optovik-map-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function exchange(commerceml: Record<string, unknown>, dataDir?: string, xml = importXml()): Promise<TestApp> {
  const t = await startTestApp({
    ...(dataDir ? { data_dir: dataDir } : {}),
    integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false, ...commerceml } },
  } as never);
  cleanup.push(() => t.close());
  const client = new OneCClient(await t.app.listen({ port: 0, host: '127.0.0.1' }), LOGIN, PASSWORD);
  await client.sendCatalog([
    ['import.xml', xml],
    ['offers.xml', OFFERS],
  ]);
  return t;
}

const products = (t: TestApp) =>
  t.ctx.db
    .selectFrom('products')
    .select([
      'sku',
      'multiple',
      'brand',
      'description',
      'country',
      'weight',
      'volume',
      'vat_bp',
      'is_new',
      'is_sale',
      'hidden',
      'updated_at',
    ])
    .orderBy('sku')
    .execute();

const text = (html: string) =>
  html
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/&laquo;|&#171;/g, '«')
    .replace(/&raquo;|&#187;/g, '»');

describe('the map of 1C product fields', () => {
  it('fills each mapped field from its property, requisite or unit ratio, and shows them to buyers', async () => {
    const t = await exchange({ fields: FIELDS, price_types: ['Оптовая цена = Опт'], default_price_type: 'Опт' });
    const rows = await products(t);
    expect(rows.map(({ updated_at: _, ...r }) => r)).toEqual([
      {
        sku: 'HIDE-2',
        multiple: 0,
        brand: '',
        description: '',
        country: '',
        weight: null,
        volume: null,
        vat_bp: null,
        is_new: 0,
        is_sale: 0,
        hidden: 1, // «Выгружать на сайт» = нет
      },
      {
        sku: 'PACK-1',
        multiple: 24, // the Пересчет of «упак» (778) to шт
        brand: 'Зубр',
        description: 'Для сайта',
        country: 'Китай', // a Справочник value, as its text
        weight: 1.25,
        volume: 0.003,
        vat_bp: 1000,
        is_new: 1,
        is_sale: 0,
        hidden: 0,
      },
      {
        sku: 'SALE-3',
        multiple: 0,
        brand: '',
        description: '',
        country: '',
        weight: null, // "тяжёлый" is no weight: left as it was, and said
        volume: null,
        vat_bp: null, // Без НДС
        is_new: 0,
        is_sale: 1,
        hidden: 0,
      },
    ]);
    const run = await t.ctx.db.selectFrom('exchange_runs').select('message').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(run.message).toContain('weight: «Вес» is "тяжёлый", not a weight in kg');

    // A property that fills a field is shown as that field, not again among the properties.
    const listed = await t.ctx.db
      .selectFrom('product_properties')
      .innerJoin('products', 'products.id', 'product_properties.product_id')
      .select(['product_properties.name', 'product_properties.value'])
      .where('products.sku', '=', 'PACK-1')
      .execute();
    expect(listed).toEqual([{ name: 'Цвет', value: 'Красный' }]);

    const opt = await t.ctx.db.selectFrom('price_types').select('id').where('name', '=', 'Опт').executeTakeFirstOrThrow();
    const { browser } = await buyerAt(t, opt.id);
    const list = text((await browser.get('/catalog')).body);
    expect(list).not.toContain('HIDE-2');
    expect(list).toMatch(/Дюбель<\/a> <span class="badge mark-sale">Распродажа<\/span>/);
    expect(list).toMatch(/Саморез 4,2×16<\/a> <span class="badge mark-new">Новинка<\/span>/);
    expect(list).toContain('Кратность: 24');
    const id = (await t.ctx.db.selectFrom('products').select('id').where('sku', '=', 'PACK-1').executeTakeFirstOrThrow()).id;
    const page = text((await browser.get(`/catalog/p/${id}`)).body);
    expect(page).toMatch(/<dt>Страна происхождения<\/dt><dd>Китай<\/dd>/);
    expect(page).toMatch(/<dt>Вес<\/dt><dd>1,25 кг<\/dd>/);
    expect(page).toMatch(/<dt>Объём<\/dt><dd>0,003 м³<\/dd>/);
    expect(page).toMatch(/<dt>Бренд<\/dt><dd>Зубр<\/dd>/);
    expect(page).toContain('Для сайта');
    expect(page).toMatch(/НДС 10/);

    // The exchange page: what the last run found per field, and the name in config.yml it never found.
    const admin = new Browser(t.app);
    await admin.login((await makeUser(t.ctx, 'admin')).email);
    const exchangePage = text((await admin.get('/admin/exchange')).body);
    expect(exchangePage).toMatch(/Кратность \(упаковка\)<\/td>\s*<td[^>]*>unit «упак»<\/td>\s*<td[^>]*>1 \/ 3<\/td>/);
    expect(exchangePage).toMatch(
      /Страна происхождения<\/td>\s*<td[^>]*>[^<]*<\/td>\s*<td[^>]*>1 \/ 3<div><small class="muted">ни разу не встретились: property «Страна изготовителя»/,
    );
  });

  it('an identical package with a changed map changes exactly the mapped field', async () => {
    const data = tempDir();
    const first = await exchange({ fields: FIELDS }, data);
    const before = await products(first);
    await first.close();
    cleanup.pop(); // closed already

    // The same package; weight now comes from the requisite «Вес нетто» first.
    const second = await exchange({ fields: { ...FIELDS, weight: { property: [], requisite: ['Вес нетто'] } } }, data);
    const after = await products(second);
    const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]));
    expect(changed.map((r) => [r.sku, r.weight])).toEqual([['PACK-1', 1.1]]);
    const { weight: _w, updated_at: _u, ...restAfter } = changed[0] as (typeof after)[number];
    const { weight: _w2, updated_at: _u2, ...restBefore } = before.find((r) => r.sku === 'PACK-1') as (typeof before)[number];
    expect(restAfter).toEqual(restBefore);
  });

  it('keeps a hidden price type from buyers: imported with its prices, never anyone’s price, never the default', async () => {
    const t = await exchange({
      price_types: ['Оптовая цена = Опт'],
      hidden_price_types: ['Закупочная'],
      default_price_type: 'Закупочная',
    });
    const types = await t.ctx.db
      .selectFrom('price_types')
      .select(['id', 'name', 'hidden', 'is_default'])
      .orderBy('name')
      .execute();
    expect(types.map(({ id: _, ...p }) => p)).toEqual([
      { name: 'Закупочная', hidden: 1, is_default: 0 }, // the config asked, but a hidden type is nobody's default
      { name: 'Опт', hidden: 0, is_default: 0 },
    ]);
    const purchase = types.find((p) => p.name === 'Закупочная')?.id as number;
    const prices = await t.ctx.db.selectFrom('prices').select('price').where('price_type_id', '=', purchase).execute();
    expect(prices.map((p) => p.price)).toEqual([700, 700, 700]);

    // A company put on the purchase prices by mistake sees no price at all, never 7,00.
    const { browser } = await buyerAt(t, purchase);
    const page = text((await browser.get('/catalog?q=PACK-1')).body);
    expect(page).not.toContain('7,00');
    expect(page).toContain('Цена по запросу');
    // Once the admin chooses «Опт» as the default, that company buys at it.
    await t.ctx.db.updateTable('price_types').set({ is_default: 1 }).where('name', '=', 'Опт').execute();
    expect(text((await browser.get('/catalog?q=PACK-1')).body)).toContain('12,50');
  });

  it('fills a company’s price type, discount and manager from its 1C requisites', async () => {
    const t = await exchange({ price_types: ['Оптовая цена = Опт'], counterparty_fields: { credit_limit: ['Лимит ДЗ'] } });
    const manager = await makeUser(t.ctx, 'manager', { name: 'Иванова Мария', email: 'maria@seller.test' });
    const counterparty = (id: string, inn: string, reqs: string) =>
      `<Контрагент><Ид>${id}</Ид><Наименование>Покупатель ${id}</Наименование><ИНН>${inn}</ИНН><ЗначенияРеквизитов>${reqs}</ЗначенияРеквизитов></Контрагент>`;
    const file = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>
<КоммерческаяИнформация ВерсияСхемы="2.10" ДатаФормирования="2026-12-01T10:00:00"><Контрагенты>
  ${counterparty('cp-1', '7701234567', requisite('Тип цен', 'Оптовая цена') + requisite('Скидка', '2,5%') + requisite('Основной менеджер', 'Иванова Мария') + requisite('Лимит ДЗ', '150000') + requisite('Кредитный лимит', '1'))}
  ${counterparty('cp-2', '7702345678', requisite('Вид цен', 'Закупочная') + requisite('Процент скидки', 'много') + requisite('Менеджер', 'maria@seller.test'))}
</Контрагенты></КоммерческаяИнформация>`);
    const result = await applySaleFile(t.ctx, file, { fileName: 'contractors.xml' });
    expect(result.companies.created).toBe(2);
    const companies = await t.ctx.db
      .selectFrom('companies')
      .leftJoin('price_types', 'price_types.id', 'companies.price_type_id')
      .select(['companies.external_1c_id', 'price_types.name as price_type', 'companies.discount_bp', 'companies.manager_id'])
      .orderBy('companies.external_1c_id')
      .execute();
    expect(companies).toEqual([
      { external_1c_id: 'cp-1', price_type: 'Опт', discount_bp: 250, manager_id: manager.id },
      // «Закупочная» is not imported (the map lists only «Оптовая цена»); «много» is no discount: both said, the rest set.
      { external_1c_id: 'cp-2', price_type: null, discount_bp: 0, manager_id: manager.id },
    ]);
    // The limit under this 1C's own name; the built-in «Кредитный лимит» is not this database's and is not read.
    const limits = await t.ctx.db
      .selectFrom('account_terms')
      .innerJoin('legal_entities', 'legal_entities.id', 'account_terms.legal_entity_id')
      .select(['legal_entities.inn', 'account_terms.credit_limit'])
      .execute();
    expect(limits).toEqual([{ inn: '7701234567', credit_limit: 15_000_000 }]);
    const warnings = result.warnings.join('\n');
    expect(warnings).toContain('requisite "Вид цен" = "Закупочная" is no price type buyers may have');
    expect(warnings).toContain('requisite "Процент скидки" = "много" is not a discount in percent');

    // 1C is where the seller keeps these: a later file wins over the portal's value; a file without them leaves it.
    await t.ctx.db.updateTable('companies').set({ discount_bp: 900 }).where('external_1c_id', '=', 'cp-1').execute();
    await applySaleFile(t.ctx, file, { fileName: 'contractors.xml' });
    const again = await t.ctx.db
      .selectFrom('companies')
      .select('discount_bp')
      .where('external_1c_id', '=', 'cp-1')
      .executeTakeFirstOrThrow();
    expect(again.discount_bp).toBe(250);
  });

  it('orders in fractions the units fields.fractional.unit names, and only those', async () => {
    const t = await exchange({ fields: { fractional: { unit: ['шт'] } } });
    const units = await t.ctx.db.selectFrom('units').select(['code', 'name', 'precision']).orderBy('code').execute();
    expect(units.find((u) => u.code === '796')).toMatchObject({ name: 'шт', precision: 3 });
    const other = await exchange({ fields: { fractional: { unit: [] } } });
    expect(
      (await other.ctx.db.selectFrom('units').select('precision').where('code', '=', '796').executeTakeFirstOrThrow()).precision,
    ).toBe(0);
  });

  it('config check --against reads a real package with the map and names what it never found', async () => {
    const dir = tempDir();
    const pkg = join(dir, 'package');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'import.xml'), importXml());
    writeFileSync(join(pkg, 'offers.xml'), OFFERS);
    writeFileSync(
      join(dir, 'config.yml'),
      `data_dir: ${JSON.stringify(join(dir, 'data'))}
integrations:
  commerceml:
    login: onec
    password: x
    fields:
      multiple: { unit: [упак] }
      brand: { requisite: [Торговая марка] }
      country: { property: [Страна, Страна изготовителя] }
      min_qty: { requisite: [Минимальная партя] }
`,
    );
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'bin/optovik.js'), 'config', 'check', '--against', pkg],
      {
        cwd: dir,
        env: { ...process.env, HOME: dir, OPTOVIK_CONFIG: '' },
      },
    );
    expect(stdout).toContain('2 XML files, 3 products (Товар)');
    expect(stdout).toMatch(/multiple\s+1 of 3/);
    expect(stdout).toMatch(/brand\s+1 of 3/);
    expect(stdout).toMatch(/weight\s+1 of 3/);
    expect(stdout).toContain('integrations.commerceml.fields.country: property «Страна изготовителя»');
    expect(stdout).toContain('integrations.commerceml.fields.min_qty: requisite «Минимальная партя»');
    // The default names (Вес, Новинка, …) are guesses and are never called typos.
    expect(stdout).not.toContain('«Вес брутто»');
    expect(stdout).toContain('weight: «Вес» is "тяжёлый", not a weight in kg');
  });
});
