import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { PriceViewer } from './viewer.js';

/** Everything the product page shows, at the viewer's price; null for hidden or unknown products. */
export async function productDetail(db: Kysely<DB>, viewer: PriceViewer, id: number) {
  const product = await db
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .leftJoin('prices as pr', (join) =>
      join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', viewer.priceTypeId ?? -1),
    )
    .leftJoin('special_prices as sp', (join) =>
      join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', viewer.companyId ?? -1),
    )
    .select([
      'p.id',
      'p.parent_id',
      'p.has_variants',
      'p.category_id',
      'p.sku',
      'p.name',
      'p.variant_name',
      'p.full_name',
      'p.description',
      'p.brand',
      'p.vat_bp',
      'p.min_qty',
      'p.multiple',
      'p.stock_total',
      'p.weight',
      'p.volume',
      'p.country',
      'p.is_new',
      'p.is_sale',
      'u.name as unit_name',
      'u.precision as unit_precision',
      'pr.price as base_price',
      'sp.price as special_price',
    ])
    .where('p.id', '=', id)
    .where('p.hidden', '=', 0)
    .executeTakeFirst();
  if (!product) return null;
  const [barcodes, properties, photos, variants] = await Promise.all([
    db.selectFrom('product_barcodes').select('barcode').where('product_id', '=', id).orderBy('barcode').execute(),
    db.selectFrom('product_properties').select(['name', 'value']).where('product_id', '=', id).orderBy('sort').execute(),
    db
      .selectFrom('product_photos')
      .select(['id', 'file', 'width', 'height'])
      .where('product_id', '=', id)
      .orderBy('sort')
      .orderBy('id')
      .execute(),
    product.has_variants
      ? db
          .selectFrom('products')
          .select(['id', 'variant_name', 'sku'])
          .where('parent_id', '=', id)
          .where('hidden', '=', 0)
          .orderBy('variant_name')
          .execute()
      : Promise.resolve([]),
  ]);
  return { ...product, barcodes: barcodes.map((b) => b.barcode), properties, photos, variants };
}
