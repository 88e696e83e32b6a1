import { hashPassword } from '../accounts/passwords.js';
import { reindexProducts } from '../catalog/search.js';
import { refreshStockTotals } from '../catalog/stock.js';
import type { AppContext } from '../context.js';
import { generateCatalog } from './catalog-generator.js';
import { demoLogins } from './logins.js';
import { seedDemoOrders } from './orders.js';

/** Enough to feel real (paging, search, nested categories) and still seed in a second or two. */
const DEMO_PRODUCTS = 2500;

/** When the demo seeded this database (its sample data and published logins), or null. */
export async function demoSeededAt(db: AppContext['db']): Promise<number | null> {
  const marker = await db.selectFrom('settings').select('value').where('key', '=', 'demo_seeded_at').executeTakeFirst();
  return marker ? Number(marker.value) : null;
}

/** Seeds the demo data once; a second start finds the marker and leaves everything alone. */
export async function seedDemoOnce(ctx: Pick<AppContext, 'db' | 'database' | 'clock' | 'searchIndex' | 'config'>, products = DEMO_PRODUCTS): Promise<boolean> {
  const { db, clock } = ctx;
  const marker = await db.selectFrom('settings').select('value').where('key', '=', 'demo_seeded_at').executeTakeFirst();
  if (marker) return false;
  const now = clock.now();
  const passwords = new Map<string, string>();
  for (const login of demoLogins) passwords.set(login.role, await hashPassword(login.password));

  await db.transaction().execute(async (trx) => {
    const priceTypes = await trx
      .insertInto('price_types')
      .values([
        { name: 'Розничная', is_default: 0, external_1c_id: null, external_ms_id: null, created_at: now },
        { name: 'Оптовая', is_default: 1, external_1c_id: null, external_ms_id: null, created_at: now },
        { name: 'Крупный опт', is_default: 0, external_1c_id: null, external_ms_id: null, created_at: now },
      ])
      .returning('id')
      .execute();
    const [retail, wholesale, large] = priceTypes.map((p) => p.id);
    const base = { disabled_at: null, last_login_at: null, created_at: now, updated_at: now, locale: null };
    await trx
      .insertInto('users')
      .values({ ...base, email: demoLogins[0].email, name: 'Анна Админова', role: 'admin', company_id: null, password_hash: passwords.get('admin') ?? null })
      .execute();
    const manager = await trx
      .insertInto('users')
      .values({ ...base, email: demoLogins[1].email, name: 'Михаил Продажин', role: 'manager', company_id: null, phone: '+7 495 000-00-01', password_hash: passwords.get('manager') ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const otherManager = await trx
      .insertInto('users')
      .values({ ...base, email: 'manager2@demo.optovik.local', name: 'Ольга Сбытова', role: 'manager', company_id: null, password_hash: null })
      .returning('id')
      .executeTakeFirstOrThrow();

    const companies = [
      { name: 'Ромашка', legal: 'ООО «Ромашка»', inn: '7701234560', kpp: '770101001', priceType: wholesale, discount: 300, manager: manager.id },
      { name: 'СтройМаркет', legal: 'ООО «СтройМаркет»', inn: '5003012349', kpp: '500301001', priceType: large, discount: 0, manager: manager.id },
      { name: 'ИП Сидоров', legal: 'ИП Сидоров Пётр Иванович', inn: '771234567859', kpp: '', priceType: retail, discount: 0, manager: otherManager.id },
    ];
    const companyIds: number[] = [];
    for (const c of companies) {
      const row = await trx
        .insertInto('companies')
        .values({ name: c.name, price_type_id: c.priceType ?? null, discount_bp: c.discount, manager_id: c.manager, external_1c_id: null, external_ms_id: null, disabled_at: null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
      companyIds.push(row.id);
      await trx
        .insertInto('legal_entities')
        .values({ company_id: row.id, name: c.legal, inn: c.inn, kpp: c.kpp, legal_address: 'г. Москва, ул. Примерная, д. 1', is_primary: 1, external_1c_id: null, created_at: now, updated_at: now })
        .execute();
      await trx.insertInto('company_addresses').values({ company_id: row.id, address: `Склад ${c.name}: г. Москва, ул. Складская, д. ${row.id}`, created_at: now }).execute();
    }
    const romashka = companyIds[0] ?? 0;
    // A company with two legal entities: orders name the one that buys.
    await trx
      .insertInto('legal_entities')
      .values({ company_id: romashka, name: 'ИП Ромашкин Иван Сергеевич', inn: '500100732259', kpp: '', is_primary: 0, external_1c_id: null, created_at: now, updated_at: now })
      .execute();
    await trx
      .insertInto('users')
      .values({ ...base, email: demoLogins[2].email, name: 'Иван Ромашкин', role: 'buyer', company_id: romashka, password_hash: passwords.get('buyer') ?? null })
      .execute();
    await trx
      .insertInto('access_requests')
      .values({ company_name: 'Берёзка', inn: '7802345676', contact_name: 'Светлана Берёзова', email: 'zakaz@berezka.example', phone: '+7 812 000-00-00', message: 'Хотим закупать оптом.', locale: 'ru', company_id: null, decided_by: null, decided_at: null, created_at: now })
      .execute();
  });

  const priceTypeIds = (await db.selectFrom('price_types').select('id').orderBy('id').execute()).map((p) => p.id);
  const catalog = generateCatalog(ctx.database.sqlite, { products, priceTypeIds, now });
  const romashka = await db.selectFrom('companies').select('id').where('name', '=', 'Ромашка').executeTakeFirstOrThrow();
  // Ромашка has negotiated special prices on a few items: they show instead of its price type.
  await db
    .insertInto('special_prices')
    .values(catalog.productIds.slice(0, 5).map((productId, i) => ({ company_id: romashka.id, product_id: productId, price: 1000 + i * 250 })))
    .execute();
  await refreshStockTotals(db, null);
  await reindexProducts(ctx.searchIndex, db);
  // A few dozen orders over the last months, in every status and with their histories.
  const admin = await db.selectFrom('users').select(['id', 'name']).where('email', '=', demoLogins[0].email).executeTakeFirstOrThrow();
  await db.transaction().execute((trx) =>
    seedDemoOrders(trx, ctx.database.statements, {
      now,
      numberPrefix: ctx.config.orders.numberPrefix,
      pricesIncludeVat: ctx.config.catalog.pricesIncludeVat,
      admin,
    }),
  );
  // Written last: a seed that died half-way leaves no marker, so the next start fails loudly
  // instead of showing a half-empty demo.
  await db.insertInto('settings').values({ key: 'demo_seeded_at', value: String(now) }).execute();
  return true;
}
