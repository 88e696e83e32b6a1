import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  addAddress,
  addLegalEntity,
  addressesOf,
  type CompanyInput,
  CompanyInputError,
  canSeeCompany,
  createCompany,
  getCompany,
  type LegalEntityInput,
  legalEntitiesOf,
  listCompanies,
  listManagers,
  listPriceTypes,
  removeAddress,
  setCompanyDisabled,
  updateCompany,
  updateLegalEntity,
} from '../../../accounts/companies.js';
import { inviteUser } from '../../../accounts/invitations.js';
import { createUser, getUser, listUsers, UserInputError } from '../../../accounts/users.js';
import type { AppContext } from '../../../context.js';
import type { CompanyRow } from '../../../db/schema.js';
import { currentUser, idParam, pageNumber, queryString, requireRole } from '../../guards.js';
import { notFound } from '../../http-error.js';
import {
  codeMessage,
  discountText,
  type Errors,
  offsetOf,
  optionalId,
  PAGE_SIZE,
  pagerBase,
  paging,
  parseDiscountBp,
  readForm,
  type Values,
} from './forms.js';

const COMPANY_FIELDS = ['name', 'price_type_id', 'discount', 'manager_id', 'email', 'phone', 'note'] as const;
const NEW_COMPANY_FIELDS = [...COMPANY_FIELDS, 'legal_name', 'inn', 'kpp'] as const;
const ENTITY_FIELDS = [
  'legal_name',
  'inn',
  'kpp',
  'ogrn',
  'legal_address',
  'bank_name',
  'bik',
  'account',
  'corr_account',
] as const;

/** A form shown again after an error, with what was sent and what is wrong with it. */
interface FormState {
  values: Values;
  errors: Errors;
}

/** Which form of the company page failed, if any; the others show the stored data. */
interface CompanyPageState {
  edit?: FormState;
  /** 'new' for the add form, or the id of the legal entity whose edit form failed. */
  entity?: FormState & { key: 'new' | number };
  address?: FormState;
  invite?: FormState;
}

function companyInput(values: Values, discountBp: number): CompanyInput {
  return {
    name: values.name ?? '',
    priceTypeId: optionalId(values.price_type_id ?? ''),
    discountBp,
    managerId: optionalId(values.manager_id ?? ''),
    email: values.email ?? '',
    phone: values.phone ?? '',
    note: values.note ?? '',
  };
}

function entityInput(values: Values): LegalEntityInput {
  return {
    name: values.legal_name ?? '',
    inn: values.inn ?? '',
    kpp: values.kpp ?? '',
    ogrn: values.ogrn ?? '',
    legalAddress: values.legal_address ?? '',
    bankName: values.bank_name ?? '',
    bik: values.bik ?? '',
    account: values.account ?? '',
    corrAccount: values.corr_account ?? '',
  };
}

/** Companies: admins change them, managers see their own read-only. */
export async function companyRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const staff = { preHandler: requireRole('admin', 'manager') };
  const adminOnly = { preHandler: requireRole('admin') };

  /** Price types and managers for the selects; a company's current manager stays listed even when disabled. */
  async function choices(currentManagerId: number | null = null) {
    const [priceTypes, managers] = await Promise.all([listPriceTypes(ctx.db), listManagers(ctx.db)]);
    const options: { id: number; name: string; disabled: boolean }[] = managers.map((m) => ({
      id: m.id,
      name: m.name,
      disabled: false,
    }));
    if (currentManagerId !== null && !managers.some((m) => m.id === currentManagerId)) {
      const current = await getUser(ctx.db, currentManagerId);
      if (current) options.push({ id: current.id, name: current.name, disabled: true });
    }
    return { priceTypes, managers: options };
  }

  /** The company, if the viewer may see it; a 404 otherwise, so a manager cannot probe for others' companies. */
  async function visibleCompany(request: FastifyRequest): Promise<CompanyRow> {
    const id = idParam(request.params);
    const company = await getCompany(ctx.db, id);
    if (!company || !(await canSeeCompany(ctx.db, currentUser(request), id))) throw notFound();
    return company;
  }

  async function showCompany(
    request: FastifyRequest,
    reply: FastifyReply,
    company: CompanyRow,
    state: CompanyPageState = {},
    status = 200,
  ) {
    const viewer = currentUser(request);
    const [entities, addresses, users, { priceTypes, managers }] = await Promise.all([
      legalEntitiesOf(ctx.db, company.id),
      addressesOf(ctx.db, company.id),
      listUsers(ctx.db, { companyId: company.id, limit: 500, offset: 0 }),
      choices(company.manager_id),
    ]);
    const stored: Values = {
      name: company.name,
      price_type_id: company.price_type_id === null ? '' : String(company.price_type_id),
      discount: discountText(company.discount_bp, request.locale),
      manager_id: company.manager_id === null ? '' : String(company.manager_id),
      email: company.email,
      phone: company.phone,
      note: company.note,
    };
    const entityForms = entities.map((entity) => {
      const failed = state.entity?.key === entity.id ? state.entity : undefined;
      return {
        entity,
        open: failed !== undefined,
        values: failed?.values ?? {
          legal_name: entity.name,
          inn: entity.inn,
          kpp: entity.kpp,
          ogrn: entity.ogrn,
          legal_address: entity.legal_address,
          bank_name: entity.bank_name,
          bik: entity.bik,
          account: entity.account,
          corr_account: entity.corr_account,
        },
        errors: failed?.errors ?? {},
      };
    });
    const newEntity = state.entity?.key === 'new' ? state.entity : { values: {}, errors: {} };
    return reply.page(
      'admin/company',
      {
        company,
        canEdit: viewer.role === 'admin',
        hasErrors: Object.keys(state).length > 0,
        priceType: priceTypes.find((p) => p.id === company.price_type_id),
        manager: managers.find((m) => m.id === company.manager_id),
        priceTypes,
        managers,
        edit: state.edit ?? { values: stored, errors: {} },
        editOpen: state.edit !== undefined,
        entityForms,
        newEntity,
        newEntityOpen: state.entity?.key === 'new',
        addresses,
        address: state.address ?? { values: {}, errors: {} },
        users: users.rows,
        invite: state.invite ?? { values: {}, errors: {} },
      },
      status,
    );
  }

  async function showNewForm(reply: FastifyReply, form: FormState, status = 200) {
    const { priceTypes, managers } = await choices();
    return reply.page('admin/company-new', { ...form, priceTypes, managers }, status);
  }

  async function existingCompany(request: FastifyRequest): Promise<CompanyRow> {
    const company = await getCompany(ctx.db, idParam(request.params));
    if (!company) throw notFound();
    return company;
  }

  const saved = (reply: FastifyReply, id: number, notice = 'common.saved') =>
    reply.redirect(`/admin/companies/${id}?notice=${notice}`, 303);

  app.get('/companies', staff, async (request, reply) => {
    const viewer = currentUser(request);
    const q = queryString(request.query, 'q').trim();
    const page = pageNumber(request.query);
    const { rows, total } = await listCompanies(ctx.db, viewer, { search: q, limit: PAGE_SIZE, offset: offsetOf(page) });
    return reply.page('admin/companies', {
      q,
      rows,
      canEdit: viewer.role === 'admin',
      pager: { ...paging(page, total), base: pagerBase('/admin/companies', { q }) },
    });
  });

  app.get('/companies/new', adminOnly, async (_request, reply) => showNewForm(reply, { values: { discount: '0' }, errors: {} }));

  app.post('/companies', adminOnly, async (request, reply) => {
    const values = readForm(request.body, NEW_COMPANY_FIELDS);
    const discountBp = parseDiscountBp(values.discount ?? '');
    if (discountBp === null)
      return showNewForm(reply, { values, errors: { discount: codeMessage(request, 'discount_invalid') } }, 422);
    try {
      const company = await createCompany(ctx.db, ctx.clock, companyInput(values, discountBp), {
        ...entityInput(values),
        // The first legal entity is named like the company unless told otherwise.
        name: values.legal_name?.trim() ? values.legal_name : (values.name ?? ''),
      });
      return saved(reply, company.id);
    } catch (error) {
      if (!(error instanceof CompanyInputError)) throw error;
      return showNewForm(reply, { values, errors: { [error.field]: codeMessage(request, error.code) } }, 422);
    }
  });

  app.get('/companies/:id', staff, async (request, reply) => showCompany(request, reply, await visibleCompany(request)));

  app.post('/companies/:id', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    const values = readForm(request.body, COMPANY_FIELDS);
    const discountBp = parseDiscountBp(values.discount ?? '');
    if (discountBp === null) {
      return showCompany(
        request,
        reply,
        company,
        { edit: { values, errors: { discount: codeMessage(request, 'discount_invalid') } } },
        422,
      );
    }
    try {
      await updateCompany(ctx.db, ctx.clock, company.id, companyInput(values, discountBp));
    } catch (error) {
      if (!(error instanceof CompanyInputError)) throw error;
      return showCompany(
        request,
        reply,
        company,
        { edit: { values, errors: { [error.field]: codeMessage(request, error.code) } } },
        422,
      );
    }
    return saved(reply, company.id);
  });

  app.post('/companies/:id/disable', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    await setCompanyDisabled(ctx.db, ctx.clock, company.id, true);
    return saved(reply, company.id, 'admin.companyDisabled');
  });

  app.post('/companies/:id/enable', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    await setCompanyDisabled(ctx.db, ctx.clock, company.id, false);
    return saved(reply, company.id, 'admin.companyEnabled');
  });

  app.post('/companies/:id/legal-entities', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    const values = readForm(request.body, ENTITY_FIELDS);
    try {
      await addLegalEntity(ctx.db, ctx.clock, company.id, entityInput(values));
    } catch (error) {
      if (!(error instanceof CompanyInputError)) throw error;
      const errors = { [error.field]: codeMessage(request, error.code) };
      return showCompany(request, reply, company, { entity: { key: 'new', values, errors } }, 422);
    }
    return saved(reply, company.id, 'admin.legalEntityAdded');
  });

  app.post('/companies/:id/legal-entities/:eid', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    const entityId = idParam(request.params, 'eid');
    if (!(await legalEntitiesOf(ctx.db, company.id)).some((e) => e.id === entityId)) throw notFound();
    const values = readForm(request.body, ENTITY_FIELDS);
    try {
      await updateLegalEntity(ctx.db, ctx.clock, company.id, entityId, entityInput(values));
    } catch (error) {
      if (!(error instanceof CompanyInputError)) throw error;
      const errors = { [error.field]: codeMessage(request, error.code) };
      return showCompany(request, reply, company, { entity: { key: entityId, values, errors } }, 422);
    }
    return saved(reply, company.id);
  });

  app.post('/companies/:id/addresses', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    const values = readForm(request.body, ['address']);
    try {
      await addAddress(ctx.db, ctx.clock, company.id, values.address ?? '');
    } catch (error) {
      if (!(error instanceof CompanyInputError)) throw error;
      return showCompany(
        request,
        reply,
        company,
        { address: { values, errors: { address: codeMessage(request, error.code) } } },
        422,
      );
    }
    return saved(reply, company.id, 'admin.addressAdded');
  });

  app.post('/companies/:id/addresses/:aid/delete', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    await removeAddress(ctx.db, company.id, idParam(request.params, 'aid'));
    return saved(reply, company.id, 'admin.addressRemoved');
  });

  app.post('/companies/:id/users', adminOnly, async (request, reply) => {
    const company = await existingCompany(request);
    const values = readForm(request.body, ['name', 'email']);
    let user: Awaited<ReturnType<typeof createUser>>;
    try {
      user = await createUser(ctx.db, ctx.clock, {
        name: values.name ?? '',
        email: values.email ?? '',
        role: 'buyer',
        companyId: company.id,
      });
    } catch (error) {
      if (!(error instanceof UserInputError)) throw error;
      return showCompany(
        request,
        reply,
        company,
        { invite: { values, errors: { [error.field]: codeMessage(request, error.code) } } },
        422,
      );
    }
    await inviteUser(ctx, user);
    return saved(reply, company.id, 'admin.inviteSent');
  });
}
