import { HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { OneTimeTokenPurpose, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import type { JobKind, JobPayload } from '../jobs/registry.js';
import { checkLink, consumeLink, issueLink, type LinkProblem } from './links.js';
import { assertPasswordLength, getUser, setPassword } from './users.js';

/** Queues one account mail (accounts/mail-jobs.ts); it leaves once the worker gets to it. */
export async function queueMail<K extends JobKind>(ctx: AppContext, kind: K, payload: JobPayload<K>): Promise<void> {
  await transaction(ctx.database, (tx) => ctx.outbox.enqueue(tx, kind, payload));
}

/** Mails a set-your-password link; a new invitation makes the previous one stop working. */
export async function inviteUser(ctx: AppContext, user: UserRow): Promise<void> {
  await queueMail(ctx, 'send_invitation', { userId: user.id });
}

/**
 * Queues a reset mail for whatever address was typed: the same write, the same answer and the
 * same time whether an account has it or not, so the form cannot be used to probe for accounts.
 * The job finds out, and mails only an active account.
 */
export async function requestPasswordReset(ctx: AppContext, email: string): Promise<void> {
  await queueMail(ctx, 'send_password_reset', { email: email.slice(0, 320) });
}

/** Mails a user a reset link (an admin's "send a password link"). */
export async function sendResetLink(ctx: AppContext, user: UserRow): Promise<void> {
  await queueMail(ctx, 'send_password_reset', { userId: user.id });
}

/** A reset link to hand over directly (the CLI prints it); mailed links are made by the mail job. */
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
