import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { loadCategoryTree } from '../../../catalog/categories.js';
import { type FeedCursor, type FeedFilter, feedPage, feedProductBySku, feedUnits } from '../../../catalog/feed.js';
import { hasSpecialPrices } from '../../../catalog/listing.js';
import { normalizeBarcode, normalizeSku } from '../../../catalog/sku.js';
import type { AppContext } from '../../../context.js';
import { ApiProblem } from '../problems.js';
import {
  COMMON_ERRORS,
  CompanyHeader,
  Cursor,
  decodeCursor,
  encodeCursor,
  Limit,
  Nullable,
  problemResponses,
  Timestamp,
} from '../schemas.js';
import { callerCompany } from './caller.js';
import { PageCache } from './page-cache.js';
import { type ProductJson, ProductSchema, productJson } from './present.js';

const ProductsQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Search as on the portal: words of the name, SKU fragments, barcodes; best match first.',
      }),
    ),
    sku: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        maxItems: 500,
        description:
          'Only these SKUs (repeat the parameter: sku=A&sku=B). Matched as the portal matches SKUs: case, spaces and dashes do not count.',
      }),
    ),
    barcode: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    category: Type.Optional(
      Type.Integer({ minimum: 1, description: 'A category id (GET /categories), with everything below it.' }),
    ),
    in_stock: Type.Optional(Type.Boolean({ description: 'Only products in stock.' })),
    updated_since: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'Only products whose data, price (any of yours) or stock changed since then, products taken off sale included (available: false); in change order. Pass the as_of of your previous sync.',
      }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);

const ProductPage = Type.Object({
  items: Type.Array(ProductSchema),
  next_cursor: Nullable(Type.String({ description: 'Pass it as cursor for the next page; null on the last page.' })),
  as_of: Nullable({
    ...Timestamp,
    description: 'With updated_since: the moment the answer describes; use it as updated_since next time.',
  }),
});

const Category = Type.Object({
  id: Type.Integer(),
  parent_id: Nullable(Type.Integer()),
  name: Type.String(),
  path: Type.Array(Type.String(), { description: 'Names from the top down to this category.' }),
});

/** A cursor read back: it must be of the kind this query pages by, or it is refused. */
function parseCursor(text: string | undefined, expected: FeedCursor['kind']): FeedCursor | null {
  if (text === undefined) return null;
  const value = decodeCursor(text) as Record<string, unknown> | undefined;
  const int = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (value?.kind === expected) {
    if (expected === 'id' && int(value.id)) return { kind: 'id', id: value.id as number };
    if (expected === 'changed' && int(value.at) && int(value.id))
      return { kind: 'changed', at: value.at as number, id: value.id as number };
    if (expected === 'search' && int(value.offset)) return { kind: 'search', offset: value.offset as number };
  }
  throw new ApiProblem('invalid-cursor');
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const catalogRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  const pages = new PageCache();
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };
  const pricesIncludeVat = ctx.config.catalog.pricesIncludeVat;

  app.get(
    '/products',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'listProducts',
        tags: ['catalog'],
        summary: 'Products at your prices',
        description:
          'Your company’s catalog: your price (price type, discount, special prices — the same calculation the portal’s pages make), stock as the portal shows it, unit, pack and minimum. Paged by cursor.',
        querystring: ProductsQuery,
        headers: CompanyHeader,
        response: { 200: ProductPage, ...problemResponses(...COMMON_ERRORS) },
      },
    },
    async (request, reply) => {
      const company = await callerCompany(ctx, request);
      const query = request.query;
      const generation = ctx.catalogGeneration.current(request.apiDataVersion ?? undefined);
      if (
        query.q !== undefined &&
        (query.sku !== undefined || query.barcode !== undefined || query.updated_since !== undefined)
      ) {
        throw new ApiProblem('invalid-parameters', { detail: { key: 'api.detailQueryCombination' } });
      }
      // A sync compares the catalog first (at most once a minute): what it stamps is part of the answer.
      const asOf = query.updated_since !== undefined ? await ctx.productChanges.refresh(ctx.db, ctx.clock, generation) : null;
      // The same page for the same prices is served as the bytes made the first time.
      const listing = { cache: ctx.listingCache, generation };
      const withSpecial = await hasSpecialPrices(ctx.db, company.companyId, listing);
      const key = [
        company.priceTypeId,
        company.discountBp,
        withSpecial ? company.companyId : '',
        request.apiLocale,
        ctx.productChanges.version,
        asOf ?? '',
        request.url.slice(request.url.indexOf('?') + 1),
      ].join('|');
      const cached = pages.get(key, generation);
      if (cached !== undefined) return (reply as FastifyReply).type(JSON_TYPE).send(cached);
      const filter: FeedFilter = {};
      if (query.q !== undefined) filter.query = query.q;
      if (query.sku !== undefined) filter.skuNorms = query.sku.map(normalizeSku).filter((s) => s !== '');
      if (query.barcode !== undefined) filter.barcode = normalizeBarcode(query.barcode);
      if (query.category !== undefined)
        filter.categoryIds = (await loadCategoryTree(ctx.db, { cache: ctx.categoryCache, generation })).branchIds(query.category);
      if (query.in_stock) filter.inStockOnly = true;
      if (query.updated_since !== undefined) filter.updatedSince = Date.parse(query.updated_since);
      const cursor = parseCursor(
        query.cursor,
        filter.query !== undefined ? 'search' : filter.updatedSince !== undefined ? 'changed' : 'id',
      );
      const page = await feedPage(ctx.db, company, filter, cursor, query.limit ?? 100, ctx.searchIndex, listing);
      const units = await feedUnits(ctx.db, listing);
      const items: ProductJson[] = page.rows.map((row) =>
        productJson(row, company, units, stockConfig, pricesIncludeVat, request.apiLocale),
      );
      // Serialized by the route's response schema, like any answer, and kept as it was sent.
      const body = reply.serialize({
        items,
        next_cursor: page.next ? encodeCursor(page.next) : null,
        as_of: asOf === null ? null : new Date(asOf).toISOString(),
      }) as string;
      pages.set(key, generation, body);
      return (reply as FastifyReply).type(JSON_TYPE).send(body);
    },
  );

  app.get(
    '/products/:sku',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'getProduct',
        tags: ['catalog'],
        summary: 'One product at your price',
        description:
          'By SKU (URL-encoded). When several products share an SKU, this is the first; list them all with GET /products?sku=…',
        params: Type.Object({ sku: Type.String({ minLength: 1, maxLength: 100 }) }),
        headers: CompanyHeader,
        response: { 200: ProductSchema, ...problemResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const company = await callerCompany(ctx, request);
      const listing = { cache: ctx.listingCache, generation: ctx.catalogGeneration.current(request.apiDataVersion ?? undefined) };
      const sku = request.params.sku;
      const [row] = await feedProductBySku(ctx.db, company, sku, normalizeSku(sku), listing);
      if (!row) throw new ApiProblem('not-found');
      return productJson(row, company, await feedUnits(ctx.db, listing), stockConfig, pricesIncludeVat, request.apiLocale);
    },
  );

  app.get(
    '/categories',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'listCategories',
        tags: ['catalog'],
        summary: 'The category tree',
        description: 'Every visible category, parents before their children.',
        response: { 200: Type.Object({ items: Type.Array(Category) }), ...problemResponses(...COMMON_ERRORS) },
      },
    },
    async (request) => {
      const tree = await loadCategoryTree(ctx.db, {
        cache: ctx.categoryCache,
        generation: ctx.catalogGeneration.current(request.apiDataVersion ?? undefined),
      });
      const items: { id: number; parent_id: number | null; name: string; path: string[] }[] = [];
      const walk = (nodes: typeof tree.roots, path: string[]) => {
        for (const node of nodes) {
          const here = [...path, node.name];
          items.push({ id: node.id, parent_id: path.length === 0 ? null : node.parentId, name: node.name, path: here });
          walk(node.children, here);
        }
      };
      walk(tree.roots, []);
      return { items };
    },
  );
};
