import type { Kysely } from 'kysely';
import type { AppContext } from '../context.js';
import type { AccessRequestRow, AccessRequestStatus, DB, UserRow } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { createCompany } from './companies.js';
import { inviteUser } from './invitations.js';
import { checkInn, type RequisiteCode } from './requisites.js';
import { createUser, findUserByEmail, isValidEmail, normalizeEmail, UserInputError } from './users.js';

export interface AccessRequestInput {
  companyName: string;
  inn: string;
  contactName: string;
  email: string;
  phone: string;
  message: string;
  locale: string;
}

export type AccessRequestErrors = Partial<Record<'company_name' | 'inn' | 'contact_name' | 'email', 'required' | RequisiteCode | 'email_invalid' | 'email_taken'>>;

export function validateAccessRequest(input: AccessRequestInput): AccessRequestErrors {
  const errors: AccessRequestErrors = {};
  if (!input.companyName.trim()) errors.company_name = 'required';
  if (!input.inn.trim()) errors.inn = 'required';
  else {
    const problem = checkInn(input.inn.trim());
    if (problem) errors.inn = problem.code;
  }
  if (!input.contactName.trim()) errors.contact_name = 'required';
  if (!input.email.trim()) errors.email = 'required';
  else if (!isValidEmail(normalizeEmail(input.email))) errors.email = 'email_invalid';
  return errors;
}

/** Access requests one address may send per hour: a person applies once or twice. */
export const ACCESS_REQUESTS_PER_IP_HOUR = 5;
/** Requests per hour, from everyone, that are mailed to the admins; the rest wait in the admin screen. */
export const ACCESS_REQUEST_MAILS_PER_HOUR = 20;

/** Stores the request; the admins' notice is queued with it (listed in the admin screen either way). */
export async function submitAccessRequest(
  ctx: AppContext,
  input: AccessRequestInput,
  opts: { notify: boolean } = { notify: true },
): Promise<AccessRequestRow> {
  const row = await transaction(ctx.database, async (tx) => {
    const row = await tx.db
      .insertInto('access_requests')
      .values({
        company_name: input.companyName.trim().slice(0, 300),
        inn: input.inn.trim(),
        contact_name: input.contactName.trim().slice(0, 200),
        email: normalizeEmail(input.email),
        phone: input.phone.trim().slice(0, 50),
        message: input.message.trim().slice(0, 2000),
        locale: input.locale,
        company_id: null,
        decided_by: null,
        decided_at: null,
        created_at: ctx.clock.now(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (opts.notify) await ctx.outbox.enqueue(tx, 'send_access_request_notice', { accessRequestId: row.id });
    return row;
  });
  if (!opts.notify) {
    ctx.log.warn({ accessRequestId: row.id }, 'access request stored without mailing the admins: more than the hourly number of notices');
  }
  return row;
}

export async function listAccessRequests(db: Kysely<DB>, status: AccessRequestStatus): Promise<AccessRequestRow[]> {
  return db.selectFrom('access_requests').selectAll().where('status', '=', status).orderBy('created_at', 'desc').limit(500).execute();
}

export async function countPendingAccessRequests(db: Kysely<DB>): Promise<number> {
  const { count } = await db
    .selectFrom('access_requests')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(count);
}

export class AccessRequestStateError extends Error {}

/** Creates the company (with its legal entity) and the buyer user, then queues the invitation. */
export async function approveAccessRequest(
  ctx: AppContext,
  id: number,
  admin: UserRow,
  terms: { priceTypeId: number | null; managerId: number | null; discountBp: number },
): Promise<{ companyId: number; userId: number }> {
  const request = await ctx.db.selectFrom('access_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (request?.status !== 'pending') throw new AccessRequestStateError('not pending');
  // Checked before anything is created: createUser would refuse the email only after the
  // company had been committed, leaving a stray company behind on every retry.
  if (await findUserByEmail(ctx.db, request.email)) throw new UserInputError('email', 'email_taken');
  const company = await createCompany(
    ctx.db,
    ctx.clock,
    { name: request.company_name, priceTypeId: terms.priceTypeId, discountBp: terms.discountBp, managerId: terms.managerId, email: request.email, phone: request.phone, note: request.message },
    { name: request.company_name, inn: request.inn, kpp: '', ogrn: '', legalAddress: '', bankName: '', bik: '', account: '', corrAccount: '' },
  );
  const user = await createUser(ctx.db, ctx.clock, {
    email: request.email,
    name: request.contact_name,
    role: 'buyer',
    companyId: company.id,
    phone: request.phone,
    locale: request.locale,
  });
  await ctx.db
    .updateTable('access_requests')
    .set({ status: 'approved', company_id: company.id, decided_by: admin.id, decided_at: ctx.clock.now() })
    .where('id', '=', id)
    .execute();
  await inviteUser(ctx, user);
  return { companyId: company.id, userId: user.id };
}

/** Declines a pending request; with `notify`, the applicant's mail is queued with it. */
export async function declineAccessRequest(ctx: AppContext, id: number, admin: UserRow, notify: boolean): Promise<void> {
  await transaction(ctx.database, async (tx) => {
    const declined = await tx.db
      .updateTable('access_requests')
      .set({ status: 'declined', decided_by: admin.id, decided_at: ctx.clock.now() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(declined.numUpdatedRows) !== 1) throw new AccessRequestStateError('not pending');
    if (notify) await ctx.outbox.enqueue(tx, 'send_access_declined', { accessRequestId: id });
  });
}
