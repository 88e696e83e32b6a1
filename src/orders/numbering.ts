import { sql, type Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The next order number, e.g. W-000123: a counter row bumped inside the order's transaction, so
 * numbers are gap-free for committed orders and never reused.
 */
export async function nextOrderNumber(trx: Transaction<DB>, prefix: string): Promise<string> {
  await trx.insertInto('settings').values({ key: 'order_counter', value: '0' }).onConflict((oc) => oc.doNothing()).execute();
  const row = await trx
    .updateTable('settings')
    .set({ value: sql`cast(value as integer) + 1` })
    .where('key', '=', 'order_counter')
    .returning('value')
    .executeTakeFirstOrThrow();
  return `${prefix}${String(row.value).padStart(6, '0')}`;
}
