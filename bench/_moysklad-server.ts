// The fake MoySklad of `npm run bench -- moysklad`, in a process of its own so the portal's memory
// is measured alone: builds the data (BENCH_SCALE), listens, prints its URL. POST
// /__control/change changes 1% of the products' prices and stock.
import { type Entity, FakeMoySklad } from '../test/moysklad-fake.js';
import { scaled } from './_support.js';

const products = scaled(100_000);
const counterparties = scaled(1000, 1);
const fake = new FakeMoySklad({ units: 45, unitCost: 4, parallel: 5 });
await fake.start();
fake.put('organization', { name: 'ООО «Бенч»', inn: '6164000000' });
const stores = ['Основной склад', 'Склад Подольск', 'Склад Казань'].map((name) => fake.put('store', { name }));
const priceTypes = ['Розничная', 'Оптовая', 'Крупный опт'].map((name) => String(fake.addPriceType(name).id));
fake.addState('Новый');
const PIECE = '19f1edc0-fc42-4001-94cb-c9ec9c62ec10';
fake.put('uom', { id: PIECE, name: 'шт', code: '796' });
const folders: Entity[] = [];
for (let i = 0; i < 50; i++) folders.push(fake.put('productfolder', { name: `Группа ${i}` }));
const salePrices = (rub: number) => priceTypes.map((id, i) => ({ value: rub * 100 - i * 1000, priceType: { id } }));
// The stock was there long before the portal connected (not set a minute before its first sync).
const anHourAgo = Date.now() - 3600_000;
const all: Entity[] = [];
for (let i = 0; i < products; i++) {
  const p = fake.put('product', {
    name: `Товар ${i}`,
    article: `SKU-${i}`,
    productFolder: fake.ref('productfolder', folders[i % folders.length]?.id ?? ''),
    uom: fake.ref('uom', PIECE),
    barcodes: [{ ean13: String(4600000000000 + i) }],
    attributes: [{ name: 'Бренд', value: `Бренд ${i % 40}` }],
    salePrices: salePrices(100 + (i % 900)),
  });
  all.push(p);
  if (i % 5 === 0) {
    for (const size of ['S', 'M', 'L']) {
      const v = fake.put('variant', { name: `${p.name} (${size})`, product: fake.ref('product', p.id), characteristics: [{ name: 'Размер', value: size }], salePrices: salePrices(120) });
      for (const s of stores) fake.setStock(v.id, s.id, i % 7, anHourAgo);
    }
  } else for (const s of stores) fake.setStock(p.id, s.id, i % 11, anHourAgo);
}
for (let i = 0; i < counterparties; i++) fake.put('counterparty', { name: `ООО «Покупатель ${i}»`, inn: String(7700000000 + i), priceType: { id: priceTypes[1], name: 'Оптовая' } });

fake.control = (name) => {
  if (name !== 'change') return { error: 'unknown' };
  const changed = Math.max(1, Math.round(products / 100));
  for (let i = 0; i < changed; i++) {
    const p = all[(i * 97) % all.length];
    if (!p) continue;
    fake.change('product', p.id, { salePrices: salePrices(2000 + i) });
    for (const s of stores) fake.setStock(p.id, s.id, 1000 + i);
  }
  return { changed, goods: products + fake.all('variant').length };
};
console.log(`fake MoySklad at ${fake.url}`);
process.once('SIGTERM', () => void fake.stop().then(() => process.exit(0)));
