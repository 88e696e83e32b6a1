import type { FastifyInstance } from 'fastify';
import { countPendingAccessRequests } from '../../accounts/access-requests.js';
import { getCompany } from '../../accounts/companies.js';
import { verifyPassword } from '../../accounts/passwords.js';
import { setPassword, UserInputError } from '../../accounts/users.js';
import type { AppContext } from '../../context.js';
import { currentUser, formString, requireLogin } from '../guards.js';

export async function accountRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  app.get('/', { preHandler: requireLogin }, async (request, reply) => {
    const user = currentUser(request);
    const company = user.company_id !== null ? await getCompany(ctx.db, user.company_id) : undefined;
    const managedCount =
      user.role === 'manager'
        ? Number(
            (
              await ctx.db
                .selectFrom('companies')
                .select((eb) => eb.fn.countAll<number>().as('count'))
                .where('manager_id', '=', user.id)
                .executeTakeFirstOrThrow()
            ).count,
          )
        : 0;
    const pendingRequests = user.role === 'admin' ? await countPendingAccessRequests(ctx.db) : 0;
    return reply.page('home', { company, managedCount, pendingRequests });
  });

  const renderAccount = async (request: Parameters<typeof currentUser>[0], errors: Record<string, string> = {}, status = 200) => {
    const user = currentUser(request);
    const company = user.company_id !== null ? await getCompany(ctx.db, user.company_id) : undefined;
    return { data: { company, errors, minLength: ctx.config.auth.passwordMinLength }, status };
  };

  app.get('/account', { preHandler: requireLogin }, async (request, reply) => {
    const { data, status } = await renderAccount(request);
    return reply.page('account', data, status);
  });

  app.post('/account/password', { preHandler: requireLogin }, async (request, reply) => {
    const user = currentUser(request);
    const current = formString(request.body, 'current_password');
    const password = formString(request.body, 'password');
    const repeat = formString(request.body, 'password_repeat');
    const fail = async (field: string, message: string) => {
      const { data } = await renderAccount(request, { [field]: message });
      return reply.page('account', data, 422);
    };
    if (!user.password_hash || !(await verifyPassword(current, user.password_hash))) {
      return fail('current_password', request.t('account.currentPasswordWrong'));
    }
    if (password !== repeat) return fail('password_repeat', request.t('error.passwordMismatch'));
    try {
      await setPassword(ctx.db, ctx.clock, user.id, password, ctx.config.auth.passwordMinLength, request.sessionId ?? undefined);
    } catch (error) {
      if (error instanceof UserInputError) {
        return fail('password', request.t('error.passwordShort', { min: ctx.config.auth.passwordMinLength }));
      }
      throw error;
    }
    return reply.redirect('/account?notice=account.passwordChanged', 303);
  });
}
