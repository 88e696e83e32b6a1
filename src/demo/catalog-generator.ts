import { normalizeSku } from '../catalog/sku.js';
import type { Sqlite } from '../db/open.js';
import { prng } from './prng.js';

/**
 * A deterministic, realistic wholesale catalog (fasteners, electrics, plumbing, tools) written
 * straight through better-sqlite3 prepared statements: the demo seed uses ~2,500 products, the
 * benchmarks 100,000. Same `seed` and `products` → the same rows, byte for byte.
 */
export interface CatalogSpec {
  products: number;
  seed?: number;
  /** Price type ids to fill, cheapest last (retail, wholesale, large wholesale). */
  priceTypeIds: readonly number[];
  now: number;
}

export interface GeneratedCatalog {
  categoryIds: number[];
  leafCategoryIds: number[];
  productIds: number[];
  warehouseIds: number[];
}

const UNITS = [
  { code: '796', name: 'шт', full: 'Штука', precision: 0 },
  { code: '006', name: 'м', full: 'Метр', precision: 2 },
  { code: '166', name: 'кг', full: 'Килограмм', precision: 3 },
  { code: '778', name: 'упак', full: 'Упаковка', precision: 0 },
] as const;

interface Family {
  section: string;
  group: string;
  leaves: string[];
  nouns: string[];
  sizes: string[];
  finishes: string[];
  unit: number;
  prefix: string;
  price: [number, number];
  multiples: number[];
}

const FAMILIES: Family[] = [
  {
    section: 'Крепёж',
    group: 'Болты',
    leaves: ['Болты DIN 933', 'Болты DIN 931', 'Болты мебельные'],
    nouns: ['Болт шестигранный', 'Болт с полной резьбой', 'Болт мебельный'],
    sizes: ['М6×20', 'М6×40', 'М8×30', 'М8×50', 'М10×60', 'М12×80', 'М16×100'],
    finishes: ['оцинкованный', 'нержавеющий A2', 'чёрный 8.8', 'жёлтый цинк'],
    unit: 0,
    prefix: 'BLT',
    price: [300, 4500],
    multiples: [0, 0, 10, 50, 100],
  },
  {
    section: 'Крепёж',
    group: 'Гайки и шайбы',
    leaves: ['Гайки DIN 934', 'Шайбы DIN 125', 'Гайки колпачковые'],
    nouns: ['Гайка шестигранная', 'Шайба плоская', 'Гайка колпачковая', 'Шайба гроверная'],
    sizes: ['М5', 'М6', 'М8', 'М10', 'М12', 'М14', 'М20'],
    finishes: ['оцинкованная', 'нержавеющая A4', 'латунная'],
    unit: 0,
    prefix: 'NUT',
    price: [50, 900],
    multiples: [0, 100, 200, 500],
  },
  {
    section: 'Крепёж',
    group: 'Саморезы',
    leaves: ['Саморезы по дереву', 'Саморезы по металлу', 'Кровельные саморезы'],
    nouns: ['Саморез по дереву', 'Саморез по металлу', 'Саморез кровельный'],
    sizes: ['3,5×25', '3,5×35', '4,2×51', '4,8×70', '5,5×25'],
    finishes: ['жёлтый', 'фосфатированный', 'с шайбой RAL 3005', 'с шайбой RAL 6005'],
    unit: 3,
    prefix: 'SMR',
    price: [9000, 65000],
    multiples: [0],
  },
  {
    section: 'Электрика',
    group: 'Кабель',
    leaves: ['Кабель силовой', 'Провод монтажный', 'Кабель слаботочный'],
    nouns: ['Кабель ВВГнг-LS', 'Провод ПВС', 'Кабель NYM', 'Провод ПуГВ', 'Кабель UTP'],
    sizes: ['3×1,5', '3×2,5', '5×4', '2×0,75', '1×6', '4 пары cat.5e'],
    finishes: ['ГОСТ', 'ТУ', 'бухта 100 м', 'барабан'],
    unit: 1,
    prefix: 'CBL',
    price: [2500, 45000],
    multiples: [0, 0.5, 1, 100],
  },
  {
    section: 'Электрика',
    group: 'Автоматика',
    leaves: ['Автоматические выключатели', 'УЗО', 'Дифавтоматы'],
    nouns: ['Автоматический выключатель', 'УЗО', 'Дифференциальный автомат'],
    sizes: ['1P 16А', '1P 25А', '2P 32А', '3P 40А', '3P 63А'],
    finishes: ['C', 'B', '4,5 кА', '6 кА'],
    unit: 0,
    prefix: 'AVT',
    price: [25000, 480000],
    multiples: [0, 0, 6, 12],
  },
  {
    section: 'Электрика',
    group: 'Освещение',
    leaves: ['Лампы светодиодные', 'Светильники', 'Прожекторы'],
    nouns: ['Лампа светодиодная', 'Светильник потолочный', 'Прожектор LED', 'Ёлочная гирлянда'],
    sizes: ['E27 10 Вт', 'E14 7 Вт', 'GU10 5 Вт', '36 Вт', '50 Вт', '100 Вт'],
    finishes: ['4000K', '3000K', '6500K', 'IP65'],
    unit: 0,
    prefix: 'LMP',
    price: [6000, 350000],
    multiples: [0, 10, 0],
  },
  {
    section: 'Сантехника',
    group: 'Трубы и фитинги',
    leaves: ['Трубы полипропиленовые', 'Фитинги латунные', 'Трубы металлопластиковые'],
    nouns: ['Труба PPR', 'Муфта', 'Уголок 90°', 'Тройник', 'Труба PEX-AL-PEX'],
    sizes: ['20 мм', '25 мм', '32 мм', '1/2"', '3/4"', '1"'],
    finishes: ['PN20', 'PN25', 'армированная', 'никелированная'],
    unit: 1,
    prefix: 'PPR',
    price: [4000, 120000],
    multiples: [0, 4, 2],
  },
  {
    section: 'Сантехника',
    group: 'Смесители',
    leaves: ['Смесители для кухни', 'Смесители для ванной'],
    nouns: ['Смеситель для кухни', 'Смеситель для ванны', 'Смеситель для раковины'],
    sizes: ['однорычажный', 'двухвентильный', 'с изливом 25 см'],
    finishes: ['хром', 'чёрный матовый', 'бронза'],
    unit: 0,
    prefix: 'SMS',
    price: [150000, 1500000],
    multiples: [0],
  },
  {
    section: 'Инструмент',
    group: 'Ручной инструмент',
    leaves: ['Отвёртки', 'Ключи гаечные', 'Молотки'],
    nouns: ['Отвёртка', 'Ключ комбинированный', 'Молоток слесарный', 'Набор бит'],
    sizes: ['PH2×100', 'SL5×150', '10 мм', '13 мм', '17 мм', '500 г', '800 г'],
    finishes: ['CrV', 'S2', 'фибергласс'],
    unit: 0,
    prefix: 'TLS',
    price: [15000, 250000],
    multiples: [0, 0, 6],
  },
  {
    section: 'Инструмент',
    group: 'Расходники',
    leaves: ['Диски отрезные', 'Свёрла по металлу', 'Буры SDS-plus'],
    nouns: ['Диск отрезной', 'Сверло по металлу', 'Бур SDS-plus'],
    sizes: ['125×1,2', '230×2,0', '3 мм', '6 мм', '8×160', '10×210'],
    finishes: ['по металлу', 'HSS-G', 'HSS-Co', 'по бетону'],
    unit: 0,
    prefix: 'CON',
    price: [3000, 90000],
    multiples: [0, 10, 25],
  },
];

const BRANDS = [
  'Стройметиз',
  'KRAFT',
  'Fischer',
  'Sormat',
  'IEK',
  'Schneider Electric',
  'Gauss',
  'Valtec',
  'Грохе-Рус',
  'Зубр',
  'Bosch',
  'Makita',
];
const WAREHOUSES = ['Основной склад', 'Склад Подольск'];

function ean13(n: number): string {
  const body = `460${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

export function generateCatalog(sqlite: Sqlite, spec: CatalogSpec): GeneratedCatalog {
  const random = prng(spec.seed ?? 20261125);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const now = spec.now;
  const result: GeneratedCatalog = { categoryIds: [], leafCategoryIds: [], productIds: [], warehouseIds: [] };

  const insertUnit = sqlite.prepare(
    'insert into units (code, name, full_name, precision) values (?, ?, ?, ?) on conflict(code) do update set name = excluded.name returning id',
  );
  const insertCategory = sqlite.prepare(
    'insert into categories (parent_id, name, sort, created_at, updated_at) values (?, ?, ?, ?, ?)',
  );
  const insertWarehouse = sqlite.prepare('insert into warehouses (name, created_at) values (?, ?)');
  const insertProduct = sqlite.prepare(
    `insert into products (category_id, sku, sku_norm, name, full_name, description, brand, unit_id, vat_bp, min_qty, multiple, created_at, updated_at)
     values (@category_id, @sku, @sku_norm, @name, @full_name, @description, @brand, @unit_id, @vat_bp, @min_qty, @multiple, @now, @now)`,
  );
  const insertBarcode = sqlite.prepare('insert into product_barcodes (barcode, product_id) values (?, ?)');
  const insertProperty = sqlite.prepare('insert into product_properties (product_id, name, value, sort) values (?, ?, ?, ?)');
  const insertPrice = sqlite.prepare('insert into prices (product_id, price_type_id, price) values (?, ?, ?)');
  const insertStock = sqlite.prepare('insert into stock (product_id, warehouse_id, quantity) values (?, ?, ?)');

  sqlite.transaction(() => {
    const unitIds = UNITS.map((u) => (insertUnit.get(u.code, u.name, u.full, u.precision) as { id: number }).id);
    for (const name of WAREHOUSES) result.warehouseIds.push(Number(insertWarehouse.run(name, now).lastInsertRowid));

    const sections = new Map<string, number>();
    const leaves: { id: number; family: Family }[] = [];
    let sort = 0;
    for (const family of FAMILIES) {
      let sectionId = sections.get(family.section);
      if (sectionId === undefined) {
        sectionId = Number(insertCategory.run(null, family.section, sort++, now, now).lastInsertRowid);
        sections.set(family.section, sectionId);
        result.categoryIds.push(sectionId);
      }
      const groupId = Number(insertCategory.run(sectionId, family.group, sort++, now, now).lastInsertRowid);
      result.categoryIds.push(groupId);
      for (const leaf of family.leaves) {
        const id = Number(insertCategory.run(groupId, leaf, sort++, now, now).lastInsertRowid);
        result.categoryIds.push(id);
        result.leafCategoryIds.push(id);
        leaves.push({ id, family });
      }
    }

    for (let i = 0; i < spec.products; i++) {
      const leaf = leaves[i % leaves.length] as { id: number; family: Family };
      const f = leaf.family;
      const noun = pick(f.nouns);
      const size = pick(f.sizes);
      const finish = pick(f.finishes);
      const brand = pick(BRANDS);
      const sku = `${f.prefix}-${String(10000 + i)}${i % 7 === 0 ? '-Z' : ''}`;
      const unitIndex = f.unit;
      const unitId = unitIds[unitIndex] ?? null;
      const multiple = unitIndex === 3 ? 0 : pick(f.multiples);
      const minQty = multiple > 0 ? multiple : unitIndex === 1 && random() < 0.3 ? 5 : 0;
      const name = `${noun} ${size} ${finish}`;
      const id = Number(
        insertProduct.run({
          category_id: leaf.id,
          sku,
          sku_norm: normalizeSku(sku),
          name,
          full_name: `${name}, ${brand}`,
          description: `${noun} ${size}, исполнение: ${finish}. Производитель: ${brand}.`,
          brand,
          unit_id: unitId,
          vat_bp: random() < 0.05 ? null : 2000,
          min_qty: minQty,
          multiple,
          now,
        }).lastInsertRowid,
      );
      result.productIds.push(id);
      insertBarcode.run(ean13(100000 + i), id);
      insertProperty.run(id, 'Бренд', brand, 0);
      insertProperty.run(id, 'Размер', size, 1);
      insertProperty.run(id, 'Исполнение', finish, 2);

      const [low, high] = f.price;
      const retail = Math.round(low + random() * (high - low));
      // About 2 % have no price at all: shown as "price on request", never as 0.
      if (random() >= 0.02) {
        spec.priceTypeIds.forEach((priceTypeId, level) => {
          if (level > 0 && random() < 0.03) return; // a few gaps per price type
          insertPrice.run(id, priceTypeId, Math.round(retail * (1 - 0.12 * level)));
        });
      }
      // About 15 % out of stock everywhere; the rest spread over the two warehouses.
      const inStock = random() >= 0.15;
      result.warehouseIds.forEach((warehouseId, w) => {
        if (!inStock || (w === 1 && random() < 0.4)) return;
        const quantity =
          unitIndex === 2
            ? Math.round(random() * 500_000) / 1000
            : unitIndex === 1
              ? Math.round(random() * 20000) / 10
              : Math.floor(random() * (random() < 0.2 ? 8 : 2000));
        insertStock.run(id, warehouseId, quantity);
      });
    }
  })();
  return result;
}
