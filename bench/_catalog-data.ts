import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashPassword } from '../src/accounts/passwords.js';
import { reindexProducts } from '../src/catalog/search.js';
import { refreshStockTotals } from '../src/catalog/stock.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { generateCatalog } from '../src/demo/catalog-generator.js';

export const BENCH_EMAIL = 'buyer@bench.test';
export const BENCH_PASSWORD = 'bench-password-2026';

/**
 * The data set shared by the catalog and orders benchmarks: `products` products × 3 price types
 * × 2 warehouses, `companies` companies each with a buyer; deterministic. Writes config.yml.
 */
export async function buildCatalogData(dir: string, counts: { products: number; companies: number }) {
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, 'data_dir: ./data\nserver:\n  port: 0\nlog:\n  level: warn\n');
  const config = loadConfig({ file: configFile, env: {} });
  const ctx = createContext(config);
  await prepareDatabase(ctx, false);
  const now = Date.UTC(2026, 10, 1);
  const priceTypeIds: number[] = [];
  for (const [i, name] of ['Розничная', 'Оптовая', 'Крупный опт'].entries()) {
    const row = await ctx.db.insertInto('price_types').values({ name, is_default: i === 1 ? 1 : 0, external_1c_id: null, external_ms_id: null, created_at: now }).returning('id').executeTakeFirstOrThrow();
    priceTypeIds.push(row.id);
  }
  const catalog = generateCatalog(ctx.database.sqlite, { products: counts.products, priceTypeIds, now });
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const sqlite = ctx.database.sqlite;
  const insertCompany = sqlite.prepare('insert into companies (name, price_type_id, discount_bp, created_at, updated_at) values (?, ?, ?, ?, ?)');
  const insertEntity = sqlite.prepare('insert into legal_entities (company_id, name, inn, is_primary, created_at, updated_at) values (?, ?, ?, 1, ?, ?)');
  const insertUser = sqlite.prepare("insert into users (email, name, role, company_id, password_hash, created_at, updated_at) values (?, ?, 'buyer', ?, ?, ?, ?)");
  const companyIds: number[] = [];
  sqlite.transaction(() => {
    for (let i = 0; i < counts.companies; i++) {
      const id = Number(insertCompany.run(`Покупатель ${i + 1}`, priceTypeIds[i % 3], (i % 4) * 100, now, now).lastInsertRowid);
      insertEntity.run(id, `ООО «Покупатель ${i + 1}»`, String(7700000000 + i), now, now);
      insertUser.run(i === 0 ? BENCH_EMAIL : `buyer${i}@bench.test`, `Закупщик ${i + 1}`, id, i === 0 ? passwordHash : null, now, now);
      companyIds.push(id);
    }
  })();
  await refreshStockTotals(ctx.db, null);
  await reindexProducts(ctx.searchIndex, ctx.db);
  ctx.database.sqlite.pragma('optimize');
  await ctx.close();
  return { configFile, catalog, companyIds };
}
