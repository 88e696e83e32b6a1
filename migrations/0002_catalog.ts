import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('units')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('precision', 'integer', (c) => c.notNull().defaultTo(0).check(sql`precision between 0 and 3`))
    .execute();

  await db.schema
    .createTable('categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('parent_id', 'integer', (c) => c.references('categories.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('external_1c_id', 'text', (c) => c.unique())
    .addColumn('external_ms_id', 'text', (c) => c.unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('categories_parent').on('categories').columns(['parent_id', 'sort', 'name']).execute();

  await db.schema
    .createTable('products')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // A variant (1C characteristic, MoySklad variant) is a sellable product pointing at its parent.
    .addColumn('parent_id', 'integer', (c) => c.references('products.id').onDelete('cascade'))
    .addColumn('variant_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('has_variants', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('category_id', 'integer', (c) => c.references('categories.id').onDelete('set null'))
    .addColumn('sku', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('sku_norm', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('full_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('brand', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('unit_id', 'integer', (c) => c.references('units.id').onDelete('set null'))
    // VAT in basis points (2000 = 20 %); null = not subject to VAT ("без НДС").
    .addColumn('vat_bp', 'integer')
    // Quantities are in the product's unit; 0 = no rule.
    .addColumn('min_qty', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('multiple', 'real', (c) => c.notNull().defaultTo(0))
    // Sum over the warehouses that count (config), kept current by the code that writes stock.
    .addColumn('stock_total', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('hidden', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('external_1c_id', 'text', (c) => c.unique())
    .addColumn('external_ms_id', 'text', (c) => c.unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('products_category_name').on('products').columns(['category_id', 'hidden', 'name']).execute();
  await db.schema.createIndex('products_sku_norm').on('products').column('sku_norm').execute();
  await db.schema.createIndex('products_parent').on('products').column('parent_id').execute();
  await db.schema.createIndex('products_brand').on('products').columns(['brand', 'hidden']).execute();
  await db.schema.createIndex('products_name').on('products').columns(['hidden', 'name']).execute();

  await db.schema
    .createTable('product_barcodes')
    .addColumn('barcode', 'text', (c) => c.notNull())
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('product_barcodes_pk', ['barcode', 'product_id'])
    .execute();
  await db.schema.createIndex('product_barcodes_product').on('product_barcodes').column('product_id').execute();

  await db.schema
    .createTable('product_properties')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('product_properties_product').on('product_properties').column('product_id').execute();

  await db.schema
    .createTable('warehouses')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('external_1c_id', 'text', (c) => c.unique())
    .addColumn('external_ms_id', 'text', (c) => c.unique())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('stock')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('warehouse_id', 'integer', (c) => c.notNull().references('warehouses.id').onDelete('cascade'))
    .addColumn('quantity', 'real', (c) => c.notNull())
    .addPrimaryKeyConstraint('stock_pk', ['product_id', 'warehouse_id'])
    .execute();

  await db.schema
    .createTable('prices')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('price_type_id', 'integer', (c) => c.notNull().references('price_types.id').onDelete('cascade'))
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
    .addPrimaryKeyConstraint('prices_pk', ['product_id', 'price_type_id'])
    .execute();
  await db.schema.createIndex('prices_type_price').on('prices').columns(['price_type_id', 'price']).execute();

  await db.schema
    .createTable('special_prices')
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 0`))
    .addPrimaryKeyConstraint('special_prices_pk', ['company_id', 'product_id'])
    .execute();

  await db.schema
    .createTable('product_photos')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    // Base name of the stored files under <data_dir>/photos (full size and thumbnail).
    .addColumn('file', 'text', (c) => c.notNull().unique())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    // Bytes on disk for all stored sizes, for the quota.
    .addColumn('bytes', 'integer', (c) => c.notNull())
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('product_photos_product').on('product_photos').columns(['product_id', 'sort']).execute();

  // Trigram index over SKU, barcodes and name (folded: lowercase, ё→е), maintained by
  // src/catalog/search.ts; rowid = products.id.
  await sql`create virtual table products_fts using fts5(sku, barcodes, name, tokenize = 'trigram', content = '', contentless_delete = 1)`.execute(db);

  await db.schema.alterTable('sessions').addColumn('acting_company_id', 'integer', (c) => c.references('companies.id').onDelete('set null')).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('acting_company_id').execute();
  await sql`drop table products_fts`.execute(db);
  for (const table of [
    'product_photos',
    'special_prices',
    'prices',
    'stock',
    'warehouses',
    'product_properties',
    'product_barcodes',
    'products',
    'categories',
    'units',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
