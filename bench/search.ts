// npm run bench -- search: product search at 100k products, in process, through both engines.
// The in-memory index (every search outside a transaction) is measured against the FTS path (the
// one inside transactions) on the same queries in the same run; the results are checked first.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reindexProducts, SEARCH_COUNT_CAP, type SearchFilter, searchProductIds } from '../src/catalog/search.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { benchDir, log, SCALE, scaled } from './_support.js';

const size = Math.max(2_000, scaled(100_000));
const dir = benchDir('search');
const configFile = join(dir, 'config.yml');
writeFileSync(configFile, 'data_dir: ./data\nlog:\n  level: warn\n');
const ctx = createContext(loadConfig({ file: configFile, env: {} }));

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`wrong result: ${what}`);
}

try {
  await prepareDatabase(ctx, false);
  const sqlite = ctx.database.sqlite;
  const kinds = ['Болт', 'Гайка', 'Шайба', 'Саморез', 'Дюбель', 'Анкер', 'Шуруп', 'Винт', 'Кран шаровой', 'Труба'];
  kinds.push('Кабель ВВГнг', 'Розетка', 'Выключатель', 'Лампа', 'Ёлочная игрушка', 'Хомут', 'Заклёпка', 'Перфоратор', 'Drill', 'Саморез кровельный');
  const finishes = ['оцинкованный', 'нержавеющий', 'латунный', 'чёрный', 'белый', 'усиленный', 'стандарт'];
  const brands = ['Стройметиз', 'Bosch', 'Makita', 'Fischer', 'IEK', 'Legrand', ''];
  const prefixes = ['AB', 'KR', 'ZX', 'БМ', 'T'];
  const sizes = [4, 5, 6, 8, 10, 12, 16];
  const insertProduct = sqlite.prepare(
    'insert into products (id, sku, sku_norm, name, brand, stock_total, hidden, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, 0, 0)',
  );
  const insertBarcode = sqlite.prepare('insert into product_barcodes (barcode, product_id) values (?, ?)');
  const target = 1_234 + Math.floor(size / 10); // 12,345 at full scale
  const targetSku = `AB-${String(target).padStart(6, '0')}`;
  let started = performance.now();
  sqlite.transaction(() => {
    for (let i = 1; i <= size; i++) {
      const sku = i === target ? targetSku : `${prefixes[i % prefixes.length]}-${String(i).padStart(6, '0')}${i % prefixes.length === 0 ? 'X' : ''}`;
      // Every 300th product mentions the target SKU in its name.
      const name =
        i % 300 === 0
          ? `Аналог ${targetSku} ${kinds[i % kinds.length]}`
          : `${kinds[i % kinds.length]} ${finishes[i % finishes.length]} М${sizes[i % sizes.length]}×${10 + ((i * 7) % 190)}`;
      insertProduct.run(i, sku, normalizeSku(sku), name, brands[i % brands.length], i % 3, i % 97 === 0 ? 1 : 0);
      insertBarcode.run(`46${String(i).padStart(11, '0')}`, i);
    }
  })();
  const generateMs = performance.now() - started;
  started = performance.now();
  await reindexProducts(ctx.searchIndex, ctx.db);
  const reindexMs = performance.now() - started;

  const nameOf = sqlite.prepare<[number], { name: string; hidden: number }>('select name, hidden from products where id = ?');
  const containsAll = (id: number, words: string[]) => {
    const row = nameOf.get(id);
    return row?.hidden === 0 && words.every((w) => row.name.toLowerCase().replaceAll('ё', 'е').includes(w));
  };
  const visible = (id: number) => nameOf.get(id)?.hidden === 0;
  let boltsInStock = 0;
  for (let i = 20; i <= size; i += 20) if (i % 3 !== 0 && i % 97 !== 0) boltsInStock++;
  const analogues = Math.floor(size / 300) - Math.floor(size / 29_100);
  type Result = Awaited<ReturnType<typeof searchProductIds>>;
  const all = (words: string[]) => (r: Result) => r.ids.length > 0 && r.ids.every((id) => containsAll(id, words));
  const checks: [kind: string, q: string, filter: SearchFilter, ok: (r: Result) => boolean][] = [
    ['exact SKU', targetSku, {}, (r) => r.ids[0] === target && r.total === 1 + analogues],
    ['exact barcode', `46${String(target).padStart(11, '0')}`, {}, (r) => r.exactIds.join() === String(target)],
    ['SKU/barcode fragment', String(target).padStart(7, '0'), {}, (r) => r.ids.includes(target)],
    ['SKU prefix', targetSku.slice(0, 7).toLowerCase(), {}, (r) => r.ids.length > 0],
    ['words', 'болт м6 оцинк', {}, (r) => r.ids.every((id) => containsAll(id, ['болт', 'м6', 'оцинк']))],
    ['words', 'кабель ввгнг', {}, all(['кабель', 'ввгнг'])],
    ['word, ё', 'ёлочная', {}, all(['елочная'])],
    ['words, ё/е', 'елочная игрушка чёрный', {}, (r) => r.ids.every((id) => containsAll(id, ['елочная', 'черный']))],
    ['words, latin', 'drill BOSCH', {}, (r) => r.total > 0],
    ['short word', 'м6', {}, all(['м6'])],
    ['short word', '10', {}, (r) => r.ids.length === 50],
    ['word, broad', 'болт', {}, (r) => r.total >= Math.min(SEARCH_COUNT_CAP, size / 25)],
    ['fragment inside words', 'ный', {}, (r) => r.total === SEARCH_COUNT_CAP],
    ['fragment inside codes', '000', {}, (r) => r.total === SEARCH_COUNT_CAP],
    ['fragment inside words', 'цинк', {}, all(['цинк'])],
    ['words', 'саморез кровельный м8', {}, (r) => r.ids.every((id) => containsAll(id, ['саморез', 'кровельный', 'м8']))],
    ['in stock', 'кран шаровой латунный', { inStockOnly: true }, (r) => r.total > 0],
    ['in stock', 'болт', { inStockOnly: true }, (r) => r.total === Math.min(SEARCH_COUNT_CAP, boltsInStock)],
    ['no match', 'нет такого товара', {}, (r) => r.total === 0],
    ['brand', targetSku, { brand: brands[target % brands.length] ?? '' }, (r) => r.ids[0] === target],
    ['in stock + brand', 'труба', { inStockOnly: true, brand: 'Bosch' }, (r) => r.ids.length > 0],
    ['page 10', 'болт', {}, (r) => r.ids.length > 0 && r.ids.length === Math.min(50, r.total - 450)],
  ];
  const offsetOf = (kind: string) => (kind === 'page 10' ? 450 : 0);

  started = performance.now();
  await searchProductIds(ctx.db, ctx.searchIndex, 'болт', {}, 50, 0);
  const firstSearchMs = performance.now() - started;
  const info = ctx.searchIndex.info();
  for (const [kind, q, filter, ok] of checks) {
    const result = await searchProductIds(ctx.db, ctx.searchIndex, q, filter, 50, offsetOf(kind));
    check(ok(result) && result.ids.every(visible), `${kind} "${q}" ${JSON.stringify(result).slice(0, 200)}`);
  }

  /** Median and p95 of every check, `rounds` times over, through one engine. */
  async function timed(index: typeof ctx.searchIndex | null, rounds: number) {
    const times: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [kind, q, filter] of checks) {
        const start = performance.now();
        await searchProductIds(ctx.db, index, q, filter, 50, offsetOf(kind));
        times.push(performance.now() - start);
      }
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => Math.round((times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0) * 100) / 100;
    return { searches: times.length, median: at(0.5), p95: at(0.95) };
  }
  const memory = await timed(ctx.searchIndex, 25);
  log(`in-memory index: ${memory.searches} searches, median ${memory.median} ms, p95 ${memory.p95} ms`);
  const fts = await timed(null, 3);
  log(`FTS path: ${fts.searches} searches, median ${fts.median} ms, p95 ${fts.p95} ms`);
  log(`generate ${generateMs.toFixed(0)} ms, FTS reindex ${reindexMs.toFixed(0)} ms, index build ${info?.buildMs.toFixed(0)} ms`);
  console.log(
    JSON.stringify({
      bench: 'search',
      scale: SCALE,
      products: size,
      fts_reindex_ms: Math.round(reindexMs),
      index_build_ms: Math.round(info?.buildMs ?? 0),
      first_search_ms: Math.round(firstSearchMs),
      index_array_mb: Math.round(((info?.stats.arrayBytes ?? 0) / 2 ** 20) * 10) / 10,
      index_heap_mb: Math.round(((info?.stats.heapBytes ?? 0) / 2 ** 20) * 10) / 10,
      searches: memory.searches,
      median_ms: memory.median,
      p95_ms: memory.p95,
      fts_median_ms: fts.median,
      fts_p95_ms: fts.p95,
    }),
  );
} finally {
  await ctx.close();
  rmSync(dir, { recursive: true, force: true });
}
