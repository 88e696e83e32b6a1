import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * The buyers' REST API: tokens (only their sha256 is stored), webhook endpoints with their
 * signing secrets and the deliveries made to them, the request fingerprint that makes a retried
 * order idempotent, and the change marks that let a buyer's system sync prices and stock by
 * "updated since".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // A deleted user takes its tokens along; a disabled one is refused at every request.
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // The first characters of the token, so its owner can tell tokens apart; never enough to use.
    .addColumn('token_prefix', 'text', (c) => c.notNull())
    // Space-separated: "read", "order" or "read order".
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_used_at', 'integer')
    .addColumn('last_used_ip', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('revoked_at', 'integer')
    .addColumn('revoked_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('company_id', 'integer', (c) => c.notNull().references('companies.id').onDelete('cascade'))
    .addColumn('url', 'text', (c) => c.notNull())
    // Standard Webhooks: "whsec_" + base64 of the key; kept as is, it signs every delivery.
    .addColumn('secret', 'text', (c) => c.notNull())
    // Space-separated event types, e.g. "order.created order.status_changed".
    .addColumn('events', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhook_endpoints_company').on('webhook_endpoints').column('company_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('endpoint_id', 'integer', (c) => c.notNull().references('webhook_endpoints.id').onDelete('cascade'))
    // The webhook-id header: the same for every retry of one message, so receivers can dedupe.
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('order_id', 'integer', (c) => c.references('orders.id').onDelete('set null'))
    // The exact body sent, fixed when the event happened: every retry sends the same bytes.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'delivered', 'failed', 'cancelled')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('error', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('last_attempt_at', 'integer')
    .addColumn('delivered_at', 'integer')
    .execute();
  await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'id']).execute();

  // The fingerprint of the request that placed an order through the API: the same
  // Idempotency-Key with another body is refused instead of answered with the first order.
  await db.schema.alterTable('orders').addColumn('request_hash', 'text').execute();

  // What the API last saw of each product (price of every kind, stock, visibility, content) and
  // when that changed: "updated since" finds price and stock changes too, which do not move
  // products.updated_at. Filled in when a sync asks, so importers have nothing to maintain.
  await db.schema
    .createTable('api_product_changes')
    .addColumn('product_id', 'integer', (c) => c.primaryKey().references('products.id').onDelete('cascade'))
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_product_changes_changed').on('api_product_changes').columns(['changed_at', 'product_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_product_changes').execute();
  await db.schema.alterTable('orders').dropColumn('request_hash').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('api_tokens').execute();
}
