import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  // One cart per buyer company; a manager ordering for a company fills that company's cart.
  await db.schema
    .createTable('cart_items')
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('quantity', 'real', (c) => c.notNull().check(sql`quantity > 0`))
    // The unit price when the line was added or last changed: the cart flags lines whose price moved.
    .addColumn('price_seen', 'integer')
    .addColumn('added_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('added_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('cart_items_pk', ['company_id', 'product_id'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id').onDelete('restrict'))
    .addColumn('legal_entity_id', 'integer', (c) => c.references('legal_entities.id').onDelete('set null'))
    // Requisites copied at the time of the order: later edits of the company do not rewrite history.
    .addColumn('buyer_name', 'text', (c) => c.notNull())
    .addColumn('buyer_inn', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('buyer_kpp', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('buyer_address', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('placed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    // Set when a manager (or admin) placed the order on the company's behalf.
    .addColumn('manager_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('new'))
    .addColumn('delivery_address', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('desired_date', 'text')
    .addColumn('po_number', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('price_type_id', 'integer', (c) => c.references('price_types.id').onDelete('set null'))
    .addColumn('price_type_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('discount_bp', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('prices_include_vat', 'integer', (c) => c.notNull())
    .addColumn('subtotal', 'integer', (c) => c.notNull())
    .addColumn('discount_total', 'integer', (c) => c.notNull())
    .addColumn('vat_total', 'integer', (c) => c.notNull())
    .addColumn('total', 'integer', (c) => c.notNull())
    .addColumn('line_count', 'integer', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('external_1c_id', 'text')
    .addColumn('external_number', 'text')
    .addColumn('exported_at', 'integer')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('orders_idempotency', ['company_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('orders_company_created').on('orders').columns(['company_id', 'created_at']).execute();
  await db.schema.createIndex('orders_status').on('orders').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('orders_created').on('orders').column('created_at').execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('line_no', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'integer', (c) => c.references('products.id').onDelete('set null'))
    // Copied from the product at the time of the order.
    .addColumn('sku', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('unit_name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('product_1c_id', 'text')
    .addColumn('product_ms_id', 'text')
    .addColumn('quantity', 'real', (c) => c.notNull())
    .addColumn('list_price', 'integer')
    .addColumn('unit_price', 'integer', (c) => c.notNull())
    .addColumn('discount_bp', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('line_total', 'integer', (c) => c.notNull())
    .addColumn('vat_bp', 'integer')
    .addColumn('vat_amount', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('order_lines_order').on('order_lines').columns(['order_id', 'line_no']).execute();
  await db.schema.createIndex('order_lines_product').on('order_lines').column('product_id').execute();

  await db.schema
    .createTable('order_status_history')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('portal'))
    .addColumn('changed_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_status_history_order').on('order_status_history').columns(['order_id', 'id']).execute();

  // The outbox: follow-up work (PDF, mails, export) written in the same transaction as the order.
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_after', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('done_at', 'integer')
    .addColumn('failed_at', 'integer')
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_due').on('jobs').columns(['done_at', 'failed_at', 'run_after']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['jobs', 'order_status_history', 'order_lines', 'orders', 'cart_items']) {
    await db.schema.dropTable(table).execute();
  }
}
