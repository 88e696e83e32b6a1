import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * The buyer's relationship with the seller beyond the order:
 *  - account_terms: per legal entity, the credit limit and payment terms, and the balance and
 *    overdue amount when the accounting system states them (otherwise they are worked out from
 *    the documents);
 *  - account_documents: invoices, shipments (УПД), payments, returns and refunds accounting sent,
 *    each with the order it belongs to and, when accounting sent one, its file;
 *  - credit control marks on orders: by how much an order went over the limit, the overdue debt
 *    at the time, and who allowed it and why;
 *  - product_characteristics: a variant's characteristics as name/value pairs (size, colour), so
 *    variants can be laid out as a grid whatever source they came from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('account_terms')
    .addColumn('legal_entity_id', 'integer', (c) => c.primaryKey().references('legal_entities.id').onDelete('cascade'))
    // Kopecks; null = no limit known.
    .addColumn('credit_limit', 'integer')
    // Days the buyer has to pay after a shipment; null = not known.
    .addColumn('payment_days', 'integer', (c) => c.check(sql`payment_days is null or payment_days >= 0`))
    // What the accounting system says the buyer owes (kopecks; negative = prepaid), as of balance_date.
    .addColumn('balance', 'integer')
    .addColumn('overdue', 'integer')
    // YYYY-MM-DD.
    .addColumn('balance_date', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('account_documents')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id').onDelete('cascade'))
    .addColumn('legal_entity_id', 'integer', (c) => c.notNull().references('legal_entities.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('invoice', 'shipment', 'payment', 'return', 'refund')`),
    )
    // 'active' counts; 'deleted' (marked for deletion) and 'draft' (not posted) are kept but do not.
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active').check(sql`status in ('active', 'deleted', 'draft')`))
    .addColumn('number', 'text', (c) => c.notNull())
    // YYYY-MM-DD.
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('due_date', 'text')
    // Kopecks, never negative: the kind says which way it moves the balance.
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 0`))
    .addColumn('order_id', 'integer', (c) => c.references('orders.id').onDelete('set null'))
    // The order as the document names it (Основание), kept when no order matches yet.
    .addColumn('order_ref', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('comment', 'text', (c) => c.notNull().defaultTo(''))
    // Under <data_dir>, when accounting sent the document's file.
    .addColumn('file_path', 'text')
    .addColumn('file_name', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .addUniqueConstraint('account_documents_external', ['source', 'external_id'])
    .execute();
  await db.schema.createIndex('account_documents_entity_date').on('account_documents').columns(['legal_entity_id', 'date']).execute();
  await db.schema.createIndex('account_documents_company_date').on('account_documents').columns(['company_id', 'date']).execute();
  await db.schema.createIndex('account_documents_order').on('account_documents').column('order_id').execute();

  // Kopecks over the credit limit and overdue debt when the order was placed; null = within terms.
  await db.schema.alterTable('orders').addColumn('credit_excess', 'integer').execute();
  await db.schema.alterTable('orders').addColumn('credit_overdue', 'integer').execute();
  await db.schema.alterTable('orders').addColumn('credit_override_reason', 'text').execute();
  // The user who allowed it; no foreign key, so the column can be dropped again (users are never deleted).
  await db.schema.alterTable('orders').addColumn('credit_override_by', 'integer').execute();
  // Open orders of a legal entity are summed by every credit check.
  await db.schema.createIndex('orders_legal_entity_status').on('orders').columns(['legal_entity_id', 'status']).execute();
  // Orders 1C made are found again by its Ид.
  await db.schema.createIndex('orders_external_1c_id').on('orders').column('external_1c_id').execute();

  await db.schema
    .createTable('product_characteristics')
    .addColumn('product_id', 'integer', (c) => c.notNull().references('products.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('product_characteristics_pk', ['product_id', 'name'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('product_characteristics').execute();
  await db.schema.dropIndex('orders_external_1c_id').execute();
  await db.schema.dropIndex('orders_legal_entity_status').execute();
  for (const column of ['credit_override_by', 'credit_override_reason', 'credit_overdue', 'credit_excess']) {
    await db.schema.alterTable('orders').dropColumn(column).execute();
  }
  await db.schema.dropTable('account_documents').execute();
  await db.schema.dropTable('account_terms').execute();
}
