import { DAY, HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { OneTimeTokenPurpose, UserRow } from '../db/schema.js';
import { sendInvitation, sendPasswordReset } from '../documents/messages.js';
import { checkLink, consumeLink, issueLink, type LinkProblem } from './links.js';
import { assertPasswordLength, findUserByEmail, getUser, setPassword } from './users.js';

/** Sends a set-your-password link; a new invitation makes the previous one stop working. */
export async function inviteUser(ctx: AppContext, user: UserRow): Promise<void> {
  const token = await issueLink(ctx.db, ctx.clock, user.id, 'invite', ctx.config.auth.inviteLinkDays * DAY);
  await sendInvitation(ctx, user, token);
}

/** Always looks the same from outside, so the form cannot be used to probe for accounts. */
export async function requestPasswordReset(ctx: AppContext, email: string): Promise<void> {
  const user = await findUserByEmail(ctx.db, email);
  if (!user || user.disabled_at !== null) {
    ctx.log.info({ email }, 'password reset asked for an unknown or disabled account');
    return;
  }
  const token = await createResetLink(ctx, user);
  await sendPasswordReset(ctx, user, token);
}

export async function createResetLink(ctx: AppContext, user: UserRow): Promise<string> {
  return issueLink(ctx.db, ctx.clock, user.id, 'reset', ctx.config.auth.resetLinkHours * HOUR);
}

export type CompleteLinkResult = { ok: true; user: UserRow } | { ok: false; problem: LinkProblem };

/** Sets the password from an invitation or reset link and uses the link up. */
export async function completeLink(
  ctx: AppContext,
  token: string,
  purpose: OneTimeTokenPurpose,
  password: string,
): Promise<CompleteLinkResult> {
  const check = await checkLink(ctx.db, ctx.clock, token, purpose);
  if (!check.ok) return check;
  // Checked before the link is spent, so a too-short password does not burn the link.
  assertPasswordLength(password, ctx.config.auth.passwordMinLength);
  if (!(await consumeLink(ctx.db, ctx.clock, token))) return { ok: false, problem: 'used' };
  await setPassword(ctx.db, ctx.clock, check.userId, password, ctx.config.auth.passwordMinLength);
  const user = await getUser(ctx.db, check.userId);
  if (!user) return { ok: false, problem: 'invalid' };
  return { ok: true, user };
}
