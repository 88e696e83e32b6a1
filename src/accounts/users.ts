import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import { containsPattern } from '../db/fold.js';
import type { DB, Role, UserRow } from '../db/schema.js';
import { hashPassword } from './passwords.js';
import { invalidateUserSessions } from './sessions.js';

export class UserInputError extends Error {
  constructor(
    readonly field: string,
    readonly code: 'required' | 'email_invalid' | 'email_taken' | 'company_required' | 'password_short',
  ) {
    super(`${field}: ${code}`);
  }
}

/** Longest address accepted anywhere (RFC 5321's path limit); checked before any pattern. */
export const MAX_EMAIL_LENGTH = 254;
// Dot-separated labels after the @: no two quantifiers can take the same characters, so the
// check is linear (the old `[^\s@]+\.[^\s@]+` took seconds on "a@" and 40,000 dots).
const EMAIL = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && EMAIL.test(email);
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', normalizeEmail(email)).executeTakeFirst();
}

export async function getUser(db: Kysely<DB>, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface UserInput {
  email: string;
  name: string;
  role: Role;
  companyId: number | null;
  phone?: string;
  locale?: string | null;
}

async function validateUserInput(db: Kysely<DB>, input: UserInput, exceptId?: number): Promise<void> {
  const email = normalizeEmail(input.email);
  if (!input.name.trim()) throw new UserInputError('name', 'required');
  if (!email) throw new UserInputError('email', 'required');
  if (!isValidEmail(email)) throw new UserInputError('email', 'email_invalid');
  if (input.role === 'buyer' && input.companyId === null) throw new UserInputError('company_id', 'company_required');
  let taken = db.selectFrom('users').select('id').where('email', '=', email);
  if (exceptId !== undefined) taken = taken.where('id', '!=', exceptId);
  if (await taken.executeTakeFirst()) throw new UserInputError('email', 'email_taken');
}

/** The columns a user form sets, as stored. */
function userColumns(input: UserInput) {
  return {
    email: normalizeEmail(input.email),
    name: input.name.trim(),
    role: input.role,
    company_id: input.role === 'buyer' ? input.companyId : null,
    phone: input.phone?.trim() ?? '',
  };
}

export async function createUser(db: Kysely<DB>, clock: Clock, input: UserInput): Promise<UserRow> {
  await validateUserInput(db, input);
  const now = clock.now();
  return db
    .insertInto('users')
    .values({
      ...userColumns(input),
      locale: input.locale ?? null,
      password_hash: null,
      disabled_at: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateUser(db: Kysely<DB>, clock: Clock, id: number, input: UserInput): Promise<void> {
  await validateUserInput(db, input, id);
  await db
    .updateTable('users')
    .set({ ...userColumns(input), updated_at: clock.now() })
    .where('id', '=', id)
    .execute();
}

export function assertPasswordLength(password: string, minLength: number): void {
  if ([...password].length < minLength) throw new UserInputError('password', 'password_short');
}

/** Sets a new password and signs the user out everywhere else. */
export async function setPassword(
  db: Kysely<DB>,
  clock: Clock,
  userId: number,
  password: string,
  minLength: number,
  keepSessionId?: string,
): Promise<void> {
  assertPasswordLength(password, minLength);
  const hash = await hashPassword(password);
  await db.updateTable('users').set({ password_hash: hash, updated_at: clock.now() }).where('id', '=', userId).execute();
  await invalidateUserSessions(db, userId, keepSessionId);
}

export async function setUserDisabled(db: Kysely<DB>, clock: Clock, userId: number, disabled: boolean): Promise<void> {
  const now = clock.now();
  await db
    .updateTable('users')
    .set({ disabled_at: disabled ? now : null, updated_at: now })
    .where('id', '=', userId)
    .execute();
  if (disabled) await invalidateUserSessions(db, userId);
}

export async function setUserLocale(db: Kysely<DB>, userId: number, locale: string): Promise<void> {
  await db.updateTable('users').set({ locale }).where('id', '=', userId).execute();
}

export async function recordLogin(db: Kysely<DB>, clock: Clock, userId: number): Promise<void> {
  await db.updateTable('users').set({ last_login_at: clock.now() }).where('id', '=', userId).execute();
}

export interface UserListItem extends UserRow {
  company_name: string | null;
}

export async function listUsers(
  db: Kysely<DB>,
  filter: { search?: string; role?: Role; companyId?: number; limit: number; offset: number },
): Promise<{ rows: UserListItem[]; total: number }> {
  let query = db.selectFrom('users').leftJoin('companies', 'companies.id', 'users.company_id');
  if (filter.search) {
    const like = containsPattern(filter.search);
    query = query.where((eb) =>
      eb.or([
        eb(sql`fold(users.email)`, 'like', sql`${like} escape '\\'`),
        eb(sql`fold(users.name)`, 'like', sql`${like} escape '\\'`),
        eb(sql`fold(companies.name)`, 'like', sql`${like} escape '\\'`),
      ]),
    );
  }
  if (filter.role) query = query.where('users.role', '=', filter.role);
  if (filter.companyId !== undefined) query = query.where('users.company_id', '=', filter.companyId);
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll('users')
    .select('companies.name as company_name')
    .orderBy('users.name')
    .orderBy('users.id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return { rows, total: Number(count) };
}


/** The newest invitation link sent to a user, to show whether it is still waiting or has expired. */
export async function latestInvitation(db: Kysely<DB>, userId: number) {
  return db
    .selectFrom('one_time_tokens')
    .select(['created_at', 'expires_at', 'used_at'])
    .where('user_id', '=', userId)
    .where('purpose', '=', 'invite')
    .orderBy('created_at', 'desc')
    .orderBy(sql`rowid`, 'desc')
    .limit(1)
    .executeTakeFirst();
}
