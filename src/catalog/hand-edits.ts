/**
 * The catalog changed by hand on the admin pages: a product (name, SKU, category, unit, pack,
 * minimum, visibility, prices per price type, stock per warehouse), a category, a price type, a
 * warehouse. A hand edit is one more reader of the one importer (src/catalog/import): it stages
 * records and switches them in the same one transaction as 1C, MoySklad and spreadsheets, so the
 * same guards hold (nothing changes that is the same; the search index follows; a price in
 * another currency goes through the day's rate).
 *
 * The switch finds items by a source key in one id column. Items made on the portal have none:
 * for the one transaction they get a temporary `hand:` key, removed before the commit, so a
 * product made by hand stays the portal's own — a full 1C or MoySklad exchange never hides it.
 *
 * Who owns an item: 1C (an Ид in external_1c_id), MoySklad (an id in external_ms_id), or the
 * portal (no key, or a spreadsheet's `sku:` / `cat:` / `pt:` / `wh:` key — the office manager's
 * own file). `catalog.hand_edits` says what may be edited: auto = the portal's own, always =
 * everything, never = nothing.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Config } from '../config/types.js';
import type { AppContext } from '../context.js';
import type { DB } from '../db/schema.js';
import { type ApplyCounts, applyStaged, type IdColumn, productKeyOnly, Staging, StagingRows } from './import/index.js';
import { reindexProducts } from './search.js';
import { normalizeSku } from './sku.js';

export type CatalogOwner = '1c' | 'moysklad' | 'portal';

/** Keys the portal itself gives: a spreadsheet's, and the temporary ones of a hand edit. */
const PORTAL_KEY = /^(hand|sku|cat|pt|wh):/;

export interface Keys {
  external_1c_id: string | null;
  external_ms_id: string | null;
}

export function ownerOf(keys: Keys): CatalogOwner {
  if (keys.external_ms_id !== null && !PORTAL_KEY.test(keys.external_ms_id)) return 'moysklad';
  if (keys.external_1c_id !== null && !PORTAL_KEY.test(keys.external_1c_id)) return '1c';
  return 'portal';
}

export const OWNER_NAMES: Record<CatalogOwner, string> = { '1c': '1C', moysklad: 'MoySklad', portal: 'the portal' };

/** Why an item with this owner may not be edited by hand (null: it may). */
export function handEditRefusal(config: Pick<Config, 'catalog'>, owner: CatalogOwner): HandEditError | null {
  const setting = config.catalog.handEdits;
  if (setting === 'never') return new HandEditError('readOnly');
  if (setting === 'auto' && owner !== 'portal') return new HandEditError('owned', null, { owner: OWNER_NAMES[owner] });
  return null;
}

export type HandEditCode =
  | 'readOnly'
  | 'owned'
  | 'notFound'
  | 'nameMissing'
  | 'nameTooLong'
  | 'skuTooLong'
  | 'skuTaken'
  | 'negative'
  | 'price'
  | 'stock'
  | 'cycle'
  | 'duplicate'
  | 'busy';

const MESSAGES: Record<HandEditCode, string> = {
  readOnly: 'catalog.hand_edits is never in config.yml: the catalog is only shown here',
  owned:
    '{owner} sends this item: change it there (or set catalog.hand_edits: always in config.yml to edit it here; the next exchange may overwrite the edit)',
  notFound: 'no such item',
  nameMissing: 'a name is needed',
  nameTooLong: 'the name is longer than {max} characters',
  skuTooLong: 'the SKU is longer than 100 characters',
  skuTaken: 'another product (#{id}) has this SKU',
  negative: 'pack and minimum cannot be negative',
  price: 'a price is a sum from 0 with at most two decimals',
  stock: 'stock is a quantity from 0',
  cycle: 'a category cannot go inside itself or its own subcategory',
  duplicate: '«{name}» is already there',
  busy: '{message}',
};

/** A hand edit refused: what is wrong (a code the pages translate) and, where it is one field, which. */
export class HandEditError extends Error {
  constructor(
    readonly code: HandEditCode,
    readonly field: string | null = null,
    readonly params: Record<string, string | number> = {},
  ) {
    super(MESSAGES[code].replace(/\{(\w+)\}/g, (_m, k: string) => String(params[k] ?? '')));
    this.name = 'HandEditError';
  }
}

export interface ProductEdit {
  sku: string;
  name: string;
  categoryId: number | null;
  unitId: number | null;
  /** Order multiple (pack) and minimum, in the product's unit; 0 = none. */
  multiple: number;
  minQty: number;
  visible: boolean;
  /** Country of origin ('' = none), kilograms and cubic metres of one unit (null = not known). */
  country: string;
  weight: number | null;
  volume: number | null;
  /** The "new" and "sale" marks. */
  isNew: boolean;
  isSale: boolean;
  /** Price type id → price in hundredths of the price type's currency (kopecks for roubles); absent = unchanged. */
  prices: ReadonlyMap<number, number>;
  /** Warehouse id → quantity; absent = unchanged. */
  stock: ReadonlyMap<number, number>;
}

export interface CategoryEdit {
  name: string;
  parentId: number | null;
  visible: boolean;
}

export interface NamedEdit {
  name: string;
}

type KeyedTable = 'products' | 'categories' | 'price_types' | 'warehouses';

interface KeyedRow extends Keys {
  id: number;
}

/**
 * One hand edit through the importer: `stage` names the records, `key` gives each stored item
 * its key in the chosen column (a temporary one where it has none).
 */
async function handSwitch(
  ctx: AppContext,
  column: IdColumn,
  stage: (rows: StagingRows, key: (table: KeyedTable, row: KeyedRow) => string) => void,
  after?: (trx: Transaction<DB>) => Promise<void>,
): Promise<ApplyCounts> {
  const temporary: Array<[KeyedTable, number, string]> = [];
  const key = (table: KeyedTable, row: KeyedRow): string => {
    const own = row[column];
    if (own !== null) return own;
    const made = `hand:${table}:${row.id}`;
    temporary.push([table, row.id, made]);
    return made;
  };
  const rows = new StagingRows();
  stage(rows, key);
  const busy = ctx.importGate.refusal('hand');
  if (busy) throw new HandEditError('busy', null, { message: busy });
  return ctx.importGate.run('hand', async () => {
    const staging = new Staging(ctx.db, ctx.database.sqlite);
    try {
      await staging.reset();
      await staging.write(rows.take().rows);
      const col = sql.raw(column);
      const result = await applyStaged(
        ctx.db,
        ctx.searchIndex,
        {
          priceTypes: [],
          defaultPriceType: '',
          fractionalUnits: ctx.config.integrations.commerceml.fields.fractional.unit,
          stockWarehouses: ctx.config.catalog.stockWarehouses,
          idColumn: column,
        },
        { groups: false, products: false, offers: false },
        ctx.clock.now(),
        {
          prepare: async (trx) => {
            for (const [table, id, made] of temporary)
              await sql`update ${sql.table(table)} set ${col} = ${made} where id = ${id} and ${col} is null`.execute(trx);
          },
          finish: async (trx) => {
            await after?.(trx);
            // The temporary keys go: what the portal made stays its own.
            for (const table of ['products', 'categories', 'price_types', 'warehouses'] as const)
              await sql`update ${sql.table(table)} set ${col} = null where ${col} like 'hand:%'`.execute(trx);
          },
        },
      );
      return result.counts;
    } finally {
      await staging.drop();
    }
  });
}

function checkName(name: string, field = 'name', max = 250): string {
  const text = name.trim();
  if (text === '') throw new HandEditError('nameMissing', field);
  if ([...text].length > max) throw new HandEditError('nameTooLong', field, { max });
  return text;
}

/** The column an edit keys by: MoySklad's for what MoySklad sends, 1C's otherwise (1C's, spreadsheets' and temporary keys live there). */
function columnFor(owner: CatalogOwner): IdColumn {
  return owner === 'moysklad' ? 'external_ms_id' : 'external_1c_id';
}

async function keyed(ctx: AppContext, table: KeyedTable, id: number): Promise<KeyedRow | null> {
  const row = await ctx.db
    .selectFrom(table)
    .select(['id', 'external_1c_id', 'external_ms_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ?? null;
}

async function keyedOrRefuse(ctx: AppContext, table: KeyedTable, id: number, field: string): Promise<KeyedRow> {
  const row = await keyed(ctx, table, id);
  if (!row) throw new HandEditError('notFound', field);
  return row;
}

function assertEditable(ctx: AppContext, row: Keys | null): CatalogOwner {
  const owner = row ? ownerOf(row) : 'portal';
  const refusal = handEditRefusal(ctx.config, owner);
  if (refusal) throw refusal;
  return owner;
}

/** Saves a product (a new one when `productId` is null); returns its id. */
export async function saveProduct(ctx: AppContext, productId: number | null, edit: ProductEdit): Promise<number> {
  const stored = productId === null ? null : await keyed(ctx, 'products', productId);
  if (productId !== null && !stored) throw new HandEditError('notFound');
  const owner = assertEditable(ctx, stored);
  const name = checkName(edit.name);
  const sku = edit.sku.trim();
  if ([...sku].length > 100) throw new HandEditError('skuTooLong', 'sku');
  if (sku !== '') {
    const taken = await ctx.db
      .selectFrom('products')
      .select('id')
      .where('sku_norm', '=', normalizeSku(sku))
      .where('id', '!=', productId ?? -1)
      .executeTakeFirst();
    if (taken) throw new HandEditError('skuTaken', 'sku', { id: taken.id });
  }
  if (!(edit.multiple >= 0) || !(edit.minQty >= 0)) throw new HandEditError('negative', 'multiple');
  if (edit.weight !== null && !(edit.weight >= 0)) throw new HandEditError('negative', 'weight');
  if (edit.volume !== null && !(edit.volume >= 0)) throw new HandEditError('negative', 'volume');
  const column = columnFor(owner);
  const category = edit.categoryId === null ? null : await keyedOrRefuse(ctx, 'categories', edit.categoryId, 'category');
  const unit =
    edit.unitId === null
      ? null
      : await ctx.db.selectFrom('units').select(['code', 'name', 'full_name']).where('id', '=', edit.unitId).executeTakeFirst();
  if (edit.unitId !== null && !unit) throw new HandEditError('notFound', 'unit');
  const priceTypes = await Promise.all([...edit.prices.keys()].map((id) => keyedOrRefuse(ctx, 'price_types', id, `price_${id}`)));
  const warehouses = await Promise.all([...edit.stock.keys()].map((id) => keyedOrRefuse(ctx, 'warehouses', id, `stock_${id}`)));
  for (const [id, price] of edit.prices)
    if (!Number.isSafeInteger(price) || price < 0) throw new HandEditError('price', `price_${id}`);
  for (const [id, quantity] of edit.stock)
    if (!Number.isFinite(quantity) || quantity < 0) throw new HandEditError('stock', `stock_${id}`);

  const newKey = `hand:new:${randomUUID()}`;
  let savedId = productId ?? 0;
  await handSwitch(
    ctx,
    column,
    (rows, key) => {
      const ext = stored ? key('products', stored) : newKey;
      rows.product({
        ...productKeyOnly(ext, 'catalog'),
        sku,
        name,
        unit: unit ? { key: unit.code, name: unit.name, fullName: unit.full_name } : null,
        groupExt: category ? key('categories', category) : null,
        deleted: !edit.visible,
        multiple: edit.multiple,
        minQty: edit.minQty,
        country: edit.country.trim(),
        weight: edit.weight,
        volume: edit.volume,
        isNew: edit.isNew,
        isSale: edit.isSale,
      });
      priceTypes.forEach((type) => {
        rows.price({ ext, priceType: key('price_types', type), price: edit.prices.get(type.id) ?? 0 });
      });
      warehouses.forEach((warehouse) => {
        rows.stock({ ext, warehouseExt: key('warehouses', warehouse), quantity: edit.stock.get(warehouse.id) ?? 0 });
      });
    },
    async (trx) => {
      if (!stored) {
        savedId = (await trx.selectFrom('products').select('id').where(column, '=', newKey).executeTakeFirstOrThrow()).id;
        return;
      }
      // An emptied weight or volume is said as null, which the importer reads as "not said": cleared here.
      const unknown = { ...(edit.weight === null ? { weight: null } : {}), ...(edit.volume === null ? { volume: null } : {}) };
      if (Object.keys(unknown).length > 0)
        await trx
          .updateTable('products')
          .set(unknown)
          .where('id', '=', stored.id)
          .where((eb) => eb.or([eb('weight', 'is not', null), eb('volume', 'is not', null)]))
          .execute();
      // "No category" is said as null, which the importer reads as "not said": taken out here, in the same transaction.
      if (edit.categoryId !== null) return;
      const cleared = await trx
        .updateTable('products')
        .set({ category_id: null, updated_at: ctx.clock.now() })
        .where('id', '=', stored.id)
        .where('category_id', 'is not', null)
        .executeTakeFirst();
      if (Number(cleared.numUpdatedRows) > 0) await reindexProducts(ctx.searchIndex, trx, [stored.id]);
    },
  );
  ctx.log.info({ productId: savedId, created: stored === null }, 'product saved by hand');
  return savedId;
}

/** Saves a category (a new one when `id` is null); returns its id. */
export async function saveCategory(ctx: AppContext, id: number | null, edit: CategoryEdit): Promise<number> {
  const stored = id === null ? null : await keyed(ctx, 'categories', id);
  if (id !== null && !stored) throw new HandEditError('notFound');
  const owner = assertEditable(ctx, stored);
  const name = checkName(edit.name);
  const parent = edit.parentId === null ? null : await keyedOrRefuse(ctx, 'categories', edit.parentId, 'parent');
  if (parent && id !== null && (await isWithin(ctx, parent.id, id))) throw new HandEditError('cycle', 'parent');
  const sort =
    id === null ? 0 : ((await ctx.db.selectFrom('categories').select('sort').where('id', '=', id).executeTakeFirst())?.sort ?? 0);
  const newKey = `hand:new:${randomUUID()}`;
  let savedId = id ?? 0;
  await handSwitch(
    ctx,
    columnFor(owner),
    (rows, key) => {
      rows.group({
        ext: stored ? key('categories', stored) : newKey,
        parentExt: parent ? key('categories', parent) : null,
        name,
        deleted: !edit.visible,
        sort,
      });
    },
    async (trx) => {
      if (!stored)
        savedId = (await trx.selectFrom('categories').select('id').where(columnFor(owner), '=', newKey).executeTakeFirstOrThrow())
          .id;
    },
  );
  return savedId;
}

/** Whether category `candidate` is `ancestor` or below it. */
async function isWithin(ctx: AppContext, candidate: number, ancestor: number): Promise<boolean> {
  const rows = await sql<{ id: number }>`with recursive up(id, parent_id) as (
      select id, parent_id from categories where id = ${candidate}
      union select c.id, c.parent_id from categories c join up on c.id = up.parent_id)
    select id from up where id = ${ancestor}`.execute(ctx.db);
  return rows.rows.length > 0;
}

async function saveNamed(
  ctx: AppContext,
  table: 'price_types' | 'warehouses',
  id: number | null,
  edit: NamedEdit,
  currency: string | null,
): Promise<number> {
  const stored = id === null ? null : await keyed(ctx, table, id);
  if (id !== null && !stored) throw new HandEditError('notFound');
  const owner = assertEditable(ctx, stored);
  const name = checkName(edit.name, 'name', 100);
  // In JavaScript: SQLite's lower() leaves Cyrillic as it is.
  const others = await ctx.db
    .selectFrom(table)
    .select(['id', 'name'])
    .where('id', '!=', id ?? -1)
    .execute();
  if (others.some((o) => o.name.toLowerCase() === name.toLowerCase())) throw new HandEditError('duplicate', 'name', { name });
  const column = columnFor(owner);
  const newKey = `hand:new:${randomUUID()}`;
  let savedId = id ?? 0;
  await handSwitch(
    ctx,
    column,
    (rows, key) => {
      const ext = stored ? key(table, stored) : newKey;
      if (table === 'price_types') rows.priceType({ ext, name, ...(currency ? { currency } : {}) });
      else rows.warehouse({ ext, name });
    },
    async (trx) => {
      if (!stored) savedId = (await trx.selectFrom(table).select('id').where(column, '=', newKey).executeTakeFirstOrThrow()).id;
    },
  );
  return savedId;
}

export function savePriceType(
  ctx: AppContext,
  id: number | null,
  edit: NamedEdit & { currency?: string | null },
): Promise<number> {
  return saveNamed(ctx, 'price_types', id, edit, edit.currency ?? null);
}

export function saveWarehouse(ctx: AppContext, id: number | null, edit: NamedEdit): Promise<number> {
  return saveNamed(ctx, 'warehouses', id, edit, null);
}
