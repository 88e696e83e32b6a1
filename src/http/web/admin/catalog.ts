import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { normalizeCurrency } from '../../../catalog/currency.js';
import {
  type CatalogOwner,
  HandEditError,
  handEditRefusal,
  OWNER_NAMES,
  ownerOf,
  saveCategory,
  savePriceType,
  saveProduct,
  saveWarehouse,
} from '../../../catalog/hand-edits.js';
import { parseAmount } from '../../../catalog/import/values.js';
import { searchProductIds } from '../../../catalog/search.js';
import { normalizeSku } from '../../../catalog/sku.js';
import type { AppContext } from '../../../context.js';
import type { MessageKey } from '../../../i18n/index.js';
import { formString, idParam, queryString, requireRole } from '../../guards.js';
import { notFound } from '../../http-error.js';
import type { Errors, Values } from './forms.js';

const LIST_LIMIT = 50;

/** "1 250,50" / "1250.5" → kopecks; null when it is not a sum from 0 with at most two decimals. */
export function parseMoneyText(raw: string): number | null {
  if (raw.length > 30) return null;
  const text = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d{1,12}(\.\d{1,2})?$/.test(text)) return null;
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** "2,5" → 2.5; null when it is not a quantity from 0 with at most three decimals. */
export function parseQuantityText(raw: string): number | null {
  if (raw.length > 30) return null;
  const text = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (text === '') return 0;
  if (!/^\d{1,9}(\.\d{1,3})?$/.test(text)) return null;
  return Number(text);
}

const decimalText = (value: number, locale: string) => (locale === 'ru' ? String(value).replace('.', ',') : String(value));
const moneyText = (kopecks: number, locale: string) => {
  const text = `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, '0')}`;
  return locale === 'ru' ? text.replace('.', ',') : text;
};

function editError(request: FastifyRequest, error: HandEditError): string {
  const params = error.code === 'busy' ? {} : error.params;
  return request.t(`catadmin.error.${error.code}` as MessageKey, params);
}

/**
 * "Products and prices": the catalog by hand (src/catalog/hand-edits.ts). Admins only; what an
 * accounting system owns is shown read-only unless catalog.hand_edits says otherwise.
 */
export async function catalogAdminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const admin = { preHandler: requireRole('admin') };

  const ownerView = (owner: CatalogOwner) => {
    const refusal = handEditRefusal(ctx.config, owner);
    return {
      owner,
      ownerName: OWNER_NAMES[owner],
      editable: refusal === null,
      readOnly: ctx.config.catalog.handEdits === 'never',
    };
  };

  app.get('/catalog', admin, async (request, reply) => {
    const q = queryString(request.query, 'q').slice(0, 200).trim();
    let ids: number[] = [];
    if (q !== '') {
      // The buyers' search (visible products), then hidden ones by SKU or name: an admin looks for those too.
      const found = await searchProductIds(ctx.db, ctx.searchIndex, q, {}, LIST_LIMIT, 0);
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const hidden = await ctx.db
        .selectFrom('products')
        .select('id')
        .where('hidden', '=', 1)
        .where((eb) => eb.or([eb('sku_norm', '=', normalizeSku(q)), eb.and([eb('name', 'like', like)])]))
        .orderBy('id')
        .limit(LIST_LIMIT)
        .execute();
      ids = [...new Set([...found.exactIds, ...found.ids, ...hidden.map((h) => h.id)])].slice(0, LIST_LIMIT);
    }
    const base = ctx.db
      .selectFrom('products as p')
      .leftJoin('categories as c', 'c.id', 'p.category_id')
      .select([
        'p.id',
        'p.sku',
        'p.name',
        'p.variant_name',
        'p.hidden',
        'p.external_1c_id',
        'p.external_ms_id',
        'c.name as category',
      ])
      .where('p.has_variants', '=', 0);
    const rows =
      q === ''
        ? await base.orderBy('p.updated_at', 'desc').orderBy('p.id', 'desc').limit(LIST_LIMIT).execute()
        : ids.length === 0
          ? []
          : await base.where('p.id', 'in', ids).execute();
    const order = new Map(ids.map((id, i) => [id, i]));
    if (q !== '') rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return reply.page('admin/catalog', {
      q,
      rows: rows.map((r) => ({ ...r, owner: ownerOf(r) })),
      canCreate: handEditRefusal(ctx.config, 'portal') === null,
    });
  });

  async function productForm(productId: number | null) {
    const product =
      productId === null
        ? null
        : await ctx.db
            .selectFrom('products')
            .select([
              'id',
              'sku',
              'name',
              'variant_name',
              'category_id',
              'unit_id',
              'multiple',
              'min_qty',
              'hidden',
              'country',
              'weight',
              'volume',
              'is_new',
              'is_sale',
              'has_variants',
              'external_1c_id',
              'external_ms_id',
            ])
            .where('id', '=', productId)
            .executeTakeFirst();
    if (productId !== null && (!product || product.has_variants === 1)) throw notFound();
    const [categories, units, priceTypes, warehouses, prices, stock] = await Promise.all([
      ctx.db.selectFrom('categories').select(['id', 'name', 'parent_id', 'hidden']).orderBy('name').execute(),
      ctx.db.selectFrom('units').select(['id', 'code', 'name', 'precision']).orderBy('name').execute(),
      ctx.db.selectFrom('price_types').select(['id', 'name', 'currency']).orderBy('name').execute(),
      ctx.db.selectFrom('warehouses').select(['id', 'name']).orderBy('name').execute(),
      productId === null
        ? []
        : ctx.db.selectFrom('prices').select(['price_type_id', 'price']).where('product_id', '=', productId).execute(),
      productId === null
        ? []
        : ctx.db.selectFrom('stock').select(['warehouse_id', 'quantity']).where('product_id', '=', productId).execute(),
    ]);
    return { product: product ?? null, categories: categoryPaths(categories), units, priceTypes, warehouses, prices, stock };
  }

  async function showProduct(
    request: FastifyRequest,
    reply: FastifyReply,
    productId: number | null,
    state: { values?: Values; errors?: Errors; problem?: string } = {},
    status = 200,
  ) {
    const form = await productForm(productId);
    const locale = request.locale;
    const p = form.product;
    const values: Values = state.values ?? {
      sku: p?.sku ?? '',
      name: p ? p.name : '',
      category: p?.category_id ? String(p.category_id) : '',
      unit: p?.unit_id ? String(p.unit_id) : '',
      multiple: decimalText(p?.multiple ?? 0, locale),
      min_qty: decimalText(p?.min_qty ?? 0, locale),
      visible: p === null || p.hidden === 0 ? '1' : '',
      country: p?.country ?? '',
      weight: p?.weight === null || p?.weight === undefined ? '' : decimalText(p.weight, locale),
      volume: p?.volume === null || p?.volume === undefined ? '' : decimalText(p.volume, locale),
      is_new: p?.is_new ? '1' : '',
      is_sale: p?.is_sale ? '1' : '',
      ...Object.fromEntries(form.prices.map((x) => [`price_${x.price_type_id}`, moneyText(x.price, locale)])),
      ...Object.fromEntries(form.stock.map((x) => [`stock_${x.warehouse_id}`, decimalText(x.quantity, locale)])),
    };
    return reply.page(
      'admin/catalog-product',
      {
        ...form,
        ...ownerView(p ? ownerOf(p) : 'portal'),
        values,
        errors: state.errors ?? {},
        problem: state.problem ?? '',
        saved: queryString(request.query, 'saved') === '1',
      },
      status,
    );
  }

  async function submitProduct(request: FastifyRequest, reply: FastifyReply, productId: number | null) {
    const form = await productForm(productId);
    const body = request.body;
    const values: Values = {};
    const errors: Errors = {};
    for (const field of [
      'sku',
      'name',
      'category',
      'unit',
      'multiple',
      'min_qty',
      'visible',
      'country',
      'weight',
      'volume',
      'is_new',
      'is_sale',
    ])
      values[field] = formString(body, field);
    const prices = new Map<number, number>();
    for (const type of form.priceTypes) {
      const raw = formString(body, `price_${type.id}`);
      values[`price_${type.id}`] = raw;
      if (raw.trim() === '') continue;
      const kopecks = parseMoneyText(raw);
      if (kopecks === null) errors[`price_${type.id}`] = request.t('catadmin.error.price');
      else prices.set(type.id, kopecks);
    }
    const stock = new Map<number, number>();
    for (const warehouse of form.warehouses) {
      const raw = formString(body, `stock_${warehouse.id}`);
      values[`stock_${warehouse.id}`] = raw;
      if (raw.trim() === '') continue;
      const quantity = parseQuantityText(raw);
      if (quantity === null) errors[`stock_${warehouse.id}`] = request.t('catadmin.error.stock');
      else stock.set(warehouse.id, quantity);
    }
    const multiple = parseQuantityText(values.multiple ?? '');
    const minQty = parseQuantityText(values.min_qty ?? '');
    if (multiple === null) errors.multiple = request.t('catadmin.error.quantity');
    if (minQty === null) errors.min_qty = request.t('catadmin.error.quantity');
    // Empty: not known. Otherwise a number with a comma or a dot.
    const amount = (field: 'weight' | 'volume') => {
      const text = (values[field] ?? '').trim();
      if (text === '') return null;
      const value = parseAmount(text);
      if (value === null) errors[field] = request.t('catadmin.error.amount');
      return value;
    };
    const weight = amount('weight');
    const volume = amount('volume');
    if (Object.keys(errors).length > 0 || multiple === null || minQty === null)
      return showProduct(request, reply, productId, { values, errors }, 422);
    try {
      const id = await saveProduct(ctx, productId, {
        sku: values.sku ?? '',
        name: values.name ?? '',
        categoryId: values.category ? Number(values.category) || -1 : null,
        unitId: values.unit ? Number(values.unit) || -1 : null,
        multiple,
        minQty,
        visible: values.visible === '1',
        country: values.country ?? '',
        weight,
        volume,
        isNew: values.is_new === '1',
        isSale: values.is_sale === '1',
        prices,
        stock,
      });
      return reply.redirect(`/admin/catalog/products/${id}?saved=1`, 303);
    } catch (error) {
      if (!(error instanceof HandEditError)) throw error;
      const message = editError(request, error);
      return showProduct(
        request,
        reply,
        productId,
        error.field ? { values, errors: { [error.field]: message } } : { values, problem: message },
        error.code === 'notFound' && !error.field ? 404 : error.code === 'busy' ? 409 : 422,
      );
    }
  }

  app.get('/catalog/products/new', admin, async (request, reply) => showProduct(request, reply, null));
  app.post('/catalog/products/new', admin, async (request, reply) => submitProduct(request, reply, null));
  app.get('/catalog/products/:id', admin, async (request, reply) => showProduct(request, reply, idParam(request.params)));
  app.post('/catalog/products/:id', admin, async (request, reply) => submitProduct(request, reply, idParam(request.params)));

  async function showLists(request: FastifyRequest, reply: FastifyReply, state: { problem?: string } = {}, status = 200) {
    const [categories, priceTypes, warehouses] = await Promise.all([
      ctx.db
        .selectFrom('categories')
        .select(['id', 'name', 'parent_id', 'hidden', 'external_1c_id', 'external_ms_id'])
        .orderBy('name')
        .execute(),
      ctx.db
        .selectFrom('price_types')
        .select(['id', 'name', 'currency', 'is_default', 'external_1c_id', 'external_ms_id'])
        .orderBy('name')
        .execute(),
      ctx.db.selectFrom('warehouses').select(['id', 'name', 'external_1c_id', 'external_ms_id']).orderBy('name').execute(),
    ]);
    const withOwner = <T extends { external_1c_id: string | null; external_ms_id: string | null }>(rows: T[]) =>
      rows.map((r) => ({ ...r, ...ownerView(ownerOf(r)) }));
    return reply.page(
      'admin/catalog-lists',
      {
        categories: withOwner(categoryPaths(categories)),
        priceTypes: withOwner(priceTypes),
        warehouses: withOwner(warehouses),
        canCreate: handEditRefusal(ctx.config, 'portal') === null,
        problem: state.problem ?? '',
        saved: queryString(request.query, 'saved') === '1',
      },
      status,
    );
  }

  /** One save from the lists page: back to it, or the page again with what went wrong. */
  async function listSave(request: FastifyRequest, reply: FastifyReply, save: () => Promise<unknown>, anchor: string) {
    try {
      await save();
      return reply.redirect(`/admin/catalog/lists?saved=1#${anchor}`, 303);
    } catch (error) {
      if (!(error instanceof HandEditError)) throw error;
      if (error.code === 'notFound' && !error.field) throw notFound();
      return showLists(
        request,
        reply,
        { problem: request.t('catadmin.problem', { message: editError(request, error) }) },
        error.code === 'busy' ? 409 : 422,
      );
    }
  }

  const optionalIdOf = (raw: string): number | null => (raw === '' ? null : /^\d{1,12}$/.test(raw) ? Number(raw) : -1);

  app.get('/catalog/lists', admin, async (request, reply) => showLists(request, reply));
  app.post('/catalog/categories', admin, async (request, reply) =>
    listSave(
      request,
      reply,
      () =>
        saveCategory(ctx, null, {
          name: formString(request.body, 'name'),
          parentId: optionalIdOf(formString(request.body, 'parent')),
          visible: true,
        }),
      'categories',
    ),
  );
  app.post('/catalog/categories/:id', admin, async (request, reply) =>
    listSave(
      request,
      reply,
      () =>
        saveCategory(ctx, idParam(request.params), {
          name: formString(request.body, 'name'),
          parentId: optionalIdOf(formString(request.body, 'parent')),
          visible: formString(request.body, 'visible') === '1',
        }),
      'categories',
    ),
  );
  app.post('/catalog/price-types', admin, async (request, reply) =>
    listSave(
      request,
      reply,
      () =>
        savePriceType(ctx, null, {
          name: formString(request.body, 'name'),
          currency: normalizeCurrency(formString(request.body, 'currency')),
        }),
      'price-types',
    ),
  );
  app.post('/catalog/price-types/:id', admin, async (request, reply) =>
    listSave(
      request,
      reply,
      () => savePriceType(ctx, idParam(request.params), { name: formString(request.body, 'name') }),
      'price-types',
    ),
  );
  app.post('/catalog/warehouses', admin, async (request, reply) =>
    listSave(request, reply, () => saveWarehouse(ctx, null, { name: formString(request.body, 'name') }), 'warehouses'),
  );
  app.post('/catalog/warehouses/:id', admin, async (request, reply) =>
    listSave(
      request,
      reply,
      () => saveWarehouse(ctx, idParam(request.params), { name: formString(request.body, 'name') }),
      'warehouses',
    ),
  );
}

/** Categories with their full path ("Крепёж / Болты"), sorted by it, for selects and the list. */
function categoryPaths<T extends { id: number; name: string; parent_id: number | null }>(rows: T[]): Array<T & { path: string }> {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pathOf = (row: T): string => {
    const names: string[] = [];
    const seen = new Set<number>();
    for (let at: T | undefined = row; at && !seen.has(at.id); at = at.parent_id === null ? undefined : byId.get(at.parent_id)) {
      seen.add(at.id);
      names.unshift(at.name);
    }
    return names.join(' / ');
  };
  return rows.map((r) => ({ ...r, path: pathOf(r) })).sort((a, b) => a.path.localeCompare(b.path, 'ru'));
}
