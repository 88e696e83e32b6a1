import { type Kysely, sql } from 'kysely';

// Frozen in time: never import application code from a migration.

/**
 * The order desk: every change to an order, one row each (who, when, what), for the staff's
 * order history and the buyer's "what changed"; and a revision number that moves whenever the
 * order's document (lines, totals) changes, so the cached PDF of an edited order is made anew.
 * Orders placed before this migration get their history back from what was stored already.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('order_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    // Who made it happen: the portal (a person), the buyers' API, 1C, MoySklad, the portal itself.
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('portal'))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    // The actor's name at the time: the history still reads right after a user is renamed or removed.
    .addColumn('actor_name', 'text', (c) => c.notNull().defaultTo(''))
    // JSON, shaped by kind (src/orders/events.ts).
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('order_events_order').on('order_events').columns(['order_id', 'id']).execute();
  await db.schema.alterTable('orders').addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0)).execute();

  // History of the orders already there: placement, status changes, mails, the last export.
  await sql`
    insert into order_events (order_id, kind, source, actor_id, actor_name, data, created_at)
    select o.id, 'placed', case when o.origin in ('1c', 'moysklad', 'api') then o.origin else 'portal' end,
           o.placed_by, coalesce(u.name, ''),
           json_object('origin', o.origin, 'company', coalesce(c.name, ''), 'byRole', u.role, 'total', o.total),
           o.created_at
    from orders o
    left join users u on u.id = o.placed_by
    left join companies c on c.id = o.company_id`.execute(db);
  await sql`
    insert into order_events (order_id, kind, source, actor_id, actor_name, data, created_at)
    select h.order_id, 'status_changed', h.source, h.changed_by, coalesce(u.name, ''),
           json_object('from', h.previous, 'to', h.status, 'note', h.note), h.created_at
    from (select *, lag(status) over (partition by order_id order by id) as previous from order_status_history) h
    left join users u on u.id = h.changed_by
    where h.previous is not null
    order by h.id`.execute(db);
  await sql`
    insert into order_events (order_id, kind, source, data, created_at)
    select json_extract(j.payload, '$.orderId'), 'mail_sent', 'portal',
           case j.kind
             when 'send_order_mail' then json_object('mail', 'order_placed', 'to', s.recipient, 'pdf', json(iif(s.with_attachment = 1, 'true', 'false')))
             else json_object('mail', 'status', 'to', s.recipient, 'pdf', json(iif(s.with_attachment = 1, 'true', 'false')),
                              'status', json_extract(j.payload, '$.status'))
           end,
           s.sent_at
    from sent_mails s
    join jobs j on j.id = s.job_id
    where j.kind in ('send_order_mail', 'send_status_mail')
      and json_extract(j.payload, '$.orderId') in (select id from orders)
    order by s.sent_at`.execute(db);
  await sql`
    insert into order_events (order_id, kind, source, data, created_at)
    select id, 'exported', '1c', json_object('system', '1c'), exported_at from orders where exported_at is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('revision').execute();
  await db.schema.dropTable('order_events').execute();
}
