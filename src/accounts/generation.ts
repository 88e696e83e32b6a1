import { type Connection, ChangeCounter } from '../db/change-counter.js';

/** Who is signed in and whose prices they see: sessions, their users, companies, price types. */
const ACCOUNT_TABLES = ['sessions', 'users', 'companies', 'price_types'] as const;

/**
 * The accounts generation (ctx.accountsGeneration) moves on every write to those tables, from
 * this process or any other (db/change-counter.ts): a cached session or price viewer is only
 * used while it holds, so signing out, a password change or disabling a user or company takes
 * effect on the very next request. A null `current()`: do not cache.
 */
export function accountsChangeCounter(database: Connection): ChangeCounter {
  return new ChangeCounter(database, 'accounts', ACCOUNT_TABLES);
}
