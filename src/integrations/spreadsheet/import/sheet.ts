/**
 * A price-list sheet (rows of cells) → source-neutral catalog records, keyed by SKU. Columns are
 * found by their header (Russian or English), the header being the first row with an SKU column
 * and a name column (1C's printed price lists put title rows above it). A row without an SKU but
 * with a name is a group row: the products below it go to that category unless the file has a
 * category column. Every problem names its row and column; a file with problems is not applied.
 */
import { normalizeCurrency } from '../../../catalog/currency.js';
import { parseFlag, parseVat } from '../../../catalog/import/values.js';
import { normalizeBarcode, normalizeSku } from '../../../catalog/sku.js';

export type Field =
  | 'id'
  | 'sku'
  | 'name'
  | 'category'
  | 'unit'
  | 'visible'
  | 'brand'
  | 'description'
  | 'barcodes'
  | 'multiple'
  | 'min_qty'
  | 'country'
  | 'weight'
  | 'volume'
  | 'vat'
  | 'new'
  | 'sale'
  | 'currency'
  | `price:${string}`
  | `stock:${string}`
  | `characteristic:${string}`;

const SYNONYMS: Record<string, Field> = {
  артикул: 'sku',
  код: 'sku',
  sku: 'sku',
  article: 'sku',
  наименование: 'name',
  название: 'name',
  товар: 'name',
  name: 'name',
  product: 'name',
  категория: 'category',
  группа: 'category',
  category: 'category',
  group: 'category',
  'ед.': 'unit',
  ед: 'unit',
  'ед. изм.': 'unit',
  единица: 'unit',
  unit: 'unit',
  кратность: 'multiple',
  'кратность отгрузки': 'multiple',
  упаковка: 'multiple',
  'в упаковке': 'multiple',
  pack: 'multiple',
  multiple: 'multiple',
  'минимальная партия': 'min_qty',
  'мин. партия': 'min_qty',
  'минимальный заказ': 'min_qty',
  минимум: 'min_qty',
  'min qty': 'min_qty',
  minimum: 'min_qty',
  бренд: 'brand',
  производитель: 'brand',
  марка: 'brand',
  brand: 'brand',
  описание: 'description',
  description: 'description',
  штрихкод: 'barcodes',
  'штрих-код': 'barcodes',
  штрихкоды: 'barcodes',
  'штрих-коды': 'barcodes',
  barcode: 'barcodes',
  barcodes: 'barcodes',
  ean: 'barcodes',
  id: 'id',
  'id на портале': 'id',
  'код на портале': 'id',
  'portal id': 'id',
  страна: 'country',
  'страна происхождения': 'country',
  country: 'country',
  вес: 'weight',
  'вес, кг': 'weight',
  weight: 'weight',
  'weight, kg': 'weight',
  объем: 'volume',
  объём: 'volume',
  'объем, м3': 'volume',
  'объём, м³': 'volume',
  volume: 'volume',
  ндс: 'vat',
  'ставка ндс': 'vat',
  vat: 'vat',
  новинка: 'new',
  new: 'new',
  распродажа: 'sale',
  sale: 'sale',
  валюта: 'currency',
  'валюта цены': 'currency',
  currency: 'currency',
  виден: 'visible',
  видимость: 'visible',
  показывать: 'visible',
  visible: 'visible',
  остаток: 'stock:',
  stock: 'stock:',
  количество: 'stock:',
};

/** The field a header names, or null; price and stock columns carry their type / warehouse. */
export function fieldOf(header: string): Field | null {
  const h = header.trim().replace(/\s+/g, ' ');
  const lower = h.toLowerCase();
  const direct = SYNONYMS[lower];
  if (direct) return direct;
  const price = qualifier(h, ['цена', 'price']);
  if (price !== null) return `price:${price}`;
  const stock = qualifier(h, ['остаток', 'склад', 'stock', 'warehouse']);
  if (stock !== null) return `stock:${stock}`;
  // "Характеристика: Размер": one axis of the variant grid.
  const characteristic = qualifier(h, ['характеристика', 'characteristic']);
  if (characteristic) return `characteristic:${characteristic}`;
  return null;
}

/**
 * "Цена опт", "Price: Retail", "Остаток (Склад 2)" → the part after the word; null when the
 * header does not start with one of the words. String steps, not a regex: headers are user input.
 */
function qualifier(header: string, words: readonly string[]): string | null {
  const lower = header.toLowerCase();
  const word = words.find((w) => lower.startsWith(w));
  if (word === undefined) return null;
  let rest = header.slice(word.length).trim();
  if (rest.startsWith(':') || rest.startsWith('-') || rest.startsWith('–') || rest.startsWith('(')) rest = rest.slice(1).trim();
  if (rest.endsWith(')')) rest = rest.slice(0, -1).trim();
  return rest;
}

/** A column the admin (or config) said to leave out. */
export const IGNORE = '-';

/** Every field a column may be mapped to, besides price:<type> and stock:<warehouse>. */
export const PLAIN_FIELDS = [
  'id',
  'sku',
  'name',
  'category',
  'unit',
  'visible',
  'brand',
  'description',
  'barcodes',
  'multiple',
  'min_qty',
  'country',
  'weight',
  'volume',
  'vat',
  'new',
  'sale',
  'currency',
] as const;

/** Whether `text` is a field a column may be mapped to (config check, the web form). */
export function isField(text: string): text is Field {
  return (PLAIN_FIELDS as readonly string[]).includes(text) || /^(price|stock|characteristic):/.test(text);
}

export interface Mapping {
  readonly headerRow: number;
  /** Column index (0-based) → field. */
  readonly columns: ReadonlyMap<number, Field>;
  readonly headers: readonly string[];
}

export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function letterIndex(letter: string): number | null {
  if (!/^[A-Z]{1,3}$/i.test(letter)) return null;
  let n = 0;
  for (const c of letter.toUpperCase()) n = n * 26 + (c.charCodeAt(0) - 64);
  return n - 1;
}

/**
 * Finds the header among the first rows. `overrides` (config `integrations.spreadsheet.columns`)
 * maps a header text or a column letter to a field and wins over the synonyms.
 */
export function findMapping(
  rows: readonly (readonly string[])[],
  overrides: Readonly<Record<string, string>> = {},
  headerRow: number | null = null,
): Mapping | null {
  // A column letter key ("A", "AB") names a column; any other key is a header's text.
  const byHeader = new Map(
    Object.entries(overrides)
      .filter(([k]) => letterIndex(k) === null)
      .map(([k, v]) => [k.trim().replace(/\s+/g, ' ').toLowerCase(), v]),
  );
  const first = headerRow ?? 0;
  const last = headerRow ?? Math.min(rows.length, 30) - 1;
  for (let r = first; r <= last; r++) {
    const row = rows[r] ?? [];
    const columns = new Map<number, Field>();
    row.forEach((cell, c) => {
      const chosen = byHeader.get(cell.trim().replace(/\s+/g, ' ').toLowerCase());
      if (chosen === IGNORE) return;
      const field = (chosen as Field | undefined) ?? fieldOf(cell);
      if (field && !(field === 'sku' && [...columns.values()].includes('sku'))) columns.set(c, field);
    });
    for (const [key, field] of Object.entries(overrides)) {
      const index = letterIndex(key);
      if (index === null) continue;
      if (field === IGNORE) columns.delete(index);
      else columns.set(index, field as Field);
    }
    const fields = [...columns.values()];
    if (fields.includes('sku') && fields.includes('name')) return { headerRow: r, columns, headers: row.map((c) => c.trim()) };
  }
  return null;
}

export interface SheetProduct {
  readonly row: number;
  /** The portal's own product id (an exported file's "ID на портале"): matched before the SKU. */
  readonly id: number | null;
  readonly sku: string;
  readonly skuNorm: string;
  readonly name: string;
  readonly category: string | null;
  readonly unit: string | null;
  /** Null: the column is absent or the cell empty (the stored value stays). */
  readonly brand: string | null;
  readonly description: string | null;
  /** Digits only, sorted, without repeats; several in one cell separated by `,` or `;`. */
  readonly barcodes: string[] | null;
  /** False when the visible column says no (нет, 0, no, false, -); a missing column or an empty cell is visible. */
  readonly visible: boolean;
  /** Price type name (as in the header, '' = the default) → kopecks. */
  readonly prices: ReadonlyArray<readonly [string, number]>;
  /** Warehouse name ('' = the total) → quantity. */
  readonly stock: ReadonlyArray<readonly [string, number]>;
  /** The order multiple (pack) and the minimum quantity; null: no column or an empty cell (the stored value stays). */
  readonly multiple: number | null;
  readonly minQty: number | null;
  /** Kilograms and cubic metres of one unit, the country of origin; null: no column or an empty cell. */
  readonly weight: number | null;
  readonly volume: number | null;
  readonly country: string | null;
  /** Basis points, -1 = без НДС; null: no column or an empty cell. */
  readonly vatBp: number | null;
  /** The "new" and "sale" marks; null: no column or an empty cell. */
  readonly isNew: boolean | null;
  readonly isSale: boolean | null;
  /** ISO code the row's prices are in (USD, EUR, CNY …); null: roubles, or the price type's own currency. */
  readonly currency: string | null;
  /** [characteristic, value] of a variant row (rows of one SKU, told apart by these); empty: a plain product. */
  readonly characteristics: ReadonlyArray<readonly [string, string]>;
}

export interface Problem {
  readonly row: number;
  readonly column: string;
  readonly message: string;
}

function barcodesOf(cell: string): string[] | null {
  if (cell === '') return null;
  const codes = cell
    .split(/[,;]/)
    .map(normalizeBarcode)
    .filter((c) => c !== '');
  return [...new Set(codes)].sort();
}

const NUMBER_KIND = { multiple: 'a quantity', min_qty: 'a quantity', weight: 'a weight in kg', volume: 'a volume in m³' };

/** A variant's key within its product: its characteristics' values, in column order. */
export function variantKey(characteristics: ReadonlyArray<readonly [string, string]>): string {
  return characteristics.map(([, value]) => value.toLowerCase().replace(/\s+/g, ' ')).join('|');
}

/** Row 0: the whole file (it could not be read, or the import was refused). */
export function formatProblem(p: Problem): string {
  if (p.row === 0) return p.message;
  return p.column ? `row ${p.row}, column ${p.column}: ${p.message}` : `row ${p.row}: ${p.message}`;
}

/** "1 234,50", "1234.5", "1 234" → number; anything else → null. */
export function parseNumber(text: string): number | null {
  const t = text.replace(/[\s\u00a0\u202f]/g, '').replace(/(руб\.?|₽|р\.)$/i, '');
  if (!/^-?\d+([.,]\d+)?$/.test(t)) return null;
  return Number(t.replace(',', '.'));
}

export interface ReadSheet {
  readonly mapping: Mapping | null;
  /** The products read (empty when they were handed to `onProduct` instead). */
  readonly products: SheetProduct[];
  /** How many product rows were read. */
  readonly count: number;
  readonly problems: Problem[];
}

/** How many rows the header is looked for in. */
export const HEADER_ROWS = 30;

/**
 * Rows are numbered from 1 as the user sees them in the file. `head` holds the first rows (at
 * least HEADER_ROWS, or up to a given header row), `rest` the ones after them, read as they come.
 */
export async function readSheet(
  head: readonly (readonly string[])[],
  overrides: Readonly<Record<string, string>> = {},
  headerRow: number | null = null,
  rest: Iterable<readonly string[]> | AsyncIterable<readonly string[]> = [],
  onProduct?: (product: SheetProduct) => Promise<void> | void,
): Promise<ReadSheet> {
  const problems: Problem[] = [];
  const mapping = findMapping(head, overrides, headerRow);
  if (!mapping) {
    problems.push({
      row: 1,
      column: '',
      message: head.length === 0 ? 'the sheet is empty' : 'no header row with an SKU (Артикул) and a name (Наименование) column',
    });
    return { mapping, products: [], count: 0, problems };
  }
  const products: SheetProduct[] = [];
  let count = 0;
  const seen = new Map<string, number>();
  let group: string | null = null;
  const hasCategory = [...mapping.columns.values()].includes('category');
  async function* rowsAfterHeader(): AsyncGenerator<[readonly string[], number]> {
    let r = (mapping as Mapping).headerRow + 1;
    for (; r < head.length; r++) yield [head[r] ?? [], r];
    for await (const row of rest) yield [row, r++];
  }
  for await (const [row, r] of rowsAfterHeader()) {
    const rowNo = r + 1;
    const get = (field: Field): string => {
      for (const [c, f] of mapping.columns) if (f === field) return (row[c] ?? '').trim();
      return '';
    };
    if (row.every((c) => c.trim() === '')) continue;
    const sku = get('sku');
    const name = get('name');
    if (sku === '') {
      if (name !== '' || row.some((c) => c.trim() !== '')) group = (name || row.find((c) => c.trim() !== '') || '').trim();
      continue;
    }
    const skuNorm = normalizeSku(sku);
    const header = (c: number): string => mapping.headers[c] || columnLetter(c);
    const skuColumn = [...mapping.columns].find(([, f]) => f === 'sku')?.[0] ?? 0;
    const idText = get('id');
    const id = /^\d{1,15}$/.test(idText) ? Number(idText) : null;
    if (idText !== '' && id === null) {
      const idColumn = [...mapping.columns].find(([, f]) => f === 'id')?.[0] ?? 0;
      problems.push({ row: rowNo, column: header(idColumn), message: `«${idText}» is not a product ID` });
    }
    const characteristics: Array<[string, string]> = [];
    for (const [c, field] of mapping.columns) {
      const value = (row[c] ?? '').trim();
      if (field.startsWith('characteristic:') && value !== '')
        characteristics.push([field.slice('characteristic:'.length), value]);
    }
    // Variants share their product's SKU: the portal's ID, else their characteristics, tell the rows apart.
    const key = id !== null ? `#${id}` : characteristics.length > 0 ? `${skuNorm}#${variantKey(characteristics)}` : skuNorm;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ row: rowNo, column: header(skuColumn), message: `SKU «${sku}» is already on row ${first}` });
      continue;
    }
    seen.set(key, rowNo);
    if (name === '')
      problems.push({
        row: rowNo,
        column: header([...mapping.columns].find(([, f]) => f === 'name')?.[0] ?? 0),
        message: 'the name is empty',
      });
    // Pairs, not Maps: a 100k-row list holds 200k of them.
    const prices: Array<[string, number]> = [];
    const stock: Array<[string, number]> = [];
    const rule: { multiple: number | null; min_qty: number | null; weight: number | null; volume: number | null } = {
      multiple: null,
      min_qty: null,
      weight: null,
      volume: null,
    };
    const marks: { new: boolean | null; sale: boolean | null } = { new: null, sale: null };
    let vatBp: number | null = null;
    let currency: string | null = null;
    for (const [c, field] of mapping.columns) {
      const text = (row[c] ?? '').trim();
      if (text === '') continue;
      if (field === 'multiple' || field === 'min_qty' || field === 'weight' || field === 'volume') {
        const value = parseNumber(text);
        if (value === null || value < 0)
          problems.push({ row: rowNo, column: header(c), message: `«${text}» is not ${NUMBER_KIND[field]}` });
        else rule[field] = value;
      } else if (field === 'new' || field === 'sale') {
        const value = parseFlag(text);
        if (value === null) problems.push({ row: rowNo, column: header(c), message: `«${text}» is not yes or no (да/нет)` });
        else marks[field] = value;
      } else if (field === 'currency') {
        currency = normalizeCurrency(text);
        if (currency === null || !/^[A-Z]{3}$/.test(currency)) {
          problems.push({ row: rowNo, column: header(c), message: `«${text}» is not a currency (RUB, USD, EUR, CNY …)` });
          currency = null;
        }
      } else if (field === 'vat') {
        vatBp = parseVat(text);
        if (vatBp === null)
          problems.push({ row: rowNo, column: header(c), message: `«${text}» is not a VAT rate (20, 10 %, без НДС)` });
      } else if (field.startsWith('price:') || field.startsWith('stock:')) {
        const value = parseNumber(text);
        if (value === null || value < 0) {
          problems.push({ row: rowNo, column: header(c), message: `«${text}» is not a number` });
          continue;
        }
        if (field.startsWith('price:')) prices.push([field.slice(6), Math.round(value * 100)]);
        else stock.push([field.slice(6), value]);
      }
    }
    const product: SheetProduct = {
      row: rowNo,
      id,
      sku,
      skuNorm,
      name,
      category: hasCategory ? get('category') || null : group,
      unit: get('unit') || null,
      visible: !/^(нет|no|false|0|-|скрыт|hidden)$/i.test(get('visible')),
      brand: get('brand') || null,
      description: get('description') || null,
      barcodes: barcodesOf(get('barcodes')),
      prices,
      stock,
      multiple: rule.multiple,
      minQty: rule.min_qty,
      weight: rule.weight,
      volume: rule.volume,
      country: get('country') || null,
      vatBp,
      isNew: marks.new,
      isSale: marks.sale,
      currency,
      characteristics,
    };
    count++;
    if (onProduct) await onProduct(product);
    else products.push(product);
  }
  return { mapping, products, count, problems };
}
