/**
 * The catalog from MoySklad: folders → categories, products and variants (characteristics → the
 * same variant model the 1C import uses), units, barcodes, article, custom attributes →
 * properties (one of them the brand), archived → hidden, sale prices per mapped price type,
 * stock per counted store. Everything is read first (1,000 rows a page, no per-product requests)
 * into the staging the 1C import uses, then switched in one transaction: a failed page leaves the
 * catalog as it was. A full sync reads everything and hides what MoySklad no longer has; an
 * incremental one reads only what changed since the last (`updated>=`, stock by `changedSince`).
 */

import { normalizeCurrency, ROUBLE } from '../../catalog/currency.js';
import { type ApplyCounts, type ProductRecord, productKeyOnly, type UnitRecord } from '../../catalog/import/index.js';
import { parseAmount, parseFlag } from '../../catalog/import/values.js';
import type { Config } from '../../config/types.js';
import type { AppContext } from '../../context.js';
import { CatalogSwitch } from './catalog-switch.js';
import type { MoySkladClient, Query } from './client.js';
import type { Directory } from './directory.js';
import { type GoodWithImages, ImageNotes } from './pull-images.js';
import { idOf, type Meta, type Ref } from './wire.js';

interface MsAttribute {
  name: string;
  value?: unknown;
}

interface MsSalePrice {
  value: number;
  priceType: { id: string };
  currency?: Ref;
}

interface MsCurrency {
  id: string;
  isoCode?: string;
  code?: string;
  name?: string;
}

interface MsGood extends GoodWithImages {
  meta: { type: string };
  id: string;
  updated: string;
  name: string;
  archived?: boolean;
  code?: string;
  article?: string;
  description?: string;
  productFolder?: Ref;
  uom?: Ref;
  vat?: number;
  vatEnabled?: boolean;
  effectiveVat?: number;
  effectiveVatEnabled?: boolean;
  barcodes?: Record<string, string>[];
  attributes?: MsAttribute[];
  salePrices?: MsSalePrice[];
  characteristics?: { name: string; value: string }[];
  product?: Ref;
  weight?: number;
  volume?: number;
  packs?: { uom?: Ref; quantity?: number }[];
}

interface MsFolder {
  id: string;
  updated: string;
  name: string;
  archived?: boolean;
  productFolder?: Ref;
}

interface MsUom {
  id: string;
  name: string;
  code?: string;
  description?: string;
}

interface StockByStoreRow {
  meta: Meta;
  stockByStore: { meta: Meta; stock?: number }[];
}

export type CatalogWatermarks = Partial<Record<'productfolder' | 'product' | 'variant' | 'stock', string>>;

export interface CatalogPull {
  counts: ApplyCounts & { folders_read: number; products_read: number; variants_read: number; stock_rows_read: number };
  watermarks: CatalogWatermarks;
  /** Values config.yml's map found but could not read. */
  warnings: string[];
}

const mappedName = (items: readonly string[], name: string): string | null => {
  if (items.length === 0) return name;
  for (const item of items) {
    const eq = item.lastIndexOf('=');
    if (item.slice(0, eq).trim().toLowerCase() === name.toLowerCase()) return item.slice(eq + 1).trim();
  }
  return null;
};

function text(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object' && 'name' in value) return String((value as { name: unknown }).name);
  if (typeof value === 'boolean') return value ? 'да' : 'нет';
  return String(value);
}

const fold = (name: string) => name.trim().toLowerCase().replace(/ё/g, 'е');

/**
 * config.yml's map of MoySklad fields for one product: custom attributes (and pack quantities)
 * where the map says, MoySklad's own weight and volume. A value that cannot be read is a warning.
 */
function mappedFields(
  g: MsGood,
  attributes: readonly MsAttribute[],
  units: ReadonlyMap<string, UnitRecord>,
  fields: Config['integrations']['moysklad']['fields'],
  warn: (message: string) => void,
): Partial<ProductRecord> {
  const attribute = (names: readonly string[]) => {
    for (const name of names) {
      const found = attributes.find((a) => fold(a.name) === fold(name) && text(a.value) !== '');
      if (found) return { name: found.name, value: text(found.value) };
    }
    return null;
  };
  const pack = (names: readonly string[]) => {
    const wanted = new Set(names.map(fold));
    const found = g.packs?.find((p) => {
      const unit = units.get(idOf(p.uom) ?? '');
      return unit !== undefined && (wanted.has(fold(unit.name)) || wanted.has(fold(unit.key)));
    });
    return found?.quantity !== undefined && found.quantity > 0 ? found.quantity : null;
  };
  const read = <T>(names: readonly string[], parse: (text: string) => T | null, what: string): T | null => {
    const found = attribute(names);
    if (!found) return null;
    const value = parse(found.value);
    if (value === null) warn(`attribute «${found.name}» is "${found.value.slice(0, 40)}", not ${what}: left as it was`);
    return value;
  };
  const mark = (names: readonly string[]) => read(names, parseFlag, 'yes or no') ?? (names.length > 0 ? false : null);
  const visible = read(fields.visible.attribute, parseFlag, 'yes or no');
  return {
    multiple: read(fields.multiple.attribute, parseAmount, 'a quantity') ?? pack(fields.multiple.unit),
    minQty: read(fields.minQty.attribute, parseAmount, 'a quantity') ?? pack(fields.minQty.unit),
    country: attribute(fields.country.attribute)?.value ?? null,
    weight: g.weight !== undefined && g.weight > 0 ? g.weight : null,
    volume: g.volume !== undefined && g.volume > 0 ? g.volume : null,
    isNew: mark(fields.new.attribute),
    isSale: mark(fields.sale.attribute),
    ...(visible === false ? { deleted: true } : {}),
  };
}

export async function pullCatalog(
  ctx: AppContext,
  client: MoySkladClient,
  directory: Directory,
  opts: { full: boolean; since: CatalogWatermarks; now: string; onProgress?: (text: string) => void },
): Promise<CatalogPull> {
  const config = ctx.config.integrations.moysklad;
  const priceTypeNames = config.priceTypes;
  const defaultMs = config.defaultPriceType !== '' ? config.defaultPriceType : (directory.priceTypes[0]?.name ?? '');
  const sw = new CatalogSwitch(ctx, {
    idColumn: 'external_ms_id',
    priceTypes: [],
    defaultPriceType: mappedName(priceTypeNames, defaultMs) ?? '',
    fractionalUnits: ctx.config.integrations.commerceml.fields.fractional.unit,
  });
  const watermarks: CatalogWatermarks = {};
  const mark = (what: keyof CatalogWatermarks, updated: string) => {
    const current = watermarks[what];
    if (current === undefined || updated > current) watermarks[what] = updated;
  };
  const read = { folders_read: 0, products_read: 0, variants_read: 0, stock_rows_read: 0 };
  const changed = (what: keyof CatalogWatermarks): Query => {
    const since = opts.full ? undefined : opts.since[what];
    // Archived rows come too: they are hidden on the portal, not left as they were.
    return { filter: `${since ? `updated>=${since};` : ''}archived=true;archived=false`, order: 'updated,asc' };
  };

  // Which goods have pictures to copy (after the sync, by copyImages); off with images: false.
  const images = config.images ? new ImageNotes(ctx) : null;
  await sw.start();
  try {
    const wantedPriceTypes = new Set<string>();
    for (const type of directory.priceTypes) {
      const name = mappedName(priceTypeNames, type.name);
      if (name === null) continue;
      wantedPriceTypes.add(type.id);
      sw.priceType({ ext: type.id, name });
    }
    const stockStores = new Set(directory.stockStores.map((s) => s.id));
    for (const store of directory.stockStores) sw.warehouse({ ext: store.id, name: store.name });

    const units = new Map<string, UnitRecord>();
    for (const uom of await client.all<MsUom>('/entity/uom')) {
      units.set(uom.id, { key: uom.code || uom.name, name: uom.name, fullName: uom.description ?? uom.name });
    }

    opts.onProgress?.('MoySklad: folders');
    for await (const page of client.pages<MsFolder>('/entity/productfolder', changed('productfolder'))) {
      for (const f of page) {
        read.folders_read++;
        mark('productfolder', f.updated);
        sw.group({ ext: f.id, parentExt: idOf(f.productFolder), name: f.name, deleted: f.archived === true, sort: 0 });
      }
      await sw.flush();
    }

    // Attributes that fill a field shown on its own are not listed again among the properties.
    const f = config.fields;
    const shownAsField = new Set(
      [...f.country.attribute, ...f.new.attribute, ...f.sale.attribute, ...f.visible.attribute].map(fold),
    );
    const good = (g: MsGood, parent: MsGood | null): ProductRecord => {
      const attributes = g.attributes ?? [];
      const brand =
        config.brandAttribute === ''
          ? undefined
          : attributes.find((a) => a.name.toLowerCase() === config.brandAttribute.toLowerCase());
      const vatEnabled = g.effectiveVatEnabled ?? g.vatEnabled;
      const vat = g.effectiveVat ?? g.vat;
      const characteristics = g.characteristics?.map((c): readonly [string, string] => [c.name, c.value]) ?? null;
      const uomId = idOf(g.uom);
      return {
        source: 'catalog',
        ext: g.id,
        parentExt: parent === null ? null : idOf(g.product),
        sku: g.article ?? g.code ?? null,
        name: g.name,
        fullName: null,
        description: g.description ?? (parent ? null : ''),
        brand: brand ? text(brand.value) : parent ? null : '',
        unit: uomId ? (units.get(uomId) ?? null) : null,
        groupExt: idOf(g.productFolder),
        vatBp: vatEnabled === false ? -1 : vat === undefined ? null : vat * 100,
        variantName: characteristics ? characteristics.map(([, v]) => v).join(', ') : null,
        characteristics,
        barcodes: g.barcodes
          ? [...new Set(g.barcodes.flatMap((b) => Object.values(b)).map((b) => b.trim()))].sort()
          : parent
            ? null
            : [],
        properties: parent
          ? null
          : attributes
              .filter((a) => a !== brand && !shownAsField.has(fold(a.name)))
              .map((a): readonly [string, string] => [a.name, text(a.value)]),
        images: null,
        deleted: g.archived === true,
        // A variant has no attributes, weight or packs of its own: it inherits its product's.
        ...(parent ? {} : mappedFields(g, attributes, units, config.fields, (m) => sw.warning(`product ${g.name}: ${m}`))),
      };
    };
    // A price in dollars is stored as dollars and reaches buyers only through its rate, never as roubles.
    let currencies: Map<string, string> | null = null;
    const currencyOf = async (ref: Ref | undefined): Promise<string | null> => {
      const id = idOf(ref);
      if (!id) return null;
      // Read once a sync: a currency missing from the list must not cost a request per price.
      if (currencies === null) {
        currencies = new Map(
          (await client.all<MsCurrency>('/entity/currency')).map((c) => [
            c.id,
            normalizeCurrency(c.isoCode || c.code || c.name) ?? ROUBLE,
          ]),
        );
      }
      // A currency MoySklad no longer lists is not guessed to be roubles.
      return currencies.get(id) ?? `?${id.slice(0, 8)}`;
    };
    const prices = async (g: MsGood) => {
      for (const p of g.salePrices ?? []) {
        if (!wantedPriceTypes.has(p.priceType.id) || !(p.value > 0)) continue;
        sw.price({ ext: g.id, priceType: p.priceType.id, price: Math.round(p.value), currency: await currencyOf(p.currency) });
      }
    };

    opts.onProgress?.('MoySklad: products');
    const productsStaged = new Set<string>();
    for await (const page of client.pages<MsGood>('/entity/product', changed('product'))) {
      for (const p of page) {
        read.products_read++;
        mark('product', p.updated);
        productsStaged.add(p.id);
        sw.product(good(p, null));
        await prices(p);
        images?.note('product', p);
      }
      await sw.flush();
      await images?.flush();
      opts.onProgress?.(`MoySklad: products ${read.products_read}`);
    }
    opts.onProgress?.('MoySklad: variants');
    for await (const page of client.pages<MsGood>('/entity/variant', changed('variant'))) {
      for (const v of page) {
        read.variants_read++;
        mark('variant', v.updated);
        const parentId = idOf(v.product);
        if (parentId && !productsStaged.has(parentId)) {
          // Only the variant changed: its product is named, not re-said (its stored values stay).
          productsStaged.add(parentId);
          sw.product(productKeyOnly(parentId));
        }
        sw.product(good(v, v));
        await prices(v);
        images?.note('variant', v);
      }
      await sw.flush();
      await images?.flush();
    }

    opts.onProgress?.('MoySklad: stock');
    const stockSince = opts.full ? undefined : opts.since.stock;
    if (stockSince) {
      const rows = await client.get<{ assortmentId: string; storeId: string | null; stock?: number }[]>(
        '/report/stock/bystore/current',
        {
          changedSince: stockSince,
          stockType: 'stock',
        },
      );
      for (const r of rows) {
        if (r.storeId === null || !stockStores.has(r.storeId)) continue;
        read.stock_rows_read++;
        sw.stock({ ext: r.assortmentId, warehouseExt: r.storeId, quantity: r.stock ?? 0 });
      }
    } else {
      for await (const page of client.pages<StockByStoreRow>('/report/stock/bystore', { filter: 'stockMode=all' })) {
        for (const row of page) {
          const ext = idOf(row.meta);
          if (!ext) continue;
          read.stock_rows_read++;
          for (const s of row.stockByStore) {
            const store = idOf(s.meta);
            if (store && stockStores.has(store)) sw.stock({ ext, warehouseExt: store, quantity: s.stock ?? 0 });
          }
        }
        await sw.flush();
      }
    }
    watermarks.stock = opts.now;

    opts.onProgress?.('MoySklad: switching the catalog');
    const counts = await sw.apply(
      opts.full ? { groups: true, products: true, offers: true } : { groups: false, products: false, offers: false },
    );
    return { counts: { ...counts, ...read }, watermarks, warnings: sw.warnings };
  } finally {
    await sw.close();
  }
}
