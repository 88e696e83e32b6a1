import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canSeeCompany, getCompany, listCompanies } from '../../accounts/companies.js';
import { setActingCompany } from '../../accounts/sessions.js';
import { type CategoryNode, type CategoryTree, loadCategoryTree } from '../../catalog/categories.js';
import { originalPrices } from '../../catalog/currency-rates.js';
import { FragmentCache } from '../../catalog/fragment-cache.js';
import {
  brandsIn,
  hasSpecialPrices,
  type ListingRow,
  listProducts,
  productsByIds,
  SORT_KEYS,
  type SortKey,
} from '../../catalog/listing.js';
import { productDetail } from '../../catalog/product.js';
import { searchProductIds } from '../../catalog/search.js';
import { countedWarehouses, stockByWarehouse } from '../../catalog/stock.js';
import { stockLevel } from '../../catalog/stock-display.js';
import { type VariantGrid, variantGrids } from '../../catalog/variants.js';
import { type PriceViewer, priceViewer } from '../../catalog/viewer.js';
import type { AppContext } from '../../context.js';
import { formatForeignMoney, formattersFor } from '../../i18n/index.js';
import { unitPriceFor } from '../../pricing/quote.js';
import { currentUser, formString, idParam, pageNumber, queryString, requireLogin, requireRole, safeNext } from '../guards.js';
import { notFound } from '../http-error.js';
import { renderFragment } from '../plugins/views.js';
import { stockText } from './stock-text.js';
import { presentGrid } from './variant-grid.js';

const MAX_QUERY_LENGTH = 200;
/** Bytes of UTF-8: some 500 pages of 50 rows. */
const LISTING_CACHE_BYTES = 24 * 1024 * 1024;
/** Where the form token goes in a cached listing; random, so no product text can contain it. */
const CSRF_PLACE = `csrf-${randomUUID()}`;

/** A rendered listing, UTF-8, cut where the request's own form token goes. */
interface Listing {
  parts: Buffer[];
  size: number;
}

function withToken(parts: readonly Buffer[], token: string): (Buffer | string)[] {
  const out: (Buffer | string)[] = [];
  parts.forEach((part, i) => {
    if (i > 0) out.push(token);
    out.push(part);
  });
  return out;
}

/**
 * Everything that changes a listing's HTML. Prices: the price type, the discount, and the company
 * itself only when it has special prices (otherwise every company of the same price type and
 * discount sees the same page). The data itself is covered by the catalog generation.
 */
function listingKey(k: {
  viewer: PriceViewer;
  special: boolean;
  locale: string;
  category: number | null;
  q: string;
  inStockOnly: boolean;
  brand: string;
  sort: SortKey;
  page: number;
}): string {
  const prices = `${k.viewer.priceTypeId}/${k.viewer.discountBp}/${k.special ? k.viewer.companyId : '-'}`;
  return JSON.stringify([prices, k.locale, k.category, k.q, k.inStockOnly, k.brand, k.q ? '' : k.sort, k.page]);
}

export async function catalogRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const listings = new FragmentCache<Listing>(LISTING_CACHE_BYTES);
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };

  /**
   * What a catalog row shows: the price the viewer pays and the stock as config says to show it.
   * Labels are made here rather than in a partial per row: 50 includes cost more than the queries.
   */
  /** "5,00 $" behind a rouble price from another currency (catalog.show_original_currency), at the viewer's discount; special prices are roubles. */
  function originalOf(
    originals: ReadonlyMap<number, { currency: string; amount: number }>,
    id: number,
    specialPrice: number | null,
    viewer: PriceViewer,
    request: FastifyRequest,
  ): string | null {
    const original = originals.get(id);
    if (!original || specialPrice !== null) return null;
    const amount = unitPriceFor(
      { priceTypeId: viewer.priceTypeId, discountBp: viewer.discountBp },
      original.amount,
      null,
    ).unitPrice;
    return amount === null ? null : formatForeignMoney(amount, original.currency, request.locale);
  }
  const originalsFor = (viewer: PriceViewer, ids: readonly number[]) =>
    ctx.config.catalog.showOriginalCurrency ? originalPrices(ctx.db, viewer.priceTypeId, ids) : Promise.resolve(new Map());

  function present(
    row: ListingRow,
    viewer: PriceViewer,
    request: FastifyRequest,
    exact: boolean,
    originals: ReadonlyMap<number, { currency: string; amount: number }>,
  ) {
    const stock = stockLevel(row.stock_total, stockConfig);
    return {
      ...row,
      exact,
      original: originalOf(originals, row.id, row.special_price, viewer, request),
      price: unitPriceFor({ priceTypeId: viewer.priceTypeId, discountBp: viewer.discountBp }, row.base_price, row.special_price)
        .unitPrice,
      stockText: stockText(request, stock),
      stockClass:
        stock.kind === 'exact' || stock.kind === 'many' || stock.kind === 'yes' ? 'in' : stock.kind === 'few' ? 'few' : 'out',
      thumb: row.photo ? `/photos/${row.photo}-thumb.webp` : null,
    };
  }

  const viewerOf = (request: FastifyRequest) =>
    priceViewer(ctx.db, currentUser(request), request.actingCompanyId, {
      cache: ctx.viewerCache,
      generation: request.accountsGeneration,
    });

  app.get('/catalog', { preHandler: requireLogin }, async (request, reply) => {
    // Read before any data: a change after this point makes what is rendered below uncacheable.
    const generation = ctx.catalogGeneration.current(request.dataVersion ?? undefined);
    const cached = { cache: ctx.listingCache, generation };
    const viewer = await viewerOf(request);
    const tree = await loadCategoryTree(ctx.db, { cache: ctx.categoryCache, generation });
    const rawCategory = queryString(request.query, 'c');
    const category = rawCategory ? tree.get(Number(rawCategory)) : undefined;
    if (rawCategory && !category) throw notFound();
    const q = queryString(request.query, 'q').trim().slice(0, MAX_QUERY_LENGTH);
    const inStockOnly = queryString(request.query, 'stock') === '1';
    const brand = queryString(request.query, 'brand').trim();
    const sortParam = queryString(request.query, 'sort') as SortKey;
    const sort = SORT_KEYS.includes(sortParam) ? sortParam : 'name';
    const page = pageNumber(request.query);
    const special = await hasSpecialPrices(ctx.db, viewer.companyId, cached);
    const key = listingKey({
      viewer,
      special,
      locale: request.locale,
      category: category?.id ?? null,
      q,
      inStockOnly,
      brand,
      sort,
      page,
    });
    let listing = listings.get(key, generation);
    if (listing === undefined) {
      listing = await renderListing(request, { viewer, generation, tree, category, q, inStockOnly, brand, sort, page });
      listings.set(key, generation, listing);
    }
    const title = q ? request.t('catalog.resultsFor', { q }) : category ? category.name : request.t('catalog.title');
    return reply.pageAround('catalog/list', { viewer, title }, withToken(listing.parts, request.csrfToken));
  });

  /**
   * Everything a catalog page shows below the viewer bar, for one set of prices: the tree, the
   * filters, the product table and the pager. The form token is left out (split on its place).
   */
  async function renderListing(
    request: FastifyRequest,
    p: {
      viewer: PriceViewer;
      generation: number | null;
      tree: CategoryTree;
      category: CategoryNode | undefined;
      q: string;
      inStockOnly: boolean;
      brand: string;
      sort: SortKey;
      page: number;
    },
  ): Promise<Listing> {
    const { viewer, generation, tree, category, q, inStockOnly, brand, sort, page } = p;
    const cached = { cache: ctx.listingCache, generation };
    const size = ctx.config.catalog.pageSize;
    const categoryIds = category ? tree.branchIds(category.id) : undefined;
    const filter = { ...(categoryIds ? { categoryIds } : {}), inStockOnly, ...(brand ? { brand } : {}) };
    let rows: ListingRow[];
    let total: number;
    let exactIds: number[] = [];
    if (q) {
      const found = await searchProductIds(ctx.db, ctx.searchIndex, q, filter, size, (page - 1) * size);
      rows = await productsByIds(ctx.db, viewer, found.ids, cached);
      total = found.total;
      exactIds = found.exactIds;
    } else {
      ({ rows, total } = await listProducts(ctx.db, viewer, { ...filter, sort }, size, (page - 1) * size, cached));
    }
    // Variants of a product laid out as a grid show as that one grid, where the first of them stands.
    const parentIds = rows.flatMap((r) => (r.parent_id === null ? [] : [r.parent_id]));
    const grids: Map<number, VariantGrid> =
      parentIds.length === 0
        ? new Map()
        : await variantGrids(ctx.db, viewer, parentIds, { allowBackorder: ctx.config.catalog.allowBackorder, cached });
    const shownGrids = new Set<number>();
    const items = [];
    const gridIds = [...grids.values()].flatMap((g) => g.cells.flat().flatMap((c) => (c ? [c.row.id] : [])));
    const originals = await originalsFor(viewer, [...rows.map((r) => r.id), ...gridIds]);
    const gridOriginal = (id: number, special: number | null) => originalOf(originals, id, special, viewer, request);
    for (const row of rows) {
      const grid = row.parent_id === null ? undefined : grids.get(row.parent_id);
      if (!grid) items.push(present(row, viewer, request, exactIds.includes(row.id), originals));
      else if (!shownGrids.has(grid.parentId)) {
        shownGrids.add(grid.parentId);
        items.push({ grid: presentGrid(grid, viewer, request, stockConfig, gridOriginal) });
      }
    }
    const params = new URLSearchParams();
    if (category) params.set('c', String(category.id));
    if (q) params.set('q', q);
    if (inStockOnly) params.set('stock', '1');
    if (brand) params.set('brand', brand);
    if (sort !== 'name' && !q) params.set('sort', sort);
    const locale = request.locale;
    const html = renderFragment('/partials/catalog-listing', {
      t: request.t,
      ...formattersFor(locale),
      csrf: CSRF_PLACE,
      tree,
      category,
      breadcrumbs: category ? tree.path(category.id) : [],
      rows: items,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / size)),
      pagerBase: `/catalog?${params.toString()}${params.size ? '&' : ''}`,
      currentUrl: `/catalog?${params.toString()}${page > 1 ? `${params.size ? '&' : ''}page=${page}` : ''}`,
      q,
      inStockOnly,
      brand,
      brands: await brandsIn(ctx.db, categoryIds, cached),
      sort,
      sorts: SORT_KEYS,
      stockDisplay: ctx.config.catalog.stockDisplay,
    });
    const parts = html.split(CSRF_PLACE).map((part) => Buffer.from(part));
    return { parts, size: parts.reduce((sum, part) => sum + part.length, 0) };
  }

  app.get('/catalog/p/:id', { preHandler: requireLogin }, async (request, reply) => {
    const viewer = await viewerOf(request);
    const product = await productDetail(ctx.db, viewer, idParam(request.params));
    if (!product) throw notFound();
    const tree = await loadCategoryTree(ctx.db, { cache: ctx.categoryCache });
    const counted = await countedWarehouses(ctx.db, ctx.config.catalog.stockWarehouses);
    const warehouses = await stockByWarehouse(ctx.db, product.id, counted.ids);
    // A product with variants, or one of its variants: the grid of them all, when they make one.
    const gridOf = product.has_variants ? product.id : product.parent_id;
    const grid =
      gridOf === null
        ? undefined
        : (await variantGrids(ctx.db, viewer, [gridOf], { allowBackorder: ctx.config.catalog.allowBackorder })).get(gridOf);
    const gridOriginals = await originalsFor(viewer, grid ? grid.cells.flat().flatMap((c) => (c ? [c.row.id] : [])) : []);
    return reply.page('catalog/product', {
      viewer,
      product,
      grid: grid
        ? presentGrid(grid, viewer, request, stockConfig, (id, special) =>
            originalOf(gridOriginals, id, special, viewer, request),
          )
        : null,
      price: unitPriceFor(
        { priceTypeId: viewer.priceTypeId, discountBp: viewer.discountBp },
        product.base_price,
        product.special_price,
      ).unitPrice,
      original: originalOf(await originalsFor(viewer, [product.id]), product.id, product.special_price, viewer, request),
      stock: stockLevel(product.stock_total, stockConfig),
      warehouses: warehouses.map((w) => ({ ...w, stock: stockLevel(w.quantity, stockConfig) })),
      breadcrumbs: product.category_id !== null ? tree.path(product.category_id) : [],
      stockDisplay: ctx.config.catalog.stockDisplay,
    });
  });

  // Staff choose whose eyes they look through: prices, discounts and (later) the cart follow.
  app.get('/catalog/view-as', { preHandler: requireRole('admin', 'manager') }, async (request, reply) => {
    const q = queryString(request.query, 'q').slice(0, MAX_QUERY_LENGTH);
    const { rows } = await listCompanies(ctx.db, currentUser(request), { search: q, limit: 50, offset: 0 });
    return reply.page('catalog/view-as', { q, companies: rows, next: safeNext(queryString(request.query, 'next'), '/catalog') });
  });

  app.post('/catalog/view-as', { preHandler: requireRole('admin', 'manager') }, async (request, reply) => {
    const raw = formString(request.body, 'company_id');
    const next = safeNext(formString(request.body, 'next'), '/catalog');
    if (!request.sessionId) throw notFound();
    if (raw === '') {
      await setActingCompany(ctx.db, request.sessionId, null);
      return reply.redirect(next, 303);
    }
    const companyId = Number(raw);
    const visible =
      Number.isInteger(companyId) &&
      (await getCompany(ctx.db, companyId)) !== undefined &&
      (await canSeeCompany(ctx.db, currentUser(request), companyId));
    if (!visible) throw notFound();
    await setActingCompany(ctx.db, request.sessionId, companyId);
    return reply.redirect(next, 303);
  });
}
