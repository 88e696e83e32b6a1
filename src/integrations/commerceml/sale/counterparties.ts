/**
 * Buyers 1C sends (`Контрагенты/Контрагент`, spec §6.5) become portal companies with a primary
 * legal entity. They are found by 1C Ид first, then by ИНН+КПП, then by ИНН alone when exactly
 * one legal entity has it. Nothing is ever deleted and no user is created: the admin invites.
 */
import type { Kysely, Transaction } from 'kysely';
import { legalEntitiesOf } from '../../../accounts/companies.js';
import type { AppContext } from '../../../context.js';
import type { DB, LegalEntityRow } from '../../../db/schema.js';
import { at, child, children, isTrue, textOf } from '../xml/node.js';
import type { XmlNode } from '../xml/reader.js';

export interface OneCCounterparty {
  line: number;
  id: string;
  name: string;
  officialName: string;
  inn: string;
  kpp: string;
  deleted: boolean;
  legalAddress: string;
  /** Where goods go, when 1C knows it; the registration address otherwise. */
  address: string;
  bank: { account: string; bankName: string; bik: string; corrAccount: string } | null;
  email: string;
  phone: string;
}

const digits = (value: string) => value.replace(/\D/g, '');

export function readCounterparty(node: XmlNode): OneCCounterparty {
  const name = textOf(node, 'Наименование') || textOf(node, 'ОфициальноеНаименование') || textOf(node, 'ПолноеНаименование');
  const account = child(child(node, 'РасчетныеСчета') ?? node, 'РасчетныйСчет');
  let email = '';
  let phone = '';
  for (const contact of children(child(node, 'Контакты'), 'Контакт')) {
    const kind = textOf(contact, 'Тип').toLowerCase();
    const value = textOf(contact, 'Значение');
    if (!email && (kind.includes('почт') || kind.includes('mail'))) email = value;
    if (!phone && kind.includes('телефон')) phone = value;
  }
  const legalAddress =
    textOf(child(node, 'АдресРегистрации'), 'Представление') || textOf(child(node, 'ЮридическийАдрес'), 'Представление');
  return {
    line: node.line,
    id: textOf(node, 'Ид'),
    name,
    officialName: textOf(node, 'ОфициальноеНаименование') || textOf(node, 'ПолноеНаименование') || name,
    inn: digits(textOf(node, 'ИНН')),
    kpp: digits(textOf(node, 'КПП')),
    deleted: isTrue(textOf(node, 'ПометкаУдаления')),
    legalAddress,
    address: textOf(child(node, 'Адрес'), 'Представление') || legalAddress,
    bank: account
      ? {
          account: digits(textOf(account, 'НомерСчета')),
          bankName: textOf(child(account, 'Банк'), 'Наименование'),
          bik: digits(textOf(child(account, 'Банк'), 'БИК')),
          corrAccount: digits(textOf(at(account, 'Банк'), 'СчетКорреспондентский')),
        }
      : null,
    email,
    phone,
  };
}

export interface Match {
  companyId: number;
  entity: LegalEntityRow | undefined;
}

/** The company this 1C buyer already is on the portal, if any. */
export async function findCompany(trx: Kysely<DB>, cp: OneCCounterparty): Promise<Match | undefined> {
  if (cp.id) {
    const byEntity = await trx.selectFrom('legal_entities').selectAll().where('external_1c_id', '=', cp.id).executeTakeFirst();
    if (byEntity) return { companyId: byEntity.company_id, entity: byEntity };
    const company = await trx.selectFrom('companies').select('id').where('external_1c_id', '=', cp.id).executeTakeFirst();
    if (company) return { companyId: company.id, entity: await entityOf(trx, company.id, cp) };
  }
  if (!cp.inn) return undefined;
  const sameInn = await trx.selectFrom('legal_entities').selectAll().where('inn', '=', cp.inn).orderBy('id').execute();
  const exact = sameInn.find((e) => e.kpp === cp.kpp);
  if (exact) return { companyId: exact.company_id, entity: exact };
  // One entity with this ИНН is the buyer; several (branches with their own КПП) are ambiguous.
  const only = sameInn.length === 1 ? sameInn[0] : undefined;
  return only ? { companyId: only.company_id, entity: only } : undefined;
}

async function entityOf(trx: Kysely<DB>, companyId: number, cp: OneCCounterparty): Promise<LegalEntityRow | undefined> {
  const entities = await legalEntitiesOf(trx, companyId);
  return (
    entities.find((e) => cp.inn && e.inn === cp.inn && e.kpp === cp.kpp) ??
    entities.find((e) => cp.inn && e.inn === cp.inn) ??
    entities[0]
  );
}

/** The price type a company created from 1C buys at: the configured 1C type, else the portal default. */
export async function defaultPriceTypeId(ctx: AppContext): Promise<number | null> {
  const wanted = ctx.config.integrations.commerceml.defaultPriceType.trim();
  if (wanted) {
    const configured = await ctx.db
      .selectFrom('price_types')
      .select('id')
      .where((eb) => eb.or([eb('external_1c_id', '=', wanted), eb('name', '=', wanted)]))
      .executeTakeFirst();
    if (configured) return configured.id;
  }
  const fallback = await ctx.db.selectFrom('price_types').select('id').where('is_default', '=', 1).executeTakeFirst();
  return fallback?.id ?? null;
}

export type UpsertOutcome = 'created' | 'updated' | 'unchanged';

type EntityValues = {
  name: string;
  inn: string;
  kpp: string;
  legal_address?: string;
  account?: string;
  bank_name?: string;
  bik?: string;
  corr_account?: string;
};

/** A legal entity from 1C's requisites; primary only when the company has none yet. */
async function addLegalEntity(
  trx: Transaction<DB>,
  companyId: number,
  values: EntityValues,
  cp: OneCCounterparty,
  primary: boolean,
  now: number,
) {
  await trx
    .insertInto('legal_entities')
    .values({
      company_id: companyId,
      ...values,
      is_primary: primary ? 1 : 0,
      external_1c_id: cp.id || null,
      created_at: now,
      updated_at: now,
    })
    .execute();
}

/** Creates the company, or brings an existing one's names and requisites up to 1C's. */
export async function upsertCounterparty(
  trx: Transaction<DB>,
  cp: OneCCounterparty,
  priceTypeId: number | null,
  now: number,
): Promise<UpsertOutcome> {
  const match = await findCompany(trx, cp);
  const entityValues = {
    name: cp.officialName,
    inn: cp.inn,
    kpp: cp.kpp,
    ...(cp.legalAddress ? { legal_address: cp.legalAddress } : {}),
    ...(cp.bank
      ? { account: cp.bank.account, bank_name: cp.bank.bankName, bik: cp.bank.bik, corr_account: cp.bank.corrAccount }
      : {}),
  };
  if (!match) {
    const company = await trx
      .insertInto('companies')
      .values({
        name: cp.name,
        price_type_id: priceTypeId,
        manager_id: null,
        email: cp.email,
        phone: cp.phone,
        external_1c_id: cp.id || null,
        external_ms_id: null,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await addLegalEntity(trx, company.id, entityValues, cp, true, now);
    if (cp.address)
      await trx
        .insertInto('company_addresses')
        .values({ company_id: company.id, address: cp.address, created_at: now })
        .execute();
    return 'created';
  }

  let changed = false;
  const company = await trx.selectFrom('companies').selectAll().where('id', '=', match.companyId).executeTakeFirstOrThrow();
  const companyChanges = {
    ...(company.name !== cp.name ? { name: cp.name } : {}),
    ...(cp.id && company.external_1c_id === null ? { external_1c_id: cp.id } : {}),
    // Contacts typed on the portal are kept; 1C's only fill empty ones.
    ...(!company.email && cp.email ? { email: cp.email } : {}),
    ...(!company.phone && cp.phone ? { phone: cp.phone } : {}),
  };
  if (Object.keys(companyChanges).length > 0) {
    await trx
      .updateTable('companies')
      .set({ ...companyChanges, updated_at: now })
      .where('id', '=', company.id)
      .execute();
    changed = true;
  }
  const entity = match.entity;
  if (entity) {
    const wanted: Record<string, string> = {
      ...entityValues,
      ...(cp.id && entity.external_1c_id === null ? { external_1c_id: cp.id } : {}),
    };
    const differs = Object.entries(wanted).filter(
      ([key, value]) => (entity as unknown as Record<string, unknown>)[key] !== value,
    );
    if (differs.length > 0) {
      await trx
        .updateTable('legal_entities')
        .set({ ...Object.fromEntries(differs), updated_at: now })
        .where('id', '=', entity.id)
        .execute();
      changed = true;
    }
  } else {
    const primary = await trx
      .selectFrom('legal_entities')
      .select('id')
      .where('company_id', '=', company.id)
      .where('is_primary', '=', 1)
      .executeTakeFirst();
    await addLegalEntity(trx, company.id, entityValues, cp, primary === undefined, now);
    changed = true;
  }
  return changed ? 'updated' : 'unchanged';
}

/**
 * The buyer of an order document only lends its 1C Ид to a company we can tell is the same
 * (by ИНН): 1C often files web orders under one shared "Покупатель через интернет-магазин",
 * which must not become anyone's identity, nor a new company.
 */
export async function attachBuyerId(trx: Transaction<DB>, cp: OneCCounterparty, now: number): Promise<boolean> {
  if (!cp.id || !cp.inn) return false;
  const taken = await trx.selectFrom('companies').select('id').where('external_1c_id', '=', cp.id).executeTakeFirst();
  if (taken) return false;
  const match = await findCompany(trx, cp);
  if (!match) return false;
  const result = await trx
    .updateTable('companies')
    .set({ external_1c_id: cp.id, updated_at: now })
    .where('id', '=', match.companyId)
    .where('external_1c_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
