/**
 * What a catalog source says, as plain source-neutral records keyed by the source's external
 * ids, before anything touches the database. A reader (the 1C catalog-reader.ts, later MoySklad
 * and spreadsheets) makes them; the staging tables (staging.ts) keep them until the whole run is
 * in and switch.ts switches the catalog in one transaction.
 */

export interface GroupRecord {
  readonly ext: string;
  readonly parentExt: string | null;
  readonly name: string;
  readonly deleted: boolean;
  readonly sort: number;
}

export interface UnitRecord {
  /** OKEI code when 1C gives one ("796"), else the short name. */
  readonly key: string;
  readonly name: string;
  readonly fullName: string;
}

/**
 * A product, a variant (`product#characteristic`) or an offer carrying names. Fields left null
 * were not in the file and keep their stored value.
 */
export interface ProductRecord {
  /** Offers only fill gaps: their name never replaces the catalog's. */
  readonly source: 'catalog' | 'offer';
  readonly ext: string;
  /** For a variant: the product part of `A#B`. */
  readonly parentExt: string | null;
  readonly sku: string | null;
  readonly name: string | null;
  readonly fullName: string | null;
  readonly description: string | null;
  readonly brand: string | null;
  readonly unit: UnitRecord | null;
  readonly groupExt: string | null;
  /** Basis points; null = not said; -1 = "без НДС". */
  readonly vatBp: number | null;
  readonly variantName: string | null;
  /** ХарактеристикиТовара as [name, value] pairs, for the variant grid; null = not said. */
  readonly characteristics: ReadonlyArray<readonly [string, string]> | null;
  /** Sorted, normalized; null = not said. */
  readonly barcodes: readonly string[] | null;
  /** [name, value] pairs in file order; null = not said. */
  readonly properties: ReadonlyArray<readonly [string, string]> | null;
  readonly images: readonly string[] | null;
  readonly deleted: boolean;
  /** The order multiple (pack) and the minimum quantity, in the product's unit; absent or null = not said. */
  readonly multiple?: number | null;
  readonly minQty?: number | null;
  /** Kilograms and cubic metres of one unit; absent or null = not said. */
  readonly weight?: number | null;
  readonly volume?: number | null;
  readonly country?: string | null;
  /** The "new" and "sale" marks; absent or null = not said. */
  readonly isNew?: boolean | null;
  readonly isSale?: boolean | null;
  /** false hides the product from buyers, true shows it; absent or null = the source's usual rule. */
  readonly visible?: boolean | null;
}

/** A product named by its key only: every field "not said", so each keeps its stored value. */
export function productKeyOnly(ext: string, source: ProductRecord['source'] = 'offer'): ProductRecord {
  return {
    source,
    ext,
    parentExt: null,
    sku: null,
    name: null,
    fullName: null,
    description: null,
    brand: null,
    unit: null,
    groupExt: null,
    vatBp: null,
    variantName: null,
    characteristics: null,
    barcodes: null,
    properties: null,
    images: null,
    deleted: false,
  };
}

export interface PriceRecord {
  readonly ext: string;
  /** Ид of the price type, or its name in shop-made files (resolved when applied). */
  readonly priceType: string;
  /** Hundredths of the currency's unit (kopecks for roubles, cents for dollars) per base unit. */
  readonly price: number;
  /** ISO code (src/catalog/currency.ts normalizeCurrency); absent or null = the price type's currency. */
  readonly currency?: string | null;
}

/** A price type; its prices are in `currency` (ISO code) unless a price says otherwise; absent or null = roubles. */
export interface PriceTypeRecord extends NamedRecord {
  readonly currency?: string | null;
}

export interface StockRecord {
  readonly ext: string;
  /** Ид of the warehouse; TOTAL_STOCK when the file only gives a total. */
  readonly warehouseExt: string;
  readonly quantity: number;
}

export interface NamedRecord {
  readonly ext: string;
  readonly name: string;
}

/** The pseudo-warehouse for files that only give `Количество` (no warehouses). */
export const TOTAL_STOCK = '#total';

/** Which parts of the catalog a file declared as complete snapshots (СодержитТолькоИзменения=false). */
export interface Coverage {
  groups: boolean;
  products: boolean;
  offers: boolean;
}

/** Where a reader puts what it read: the staging rows (staging-rows.ts) implement it. */
export interface RecordSink {
  group(record: GroupRecord): void;
  priceType(record: PriceTypeRecord): void;
  warehouse(record: NamedRecord): void;
  product(record: ProductRecord): void;
  price(record: PriceRecord): void;
  stock(record: StockRecord): void;
  /** A problem with one element that does not spoil the rest of the file. */
  warning(line: number, message: string): void;
}
