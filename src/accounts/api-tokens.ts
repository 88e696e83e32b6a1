import { CompiledQuery, type Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { ChangeCounter, type Connection } from '../db/change-counter.js';
import { GenerationCache } from '../db/generation-cache.js';
import type { ApiTokenRow, DB, UserRow } from '../db/schema.js';
import { generateToken, hashToken } from './tokens.js';

/**
 * API tokens: a buyer's (or manager's) own system calls the REST API with one. Like sessions,
 * only the sha256 of a token is stored; the token itself is shown once, when it is made. A token
 * works while it is not revoked, its user is active and (for a buyer) its company is active:
 * disabling either shuts it out on the very next request, re-enabling lets it in again.
 */

export const API_SCOPES = ['read', 'order'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Recognisable in logs and by secret scanners; the rest is 160 random bits. */
export const TOKEN_PREFIX = 'opk_';
const NAME_MAX = 100;

export class ApiTokenInputError extends Error {
  constructor(readonly code: 'name_required' | 'scopes_required' | 'scope_unknown' | 'user_disabled') {
    super(code);
  }
}

/** "read,order", "read order" or a list → the scopes, in canonical order; unknown names throw. */
export function parseScopes(input: string | readonly string[]): ApiScope[] {
  const names = (typeof input === 'string' ? input.split(/[\s,]+/) : [...input]).map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!(API_SCOPES as readonly string[]).includes(name)) throw new ApiTokenInputError('scope_unknown');
  const scopes = API_SCOPES.filter((s) => names.includes(s));
  if (scopes.length === 0) throw new ApiTokenInputError('scopes_required');
  return scopes;
}

export function scopesOf(row: { scopes: string }): ApiScope[] {
  return API_SCOPES.filter((s) => row.scopes.split(' ').includes(s));
}

/** Makes a token for the user; the returned `token` is the only time it exists in clear. */
export async function createApiToken(
  db: Kysely<DB>,
  clock: Clock,
  user: UserRow,
  input: { name: string; scopes: readonly ApiScope[] },
): Promise<{ token: string; row: ApiTokenRow }> {
  const name = input.name.trim().slice(0, NAME_MAX);
  if (!name) throw new ApiTokenInputError('name_required');
  if (input.scopes.length === 0) throw new ApiTokenInputError('scopes_required');
  if (user.disabled_at !== null) throw new ApiTokenInputError('user_disabled');
  const token = `${TOKEN_PREFIX}${generateToken()}`;
  const row = await db
    .insertInto('api_tokens')
    .values({
      user_id: user.id,
      name,
      token_hash: hashToken(token),
      token_prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      scopes: API_SCOPES.filter((s) => input.scopes.includes(s)).join(' '),
      created_at: clock.now(),
      last_used_at: null,
      revoked_at: null,
      revoked_by: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, row };
}

/** The user's tokens, newest first; revoked ones stay listed (greyed) for a while as a record. */
export async function userTokens(db: Kysely<DB>, userId: number): Promise<ApiTokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(100).execute();
}

export interface TokenListItem extends ApiTokenRow {
  user_email: string;
  user_name: string;
  user_role: UserRow['role'];
  user_disabled_at: number | null;
  company_name: string | null;
  company_disabled_at: number | null;
}

/** Every token of the portal, for admins: live ones first, then by newest. */
export async function allTokens(db: Kysely<DB>, limit = 500): Promise<TokenListItem[]> {
  return db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .leftJoin('companies as c', 'c.id', 'u.company_id')
    .selectAll('t')
    .select([
      'u.email as user_email',
      'u.name as user_name',
      'u.role as user_role',
      'u.disabled_at as user_disabled_at',
      'c.name as company_name',
      'c.disabled_at as company_disabled_at',
    ])
    .orderBy((eb) => eb.case().when('t.revoked_at', 'is', null).then(0).else(1).end())
    .orderBy('t.created_at', 'desc')
    .orderBy('t.id', 'desc')
    .limit(limit)
    .execute();
}

/**
 * Revokes a token: its owner may, an admin may revoke anyone's, and so may the operator at the
 * server's command line. False when the token is not there for this user (someone else's token
 * is "not found", never "forbidden") or is revoked already.
 */
export async function revokeApiToken(db: Kysely<DB>, clock: Clock, tokenId: number, by: UserRow | 'operator'): Promise<boolean> {
  let query = db
    .updateTable('api_tokens')
    .set({ revoked_at: clock.now(), revoked_by: by === 'operator' ? null : by.id })
    .where('id', '=', tokenId)
    .where('revoked_at', 'is', null);
  if (by !== 'operator' && by.role !== 'admin') query = query.where('user_id', '=', by.id);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface TokenIdentity {
  tokenId: number;
  user: UserRow;
  scopes: readonly ApiScope[];
  lastUsedAt: number | null;
}

/** What decides whether a token works: the token, its user, and the user's company. */
const TOKEN_TABLES = ['api_tokens', 'users', 'companies'] as const;

/** The tokens generation (ctx.apiTokens.generation): moves on every write to those tables. */
export function apiTokensChangeCounter(database: Connection): ChangeCounter {
  return new ChangeCounter(database, 'api_tokens', TOKEN_TABLES);
}

/** "Last used" is kept to the minute: writing it on every request would cost a disk sync each. */
const TOUCH_EVERY_MS = 60_000;
const CACHE_MAX = 10_000;

/**
 * What the process keeps of tokens (ctx.apiTokens): who each working token is, valid for one
 * tokens generation, and when each token's use was last written.
 */
export class ApiTokenCache {
  readonly generation: ChangeCounter;
  readonly identities = new GenerationCache<TokenIdentity | null>(CACHE_MAX);
  readonly lastNoted = new Map<number, number>();

  constructor(database: Connection) {
    this.generation = apiTokensChangeCounter(database);
  }
}

type TokenLookup = UserRow & {
  token_id: number;
  token_scopes: string;
  token_revoked_at: number | null;
  token_last_used_at: number | null;
  own_company_disabled_at: number | null;
};

// Written out: every API request runs it (once per generation, see below).
const TOKEN_SQL = `select users.*, t.id as token_id, t.scopes as token_scopes, t.revoked_at as token_revoked_at,
    t.last_used_at as token_last_used_at, own.disabled_at as own_company_disabled_at
  from api_tokens t
  inner join users on users.id = t.user_id
  left join companies own on own.id = users.company_id
  where t.token_hash = ?`;

/**
 * The identity behind a bearer token, or null when it does not work (unknown, revoked, user
 * disabled, buyer's company disabled). Given the tokens generation, which every write to tokens,
 * users or companies moves, an answer is reused until it changes: revoking or disabling acts on
 * the next request.
 */
export async function authenticateApiToken(db: Kysely<DB>, token: string, cache: ApiTokenCache, generation: number | null): Promise<TokenIdentity | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const hash = hashToken(token);
  const cached = cache.identities.get(hash, generation);
  if (cached !== undefined) return cached;
  const { rows } = await db.executeQuery<TokenLookup>(CompiledQuery.raw(TOKEN_SQL, [hash]));
  const row = rows[0];
  let identity: TokenIdentity | null = null;
  if (row && row.token_revoked_at === null && row.disabled_at === null && !(row.role === 'buyer' && (row.company_id === null || row.own_company_disabled_at !== null))) {
    const { token_id, token_scopes, token_revoked_at: _revoked, token_last_used_at, own_company_disabled_at: _disabled, ...user } = row;
    identity = Object.freeze({ tokenId: token_id, user: Object.freeze(user), scopes: Object.freeze(scopesOf({ scopes: token_scopes })), lastUsedAt: token_last_used_at });
  }
  // Unknown tokens are not kept: a flood of made-up tokens must not push the real ones out.
  if (row) cache.identities.set(hash, generation, identity);
  return identity;
}

export async function noteTokenUse(db: Kysely<DB>, clock: Clock, cache: ApiTokenCache, identity: TokenIdentity, ip: string): Promise<void> {
  const now = clock.now();
  const seen = cache.lastNoted;
  const last = Math.max(seen.get(identity.tokenId) ?? Number.NEGATIVE_INFINITY, identity.lastUsedAt ?? Number.NEGATIVE_INFINITY);
  if (now - last < TOUCH_EVERY_MS) return;
  seen.set(identity.tokenId, now);
  if (seen.size > CACHE_MAX) seen.clear();
  await db.updateTable('api_tokens').set({ last_used_at: now, last_used_ip: ip.slice(0, 100) }).where('id', '=', identity.tokenId).execute();
}
