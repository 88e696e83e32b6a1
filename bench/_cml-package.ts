// A deterministic 1C-style CommerceML 2.07 package (import.xml + offers.xml + a delta offers file),
// shaped like what УТ 11 / УНФ write for "Обмен с сайтом": UTF-8 with BOM, namespace
// urn:1C.ru:commerceml_2, tab indentation, GUID Ид, 3 price types, 2 warehouses, 3-level groups.
// Files are written in pieces of ~1 MB (never the whole document in memory).
import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const PRICE_TYPES = [
  { id: 'bb14a3a4-6b17-11e0-9819-e0cb4ed5eed4', name: 'Розничная' },
  { id: 'bb14a3a5-6b17-11e0-9819-e0cb4ed5eed4', name: 'Оптовая' },
  { id: 'bb14a3a6-6b17-11e0-9819-e0cb4ed5eed4', name: 'Крупный опт' },
] as const;

export const WAREHOUSES = [
  {
    id: 'b6112590-41ba-11dd-ac9d-0015e9b8c48d',
    name: 'Основной склад',
    address: 'РОССИЯ, Московская обл., Подольск г, Окружная ул, 12, стр. 3',
  },
  {
    id: 'b6112591-41ba-11dd-ac9d-0015e9b8c48d',
    name: 'Склад Екатеринбург',
    address: 'РОССИЯ, Свердловская обл., Екатеринбург г, Монтёров ул, 5',
  },
] as const;

const CLASSIFIER_ID = '07cfe53d-5145-4c4e-a81c-899be39cc5bd';
const OWNER_ID = 'ef8f948c-8403-11da-9ae9-000d884f5d77';
const BRAND_PROPERTY_ID = 'bb14a4b8-6b17-11e0-9819-e0cb4ed5eed4';
const FORMED_AT = '2026-11-20T10:15:41';

/** Products whose offer changes in the delta file: every 100th (1%). */
export const isDeltaProduct = (i: number) => i % 100 === 37;

// --- deterministic values: a bijective 32-bit mix, so GUIDs are unique by construction -------

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
const hash = (i: number, salt: number) => fmix((Math.imul(i, 0x9e3779b1) ^ fmix(salt + 0x51ed27)) >>> 0);
const hex = (n: number, width: number) =>
  (n >>> 0)
    .toString(16)
    .padStart(8, '0')
    .slice(8 - width);

function guid(kind: number, i: number): string {
  // time_low is fmix(i + offset): a bijection, so no two objects of a kind share it.
  return `${hex(fmix((i + kind * 0x01000000) >>> 0), 8)}-${hex(hash(i, kind), 4)}-11e${hex(hash(i, kind + 7), 1)}-9${hex(hash(i, kind + 9), 3)}-0015e9b8c48d`;
}
export const productGuid = (i: number) => guid(1, i);

// --- catalog vocabulary -----------------------------------------------------------------------

interface Family {
  top: string;
  prefix: string;
  standards: string[];
  /** "group|noun|size;size;…|finish;finish;…" */
  subs: string[];
}

const FAMILIES: Family[] = [
  {
    top: 'Крепёж',
    prefix: 'KRP',
    standards: ['DIN 933', 'ГОСТ 7798-70', 'ISO 4017'],
    subs: [
      'Болты|Болт шестигранный|М6×20;М8×30;М8×40;М10×60;М12×80;М16×120|оцинк.;нерж. A2;кл. 8.8',
      'Гайки|Гайка шестигранная|М5;М6;М8;М10;М12;М20|оцинк.;нерж. A4;латунь',
      'Шайбы|Шайба плоская|М6;М8;М10;М12;М16|оцинк.;нерж. A2',
      'Саморезы|Саморез по металлу|3,5×25;4,2×51;4,8×70;5,5×25|жёлтый;фосфат.;RAL 3005',
      'Анкеры|Анкер клиновой|6×40;8×75;10×100;12×120|оцинк.;нерж. A4',
      'Дюбели|Дюбель распорный|6×30;8×40;10×50;12×60|нейлон;полипропилен',
    ],
  },
  {
    top: 'Электротовары',
    prefix: 'ELT',
    standards: ['ГОСТ 31996-2012', 'ГОСТ IEC 60898-1'],
    subs: [
      'Кабель и провод|Кабель ВВГнг(А)-LS|3×1,5;3×2,5;5×4;3×6|бухта 100 м;барабан',
      'Автоматика|Автоматический выключатель|1P 16А;1P 25А;2P 32А;3P 63А|C 4,5 кА;B 6 кА',
      'Розетки и выключатели|Розетка двойная|16А;16А с крышкой|белая;серая;IP44',
      'Освещение|Светильник LED|18 Вт;36 Вт;50 Вт|4000K;6500K;IP65',
      'Щиты|Щит навесной ЩРН|12 мод.;24 мод.;36 мод.|IP31;IP54',
      'Кабель-каналы|Кабель-канал|16×16;25×16;40×25;60×40|белый;2 м',
    ],
  },
  {
    top: 'Сантехника',
    prefix: 'SAN',
    standards: ['ГОСТ 32415-2013', 'ГОСТ 21345-2005'],
    subs: [
      'Трубы|Труба PPR армир.|20 мм;25 мм;32 мм;40 мм|PN20;PN25',
      'Фитинги|Муфта латунная|1/2";3/4";1"|никел.;ВР-НР',
      'Краны шаровые|Кран шаровой|1/2";3/4";1";1 1/4"|бабочка;рычаг',
      'Смесители|Смеситель для кухни|однорычажный;двухвентильный|хром;чёрный мат.',
      'Радиаторы|Радиатор биметалл.|4 секц.;8 секц.;10 секц.|500 мм;350 мм',
      'Насосы|Насос циркуляционный|25-40 180;25-60 180;32-80 180|чугун',
    ],
  },
  {
    top: 'Инструмент',
    prefix: 'INS',
    standards: ['ГОСТ 17199-88', 'DIN 338'],
    subs: [
      'Ручной инструмент|Набор отвёрток|6 пр.;8 пр.;12 пр.|CrV;S2',
      'Электроинструмент|Дрель-шуруповёрт|12 В;18 В 2 А·ч;18 В 4 А·ч|в кейсе;без АКБ',
      'Оснастка|Сверло по металлу|3 мм;5 мм;6,5 мм;8 мм;10 мм|HSS-G;HSS-Co',
      'Измерительный инструмент|Рулетка|3 м;5 м;8 м;10 м|обрезин.;магнит',
      'Хранение инструмента|Ящик для инструмента|16";19";22"|пластик;металл',
      'Абразивы|Круг отрезной|125×1,2;180×1,8;230×2,5|по металлу;по камню',
    ],
  },
  {
    top: 'Лакокрасочные материалы',
    prefix: 'LKM',
    standards: ['ГОСТ 6465-76', 'ГОСТ 28196-89'],
    subs: [
      'Краски|Краска ВД интерьерная|2,7 кг;7 кг;14 кг|белая мат.;супербелая',
      'Эмали|Эмаль ПФ-115|0,9 кг;1,9 кг;20 кг|белая;серая;красная',
      'Грунтовки|Грунтовка глубокого проникн.|1 л;5 л;10 л|бесцветная',
      'Лаки|Лак яхтный|0,75 л;2,5 л|глянц.;полумат.',
      'Растворители|Растворитель 646|0,5 л;1 л;5 л|ПЭТ;жесть',
      'Кисти и валики|Валик малярный|100 мм;180 мм;250 мм|велюр;микрофибра',
    ],
  },
  {
    top: 'Хозяйственные товары',
    prefix: 'HOZ',
    standards: ['ТУ 2297-001', 'ГОСТ 10354-82'],
    subs: [
      'Уборочный инвентарь|Швабра с отжимом|стандарт;плоская|синяя;серая',
      'Мешки и плёнка|Мешки для мусора|60 л;120 л;240 л|10 шт;50 шт',
      'Перчатки|Перчатки х/б с ПВХ|10 кл.;13 кл.|белые;чёрные',
      'Бытовая химия|Средство чистящее|0,5 л;0,75 л;5 л|с дозатором',
      'Ёмкости|Ведро строительное|12 л;20 л;65 л|чёрное;с крышкой',
      'Упаковка|Плёнка стрейч|500 мм×300 м;500 мм×200 м|17 мкм;20 мкм',
    ],
  },
  {
    top: 'Сухие смеси',
    prefix: 'SSM',
    standards: ['ГОСТ 31357-2007', 'ГОСТ 31108-2020'],
    subs: [
      'Штукатурки|Штукатурка гипсовая|5 кг;30 кг|серая;белая',
      'Шпаклёвки|Шпаклёвка финишная|5 кг;20 кг;25 кг|полимерная;гипсовая',
      'Плиточные клеи|Клей для плитки|5 кг;25 кг|усиленный;С1;С2',
      'Наливные полы|Наливной пол|20 кг;25 кг|быстротв.;финишный',
      'Цемент|Цемент ЦЕМ I 42,5Н|25 кг;50 кг|мешок',
      'Затирки|Затирка для швов|2 кг;5 кг|белая;серая;антрацит',
    ],
  },
  {
    top: 'Спецодежда и СИЗ',
    prefix: 'SIZ',
    standards: ['ГОСТ 12.4.280-2014', 'ТР ТС 019/2011'],
    subs: [
      'Костюмы рабочие|Костюм рабочий летний|48-50/170;52-54/182;56-58/188|серый;синий',
      'Обувь рабочая|Ботинки с мет. подноском|40;42;44;46|кожа;ПУ/ТПУ',
      'Каски|Каска защитная|универсальная|белая;оранжевая',
      'Очки защитные|Очки защитные открытые|универсальные|прозрачные;тёмные',
      'Респираторы|Респиратор FFP2|с клапаном;без клапана|1 шт;10 шт',
      'Сигнальная одежда|Жилет сигнальный|L;XL;XXL|оранжевый;жёлтый',
    ],
  },
  {
    top: 'Садовый инвентарь',
    prefix: 'SAD',
    standards: ['ГОСТ 19596-87', 'ГОСТ 24832-81'],
    subs: [
      'Лопаты|Лопата штыковая|с черенком;без черенка|рельс. сталь;оцинк.',
      'Шланги|Шланг поливочный|1/2" 25 м;3/4" 25 м;3/4" 50 м|армир.;ПВХ',
      'Грабли|Грабли веерные|22 зубца;16 зубцов|пластик;металл',
      'Тачки|Тачка садовая|90 л;100 л;120 л|1-колёсная;2-колёсная',
      'Секаторы|Секатор плоскостной|200 мм;215 мм|тефлон;SK5',
      'Поливочные системы|Распылитель|импульсный;веерный|на колышке',
    ],
  },
  {
    top: 'Отопление и вентиляция',
    prefix: 'OTV',
    standards: ['ГОСТ Р 51733-2001', 'ГОСТ 24919-81'],
    subs: [
      'Котлы|Котёл газовый настенный|18 кВт;24 кВт;32 кВт|двухконтурный',
      'Конвекторы|Конвектор электрический|1 кВт;1,5 кВт;2 кВт|с термостатом',
      'Вентиляторы|Вентилятор канальный|100 мм;125 мм;160 мм|с таймером',
      'Воздуховоды|Воздуховод гибкий|100 мм×3 м;125 мм×3 м|алюм.;ПВХ',
      'Теплоизоляция|Трубка теплоизоляционная|18×9;22×9;28×13|2 м',
      'Дымоходы|Дымоход сэндвич|115/200;130/200|AISI 430;AISI 304',
    ],
  },
];

const DESCRIPTION_EMPTY_TENTHS = 6;
const DESCRIPTION_MAX_SENTENCES = 3;

const LEAF_KINDS = ['эконом', 'стандарт', 'профессиональные', 'импортные', 'для монтажа'];

const BRANDS = [
  'Стройметиз',
  'KRAFT',
  'Fischer',
  'Sormat',
  'IEK',
  'Schneider Electric',
  'Gauss',
  'Valtec',
  'Зубр',
  'Bosch',
  'Makita',
  'Tikkurila',
  'Текс',
  'Кнауф',
  'Ceresit',
  'Восток-Сервис',
  'Fiskars',
  'Gardena',
  'Вентс',
  'Baxi',
  'Rehau',
  'Legrand',
  'Hilti',
  'Sturm',
];

const SENTENCES = [
  'Изготовлен из материалов, прошедших входной контроль на заводе-изготовителе.',
  'Подходит для профессионального применения на строительных и монтажных объектах.',
  'Поставляется в заводской упаковке с маркировкой партии и датой производства.',
  'Соответствует требованиям технического регламента, сертификат предоставляется по запросу.',
  'Рекомендуется хранить в сухом проветриваемом помещении при температуре от +5 до +35 °C.',
  'Гарантийный срок эксплуатации при соблюдении условий монтажа — 24 месяца.',
  'Минимальная партия отгрузки со склада — одна транспортная упаковка.',
  'Товар имеет устойчивое покрытие, защищающее от коррозии в условиях повышенной влажности.',
  'При заказе от одной паллеты возможна доставка собственным транспортом в пределах области.',
  'Перед применением ознакомьтесь с инструкцией производителя, вложенной в упаковку.',
  'Позиция входит в ассортиментную матрицу постоянного складского наличия.',
  'Цена указана за единицу измерения с учётом НДС 20 %.',
  'Срок поставки под заказ — от 3 до 10 рабочих дней в зависимости от региона.',
  'Размеры и вес могут незначительно отличаться в пределах допусков стандарта.',
  'Для оптовых покупателей действует индивидуальная система скидок по договору.',
  'Упаковка обеспечивает сохранность при транспортировке всеми видами транспорта.',
];

export const GROUP_COUNT = { top: FAMILIES.length, perTop: 6, perSub: LEAF_KINDS.length };
const leafGroupGuid = (top: number, sub: number, leaf: number) => guid(4, (top * 10 + sub) * 10 + leaf);

// --- per-product values (shared by the writer and the bench's checks) -------------------------

export interface OfferValues {
  /** Kopecks per price type, in PRICE_TYPES order. */
  prices: [number, number, number];
  /** Quantity per warehouse, in WAREHOUSES order. */
  stock: [number, number];
}

export function offerValues(i: number, delta: boolean): OfferValues {
  let retail = 1_000 + (hash(i, 21) % 2_500_000); // 10.00 … 25,010.00 RUB
  let a = hash(i, 22) % 400;
  let b = hash(i, 23) % 150;
  if (hash(i, 24) % 10 === 0) a = 0;
  if (hash(i, 25) % 7 === 0) b = 0;
  if (delta && isDeltaProduct(i)) {
    retail += 100 + (hash(i, 26) % 5_000);
    a = (a + 7 + (hash(i, 27) % 50)) % 500;
    b = b + 3;
  }
  return { prices: [retail, Math.round((retail * 85) / 100), Math.round((retail * 76) / 100)], stock: [a, b] };
}

interface ProductText {
  sku: string;
  barcode: string;
  name: string;
  fullName: string;
  description: string;
  top: number;
  sub: number;
  leaf: number;
  brand: number;
}

const SUBS = FAMILIES.map((fam) =>
  fam.subs.map((line) => {
    const [group = '', noun = '', sizes = '', finishes = ''] = line.split('|');
    return { group, noun, sizes: sizes.split(';'), finishes: finishes.split(';') };
  }),
);

function productText(i: number): ProductText {
  const top = hash(i, 1) % FAMILIES.length;
  const fam = FAMILIES[top] as Family;
  const subs = SUBS[top] as (typeof SUBS)[number];
  const sub = hash(i, 2) % subs.length;
  const item = subs[sub] as (typeof subs)[number];
  const leaf = hash(i, 3) % LEAF_KINDS.length;
  const size = item.sizes[hash(i, 4) % item.sizes.length] as string;
  const finish = item.finishes[hash(i, 5) % item.finishes.length] as string;
  const standard = fam.standards[hash(i, 6) % fam.standards.length] as string;
  const brand = hash(i, 7) % BRANDS.length;
  const sku = `${fam.prefix}-${String(100000 + i).padStart(7, '0')}`;
  const model = `${String.fromCharCode(65 + (hash(i, 9) % 26))}${hash(i, 10) % 1000}`;
  const name = `${item.noun} ${size} ${finish} ${BRANDS[brand]} ${model}`;
  const fullName = `${item.noun} ${size}, ${finish}, ${standard}, ${BRANDS[brand]} ${model}`;
  // Like real 1C catalogs: many products have no description, the others one to four sentences.
  const count = hash(i, 11) % 10 < DESCRIPTION_EMPTY_TENTHS ? 0 : 1 + (hash(i, 12) % DESCRIPTION_MAX_SENTENCES);
  const start = hash(i, 13) % SENTENCES.length;
  const parts: string[] = [];
  for (let k = 0; k < count; k++) parts.push(SENTENCES[(start + k * 5) % SENTENCES.length] as string);
  return { sku, barcode: ean13(200_000_000 + i), name, fullName, description: parts.join(' '), top, sub, leaf, brand };
}

function ean13(n: number): string {
  const body = `460${String(n).padStart(9, '0')}`;
  let sum = 0;
  for (let k = 0; k < 12; k++) sum += Number(body[k]) * (k % 2 === 0 ? 1 : 3);
  return body + String((10 - (sum % 10)) % 10);
}

const money = (kopecks: number) => `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;
const spaced = (kopecks: number) =>
  `${String(Math.floor(kopecks / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')}.${String(kopecks % 100).padStart(2, '0')}`;
const esc = (s: string) =>
  /[&<>"]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;') : s;

// --- writing ----------------------------------------------------------------------------------

class FileWriter {
  private fd: number;
  private buf = '';
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }
  write(s: string): void {
    this.buf += s;
    if (this.buf.length > 1 << 19) this.flush();
  }
  private flush(): void {
    if (this.buf) writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): number {
    this.flush();
    closeSync(this.fd);
    return statSync(this.path).size;
  }
}

function header(w: FileWriter): void {
  w.write('\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n');
  w.write(
    `<КоммерческаяИнформация xmlns="urn:1C.ru:commerceml_2" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ВерсияСхемы="2.07" ДатаФормирования="${FORMED_AT}">\n`,
  );
}

function owner(w: FileWriter, indent: string): void {
  w.write(
    `${indent}<Владелец>\n${indent}\t<Ид>${OWNER_ID}</Ид>\n${indent}\t<Наименование>ООО "Стройснаб-Опт"</Наименование>\n${indent}\t<ОфициальноеНаименование>Общество с ограниченной ответственностью "Стройснаб-Опт"</ОфициальноеНаименование>\n${indent}\t<ИНН>7723012345</ИНН>\n${indent}\t<КПП>772301001</КПП>\n${indent}</Владелец>\n`,
  );
}

function writeImport(path: string, products: number): number {
  const w = new FileWriter(path);
  header(w);
  w.write(
    `\t<Классификатор>\n\t\t<Ид>${CLASSIFIER_ID}</Ид>\n\t\t<Наименование>Классификатор (Каталог товаров 07CFE53D)</Наименование>\n`,
  );
  owner(w, '\t\t');
  w.write('\t\t<Группы>\n');
  FAMILIES.forEach((fam, t) => {
    w.write(
      `\t\t\t<Группа>\n\t\t\t\t<Ид>${guid(2, t)}</Ид>\n\t\t\t\t<Наименование>${esc(fam.top)}</Наименование>\n\t\t\t\t<Группы>\n`,
    );
    (SUBS[t] ?? []).forEach(({ group: sub }, s) => {
      w.write(
        `\t\t\t\t\t<Группа>\n\t\t\t\t\t\t<Ид>${guid(3, t * 10 + s)}</Ид>\n\t\t\t\t\t\t<Наименование>${esc(sub)}</Наименование>\n\t\t\t\t\t\t<Группы>\n`,
      );
      LEAF_KINDS.forEach((kind, l) => {
        w.write(
          `\t\t\t\t\t\t\t<Группа>\n\t\t\t\t\t\t\t\t<Ид>${leafGroupGuid(t, s, l)}</Ид>\n\t\t\t\t\t\t\t\t<Наименование>${esc(`${sub} ${kind}`)}</Наименование>\n\t\t\t\t\t\t\t</Группа>\n`,
        );
      });
      w.write('\t\t\t\t\t\t</Группы>\n\t\t\t\t\t</Группа>\n');
    });
    w.write('\t\t\t\t</Группы>\n\t\t\t</Группа>\n');
  });
  w.write('\t\t</Группы>\n\t\t<Свойства>\n');
  w.write(
    `\t\t\t<Свойство>\n\t\t\t\t<Ид>${BRAND_PROPERTY_ID}</Ид>\n\t\t\t\t<Наименование>Бренд</Наименование>\n\t\t\t\t<ТипЗначений>Справочник</ТипЗначений>\n\t\t\t\t<ВариантыЗначений>\n`,
  );
  BRANDS.forEach((brand, b) => {
    w.write(
      `\t\t\t\t\t<Справочник>\n\t\t\t\t\t\t<ИдЗначения>${guid(5, b)}</ИдЗначения>\n\t\t\t\t\t\t<Значение>${esc(brand)}</Значение>\n\t\t\t\t\t</Справочник>\n`,
    );
  });
  w.write('\t\t\t\t</ВариантыЗначений>\n\t\t\t</Свойство>\n');
  w.write('\t\t</Свойства>\n\t</Классификатор>\n');
  w.write(
    `\t<Каталог СодержитТолькоИзменения="false">\n\t\t<Ид>${CLASSIFIER_ID}</Ид>\n\t\t<ИдКлассификатора>${CLASSIFIER_ID}</ИдКлассификатора>\n\t\t<Наименование>Каталог товаров 07CFE53D</Наименование>\n`,
  );
  owner(w, '\t\t');
  w.write('\t\t<Товары>\n');
  for (let i = 0; i < products; i++) {
    const p = productText(i);
    w.write(
      `\t\t\t<Товар>
\t\t\t\t<Ид>${productGuid(i)}</Ид>
\t\t\t\t<Штрихкод>${p.barcode}</Штрихкод>
\t\t\t\t<Артикул>${p.sku}</Артикул>
\t\t\t\t<Наименование>${esc(p.name)}</Наименование>
\t\t\t\t<БазоваяЕдиница Код="796 " НаименованиеПолное="Штука">шт</БазоваяЕдиница>
\t\t\t\t<Группы>
\t\t\t\t\t<Ид>${leafGroupGuid(p.top, p.sub, p.leaf)}</Ид>
\t\t\t\t</Группы>
\t\t\t\t${p.description ? `<Описание>${esc(p.description)}</Описание>` : '<Описание/>'}
\t\t\t\t<ЗначенияСвойств>
\t\t\t\t\t<ЗначенияСвойства>
\t\t\t\t\t\t<Ид>${BRAND_PROPERTY_ID}</Ид>
\t\t\t\t\t\t<Значение>${guid(5, p.brand)}</Значение>
\t\t\t\t\t</ЗначенияСвойства>
\t\t\t\t</ЗначенияСвойств>
\t\t\t\t<СтавкиНалогов>
\t\t\t\t\t<СтавкаНалога>
\t\t\t\t\t\t<Наименование>НДС</Наименование>
\t\t\t\t\t\t<Ставка>20</Ставка>
\t\t\t\t\t</СтавкаНалога>
\t\t\t\t</СтавкиНалогов>
\t\t\t\t<ЗначенияРеквизитов>
\t\t\t\t\t<ЗначениеРеквизита>
\t\t\t\t\t\t<Наименование>ВидНоменклатуры</Наименование>
\t\t\t\t\t\t<Значение>Товар</Значение>
\t\t\t\t\t</ЗначениеРеквизита>
\t\t\t\t\t<ЗначениеРеквизита>
\t\t\t\t\t\t<Наименование>ТипНоменклатуры</Наименование>
\t\t\t\t\t\t<Значение>Товар</Значение>
\t\t\t\t\t</ЗначениеРеквизита>
\t\t\t\t\t<ЗначениеРеквизита>
\t\t\t\t\t\t<Наименование>Полное наименование</Наименование>
\t\t\t\t\t\t<Значение>${esc(p.fullName)}</Значение>
\t\t\t\t\t</ЗначениеРеквизита>
\t\t\t\t</ЗначенияРеквизитов>
\t\t\t</Товар>
`,
    );
  }
  w.write('\t\t</Товары>\n\t</Каталог>\n</КоммерческаяИнформация>\n');
  return w.close();
}

/**
 * Offers of every product, or (delta) only the 1% that change, as changes; `changedValues` says
 * whether those carry the changed values or the original ones (a delta that undoes the delta).
 */
function writeOffers(path: string, products: number, delta: boolean, changedValues = delta): number {
  const w = new FileWriter(path);
  header(w);
  w.write(
    `\t<Классификатор>\n\t\t<Ид>${CLASSIFIER_ID}</Ид>\n\t\t<Наименование>Классификатор (Каталог товаров 07CFE53D)</Наименование>\n`,
  );
  owner(w, '\t\t');
  w.write('\t</Классификатор>\n');
  w.write(
    `\t<ПакетПредложений СодержитТолькоИзменения="${delta}">\n\t\t<Ид>${CLASSIFIER_ID}#</Ид>\n\t\t<Наименование>Пакет предложений (Каталог товаров 07CFE53D)</Наименование>\n\t\t<ИдКаталога>${CLASSIFIER_ID}</ИдКаталога>\n\t\t<ИдКлассификатора>${CLASSIFIER_ID}</ИдКлассификатора>\n`,
  );
  owner(w, '\t\t');
  w.write('\t\t<ТипыЦен>\n');
  for (const t of PRICE_TYPES) {
    w.write(
      `\t\t\t<ТипЦены>\n\t\t\t\t<Ид>${t.id}</Ид>\n\t\t\t\t<Наименование>${t.name}</Наименование>\n\t\t\t\t<Валюта>RUB</Валюта>\n\t\t\t\t<Налог>\n\t\t\t\t\t<Наименование>НДС</Наименование>\n\t\t\t\t\t<УчтеноВСумме>true</УчтеноВСумме>\n\t\t\t\t\t<Акциз>false</Акциз>\n\t\t\t\t</Налог>\n\t\t\t</ТипЦены>\n`,
    );
  }
  w.write('\t\t</ТипыЦен>\n\t\t<Склады>\n');
  for (const s of WAREHOUSES) {
    w.write(
      `\t\t\t<Склад>\n\t\t\t\t<Ид>${s.id}</Ид>\n\t\t\t\t<Наименование>${s.name}</Наименование>\n\t\t\t\t<Адрес>\n\t\t\t\t\t<Представление>${s.address}</Представление>\n\t\t\t\t</Адрес>\n\t\t\t</Склад>\n`,
    );
  }
  w.write('\t\t</Склады>\n\t\t<Предложения>\n');
  for (let i = 0; i < products; i++) {
    if (delta && !isDeltaProduct(i)) continue;
    const p = productText(i);
    const v = offerValues(i, changedValues);
    let prices = '';
    PRICE_TYPES.forEach((t, k) => {
      const kop = v.prices[k] as number;
      prices += `\t\t\t\t\t<Цена>
\t\t\t\t\t\t<Представление>${spaced(kop)} RUB за шт</Представление>
\t\t\t\t\t\t<ИдТипаЦены>${t.id}</ИдТипаЦены>
\t\t\t\t\t\t<ЦенаЗаЕдиницу>${money(kop)}</ЦенаЗаЕдиницу>
\t\t\t\t\t\t<Валюта>RUB</Валюта>
\t\t\t\t\t\t<Единица>шт</Единица>
\t\t\t\t\t\t<Коэффициент>1</Коэффициент>
\t\t\t\t\t</Цена>
`;
    });
    w.write(
      `\t\t\t<Предложение>
\t\t\t\t<Ид>${productGuid(i)}</Ид>
\t\t\t\t<Артикул>${p.sku}</Артикул>
\t\t\t\t<Наименование>${esc(p.name)}</Наименование>
\t\t\t\t<БазоваяЕдиница Код="796 " НаименованиеПолное="Штука">шт</БазоваяЕдиница>
\t\t\t\t<Цены>
${prices}\t\t\t\t</Цены>
\t\t\t\t<Количество>${v.stock[0] + v.stock[1]}</Количество>
\t\t\t\t<Склад ИдСклада="${WAREHOUSES[0].id}" КоличествоНаСкладе="${v.stock[0]}"/>
\t\t\t\t<Склад ИдСклада="${WAREHOUSES[1].id}" КоличествоНаСкладе="${v.stock[1]}"/>
\t\t\t</Предложение>
`,
    );
  }
  w.write('\t\t</Предложения>\n\t</ПакетПредложений>\n</КоммерческаяИнформация>\n');
  return w.close();
}

export interface CmlPackage {
  products: number;
  deltaOffers: number;
  importFile: string;
  offersFile: string;
  deltaFile: string;
  bytes: { import: number; offers: number; delta: number };
}

/** The 1% of offers the delta changes, as changes, back at their original values (undoes the delta). */
export function writeUndoDelta(dir: string, products: number): string {
  const file = join(dir, 'offers-undo.xml');
  writeOffers(file, products, true, false);
  return file;
}

/** Writes import.xml, offers.xml and offers-delta.xml (1% of offers changed) into `dir`. */
export function writeCmlPackage(dir: string, products: number): CmlPackage {
  const importFile = join(dir, 'import.xml');
  const offersFile = join(dir, 'offers.xml');
  const deltaFile = join(dir, 'offers-delta.xml');
  const bytes = {
    import: writeImport(importFile, products),
    offers: writeOffers(offersFile, products, false),
    delta: writeOffers(deltaFile, products, true),
  };
  let deltaOffers = 0;
  for (let i = 0; i < products; i++) if (isDeltaProduct(i)) deltaOffers++;
  return { products, deltaOffers, importFile, offersFile, deltaFile, bytes };
}
