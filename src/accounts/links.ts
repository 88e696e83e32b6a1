import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { DB, OneTimeTokenPurpose } from '../db/schema.js';
import { generateToken, hashToken } from './tokens.js';

export type LinkProblem = 'invalid' | 'expired' | 'used';

export type LinkCheck = { ok: true; userId: number } | { ok: false; problem: LinkProblem };

/**
 * Issues a single-use link token (invitation or password reset). Earlier unused links of the
 * same purpose stop working: only the newest mail counts.
 */
export async function issueLink(
  db: Kysely<DB>,
  clock: Clock,
  userId: number,
  purpose: OneTimeTokenPurpose,
  ttlMs: number,
): Promise<string> {
  const token = generateToken();
  const now = clock.now();
  await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
  await db
    .insertInto('one_time_tokens')
    .values({ id: hashToken(token), user_id: userId, purpose, expires_at: now + ttlMs, used_at: null, created_at: now })
    .execute();
  return token;
}

export async function checkLink(
  db: Kysely<DB>,
  clock: Clock,
  token: string,
  purpose: OneTimeTokenPurpose,
): Promise<LinkCheck> {
  const row = await db
    .selectFrom('one_time_tokens')
    .innerJoin('users', 'users.id', 'one_time_tokens.user_id')
    .select(['one_time_tokens.user_id', 'one_time_tokens.expires_at', 'one_time_tokens.used_at', 'users.disabled_at'])
    .where('one_time_tokens.id', '=', hashToken(token))
    .where('one_time_tokens.purpose', '=', purpose)
    .executeTakeFirst();
  if (!row || row.disabled_at !== null) return { ok: false, problem: 'invalid' };
  if (row.used_at !== null) return { ok: false, problem: 'used' };
  if (clock.now() >= row.expires_at) return { ok: false, problem: 'expired' };
  return { ok: true, userId: row.user_id };
}

/** Marks the link used; false when someone else used it first (two tabs, a replayed form). */
export async function consumeLink(db: Kysely<DB>, clock: Clock, token: string): Promise<boolean> {
  const result = await db
    .updateTable('one_time_tokens')
    .set({ used_at: clock.now() })
    .where('id', '=', hashToken(token))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
