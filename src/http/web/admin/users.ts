import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { getCompany, listCompanyChoices } from '../../../accounts/companies.js';
import { inviteUser, sendResetLink } from '../../../accounts/invitations.js';
import {
  createUser,
  getUser,
  latestInvitation,
  listUsers,
  setUserDisabled,
  type UserInput,
  UserInputError,
  updateUser,
} from '../../../accounts/users.js';
import type { AppContext } from '../../../context.js';
import type { UserRow } from '../../../db/schema.js';
import { currentUser, idParam, pageNumber, queryString, requireRole } from '../../guards.js';
import { notFound } from '../../http-error.js';
import {
  codeMessage,
  type Errors,
  isRole,
  offsetOf,
  optionalId,
  PAGE_SIZE,
  pagerBase,
  paging,
  readForm,
  type Values,
} from './forms.js';

const USER_FIELDS = ['name', 'email', 'role', 'company_id', 'phone'] as const;

interface FormState {
  values: Values;
  errors: Errors;
}

/** People: admins only. */
export async function userRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const adminOnly = { preHandler: requireRole('admin') };

  /**
   * The form as a UserInput, or the errors the domain would not catch by itself: an unknown role,
   * a company that does not exist (the database would refuse it with a 500).
   */
  async function userInput(request: FastifyRequest, values: Values): Promise<{ input: UserInput } | { errors: Errors }> {
    const role = values.role ?? '';
    if (!isRole(role)) return { errors: { role: codeMessage(request, 'required') } };
    const companyId = optionalId(values.company_id ?? '');
    if (role === 'buyer' && companyId !== null && !(await getCompany(ctx.db, companyId))) {
      return { errors: { company_id: codeMessage(request, 'company_required') } };
    }
    return { input: { name: values.name ?? '', email: values.email ?? '', role, companyId, phone: values.phone ?? '' } };
  }

  async function showNewForm(reply: FastifyReply, form: FormState, status = 200) {
    return reply.page('admin/user-new', { ...form, companies: await listCompanyChoices(ctx.db) }, status);
  }

  async function showUser(
    request: FastifyRequest,
    reply: FastifyReply,
    user: UserRow,
    state: Partial<FormState> & { error?: string } = {},
    status = 200,
  ) {
    const [company, companies, invitation] = await Promise.all([
      user.company_id === null ? undefined : getCompany(ctx.db, user.company_id),
      listCompanyChoices(ctx.db),
      latestInvitation(ctx.db, user.id),
    ]);
    const values = state.values ?? {
      name: user.name,
      email: user.email,
      role: user.role,
      company_id: user.company_id === null ? '' : String(user.company_id),
      phone: user.phone,
    };
    return reply.page(
      'admin/user',
      {
        shown: user,
        company,
        companies,
        invitation,
        now: ctx.clock.now(),
        isSelf: user.id === currentUser(request).id,
        values,
        errors: state.errors ?? {},
        error: state.error,
      },
      status,
    );
  }

  async function existingUser(request: FastifyRequest): Promise<UserRow> {
    const user = await getUser(ctx.db, idParam(request.params));
    if (!user) throw notFound();
    return user;
  }

  const done = (reply: FastifyReply, id: number, notice: string) => reply.redirect(`/admin/users/${id}?notice=${notice}`, 303);

  app.get('/users', adminOnly, async (request, reply) => {
    const q = queryString(request.query, 'q').trim();
    const roleText = queryString(request.query, 'role');
    const role = isRole(roleText) ? roleText : undefined;
    const page = pageNumber(request.query);
    const { rows, total } = await listUsers(ctx.db, {
      search: q,
      ...(role ? { role } : {}),
      limit: PAGE_SIZE,
      offset: offsetOf(page),
    });
    return reply.page('admin/users', {
      q,
      role: role ?? '',
      rows,
      pager: { ...paging(page, total), base: pagerBase('/admin/users', { q, role: role ?? '' }) },
    });
  });

  app.get('/users/new', adminOnly, async (request, reply) => {
    const companyId = optionalId(queryString(request.query, 'company_id'));
    const values: Values = {
      role: 'buyer',
      company_id: companyId !== null && companyId > 0 ? String(companyId) : '',
      send_invite: '1',
    };
    return showNewForm(reply, { values, errors: {} });
  });

  app.post('/users', adminOnly, async (request, reply) => {
    const values = readForm(request.body, [...USER_FIELDS, 'send_invite']);
    const checked = await userInput(request, values);
    if ('errors' in checked) return showNewForm(reply, { values, errors: checked.errors }, 422);
    let user: UserRow;
    try {
      user = await createUser(ctx.db, ctx.clock, checked.input);
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      return showNewForm(reply, { values, errors: { [error.field]: codeMessage(request, error.code) } }, 422);
    }
    if (values.send_invite !== '1') return done(reply, user.id, 'admin.userCreated');
    await inviteUser(ctx, user);
    return done(reply, user.id, 'admin.userCreatedInvited');
  });

  app.get('/users/:id', adminOnly, async (request, reply) => showUser(request, reply, await existingUser(request)));

  app.post('/users/:id', adminOnly, async (request, reply) => {
    const user = await existingUser(request);
    const values = readForm(request.body, USER_FIELDS);
    const checked = await userInput(request, values);
    if ('errors' in checked) return showUser(request, reply, user, { values, errors: checked.errors }, 422);
    // An admin who takes the role away from themselves may leave the portal with no admin at all.
    if (user.id === currentUser(request).id && checked.input.role !== 'admin') {
      return showUser(request, reply, user, { values, errors: { role: request.t('admin.cannotDemoteSelf') } }, 422);
    }
    try {
      await updateUser(ctx.db, ctx.clock, user.id, checked.input);
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      return showUser(request, reply, user, { values, errors: { [error.field]: codeMessage(request, error.code) } }, 422);
    }
    return done(reply, user.id, 'common.saved');
  });

  app.post('/users/:id/disable', adminOnly, async (request, reply) => {
    const user = await existingUser(request);
    if (user.id === currentUser(request).id)
      return showUser(request, reply, user, { error: request.t('admin.cannotDisableSelf') }, 422);
    await setUserDisabled(ctx.db, ctx.clock, user.id, true);
    return done(reply, user.id, 'admin.userDisabled');
  });

  app.post('/users/:id/enable', adminOnly, async (request, reply) => {
    const user = await existingUser(request);
    await setUserDisabled(ctx.db, ctx.clock, user.id, false);
    return done(reply, user.id, 'admin.userEnabled');
  });

  /** A fresh invitation while no password is set, a password link once it is. */
  app.post('/users/:id/invite', adminOnly, async (request, reply) => {
    const user = await existingUser(request);
    if (user.disabled_at !== null) return showUser(request, reply, user, { error: request.t('admin.disabledNoMail') }, 422);
    if (user.password_hash === null) {
      await inviteUser(ctx, user);
      return done(reply, user.id, 'admin.inviteSent');
    }
    await sendResetLink(ctx, user);
    return done(reply, user.id, 'admin.resetSent');
  });
}
