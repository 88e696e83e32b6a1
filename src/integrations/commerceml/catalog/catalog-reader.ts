/**
 * Turns the elements of a CommerceML catalog file into records. It decides what a file is by
 * what it holds (Классификатор, Каталог, ПакетПредложений — any mix, any of versions 2.03–3.1),
 * never by its name: split packages (import___, offers___, prices___, rests___) and 3.1
 * folders are just files holding fewer of these parts.
 */

import { normalizeCurrency } from '../../../catalog/currency.js';
import {
  type Coverage,
  type NamedRecord,
  type RecordSink,
  TOTAL_STOCK,
  type UnitRecord,
} from '../../../catalog/import/records.js';
import { normalizeBarcode } from '../../../catalog/sku.js';
import type { CommerceMlFields } from '../../../config/types.js';
import { at, child, children, decimal, isTrue, requisites, textOf } from '../xml/node.js';
import type { XmlNode, XmlVisitor } from '../xml/reader.js';
import { FieldFill, type ProductSources, readMapped } from './field-map.js';

/** The 1C reader writes into the source-neutral sink of src/catalog/import. */
export type CatalogSink = RecordSink;

interface Property {
  readonly name: string;
  readonly values: Map<string, string>;
}

const NONE: readonly string[] = [];
const NO_SOURCE = { property: NONE, requisite: NONE };
/** No map at all: a reader used without config.yml (fuzzing) fills only what CommerceML itself says. */
const NO_FIELDS: CommerceMlFields = {
  multiple: { ...NO_SOURCE, unit: NONE },
  minQty: { ...NO_SOURCE, unit: NONE },
  brand: NO_SOURCE,
  description: NO_SOURCE,
  country: NO_SOURCE,
  weight: NO_SOURCE,
  volume: NO_SOURCE,
  vat: NO_SOURCE,
  new: NO_SOURCE,
  sale: NO_SOURCE,
  visible: NO_SOURCE,
  fractional: { unit: NONE },
};

/** Fields shown as themselves on the product page: a property that fills one is not listed again among the properties. */
const SHOWN_AS_FIELD = ['brand', 'description', 'country', 'weight', 'volume', 'vat', 'new', 'sale', 'visible'] as const;

/** What the files of one run share: properties and units are declared once, used later. */
export class CatalogDictionary {
  readonly properties = new Map<string, Property>();
  readonly units = new Map<string, UnitRecord>();
  readonly coverage: Coverage = { groups: false, products: false, offers: false };
  readonly fill = new FieldFill();
  /** Lower-cased names of the properties that fill a field shown on its own. */
  readonly fieldProperties: ReadonlySet<string>;
  constructor(
    /** config.yml's integrations.commerceml.fields: where this 1C keeps each product field. */
    readonly fields: CommerceMlFields = NO_FIELDS,
  ) {
    this.fieldProperties = new Set(SHOWN_AS_FIELD.flatMap((f) => fields[f].property.map((n) => n.toLowerCase())));
  }

  isMapped(field: 'new' | 'sale'): boolean {
    return this.fields[field].property.length + this.fields[field].requisite.length > 0;
  }
}

/** Elements collected whole, keyed by `<parent>/<name>`. */
const COLLECT = new Set([
  'Классификатор/Группы',
  'Свойства/Свойство',
  'ТипыЦен/ТипЦены',
  'Склады/Склад',
  'ЕдиницыИзмерения/ЕдиницаИзмерения',
  'Товары/Товар',
  'Предложения/Предложение',
  'Каталог/СодержитТолькоИзменения',
  'ПакетПредложений/СодержитТолькоИзменения',
  'Классификатор/СодержитТолькоИзменения',
]);

const SECTION_COVERAGE: Record<string, keyof Coverage> = {
  Каталог: 'products',
  ПакетПредложений: 'offers',
  Классификатор: 'groups',
};

export function catalogVisitor(dictionary: CatalogDictionary, sink: CatalogSink): XmlVisitor {
  const brandNames = dictionary.fields.brand.property.map((n) => n.toLowerCase());
  let hadGroups = false;

  function setCoverage(section: string, onlyChanges: string | undefined): void {
    const part = SECTION_COVERAGE[section];
    // No attribute at all says nothing: only an explicit "false" may hide what is absent.
    if (part && onlyChanges !== undefined && !isTrue(onlyChanges) && onlyChanges.trim().toLowerCase() === 'false') {
      dictionary.coverage[part] = true;
      if (part === 'products' && hadGroups) dictionary.coverage.groups = true;
    }
  }

  return {
    open(name, attrs, path) {
      const parent = path.at(-1);
      if (name in SECTION_COVERAGE && attrs.СодержитТолькоИзменения !== undefined)
        setCoverage(name, attrs.СодержитТолькоИзменения);
      if (name === 'Склад' && parent !== 'Склады') return undefined;
      return parent !== undefined && COLLECT.has(`${parent}/${name}`) ? true : undefined;
    },
    node(node, path) {
      const parent = path.at(-1) ?? '';
      switch (node.name) {
        case 'Группы':
          hadGroups = true;
          readGroups(node, null, sink);
          break;
        case 'Свойство':
          readProperty(node, dictionary);
          break;
        case 'ТипЦены':
          // 1C's sample price types are in dollars: a dollar must never be shown as a rouble.
          readNamed(node, (r) => sink.priceType({ ...r, currency: normalizeCurrency(textOf(node, 'Валюта')) }), sink);
          break;
        case 'Склад':
          readNamed(node, sink.warehouse.bind(sink), sink);
          break;
        case 'ЕдиницаИзмерения':
          readUnit(node, dictionary);
          break;
        case 'Товар':
          readProduct(node, dictionary, brandNames, sink);
          break;
        case 'Предложение':
          readOffer(node, dictionary, brandNames, sink);
          break;
        case 'СодержитТолькоИзменения':
          setCoverage(parent, node.text.trim());
          break;
      }
    },
  };
}

function readGroups(list: XmlNode, parentExt: string | null, sink: CatalogSink): void {
  let sort = 0;
  for (const group of children(list, 'Группа')) {
    const ext = textOf(group, 'Ид');
    if (!ext) {
      sink.warning(group.line, 'a group without Ид was skipped');
      continue;
    }
    sink.group({ ext, parentExt, name: textOf(group, 'Наименование') || ext, deleted: isDeleted(group), sort: sort++ });
    const nested = child(group, 'Группы');
    if (nested) readGroups(nested, ext, sink);
  }
}

function readProperty(node: XmlNode, dictionary: CatalogDictionary): void {
  const ext = textOf(node, 'Ид');
  if (!ext) return;
  const values = new Map<string, string>();
  for (const variant of children(child(node, 'ВариантыЗначений'), 'Справочник')) {
    const id = textOf(variant, 'ИдЗначения');
    if (id) values.set(id, textOf(variant, 'Значение'));
  }
  dictionary.properties.set(ext, { name: textOf(node, 'Наименование') || ext, values });
}

function readNamed(node: XmlNode, emit: (r: NamedRecord) => void, sink: CatalogSink): void {
  const ext = textOf(node, 'Ид');
  if (!ext) {
    sink.warning(node.line, `<${node.name}> without Ид was skipped`);
    return;
  }
  emit({ ext, name: textOf(node, 'Наименование') || ext });
}

function readUnit(node: XmlNode, dictionary: CatalogDictionary): void {
  const code = textOf(node, 'Код');
  const short = textOf(node, 'НаименованиеКраткое');
  const unit: UnitRecord = { key: code || short, name: short || code, fullName: textOf(node, 'НаименованиеПолное') };
  if (!unit.key) return;
  for (const key of [textOf(node, 'Ид'), code, short]) if (key) dictionary.units.set(key, unit);
}

function unitOf(node: XmlNode, dictionary: CatalogDictionary): UnitRecord | null {
  const base = child(node, 'БазоваяЕдиница');
  if (!base) return null;
  const text = base.text.trim();
  const code = (base.attrs.Код ?? '').trim();
  // 2.09+: the element may only name a unit declared in ЕдиницыИзмерения.
  const declared = dictionary.units.get(text) ?? (code ? dictionary.units.get(code) : undefined);
  if (declared && (!code || text === declared.key || text === '')) return declared;
  const name = text || (base.attrs.НаименованиеКраткое ?? '').trim() || code;
  if (!name && !code) return null;
  return { key: code || name, name: name || code, fullName: (base.attrs.НаименованиеПолное ?? '').trim() };
}

function isDeleted(node: XmlNode): boolean {
  return (
    isTrue(textOf(node, 'ПометкаУдаления')) ||
    (node.attrs.Статус ?? '').trim() === 'Удален' ||
    textOf(node, 'Статус') === 'Удален'
  );
}

function barcodesOf(node: XmlNode): string[] | null {
  const elements = children(node, 'Штрихкод');
  const fromRequisite = requisites(node).get('Штрихкод');
  if (elements.length === 0 && fromRequisite === undefined) return null;
  const codes = [...elements.map((e) => e.text), fromRequisite ?? '']
    .flatMap((text) => text.split(/[,;]/))
    .map(normalizeBarcode)
    .filter((c) => c !== '');
  return [...new Set(codes)].sort();
}

function vatOf(node: XmlNode): number | null {
  for (const rate of children(child(node, 'СтавкиНалогов'), 'СтавкаНалога')) {
    if (!/ндс|vat/i.test(textOf(rate, 'Наименование'))) continue;
    const value = textOf(rate, 'Ставка');
    const percent = decimal(value.replace('%', ''));
    if (Number.isFinite(percent)) return Math.round(percent * 100);
    if (/без/i.test(value)) return -1;
  }
  return null;
}

function propertiesOf(node: XmlNode, dictionary: CatalogDictionary): Array<[string, string]> | null {
  const list = child(node, 'ЗначенияСвойств');
  if (!list) return null;
  const result: Array<[string, string]> = [];
  for (const entry of children(list, 'ЗначенияСвойства')) {
    const property = dictionary.properties.get(textOf(entry, 'Ид'));
    if (!property) continue;
    const values = children(entry, 'Значение')
      .map((v) => v.text.trim())
      .filter((v) => v !== '')
      .map((v) => property.values.get(v) ?? v);
    if (values.length > 0) result.push([property.name, values.join(', ')]);
  }
  return result;
}

/**
 * The first brand property becomes the product's brand (shown and filtered as such) and leaves
 * the property list, so the product page does not say it twice.
 */
function splitBrand(
  properties: Array<[string, string]>,
  brandNames: readonly string[],
): { brand: string | null; others: Array<[string, string]> } {
  const index = properties.findIndex(([name]) => brandNames.includes(name.toLowerCase()));
  if (index < 0) return { brand: null, others: properties };
  return { brand: (properties[index] as [string, string])[1], others: properties.filter((_, i) => i !== index) };
}

function variantNameOf(node: XmlNode): string | null {
  const list = child(node, 'ХарактеристикиТовара');
  if (!list) return null;
  const values = children(list, 'ХарактеристикаТовара')
    .map((c) => textOf(c, 'Значение'))
    .filter((v) => v !== '');
  return values.join(', ');
}

/** ХарактеристикаТовара name/value pairs (each name once, the first value wins); null when the list is absent. */
function characteristicsOf(node: XmlNode): Array<[string, string]> | null {
  const list = child(node, 'ХарактеристикиТовара');
  if (!list) return null;
  const pairs: Array<[string, string]> = [];
  for (const c of children(list, 'ХарактеристикаТовара')) {
    const name = textOf(c, 'Наименование');
    const value = textOf(c, 'Значение');
    if (name && value && !pairs.some(([n]) => n === name)) pairs.push([name, value]);
  }
  return pairs;
}

function optionalText(node: XmlNode, name: string): string | null {
  return child(node, name) ? textOf(node, name) : null;
}

function splitExt(ext: string): string | null {
  const hash = ext.indexOf('#');
  return hash > 0 && hash < ext.length - 1 ? ext.slice(0, hash) : null;
}

/** БазоваяЕдиница/Пересчет: each packing unit (by code and by name) and how many base units it holds. */
function ratiosOf(node: XmlNode, dictionary: CatalogDictionary): ProductSources['ratios'] {
  const ratios: Array<{ names: string[]; ratio: number }> = [];
  for (const conversion of children(child(node, 'БазоваяЕдиница'), 'Пересчет')) {
    const unit = textOf(conversion, 'Единица');
    const ratio = decimal(textOf(conversion, 'Коэффициент'));
    if (!unit || !Number.isFinite(ratio) || ratio <= 0) continue;
    const declared = dictionary.units.get(unit);
    ratios.push({ names: [unit, ...(declared ? [declared.key, declared.name] : [])], ratio });
  }
  return ratios;
}

function readProduct(node: XmlNode, dictionary: CatalogDictionary, brandNames: readonly string[], sink: CatalogSink): void {
  const ext = textOf(node, 'Ид');
  if (!ext) {
    sink.warning(node.line, 'a product without Ид was skipped');
    return;
  }
  const listed = propertiesOf(node, dictionary) ?? [];
  const reqs = requisites(node);
  const warn = (message: string) => sink.warning(node.line, `product ${ext}: ${message}`);
  const mapped = readMapped(
    dictionary.fields,
    { properties: listed, requisites: reqs, ratios: ratiosOf(node, dictionary) },
    dictionary.fill,
    warn,
  );
  const { brand: brandProperty, others } = splitBrand(listed, brandNames);
  const properties = others.filter(([name]) => !dictionary.fieldProperties.has(name.toLowerCase()));
  const brand = mapped.brand ?? brandProperty ?? (textOf(at(node, 'Изготовитель'), 'Наименование') || '');
  sink.product({
    source: 'catalog',
    ext,
    parentExt: splitExt(ext),
    sku: textOf(node, 'Артикул'),
    name: textOf(node, 'Наименование') || ext,
    fullName: reqs.get('Полное наименование') ?? '',
    description: mapped.description ?? textOf(node, 'Описание'),
    brand,
    unit: unitOf(node, dictionary),
    groupExt: textOf(child(node, 'Группы'), 'Ид') || null,
    vatBp: mapped.vat ?? vatOf(node),
    variantName: variantNameOf(node) ?? '',
    characteristics: characteristicsOf(node) ?? [],
    barcodes: barcodesOf(node) ?? [],
    properties,
    images: children(node, 'Картинка')
      .map((c) => c.text.trim())
      .filter((p) => p !== ''),
    deleted: isDeleted(node),
    multiple: mapped.multiple ?? null,
    minQty: mapped.minQty ?? null,
    weight: mapped.weight ?? null,
    volume: mapped.volume ?? null,
    country: mapped.country ?? null,
    // A Товар carries all its properties: a mapped mark it no longer has is gone.
    isNew: mapped.new ?? (dictionary.isMapped('new') ? false : null),
    isSale: mapped.sale ?? (dictionary.isMapped('sale') ? false : null),
    visible: mapped.visible ?? null,
  });
}

function readOffer(node: XmlNode, dictionary: CatalogDictionary, brandNames: readonly string[], sink: CatalogSink): void {
  const ext = textOf(node, 'Ид');
  if (!ext) {
    sink.warning(node.line, 'an offer without Ид was skipped');
    return;
  }
  const parentExt = splitExt(ext);
  const name = optionalText(node, 'Наименование');
  const listed = propertiesOf(node, dictionary);
  const { brand, others: properties } = listed === null ? { brand: null, others: null } : splitBrand(listed, brandNames);
  const deleted = isDeleted(node);
  if (parentExt !== null || name !== null || deleted) {
    sink.product({
      source: 'offer',
      ext,
      parentExt,
      sku: optionalText(node, 'Артикул'),
      name,
      fullName: null,
      description: null,
      brand,
      unit: unitOf(node, dictionary),
      groupExt: null,
      vatBp: null,
      variantName: variantNameOf(node),
      characteristics: characteristicsOf(node),
      barcodes: barcodesOf(node),
      properties,
      images: null,
      deleted,
    });
  }

  for (const price of children(child(node, 'Цены'), 'Цена')) {
    const type = textOf(price, 'ИдТипаЦены');
    const value = decimal(textOf(price, 'ЦенаЗаЕдиницу'));
    const ratio = decimal(textOf(price, 'Коэффициент') || '1');
    if (!type || !Number.isFinite(value) || value < 0 || !Number.isFinite(ratio) || ratio <= 0) {
      sink.warning(price.line, `offer ${ext}: price "${textOf(price, 'ЦенаЗаЕдиницу')}" skipped (not a price)`);
      continue;
    }
    sink.price({
      ext,
      priceType: type,
      price: Math.round((value * 100) / ratio),
      currency: normalizeCurrency(textOf(price, 'Валюта')),
    });
  }

  let perWarehouse = false;
  for (const store of children(node, 'Склад')) {
    const warehouse = (store.attrs.ИдСклада ?? '').trim();
    const quantity = decimal(store.attrs.КоличествоНаСкладе ?? '');
    if (warehouse && Number.isFinite(quantity)) {
      sink.stock({ ext, warehouseExt: warehouse, quantity });
      perWarehouse = true;
    }
  }
  for (const rest of children(child(node, 'Остатки'), 'Остаток')) {
    const store = child(rest, 'Склад');
    const quantity = decimal(textOf(store ?? rest, 'Количество'));
    if (!Number.isFinite(quantity)) continue;
    const warehouse = store ? textOf(store, 'Ид') : '';
    sink.stock({ ext, warehouseExt: warehouse || TOTAL_STOCK, quantity });
    perWarehouse ||= warehouse !== '';
  }
  const total = optionalText(node, 'Количество');
  if (!perWarehouse && total !== null) {
    const quantity = decimal(total);
    if (Number.isFinite(quantity)) sink.stock({ ext, warehouseExt: TOTAL_STOCK, quantity });
  }
}
