import type { FastifyInstance, FastifyReply } from 'fastify';
import {
  AccessRequestStateError,
  approveAccessRequest,
  declineAccessRequest,
  listAccessRequests,
} from '../../../accounts/access-requests.js';
import { CompanyInputError, listManagers, listPriceTypes } from '../../../accounts/companies.js';
import { findUserByEmail, UserInputError } from '../../../accounts/users.js';
import type { AppContext } from '../../../context.js';
import { currentUser, formString, idParam, requireRole } from '../../guards.js';
import { codeMessage, optionalId, parseDiscountBp, readForm, type Values } from './forms.js';

/** How many decided requests the page keeps showing below the pending ones. */
const RECENT_DECIDED = 30;

/** The approve form of one row shown again with what is wrong. */
interface RowState {
  id: number;
  values: Values;
  error: string;
}

export async function accessRequestRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const adminOnly = { preHandler: requireRole('admin') };

  async function showRequests(reply: FastifyReply, failed?: RowState, status = 200) {
    const [pending, approved, declined, priceTypes, managers] = await Promise.all([
      listAccessRequests(ctx.db, 'pending'),
      listAccessRequests(ctx.db, 'approved'),
      listAccessRequests(ctx.db, 'declined'),
      listPriceTypes(ctx.db),
      listManagers(ctx.db),
    ]);
    const decided = [...approved, ...declined].sort((a, b) => (b.decided_at ?? 0) - (a.decided_at ?? 0)).slice(0, RECENT_DECIDED);
    const defaultPriceType = priceTypes.find((p) => p.is_default === 1);
    const rows = await Promise.all(
      pending.map(async (row) => ({
        row,
        // Approving would fail on these: say so before the admin tries.
        emailTaken: (await findUserByEmail(ctx.db, row.email)) !== undefined,
        values:
          failed?.id === row.id
            ? failed.values
            : { price_type_id: defaultPriceType ? String(defaultPriceType.id) : '', manager_id: '', discount: '0' },
        error: failed?.id === row.id ? failed.error : undefined,
      })),
    );
    return reply.page('admin/access-requests', { rows, decided, priceTypes, managers }, status);
  }

  app.get('/access-requests', adminOnly, async (_request, reply) => showRequests(reply));

  app.post('/access-requests/:id/approve', adminOnly, async (request, reply) => {
    const id = idParam(request.params);
    const values = readForm(request.body, ['price_type_id', 'manager_id', 'discount']);
    const discountBp = parseDiscountBp(values.discount ?? '');
    if (discountBp === null) return showRequests(reply, { id, values, error: codeMessage(request, 'discount_invalid') }, 422);
    try {
      const { companyId } = await approveAccessRequest(ctx, id, currentUser(request), {
        priceTypeId: optionalId(values.price_type_id ?? ''),
        managerId: optionalId(values.manager_id ?? ''),
        discountBp,
      });
      return reply.redirect(`/admin/companies/${companyId}?notice=admin.requestApproved`, 303);
    } catch (error) {
      if (error instanceof AccessRequestStateError)
        return reply.redirect('/admin/access-requests?notice=admin.requestNotPending', 303);
      if (error instanceof UserInputError && error.code === 'email_taken') {
        return showRequests(reply, { id, values, error: request.t('admin.requestEmailTaken') }, 422);
      }
      if (error instanceof UserInputError || error instanceof CompanyInputError) {
        return showRequests(reply, { id, values, error: codeMessage(request, error.code) }, 422);
      }
      throw error;
    }
  });

  app.post('/access-requests/:id/decline', adminOnly, async (request, reply) => {
    const id = idParam(request.params);
    const notify = formString(request.body, 'notify') === '1';
    try {
      await declineAccessRequest(ctx, id, currentUser(request), notify);
    } catch (error) {
      if (error instanceof AccessRequestStateError)
        return reply.redirect('/admin/access-requests?notice=admin.requestNotPending', 303);
      throw error;
    }
    return reply.redirect('/admin/access-requests?notice=admin.requestDeclined', 303);
  });
}
