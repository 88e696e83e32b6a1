/**
 * Switches the catalog to what a run staged, in ONE transaction: buyers see the old catalog
 * until the commit and the whole new one after it, never a half. Everything is set-based SQL
 * over the staging tables, and every write is guarded by "is it different?", so running the
 * same package twice changes nothing (no updated_at moves, no cache is dropped for nothing).
 */
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { Config } from '../../config/types.js';
import type { DB } from '../../db/schema.js';
import { ROUBLE } from '../currency.js';
import type { LiveIndex } from '../search/live.js';
import { reindexProducts } from '../search.js';
import { countedWarehouses } from '../stock.js';
import { repriceForeign } from './foreign-prices.js';
import { type Coverage, TOTAL_STOCK } from './records.js';

export interface ApplyCounts {
  price_types_created: number;
  warehouses_created: number;
  categories_created: number;
  categories_updated: number;
  categories_hidden: number;
  products_created: number;
  products_updated: number;
  products_hidden: number;
  prices_changed: number;
  stock_changed: number;
  unknown_offers: number;
}

export interface ApplyResult {
  counts: ApplyCounts;
  /** Products whose staged pictures differ from their stored ones: [product id, paths]. */
  photos: Array<[number, string[]]>;
}

type Settings = Pick<Config['integrations']['commerceml'], 'priceTypes' | 'defaultPriceType' | 'fractionalUnits'> & {
  readonly stockWarehouses: readonly string[];
  /** The column that holds the source's ids (the staging's `ext`): 1C's by default, MoySklad's for its reader. */
  readonly idColumn?: IdColumn;
  /** "source name or id = portal name" items: warehouses under the names buyers see. */
  readonly warehouses?: readonly string[];
  /** Price types (source name or id, or portal name) imported but never shown to buyers. */
  readonly hiddenPriceTypes?: readonly string[];
};

/** Where each accounting system's ids are kept, on every table the switch writes. */
export type IdColumn = 'external_1c_id' | 'external_ms_id';
type Id = RawBuilder<unknown>;

/** Above this many changed products the search index is rebuilt whole (faster than by id). */
const FULL_REINDEX_AT = 20_000;

async function run(trx: Transaction<DB>, query: RawBuilder<unknown>): Promise<number> {
  const result = await query.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

async function list<T>(trx: Transaction<DB>, query: RawBuilder<T>): Promise<T[]> {
  return (await query.execute(trx)).rows;
}

export async function applyStaged(
  db: Kysely<DB>,
  searchIndex: LiveIndex,
  settings: Settings,
  coverage: Coverage,
  now: number,
  options: SwitchOptions = {},
): Promise<ApplyResult> {
  let dryResult: ApplyResult | null = null;
  try {
    return await switchStaged(db, searchIndex, settings, coverage, now, options, (r) => {
      dryResult = r;
    });
  } catch (error) {
    if (error === DRY_RUN && dryResult) return dryResult;
    throw error;
  }
}

export interface SwitchOptions {
  /** Count what would change, then roll back: nothing stored and the search index stay as they were. */
  readonly dryRun?: boolean;
  /** Runs first inside the switch's transaction (a reader's key adoption), rolled back with a dry run. */
  readonly prepare?: (trx: Transaction<DB>) => Promise<void>;
  /** Runs last inside the switch's transaction, before the commit (a reader's temporary keys removed). */
  readonly finish?: (trx: Transaction<DB>) => Promise<void>;
}

/** Thrown to roll a dry run back once its counts are known. */
const DRY_RUN = new Error('dry run: rolled back');

async function switchStaged(
  db: Kysely<DB>,
  searchIndex: LiveIndex,
  settings: Settings,
  coverage: Coverage,
  now: number,
  options: SwitchOptions,
  keep: (result: ApplyResult) => void,
): Promise<ApplyResult> {
  const dryRun = options.dryRun === true;
  const id: Id = sql.raw(settings.idColumn ?? 'external_1c_id');
  return db.transaction().execute(async (trx) => {
    if (options.prepare) await options.prepare(trx);
    const counts: ApplyCounts = {
      price_types_created: await applyPriceTypes(trx, id, settings, now),
      warehouses_created: await applyWarehouses(trx, id, now, settings.warehouses ?? []),
      categories_created: 0,
      categories_updated: 0,
      categories_hidden: 0,
      products_created: 0,
      products_updated: 0,
      products_hidden: 0,
      prices_changed: 0,
      stock_changed: 0,
      unknown_offers: 0,
    };
    await applyUnits(trx, settings.fractionalUnits);
    Object.assign(counts, await applyCategories(trx, id, coverage, now));
    Object.assign(counts, await applyProducts(trx, id, coverage, now));
    const barcodesChanged = await applyBarcodes(trx);
    await applyPairs(trx, 'properties', 'product_properties');
    await applyPairs(trx, 'characteristics', 'product_characteristics');
    counts.prices_changed = await applyPrices(trx, id);
    counts.stock_changed = await applyStock(trx, id, settings.stockWarehouses);
    counts.unknown_offers =
      (
        await list(
          trx,
          sql<{ n: number }>`select count(*) as n from (select ext from cml_prices union select ext from cml_stock) o
          where not exists (select 1 from products p where p.${id} = o.ext)`,
        )
      )[0]?.n ?? 0;

    const changedProducts = sql`select id from products where updated_at = ${now} and ${id} is not null
      union select id from cml_barcodes_changed`;
    const changedCount = (await list(trx, sql<{ n: number }>`select count(*) as n from (${changedProducts})`))[0]?.n ?? 0;
    if (dryRun) {
      // Counted; the search index and the database stay as they were.
      keep({ counts, photos: [] });
      throw DRY_RUN;
    }
    if (changedCount >= FULL_REINDEX_AT) await reindexProducts(searchIndex, trx);
    else if (changedCount > 0 || barcodesChanged > 0) {
      const ids = (await list(trx, sql<{ id: number }>`${changedProducts}`)).map((r) => r.id);
      await reindexProducts(searchIndex, trx, ids);
    }
    const photos = await photosToAttach(trx);
    if (options.finish) await options.finish(trx);
    return { counts, photos };
  });
}

/**
 * config.yml's price type items: "name or Ид" takes that price type, "name or Ид = portal name"
 * takes it under the portal's name (and adopts a portal price type of that name).
 */
function priceTypeMap(items: readonly string[]): Array<{ from: string; to: string | null }> {
  return items.map((item) => {
    const eq = item.lastIndexOf('=');
    return eq < 0
      ? { from: item.trim().toLowerCase(), to: null }
      : { from: item.slice(0, eq).trim().toLowerCase(), to: item.slice(eq + 1).trim() };
  });
}

/** By Ид, else by name (a price type made by hand before 1C was connected), else new. */
async function applyPriceTypes(trx: Transaction<DB>, id: Id, settings: Settings, now: number): Promise<number> {
  const staged = await list(trx, sql<{ ext: string; name: string }>`select ext, name from cml_price_types`);
  const map = priceTypeMap(settings.priceTypes);
  const hidden = new Set((settings.hiddenPriceTypes ?? []).map((h) => h.trim().toLowerCase()));
  let created = 0;
  for (const type of staged) {
    // In JavaScript: SQLite's lower() leaves Cyrillic as it is.
    const item = map.find((m) => m.from === type.ext.toLowerCase() || m.from === type.name.toLowerCase());
    // A hidden price type is wanted too (for the admin and managers), even when the map lists only buyers' ones.
    if (map.length > 0 && !item && !hidden.has(type.ext.toLowerCase()) && !hidden.has(type.name.toLowerCase())) continue;
    const name = item?.to || type.name;
    const byExt = await run(trx, sql`update price_types set name = ${name} where ${id} = ${type.ext} and name is not ${name}`);
    const exists = await list(trx, sql<{ id: number }>`select id from price_types where ${id} = ${type.ext}`);
    if (byExt > 0 || exists.length > 0) continue;
    const unclaimed = await list(
      trx,
      sql<{ id: number; name: string }>`select id, name from price_types where ${id} is null order by id`,
    );
    const twin = unclaimed.find((u) => u.name.toLowerCase() === name.toLowerCase());
    if (twin) {
      // Its name as the source (or the map) spells it, as every later run would set it.
      await run(trx, sql`update price_types set ${id} = ${type.ext}, name = ${name} where id = ${twin.id}`);
    } else {
      await run(trx, sql`insert into price_types (name, is_default, ${id}, created_at) values (${name}, 0, ${type.ext}, ${now})`);
      created++;
    }
  }
  await markHidden(trx, id, staged, settings.hiddenPriceTypes ?? []);
  await run(
    trx,
    sql`update price_types set currency = s.currency from cml_price_types s
      where price_types.${id} = s.ext and s.currency is not null and price_types.currency is not s.currency`,
  );
  // Shop-made files may name the price type instead of giving its Ид.
  await run(
    trx,
    sql`update cml_prices set price_type = (select pt.${id} from price_types pt where lower(pt.name) = lower(cml_prices.price_type) and pt.${id} is not null)
      where price_type not in (select ${id} from price_types where ${id} is not null)
        and exists (select 1 from price_types pt where lower(pt.name) = lower(cml_prices.price_type) and pt.${id} is not null)`,
  );
  const said = settings.defaultPriceType.trim();
  // The default may be named as 1C names it: then the portal's name it is mapped to.
  const preferred = map.find((m) => m.to && m.from === said.toLowerCase())?.to ?? said;
  if (preferred !== '') {
    const match = await list(
      trx,
      sql<{
        id: number;
      }>`select id from price_types where (${id} = ${preferred} or lower(name) = lower(${preferred})) and hidden = 0 limit 1`,
    );
    if (match[0])
      await run(
        trx,
        sql`update price_types set is_default = (id = ${match[0].id}) where is_default is not (id = ${match[0].id})`,
      );
  }
  // Otherwise no price type becomes the buyers' default by its place in a file (1C's sample lists
  // its purchase prices first): the admin chooses one on the exchange page.
  return created;
}

/** A source's price types named in `hidden` (by the source's id or name, or the portal's name) are kept from buyers; the rest are not. */
async function markHidden(
  trx: Transaction<DB>,
  id: Id,
  staged: ReadonlyArray<{ ext: string; name: string }>,
  hidden: readonly string[],
): Promise<void> {
  const names = new Set(hidden.map((h) => h.trim().toLowerCase()));
  const stored = await list(
    trx,
    sql<{ pid: number; ext: string; name: string; hidden: number }>`
    select id as pid, ${id} as ext, name, hidden from price_types where ${id} is not null`,
  );
  for (const type of stored) {
    const source = staged.find((s) => s.ext === type.ext);
    if (!source) continue;
    const want = [type.ext, source.name, type.name].some((n) => names.has(n.toLowerCase())) ? 1 : 0;
    if (want !== type.hidden) await run(trx, sql`update price_types set hidden = ${want} where id = ${type.pid}`);
  }
}

async function applyWarehouses(trx: Transaction<DB>, id: Id, now: number, names: readonly string[]): Promise<number> {
  // The names buyers see, where config.yml gives one (matched by the source's id or name, case-blind in JavaScript).
  if (names.length > 0) {
    const staged = await list(trx, sql<{ ext: string; name: string }>`select ext, name from cml_warehouses`);
    for (const w of staged) {
      const item = names.find((n) => {
        const from = n.slice(0, n.lastIndexOf('=')).trim().toLowerCase();
        return from === w.ext.toLowerCase() || from === w.name.toLowerCase();
      });
      const to = item?.slice(item.lastIndexOf('=') + 1).trim();
      if (to && to !== w.name) await run(trx, sql`update cml_warehouses set name = ${to} where ext = ${w.ext}`);
    }
  }
  const needsTotal =
    (await list(trx, sql<{ n: number }>`select count(*) as n from cml_stock where warehouse_ext = ${TOTAL_STOCK}`))[0]?.n ?? 0;
  if (needsTotal > 0) await run(trx, sql`insert or ignore into cml_warehouses values (${TOTAL_STOCK}, 'Основной склад')`);
  await run(
    trx,
    sql`update warehouses set name = w.name from cml_warehouses w where warehouses.${id} = w.ext and warehouses.name is not w.name and w.ext <> ${TOTAL_STOCK}`,
  );
  await run(
    trx,
    sql`update warehouses set ${id} = w.ext from cml_warehouses w
      where warehouses.${id} is null and warehouses.name = w.name
        and not exists (select 1 from warehouses x where x.${id} = w.ext)`,
  );
  return run(
    trx,
    sql`insert into warehouses (name, ${id}, created_at)
      select w.name, w.ext, ${now} from cml_warehouses w where not exists (select 1 from warehouses x where x.${id} = w.ext)`,
  );
}

async function applyUnits(trx: Transaction<DB>, fractional: readonly string[]): Promise<void> {
  const keys = fractional.map((u) => u.toLowerCase());
  const isFractional = keys.length > 0 ? sql`(lower(key) in (${sql.join(keys)}) or lower(name) in (${sql.join(keys)}))` : sql`0`;
  await run(
    trx,
    sql`insert into units (code, name, full_name, precision)
      select key, name, full_name, case when ${isFractional} then 3 else 0 end from cml_units u
      where not exists (select 1 from units x where x.code = u.key)`,
  );
}

async function applyCategories(trx: Transaction<DB>, id: Id, coverage: Coverage, now: number) {
  const categories_updated = await run(
    trx,
    sql`update categories set name = g.name, hidden = g.deleted, sort = g.sort, updated_at = ${now}
      from cml_groups g where categories.${id} = g.ext
        and (categories.name is not g.name or categories.hidden is not g.deleted or categories.sort is not g.sort)`,
  );
  const categories_created = await run(
    trx,
    sql`insert into categories (name, sort, hidden, ${id}, created_at, updated_at)
      select g.name, g.sort, g.deleted, g.ext, ${now}, ${now} from cml_groups g
      where not exists (select 1 from categories c where c.${id} = g.ext)`,
  );
  await run(
    trx,
    sql`update categories set parent_id = (select p.id from categories p where p.${id} = g.parent_ext), updated_at = ${now}
      from cml_groups g where categories.${id} = g.ext
        and categories.parent_id is not (select p.id from categories p where p.${id} = g.parent_ext)`,
  );
  const categories_hidden = coverage.groups
    ? await run(
        trx,
        sql`update categories set hidden = 1, updated_at = ${now}
          where ${id} is not null and hidden = 0 and not exists (select 1 from cml_groups g where g.ext = categories.${id})`,
      )
    : 0;
  return { categories_created, categories_updated, categories_hidden };
}

/**
 * The new value of every product column, next to the current one: offers that only carry a
 * name fill gaps but never rename a catalog product; a variant inherits what its offer lacks
 * from its product.
 */
async function resolveProducts(trx: Transaction<DB>, id: Id): Promise<void> {
  // A variant whose product is not in the files (2.04 catalogs list only `A#B`) gets one.
  await run(
    trx,
    sql`insert or ignore into cml_products (ext, parent_ext, from_offer, sku, sku_norm, name, full_name, description, brand, unit_key,
        group_ext, vat_bp, variant_name, barcodes, properties, images, deleted)
      select v.parent_ext, null, min(v.from_offer), v.sku, v.sku_norm, v.name, v.full_name, v.description, v.brand, v.unit_key,
        v.group_ext, v.vat_bp, '', null, null, null, 0
      from cml_products v where v.parent_ext is not null group by v.parent_ext`,
  );
  // New products get their ids here (after the highest one; parents before variants), so no
  // lookup by Ид is needed after the insert. AUTOINCREMENT never reuses an id: start above both
  // the highest row and the sequence.
  const top =
    (
      await list(
        trx,
        sql<{
          top: number;
        }>`select max(coalesce((select max(id) from products), 0), coalesce((select seq from sqlite_sequence where name = 'products'), 0)) as top`,
      )
    )[0]?.top ?? 0;
  await sql`drop table if exists temp.cml_resolved`.execute(trx);
  await sql`create temp table cml_resolved as
    select coalesce(p.id, ${top} + row_number() over (partition by p.id is null order by s.parent_ext is not null, s.ext)) as id,
      p.id is null as is_new, s.ext as ext, s.parent_ext as parent_ext, s.barcodes as barcodes, s.properties as properties, s.images as images,
      s.characteristics as characteristics,
      case when s.from_offer = 1 and s.parent_ext is null and p.id is not null then p.sku else coalesce(s.sku, p.sku, ps.sku, '') end as sku,
      case when s.from_offer = 1 and s.parent_ext is null and p.id is not null then p.sku_norm else coalesce(s.sku_norm, p.sku_norm, ps.sku_norm, '') end as sku_norm,
      case when s.from_offer = 1 and s.parent_ext is null and p.id is not null then p.name else coalesce(s.name, p.name, ps.name, s.ext) end as name,
      coalesce(s.full_name, p.full_name, '') as full_name,
      coalesce(s.description, p.description, ps.description, '') as description,
      coalesce(s.brand, p.brand, ps.brand, '') as brand,
      coalesce(nullif(s.variant_name, ''),
        -- Offers without characteristics often name the variant as "<product> (<variant>)".
        case when ps.name is not null and length(s.name) > length(ps.name) + 3 and substr(s.name, 1, length(ps.name) + 2) = ps.name || ' ('
          and substr(s.name, -1) = ')' then substr(s.name, length(ps.name) + 3, length(s.name) - length(ps.name) - 3) end,
        p.variant_name, '') as variant_name,
      coalesce((select c.id from categories c where c.${id} = s.group_ext), p.category_id,
        (select c.id from categories c where c.${id} = ps.group_ext)) as category_id,
      coalesce((select u.id from units u where u.code = s.unit_key), p.unit_id, (select u.id from units u where u.code = ps.unit_key)) as unit_id,
      case when s.vat_bp is null then coalesce(p.vat_bp, case when ps.vat_bp >= 0 then ps.vat_bp end)
           when s.vat_bp < 0 then null else s.vat_bp end as vat_bp,
      case when s.deleted = 1 or s.visible = 0 then 1 when s.visible = 1 then 0
           when s.from_offer = 1 and s.parent_ext is null and p.id is not null then p.hidden else 0 end as hidden,
      coalesce(s.multiple, p.multiple, ps.multiple, 0) as multiple,
      coalesce(s.min_qty, p.min_qty, ps.min_qty, 0) as min_qty,
      case when s.weight is not null then s.weight when p.id is not null then p.weight else ps.weight end as weight,
      case when s.volume is not null then s.volume when p.id is not null then p.volume else ps.volume end as volume,
      coalesce(s.country, p.country, ps.country, '') as country,
      -- Not is_new: that name already says whether the row is a new product.
      coalesce(s.is_new, p.is_new, ps.is_new, 0) as mark_new,
      coalesce(s.is_sale, p.is_sale, ps.is_sale, 0) as mark_sale
    from cml_products s
    left join products p on p.${id} = s.ext
    left join cml_products ps on ps.ext = s.parent_ext`.execute(trx);
}

async function applyProducts(trx: Transaction<DB>, id: Id, coverage: Coverage, now: number) {
  await resolveProducts(trx, id);
  const products_updated = await run(
    trx,
    sql`update products set sku = r.sku, sku_norm = r.sku_norm, name = r.name, full_name = r.full_name, description = r.description,
        brand = r.brand, variant_name = r.variant_name, category_id = r.category_id, unit_id = r.unit_id, vat_bp = r.vat_bp,
        hidden = r.hidden, multiple = r.multiple, min_qty = r.min_qty, weight = r.weight, volume = r.volume, country = r.country,
        is_new = r.mark_new, is_sale = r.mark_sale, updated_at = ${now}
      from cml_resolved r where products.id = r.id
        and (products.multiple is not r.multiple or products.min_qty is not r.min_qty or products.sku is not r.sku
          or products.weight is not r.weight or products.volume is not r.volume or products.country is not r.country
          or products.is_new is not r.mark_new or products.is_sale is not r.mark_sale or products.name is not r.name or products.full_name is not r.full_name
          or products.description is not r.description or products.brand is not r.brand or products.variant_name is not r.variant_name
          or products.category_id is not r.category_id or products.unit_id is not r.unit_id or products.vat_bp is not r.vat_bp
          or products.hidden is not r.hidden)`,
  );
  const products_created = await run(
    trx,
    sql`insert into products (id, ${id}, sku, sku_norm, name, full_name, description, brand, variant_name, category_id, unit_id,
        vat_bp, hidden, multiple, min_qty, weight, volume, country, is_new, is_sale, created_at, updated_at)
      select r.id, r.ext, r.sku, r.sku_norm, r.name, r.full_name, r.description, r.brand, r.variant_name, r.category_id, r.unit_id,
        r.vat_bp, r.hidden, r.multiple, r.min_qty, r.weight, r.volume, r.country, r.mark_new, r.mark_sale, ${now}, ${now}
      from cml_resolved r where r.is_new order by r.id`,
  );
  await run(
    trx,
    sql`update products set parent_id = pp.id, updated_at = ${now}
      from cml_resolved r join products pp on pp.${id} = r.parent_ext
      where r.parent_ext is not null and products.id = r.id and products.parent_id is not pp.id`,
  );
  await run(
    trx,
    sql`update products set has_variants = 1, updated_at = ${now}
      where has_variants = 0 and id in (select pp.id from products pp join cml_resolved r on pp.${id} = r.parent_ext)`,
  );
  let products_hidden = 0;
  if (coverage.products) {
    products_hidden += await run(
      trx,
      sql`update products set hidden = 1, updated_at = ${now}
        where ${id} is not null and parent_id is null and hidden = 0
          and id not in (select id from cml_resolved)`,
    );
  }
  if (coverage.offers) {
    products_hidden += await run(
      trx,
      sql`update products set hidden = 1, updated_at = ${now}
        where ${id} is not null and parent_id is not null and hidden = 0
          and id not in (select id from cml_resolved)`,
    );
  }
  return { products_created, products_updated, products_hidden };
}

async function applyBarcodes(trx: Transaction<DB>): Promise<number> {
  await sql`drop table if exists temp.cml_barcodes_changed`.execute(trx);
  await sql`create temp table cml_barcodes_changed as
    select r.id as id, r.barcodes as barcodes from cml_resolved r
    where r.barcodes is not null and (r.is_new or r.barcodes is not (select json_group_array(barcode) from (select barcode from product_barcodes b where b.product_id = r.id order by barcode)))`.execute(
    trx,
  );
  await run(trx, sql`delete from product_barcodes where product_id in (select id from cml_barcodes_changed)`);
  return run(
    trx,
    sql`insert or ignore into product_barcodes (barcode, product_id) select j.value, c.id from cml_barcodes_changed c, json_each(c.barcodes) j`,
  );
}

/** [name, value] pairs a product carries (properties; a variant's characteristics for the grid), rewritten only where they changed. */
async function applyPairs(
  trx: Transaction<DB>,
  column: 'properties' | 'characteristics',
  table: 'product_properties' | 'product_characteristics',
): Promise<void> {
  const [staged, target, changedTable] = [sql.ref(`r.${column}`), sql.table(table), sql.raw(`cml_${column}_changed`)];
  const changed = sql`select r.id from cml_resolved r where ${staged} is not null and (r.is_new
    or ${staged} is not (select json_group_array(json_array(name, value)) from (select name, value from ${target} x where x.product_id = r.id order by sort)))`;
  await sql`drop table if exists temp.${changedTable}`.execute(trx);
  await sql`create temp table ${changedTable} as ${changed}`.execute(trx);
  await run(trx, sql`delete from ${target} where product_id in (select id from ${changedTable})`);
  await run(
    trx,
    sql`insert or ignore into ${target} (product_id, name, value, sort)
      select r.id, j.value ->> 0, j.value ->> 1, j.key
      from cml_resolved r join ${changedTable} c on c.id = r.id, json_each(${staged}) j`,
  );
}

/**
 * Rouble prices go to `prices`; a price in another currency (its own, else its price type's) goes
 * to `foreign_prices` and reaches `prices` only through the day's rate (foreign-prices.ts).
 */
async function applyPrices(trx: Transaction<DB>, id: Id): Promise<number> {
  const staged = sql`select p.id as product_id, pt.id as price_type_id, s.price, coalesce(s.currency, pt.currency) as currency, s.rowid as seq
    from cml_prices s
      join products p on p.${id} = s.ext
      join price_types pt on pt.${id} = s.price_type`;
  const roubles = await run(
    trx,
    sql`insert into prices (product_id, price_type_id, price)
      select product_id, price_type_id, price from (${staged}) where currency = ${ROUBLE}
      order by product_id, price_type_id, seq
      on conflict (product_id, price_type_id) do update set price = excluded.price where prices.price <> excluded.price`,
  );
  await run(
    trx,
    sql`delete from foreign_prices where (product_id, price_type_id) in
      (select product_id, price_type_id from (${staged}) where currency = ${ROUBLE})`,
  );
  await run(
    trx,
    sql`insert into foreign_prices (product_id, price_type_id, currency, amount)
      select product_id, price_type_id, currency, price from (${staged}) where currency <> ${ROUBLE}
      order by product_id, price_type_id, seq
      on conflict (product_id, price_type_id) do update set currency = excluded.currency, amount = excluded.amount
        where foreign_prices.currency <> excluded.currency or foreign_prices.amount <> excluded.amount`,
  );
  return roubles + (await repriceForeign(trx));
}

async function applyStock(trx: Transaction<DB>, id: Id, stockWarehouses: readonly string[]): Promise<number> {
  const changed = await run(
    trx,
    sql`insert into stock (product_id, warehouse_id, quantity)
      select p.id, w.id, s.quantity from cml_stock s
        join products p on p.${id} = s.ext
        join warehouses w on w.${id} = s.warehouse_ext
      order by p.id, w.id, s.rowid
      on conflict (product_id, warehouse_id) do update set quantity = excluded.quantity where stock.quantity <> excluded.quantity`,
  );
  if (changed === 0) return 0;
  const { ids } = await countedWarehouses(trx, stockWarehouses);
  const counted = ids === null ? sql`` : ids.length === 0 ? sql`where 0` : sql`where warehouse_id in (${sql.join(ids)})`;
  // One pass over stock for every total; only totals that differ are written.
  await run(
    trx,
    sql`update products set stock_total = t.total
      from (select product_id, sum(quantity) as total from stock ${counted} group by product_id) t
      where products.id = t.product_id and products.stock_total is not t.total`,
  );
  return changed;
}

/** Pictures named in the files that the product does not have yet (by their path in the package). */
async function photosToAttach(trx: Transaction<DB>): Promise<Array<[number, string[]]>> {
  const rows = await list(
    trx,
    sql<{
      id: number;
      images: string;
    }>`select r.id, r.images from cml_resolved r where r.images is not null and r.images <> '[]'`,
  );
  const result: Array<[number, string[]]> = [];
  for (const row of rows) {
    const paths = (JSON.parse(row.images) as string[]).map((p) => p.replace(/\\/g, '/'));
    const have = await list(trx, sql<{ source: string }>`select source from product_photos where product_id = ${row.id}`);
    const known = new Set(have.map((h) => h.source));
    const missing = paths.filter((p) => !known.has(`1c:${p}`));
    if (missing.length > 0) result.push([row.id, missing]);
  }
  return result;
}
