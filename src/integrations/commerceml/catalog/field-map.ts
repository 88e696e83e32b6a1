/**
 * config.yml's map of accounting fields, applied to one 1C product: for each portal field the
 * first name the product has (properties first, then requisites, then unit ratios) gives the
 * value, read the way that field needs it (a number with a comma, "да"/"нет", a VAT rate). It also
 * counts what it found, so the exchange page and `optovik config check --against` can say which
 * mapped names a package never had (a typo shows before the first exchange does harm).
 */

import { parseAmount, parseFlag, parseVat } from '../../../catalog/import/values.js';
import { findOption } from '../../../config/schema.js';
import type { CommerceMlFields, FieldSource, QuantitySource } from '../../../config/types.js';

export const MAPPED_FIELDS = [
  'multiple',
  'minQty',
  'brand',
  'description',
  'country',
  'weight',
  'volume',
  'vat',
  'new',
  'sale',
  'visible',
] as const;
export type MappedField = (typeof MAPPED_FIELDS)[number];

/** YAML names of the fields, for messages and the exchange page. */
export const YAML_NAME: Record<MappedField, string> = {
  multiple: 'multiple',
  minQty: 'min_qty',
  brand: 'brand',
  description: 'description',
  country: 'country',
  weight: 'weight',
  volume: 'volume',
  vat: 'vat',
  new: 'new',
  sale: 'sale',
  visible: 'visible',
};

/** What a product's mapped fields say; a field left out was not found and keeps its stored value. */
export interface MappedValues {
  multiple?: number;
  minQty?: number;
  brand?: string;
  description?: string;
  country?: string;
  weight?: number;
  volume?: number;
  /** Basis points; -1 = "без НДС". */
  vat?: number;
  new?: boolean;
  sale?: boolean;
  visible?: boolean;
}

/** Where one product's values are: its properties (Справочник values resolved), requisites and unit ratios. */
export interface ProductSources {
  readonly properties: ReadonlyArray<readonly [string, string]>;
  readonly requisites: ReadonlyMap<string, string>;
  /** БазоваяЕдиница/Пересчет: every name the packing unit goes by (code, short name), and its ratio. */
  readonly ratios: ReadonlyArray<{ readonly names: readonly string[]; readonly ratio: number }>;
}

type SourceKind = 'property' | 'requisite' | 'unit';

const fold = (name: string) => name.trim().toLowerCase().replace(/ё/g, 'е');

/** Counts, over a whole run, how many products each field was filled for and which mapped names were ever seen. */
export class FieldFill {
  products = 0;
  readonly filled: Partial<Record<MappedField, number>> = {};
  /** `field|kind|name` of every mapped name some product had. */
  readonly seen = new Set<string>();

  toJSON(): FieldFillReport {
    return { products: this.products, filled: { ...this.filled }, seen: [...this.seen] };
  }
}

/** FieldFill as it crosses threads and is kept on the run. */
export interface FieldFillReport {
  products: number;
  filled: Partial<Record<MappedField, number>>;
  seen: string[];
}

/**
 * The names config.yml maps that no product of the package had: [field, "property «Кратность»"].
 * Only names someone wrote into config.yml count: the built-in ones are guesses at common 1C
 * spellings, and most of them are absent from any one database.
 */
export function unseenNames(fields: CommerceMlFields, report: FieldFillReport): Array<[string, string]> {
  const seen = new Set(report.seen);
  const unseen: Array<[string, string]> = [];
  for (const field of MAPPED_FIELDS) {
    for (const [kind, names] of sourcesOf(fields[field])) {
      const builtIn = new Set(defaultNames(field, kind).map(fold));
      for (const name of names)
        if (!seen.has(`${field}|${kind}|${fold(name)}`) && !builtIn.has(fold(name)))
          unseen.push([YAML_NAME[field], `${kind} «${name}»`]);
    }
  }
  return unseen;
}

function defaultNames(field: MappedField, kind: SourceKind): readonly string[] {
  const option = findOption(`integrations.commerceml.fields.${YAML_NAME[field]}.${kind}`);
  const legacy = field === 'brand' && kind === 'property' ? findOption('integrations.commerceml.brand_properties') : undefined;
  const list = (o: typeof option) => (o && Array.isArray(o.default) ? (o.default as readonly string[]) : []);
  return [...list(option), ...list(legacy)];
}

function sourcesOf(source: FieldSource | QuantitySource): Array<[SourceKind, readonly string[]]> {
  const kinds: Array<[SourceKind, readonly string[]]> = [
    ['property', source.property],
    ['requisite', source.requisite],
  ];
  if ('unit' in source) kinds.push(['unit', source.unit]);
  return kinds;
}

/** Reads one product's mapped fields; a value that cannot be read is a warning and the field stays as it was. */
export function readMapped(
  fields: CommerceMlFields,
  sources: ProductSources,
  fill: FieldFill,
  warn: (message: string) => void,
): MappedValues {
  fill.products++;
  const properties = new Map<string, string>();
  for (const [name, value] of sources.properties) if (!properties.has(fold(name))) properties.set(fold(name), value);
  const requisites = new Map<string, string>();
  for (const [name, value] of sources.requisites) if (!requisites.has(fold(name))) requisites.set(fold(name), value);
  const ratios = new Map<string, number>();
  for (const { names, ratio } of sources.ratios) for (const n of names) if (!ratios.has(fold(n))) ratios.set(fold(n), ratio);

  const values: MappedValues = {};
  for (const field of MAPPED_FIELDS) {
    const found = firstFound(field, fields[field], properties, requisites, ratios, fill);
    if (!found) continue;
    const value = convert(field, found.value);
    if (value === null) {
      warn(`${YAML_NAME[field]}: «${found.name}» is "${found.value.slice(0, 40)}", ${EXPECTED[field]}: left as it was`);
      continue;
    }
    (values as Record<MappedField, unknown>)[field] = value;
    fill.filled[field] = (fill.filled[field] ?? 0) + 1;
  }
  return values;
}

function firstFound(
  field: MappedField,
  source: FieldSource | QuantitySource,
  properties: ReadonlyMap<string, string>,
  requisites: ReadonlyMap<string, string>,
  ratios: ReadonlyMap<string, number>,
  fill: FieldFill,
): { name: string; value: string } | undefined {
  let first: { name: string; value: string } | undefined;
  for (const [kind, names] of sourcesOf(source)) {
    const lookup = kind === 'property' ? properties : kind === 'requisite' ? requisites : null;
    for (const name of names) {
      const value = lookup ? lookup.get(fold(name)) : ratios.has(fold(name)) ? String(ratios.get(fold(name))) : undefined;
      if (value === undefined || value.trim() === '') continue;
      fill.seen.add(`${field}|${kind}|${fold(name)}`);
      first ??= { name, value };
    }
  }
  return first;
}

const EXPECTED: Record<MappedField, string> = {
  multiple: 'not a quantity',
  minQty: 'not a quantity',
  brand: 'not a text',
  description: 'not a text',
  country: 'not a text',
  weight: 'not a weight in kg',
  volume: 'not a volume in m³',
  vat: 'not a VAT rate',
  new: 'not yes or no',
  sale: 'not yes or no',
  visible: 'not yes or no',
};

function convert(field: MappedField, text: string): number | string | boolean | null {
  switch (field) {
    case 'multiple':
    case 'minQty':
    case 'weight':
    case 'volume':
      return parseAmount(text);
    case 'vat':
      return parseVat(text);
    case 'new':
    case 'sale':
    case 'visible':
      return parseFlag(text);
    case 'brand':
    case 'description':
    case 'country':
      return text.trim();
  }
}
