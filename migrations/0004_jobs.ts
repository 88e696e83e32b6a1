import type { Kysely } from 'kysely';

// Frozen in time: never import application code from a migration.

export async function up(db: Kysely<unknown>): Promise<void> {
  // What a mail job already sent: a job that re-runs after a crash or an SMTP error sends only
  // to the recipients still missing, never twice to the same one.
  await db.schema
    .createTable('sent_mails')
    .addColumn('job_id', 'integer', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('with_attachment', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sent_at', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sent_mails_pk', ['job_id', 'recipient'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sent_mails').execute();
}
