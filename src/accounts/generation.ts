import { changeCounter, type DataVersionReading } from '../db/change-counter.js';
import type { Database } from '../db/open.js';

type Connection = Pick<Database, 'sqlite' | 'statements'>;

/** Who is signed in and whose prices they see: sessions, their users, companies, price types. */
const ACCOUNT_TABLES = ['sessions', 'users', 'companies', 'price_types'] as const;

/**
 * Moves on every write to those tables, from this process or any other (db/change-counter.ts):
 * a cached session or price viewer is only used while it holds, so signing out, a password change
 * or disabling a user or company takes effect on the very next request. Null: do not cache.
 * `dataVersion`: see ChangeCounter.current.
 */
export function accountsGeneration(database: Connection, dataVersion?: DataVersionReading): number | null {
  return changeCounter(database, 'accounts', ACCOUNT_TABLES).current(dataVersion);
}
