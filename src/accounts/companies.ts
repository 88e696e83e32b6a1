import { type Kysely, sql } from 'kysely';
import type { Clock } from '../clock.js';
import { containsPattern } from '../db/fold.js';
import type { CompanyRow, DB, LegalEntityRow, UserRow } from '../db/schema.js';
import { checkRequisites, type RequisiteCode, type RequisiteField } from './requisites.js';

export class CompanyInputError extends Error {
  constructor(
    readonly field: string,
    readonly code: 'required' | RequisiteCode | 'discount_invalid' | 'not_a_manager' | 'price_type_unknown',
  ) {
    super(`${field}: ${code}`);
  }
}

export interface CompanyInput {
  name: string;
  priceTypeId: number | null;
  discountBp: number;
  managerId: number | null;
  email: string;
  phone: string;
  note: string;
}

export interface LegalEntityInput {
  name: string;
  inn: string;
  kpp: string;
  ogrn: string;
  legalAddress: string;
  bankName: string;
  bik: string;
  account: string;
  corrAccount: string;
}

async function validateCompany(db: Kysely<DB>, input: CompanyInput): Promise<void> {
  if (!input.name.trim()) throw new CompanyInputError('name', 'required');
  if (!Number.isInteger(input.discountBp) || input.discountBp < 0 || input.discountBp > 10_000) {
    throw new CompanyInputError('discount', 'discount_invalid');
  }
  if (input.managerId !== null) {
    const manager = await db.selectFrom('users').select('role').where('id', '=', input.managerId).executeTakeFirst();
    if (manager?.role !== 'manager') throw new CompanyInputError('manager_id', 'not_a_manager');
  }
  if (input.priceTypeId !== null) {
    const known = await db
      .selectFrom('price_types')
      .select('id')
      .where('id', '=', input.priceTypeId)
      .where('hidden', '=', 0)
      .executeTakeFirst();
    if (!known) throw new CompanyInputError('price_type_id', 'price_type_unknown');
  }
}

/** The form's field for each requisite (src/accounts/requisites.ts checks them all, control digits included). */
const REQUISITE_FIELDS: Record<RequisiteField, string> = {
  inn: 'inn',
  kpp: 'kpp',
  ogrn: 'ogrn',
  bik: 'bik',
  account: 'account',
  corrAccount: 'corr_account',
};

/** Empty requisites are allowed (filled in later); a typed one must be right, control digits included. */
function validateLegalEntity(input: LegalEntityInput): void {
  if (!input.name.trim()) throw new CompanyInputError('legal_name', 'required');
  const [first] = checkRequisites({
    inn: input.inn,
    kpp: input.kpp,
    ogrn: input.ogrn,
    bik: input.bik,
    account: input.account,
    corrAccount: input.corrAccount,
  });
  if (first) throw new CompanyInputError(REQUISITE_FIELDS[first.field], first.problem.code);
}

function companyValues(input: CompanyInput) {
  return {
    name: input.name.trim(),
    price_type_id: input.priceTypeId,
    discount_bp: input.discountBp,
    manager_id: input.managerId,
    email: input.email.trim(),
    phone: input.phone.trim(),
    note: input.note.trim(),
  };
}

function legalEntityValues(input: LegalEntityInput) {
  return {
    name: input.name.trim(),
    inn: input.inn.trim(),
    kpp: input.kpp.trim(),
    ogrn: input.ogrn.trim(),
    legal_address: input.legalAddress.trim(),
    bank_name: input.bankName.trim(),
    bik: input.bik.trim(),
    account: input.account.trim(),
    corr_account: input.corrAccount.trim(),
  };
}

/** Creates the company with its first (primary) legal entity in one transaction. */
export async function createCompany(
  db: Kysely<DB>,
  clock: Clock,
  input: CompanyInput,
  primary: LegalEntityInput,
): Promise<CompanyRow> {
  await validateCompany(db, input);
  validateLegalEntity(primary);
  const now = clock.now();
  return db.transaction().execute(async (trx) => {
    const company = await trx
      .insertInto('companies')
      .values({
        ...companyValues(input),
        external_1c_id: null,
        external_ms_id: null,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('legal_entities')
      .values({
        ...legalEntityValues(primary),
        company_id: company.id,
        is_primary: 1,
        external_1c_id: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    return company;
  });
}

export async function updateCompany(db: Kysely<DB>, clock: Clock, id: number, input: CompanyInput): Promise<void> {
  await validateCompany(db, input);
  await db
    .updateTable('companies')
    .set({ ...companyValues(input), updated_at: clock.now() })
    .where('id', '=', id)
    .execute();
}

export async function setCompanyDisabled(db: Kysely<DB>, clock: Clock, id: number, disabled: boolean): Promise<void> {
  const now = clock.now();
  await db
    .updateTable('companies')
    .set({ disabled_at: disabled ? now : null, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function addLegalEntity(db: Kysely<DB>, clock: Clock, companyId: number, input: LegalEntityInput): Promise<void> {
  validateLegalEntity(input);
  const now = clock.now();
  await db
    .insertInto('legal_entities')
    .values({
      ...legalEntityValues(input),
      company_id: companyId,
      is_primary: 0,
      external_1c_id: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function updateLegalEntity(
  db: Kysely<DB>,
  clock: Clock,
  companyId: number,
  id: number,
  input: LegalEntityInput,
): Promise<void> {
  validateLegalEntity(input);
  await db
    .updateTable('legal_entities')
    .set({ ...legalEntityValues(input), updated_at: clock.now() })
    .where('id', '=', id)
    .where('company_id', '=', companyId)
    .execute();
}

export async function addAddress(db: Kysely<DB>, clock: Clock, companyId: number, address: string): Promise<void> {
  if (!address.trim()) throw new CompanyInputError('address', 'required');
  await db
    .insertInto('company_addresses')
    .values({ company_id: companyId, address: address.trim(), created_at: clock.now() })
    .execute();
}

export async function removeAddress(db: Kysely<DB>, companyId: number, id: number): Promise<void> {
  await db.deleteFrom('company_addresses').where('id', '=', id).where('company_id', '=', companyId).execute();
}

export async function getCompany(db: Kysely<DB>, id: number): Promise<CompanyRow | undefined> {
  return db.selectFrom('companies').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function legalEntitiesOf(db: Kysely<DB>, companyId: number): Promise<LegalEntityRow[]> {
  return db
    .selectFrom('legal_entities')
    .selectAll()
    .where('company_id', '=', companyId)
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .execute();
}

export async function addressesOf(db: Kysely<DB>, companyId: number) {
  return db.selectFrom('company_addresses').selectAll().where('company_id', '=', companyId).orderBy('id').execute();
}

/** Which companies a user may see: all for admins, assigned ones for managers, its own for buyers. */
export function companyScope(user: UserRow): { all: true } | { managerId: number } | { companyId: number } {
  if (user.role === 'admin') return { all: true };
  if (user.role === 'manager') return { managerId: user.id };
  return { companyId: user.company_id ?? -1 };
}

export async function canSeeCompany(db: Kysely<DB>, user: UserRow, companyId: number): Promise<boolean> {
  const scope = companyScope(user);
  if ('all' in scope) return true;
  if ('companyId' in scope) return scope.companyId === companyId;
  const row = await db.selectFrom('companies').select('manager_id').where('id', '=', companyId).executeTakeFirst();
  return row?.manager_id === scope.managerId;
}

export interface CompanyListItem extends CompanyRow {
  inn: string | null;
  price_type_name: string | null;
  manager_name: string | null;
}

export async function listCompanies(
  db: Kysely<DB>,
  viewer: UserRow,
  filter: { search?: string; limit: number; offset: number },
): Promise<{ rows: CompanyListItem[]; total: number }> {
  let query = db
    .selectFrom('companies')
    .leftJoin('legal_entities as primary_entity', (join) =>
      join.onRef('primary_entity.company_id', '=', 'companies.id').on('primary_entity.is_primary', '=', 1),
    )
    .leftJoin('price_types', 'price_types.id', 'companies.price_type_id')
    .leftJoin('users as manager', 'manager.id', 'companies.manager_id');
  const scope = companyScope(viewer);
  if ('managerId' in scope) query = query.where('companies.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('companies.id', '=', scope.companyId);
  if (filter.search?.trim()) {
    const like = containsPattern(filter.search);
    const digits = filter.search.replace(/\D/g, '');
    query = query.where((eb) =>
      eb.or([
        eb(sql`fold(companies.name)`, 'like', sql`${like} escape '\\'`),
        eb(sql`fold(primary_entity.name)`, 'like', sql`${like} escape '\\'`),
        ...(digits.length >= 3 ? [eb('primary_entity.inn', 'like', `${digits}%`)] : []),
      ]),
    );
  }
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll('companies')
    .select(['primary_entity.inn as inn', 'price_types.name as price_type_name', 'manager.name as manager_name'])
    .orderBy('companies.name')
    .orderBy('companies.id')
    .limit(filter.limit)
    .offset(filter.offset)
    .execute();
  return { rows, total: Number(count) };
}

export async function listManagers(db: Kysely<DB>) {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'email'])
    .where('role', '=', 'manager')
    .where('disabled_at', 'is', null)
    .orderBy('name')
    .execute();
}

/** The price types a company may buy at: not those kept from buyers (purchase prices). */
export async function listPriceTypes(db: Kysely<DB>) {
  return db.selectFrom('price_types').selectAll().where('hidden', '=', 0).orderBy('id').execute();
}

/** Every company as a choice in a select (a user's company): id, name and whether it is disabled. */
export async function listCompanyChoices(db: Kysely<DB>) {
  return db.selectFrom('companies').select(['id', 'name', 'disabled_at']).orderBy('name').orderBy('id').execute();
}
