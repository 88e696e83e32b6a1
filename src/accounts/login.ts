import type { AppContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { findUserByEmail, recordLogin } from './users.js';

export type LoginResult =
  | { outcome: 'ok'; user: UserRow }
  | { outcome: 'wrong' }
  | { outcome: 'locked'; retryAfterMs: number };

/**
 * Checks email + password with the lockout counters. An unknown email, a disabled account and
 * a wrong password look the same from outside and take the same time.
 */
export async function authenticate(ctx: AppContext, email: string, password: string, ip: string): Promise<LoginResult> {
  const retryAfterMs = ctx.loginThrottle.retryAfterMs(ip, email);
  if (retryAfterMs > 0) return { outcome: 'locked', retryAfterMs };
  const user = await findUserByEmail(ctx.db, email);
  const hash = user?.password_hash ?? (await dummyPasswordHash());
  const matches = await verifyPassword(password, hash);
  const companyDisabled =
    user?.company_id != null &&
    (await ctx.db.selectFrom('companies').select('disabled_at').where('id', '=', user.company_id).executeTakeFirst())?.disabled_at != null;
  if (!user || !matches || user.password_hash === null || user.disabled_at !== null || companyDisabled) {
    ctx.loginThrottle.recordFailure(ip, email);
    ctx.log.info({ email, ip }, 'login failed');
    return { outcome: 'wrong' };
  }
  ctx.loginThrottle.recordSuccess(email);
  await recordLogin(ctx.db, ctx.clock, user.id);
  return { outcome: 'ok', user };
}
