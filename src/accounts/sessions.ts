import { CompiledQuery, type Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { DAY } from '../clock.js';
import type { Cached } from '../db/generation-cache.js';
import type { DB, UserRow } from '../db/schema.js';
import { generateToken, hashToken } from './tokens.js';

/**
 * Sessions after Lucia's design: the cookie holds a random token, the table holds its sha256,
 * expiry slides forward when a session is used in the second half of its life.
 */
export interface SessionPolicy {
  lifetimeDays: number;
}

export interface ValidSession {
  id: string;
  user: UserRow;
  expiresAt: number;
  /** The company a manager or admin chose to act for; null for buyers and when none is chosen. */
  actingCompanyId: number | null;
  actingCompanyName: string | null;
  /** True when the expiry moved and the cookie needs to be sent again. */
  renewed: boolean;
}

export async function createSession(
  db: Kysely<DB>,
  clock: Clock,
  policy: SessionPolicy,
  userId: number,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; expiresAt: number }> {
  const token = generateToken();
  const now = clock.now();
  const expiresAt = now + policy.lifetimeDays * DAY;
  await db
    .insertInto('sessions')
    .values({
      id: hashToken(token),
      user_id: userId,
      expires_at: expiresAt,
      created_at: now,
      ip: meta.ip,
      user_agent: meta.userAgent.slice(0, 300),
    })
    .execute();
  return { token, expiresAt };
}

/**
 * Signed-in requests come many times a second with the same token: the row is read once per
 * accounts generation (accounts/generation.ts), which any write to sessions, users or companies
 * moves. The process's one cache is ctx.sessionCache.
 */
export type CachedSession = Omit<ValidSession, 'id' | 'renewed'>;

type SessionLookup = UserRow & {
  session_expires_at: number;
  session_acting_company_id: number | null;
  session_acting_company_name: string | null;
  session_company_disabled_at: number | null;
};

// Written out (not built with Kysely) because every signed-in request runs it.
const SESSION_SQL = `select users.*, sessions.expires_at as session_expires_at, sessions.acting_company_id as session_acting_company_id,
    acting.name as session_acting_company_name, own.disabled_at as session_company_disabled_at
  from sessions
  inner join users on users.id = sessions.user_id
  left join companies as acting on acting.id = sessions.acting_company_id
  left join companies as own on own.id = users.company_id
  where sessions.id = ?`;

/**
 * The session of a cookie token, or null. Given a cache and the accounts generation, a session
 * read earlier in the same generation is reused; expiry is still checked against the clock every
 * time, and anything but a plain valid session (expired, due for renewal) goes to the database.
 */
export async function validateSession(
  db: Kysely<DB>,
  clock: Clock,
  policy: SessionPolicy,
  token: string,
  cached?: Cached<CachedSession>,
): Promise<ValidSession | null> {
  const id = hashToken(token);
  const now = clock.now();
  const lifetime = policy.lifetimeDays * DAY;
  const hit = cached?.cache.get(id, cached.generation);
  if (hit !== undefined && now < hit.expiresAt && hit.expiresAt - now >= lifetime / 2) {
    return { id, ...hit, renewed: false };
  }
  const { rows } = await db.executeQuery<SessionLookup>(CompiledQuery.raw(SESSION_SQL, [id]));
  const row = rows[0];
  if (!row) return null;
  const {
    session_expires_at: expiresAt,
    session_acting_company_id: actingCompanyId,
    session_acting_company_name: actingCompanyName,
    session_company_disabled_at: companyDisabledAt,
    ...user
  } = row;
  // A disabled company's buyers are signed out with it.
  if (now >= expiresAt || user.disabled_at !== null || companyDisabledAt !== null) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return null;
  }
  if (expiresAt - now < lifetime / 2) {
    const renewedTo = now + lifetime;
    await db.updateTable('sessions').set({ expires_at: renewedTo }).where('id', '=', id).execute();
    return { id, user, expiresAt: renewedTo, actingCompanyId, actingCompanyName, renewed: true };
  }
  // Frozen: one user row serves many requests, none may change it for the others.
  cached?.cache.set(id, cached.generation, { user: Object.freeze(user), expiresAt, actingCompanyId, actingCompanyName });
  return { id, user, expiresAt, actingCompanyId, actingCompanyName, renewed: false };
}

export async function invalidateSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function invalidateUserSessions(db: Kysely<DB>, userId: number, exceptSessionId?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptSessionId !== undefined) query = query.where('id', '!=', exceptSessionId);
  await query.execute();
}

export async function flushSessions(db: Kysely<DB>): Promise<number> {
  const result = await db.deleteFrom('sessions').executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteExpiredSessions(db: Kysely<DB>, clock: Clock): Promise<void> {
  await db.deleteFrom('sessions').where('expires_at', '<=', clock.now()).execute();
}

export async function setActingCompany(db: Kysely<DB>, sessionId: string, companyId: number | null): Promise<void> {
  await db.updateTable('sessions').set({ acting_company_id: companyId }).where('id', '=', sessionId).execute();
}
