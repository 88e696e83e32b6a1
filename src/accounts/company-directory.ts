import type { Kysely } from 'kysely';
import type { DB, UserRow } from '../db/schema.js';
import { companyScope } from './companies.js';

export interface DirectoryCompany {
  id: number;
  name: string;
  priceTypeName: string | null;
  discountBp: number;
  legalEntities: { name: string; inn: string; kpp: string; primary: boolean }[];
  addresses: string[];
}

/**
 * The active companies a user may buy for, by id, with what an order names: legal entities
 * (by INN/KPP) and delivery addresses. A buyer's own; a manager's assigned; every one for admins.
 */
export async function companyDirectory(db: Kysely<DB>, user: UserRow, afterId: number, limit: number): Promise<DirectoryCompany[]> {
  const scope = companyScope(user);
  let query = db
    .selectFrom('companies as c')
    .leftJoin('price_types as pt', 'pt.id', 'c.price_type_id')
    .select(['c.id', 'c.name', 'c.discount_bp', 'pt.name as price_type_name'])
    .where('c.disabled_at', 'is', null)
    .where('c.id', '>', afterId);
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('c.id', '=', scope.companyId);
  const companies = await query.orderBy('c.id').limit(limit).execute();
  if (companies.length === 0) return [];
  const ids = companies.map((c) => c.id);
  const [entities, addresses] = await Promise.all([
    db
      .selectFrom('legal_entities')
      .select(['company_id', 'name', 'inn', 'kpp', 'is_primary'])
      .where('company_id', 'in', ids)
      .orderBy('is_primary', 'desc')
      .orderBy('id')
      .execute(),
    db.selectFrom('company_addresses').select(['company_id', 'address']).where('company_id', 'in', ids).orderBy('id').execute(),
  ]);
  return companies.map((c) => ({
    id: c.id,
    name: c.name,
    priceTypeName: c.price_type_name,
    discountBp: c.discount_bp,
    legalEntities: entities.filter((e) => e.company_id === c.id).map((e) => ({ name: e.name, inn: e.inn, kpp: e.kpp, primary: e.is_primary === 1 })),
    addresses: addresses.filter((a) => a.company_id === c.id).map((a) => a.address),
  }));
}
