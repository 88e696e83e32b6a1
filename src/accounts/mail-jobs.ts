/**
 * The accounts' mails, sent by the job worker, never inside a request: a slow or dead SMTP server
 * slows no page, and the reset form answers the same, in the same time, whether the account
 * exists or not (the lookup happens here). Each handler records whom it mailed (sent_mails), so
 * a retry after a failure never mails anyone twice.
 *
 * Links are made when the mail is sent, not when it is queued: a job's payload never holds a
 * token, and the link a mail carries is the newest one (an earlier, undelivered one stops working).
 */
import { DAY, HOUR } from '../clock.js';
import type { AppContext } from '../context.js';
import type { JobRow, UserRow } from '../db/schema.js';
import type { SentMail } from '../documents/mailer.js';
import { sendAccessDeclined, sendAccessRequestNotice, sendInvitation, sendPasswordReset } from '../documents/messages.js';
import type { JobHandler } from '../jobs/handler.js';
import { issueLink } from './links.js';
import { findUserByEmail, getUser } from './users.js';

export interface InvitationJob {
  userId: number;
}

/** From the sign-in page by address (which may be no account at all), or by an admin for a user. */
export type PasswordResetJob = { email: string } | { userId: number };

export interface AccessRequestJob {
  accessRequestId: number;
}

/** The recipients this job has mailed already (a retry skips them). */
async function alreadyMailed(ctx: AppContext, job: JobRow): Promise<Set<string>> {
  const rows = await ctx.db.selectFrom('sent_mails').select('recipient').where('job_id', '=', job.id).execute();
  return new Set(rows.map((r) => r.recipient));
}

async function recordMailed(ctx: AppContext, job: JobRow, recipient: string, sent: SentMail): Promise<void> {
  await ctx.db.insertInto('sent_mails').values({ job_id: job.id, recipient, message_id: sent.messageId, sent_at: ctx.clock.now() }).execute();
}

/** A link mail goes to an active account once per job. */
async function mailLink(ctx: AppContext, job: JobRow, user: UserRow | undefined, send: (user: UserRow) => Promise<SentMail>) {
  if (!user || user.disabled_at !== null) return;
  if ((await alreadyMailed(ctx, job)).has(user.email)) return;
  await recordMailed(ctx, job, user.email, await send(user));
}

export const sendInvitationJob: JobHandler<InvitationJob> = async (ctx, { userId }, job) => {
  await mailLink(ctx, job, await getUser(ctx.db, userId), async (user) =>
    sendInvitation(ctx, user, await issueLink(ctx.db, ctx.clock, user.id, 'invite', ctx.config.auth.inviteLinkDays * DAY)),
  );
};

export const sendPasswordResetJob: JobHandler<PasswordResetJob> = async (ctx, payload, job) => {
  const user = 'userId' in payload ? await getUser(ctx.db, payload.userId) : await findUserByEmail(ctx.db, payload.email);
  if (!user || user.disabled_at !== null) {
    if ('email' in payload) ctx.log.info({ email: payload.email }, 'password reset asked for an unknown or disabled account');
    return;
  }
  await mailLink(ctx, job, user, async (active) =>
    sendPasswordReset(ctx, active, await issueLink(ctx.db, ctx.clock, active.id, 'reset', ctx.config.auth.resetLinkHours * HOUR)),
  );
};

/** Every active admin hears of a new access request. */
export const sendAccessRequestNoticeJob: JobHandler<AccessRequestJob> = async (ctx, { accessRequestId }, job) => {
  const request = await ctx.db.selectFrom('access_requests').selectAll().where('id', '=', accessRequestId).executeTakeFirst();
  if (!request) return;
  const mailed = await alreadyMailed(ctx, job);
  const admins = await ctx.db.selectFrom('users').selectAll().where('role', '=', 'admin').where('disabled_at', 'is', null).execute();
  for (const admin of admins) {
    if (mailed.has(admin.email)) continue;
    await recordMailed(ctx, job, admin.email, await sendAccessRequestNotice(ctx, admin, request));
  }
};

export const sendAccessDeclinedJob: JobHandler<AccessRequestJob> = async (ctx, { accessRequestId }, job) => {
  const request = await ctx.db.selectFrom('access_requests').selectAll().where('id', '=', accessRequestId).executeTakeFirst();
  if (!request || (await alreadyMailed(ctx, job)).has(request.email)) return;
  await recordMailed(ctx, job, request.email, await sendAccessDeclined(ctx, request));
};
