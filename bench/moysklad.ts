// npm run bench -- moysklad: the fake MoySklad of the tests (test/moysklad-fake.ts) serves 100,000
// products (20% with 3 variants each), 3 price types, 3 stores and 1,000 counterparties, limited
// like a user token from December 2026 (45 units per 3 s, 4 per request, 5 for stock reports; 5
// in parallel). The portal runs a full sync, then 1% of the products change price and stock and
// it runs an incremental one. BENCH_SCALE=0.05 for a small run.
// The fake runs in this same process: its CPU and memory are counted in the figures too.
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { type Entity, FakeMoySklad, TOKEN } from '../test/moysklad-fake.js';
import { benchDir, log, scaled } from './_support.js';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const products = scaled(100_000);
const counterparties = scaled(1000, 1);

const fake = new FakeMoySklad({ units: 45, unitCost: 4, parallel: 5 });
await fake.start();
fake.put('organization', { name: 'ООО «Бенч»', inn: '6164000000' });
const stores = ['Основной склад', 'Склад Подольск', 'Склад Казань'].map((name) => fake.put('store', { name }));
const priceTypes = ['Розничная', 'Оптовая', 'Крупный опт'].map((name) => String(fake.addPriceType(name).id));
fake.addState('Новый');
fake.put('uom', { id: '19f1edc0-fc42-4001-94cb-c9ec9c62ec10', name: 'шт', code: '796' });
const folders: Entity[] = [];
for (let i = 0; i < 50; i++) folders.push(fake.put('productfolder', { name: `Группа ${i}` }));
const salePrices = (rub: number) => priceTypes.map((id, i) => ({ value: rub * 100 - i * 1000, priceType: { id } }));
const all: Entity[] = [];
let started = performance.now();
for (let i = 0; i < products; i++) {
  const p = fake.put('product', {
    name: `Товар ${i}`,
    article: `SKU-${i}`,
    productFolder: fake.ref('productfolder', folders[i % folders.length]?.id ?? ''),
    uom: fake.ref('uom', '19f1edc0-fc42-4001-94cb-c9ec9c62ec10'),
    barcodes: [{ ean13: String(4600000000000 + i) }],
    attributes: [{ name: 'Бренд', value: `Бренд ${i % 40}` }],
    salePrices: salePrices(100 + (i % 900)),
  });
  all.push(p);
  if (i % 5 === 0) {
    for (const size of ['S', 'M', 'L']) {
      const v = fake.put('variant', { name: `${p.name} (${size})`, product: fake.ref('product', p.id), characteristics: [{ name: 'Размер', value: size }], salePrices: salePrices(120) });
      for (const s of stores) fake.setStock(v.id, s.id, i % 7);
    }
  } else for (const s of stores) fake.setStock(p.id, s.id, i % 11);
}
for (let i = 0; i < counterparties; i++) fake.put('counterparty', { name: `ООО «Покупатель ${i}»`, inn: String(7700000000 + i), priceType: { id: priceTypes[1], name: 'Оптовая' } });
log(`fake MoySklad: ${products} products, ${fake.all('variant').length} variants, ${counterparties} counterparties in ${round((performance.now() - started) / 1000, 1)} s`);

const dir = benchDir('moysklad');
const config = loadConfig({
  cwd: dir,
  env: {},
  overrides: { demo: false, data_dir: dir, log: { level: 'silent' }, integrations: { moysklad: { token: TOKEN, base_url: fake.url, request_budget: 11, max_parallel: 4 } } },
});
const ctx = createContext(config);
await prepareDatabase(ctx, false);
const service = ctx.moysklad;
if (!service) throw new Error('MoySklad is off');

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);

started = performance.now();
const full = await service.sync({ full: true, onProgress: (text) => log(text) });
const fullS = round((performance.now() - started) / 1000, 1);
if (!full.ok) throw new Error(`full sync failed: ${full.message}`);
log(`full sync: ${fullS} s, ${JSON.stringify(full.counts)}`);

const changed = Math.max(1, Math.round(products / 100));
for (let i = 0; i < changed; i++) {
  const p = all[(i * 97) % all.length];
  if (!p) continue;
  fake.change('product', p.id, { salePrices: salePrices(2000 + i) });
  for (const s of stores) fake.setStock(p.id, s.id, 1000 + i);
}
started = performance.now();
const incremental = await service.sync({ full: false });
const incrementalS = round((performance.now() - started) / 1000, 2);
if (!incremental.ok) throw new Error(`incremental sync failed: ${incremental.message}`);
log(`incremental sync: ${incrementalS} s, ${JSON.stringify(incremental.counts)}`);
clearInterval(sampler);

await ctx.close();
await fake.stop();
console.log(
  JSON.stringify({
    bench: 'moysklad',
    full_sync_s: fullS,
    requests: full.counts.requests,
    http_429: full.counts.http_429,
    incremental_s: incrementalS,
    incremental_requests: incremental.counts.requests,
    rss_mb: Math.round(peakRss / 1024 / 1024),
  }),
);
