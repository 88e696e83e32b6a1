import { type Kysely, sql } from 'kysely';
import type { DB } from '../db/schema.js';

/** Makes one price type the buyers' default (and no other), in one statement. */
export async function setDefaultPriceType(db: Kysely<DB>, id: number): Promise<void> {
  await sql`update price_types set is_default = (id = ${id}) where is_default is not (id = ${id})`.execute(db);
}
