import type { Kysely } from 'kysely';
import { canSeeCompany } from '../accounts/companies.js';
import type { Cached } from '../db/generation-cache.js';
import type { DB, UserRow } from '../db/schema.js';

/** Whose prices a page shows: always the buyer's own company; for staff, the company they act for. */
export interface PriceViewer {
  companyId: number | null;
  companyName: string | null;
  priceTypeId: number | null;
  priceTypeName: string | null;
  discountBp: number;
  /** Staff looking without a chosen company: the default price type, no discount. */
  generic: boolean;
}

async function defaultPriceType(db: Kysely<DB>) {
  return db
    .selectFrom('price_types')
    .select(['id', 'name'])
    .where('is_default', '=', 1)
    .where('hidden', '=', 0)
    .limit(1)
    .executeTakeFirst();
}

/**
 * Whose prices the user sees. Given a cache (ctx.viewerCache) and the accounts generation
 * (which every write to users, companies or price types moves), the answer is reused until it
 * changes.
 */
export async function priceViewer(
  db: Kysely<DB>,
  user: UserRow,
  actingCompanyId: number | null,
  cached?: Cached<Readonly<PriceViewer>>,
): Promise<PriceViewer> {
  if (cached === undefined) return resolveViewer(db, user, actingCompanyId);
  const key = `${user.id}/${user.role}/${user.company_id}/${actingCompanyId}`;
  const hit = cached.cache.get(key, cached.generation);
  if (hit) return hit;
  const viewer = Object.freeze(await resolveViewer(db, user, actingCompanyId));
  cached.cache.set(key, cached.generation, viewer);
  return viewer;
}

/** A company's own prices (its price type or the default one, its discount); null when there is no such company. No access check. */
export async function companyPriceViewer(db: Kysely<DB>, companyId: number): Promise<PriceViewer | null> {
  const company = await db
    .selectFrom('companies')
    // A price type hidden from buyers (purchase prices) is as if the company had none.
    .leftJoin('price_types', (join) =>
      join.onRef('price_types.id', '=', 'companies.price_type_id').on('price_types.hidden', '=', 0),
    )
    .select([
      'companies.id',
      'companies.name',
      'companies.discount_bp',
      'price_types.id as price_type_id',
      'price_types.name as price_type_name',
    ])
    .where('companies.id', '=', companyId)
    .executeTakeFirst();
  if (!company) return null;
  // A company without its own price type buys at the default one.
  const fallback = company.price_type_id === null ? await defaultPriceType(db) : undefined;
  return {
    companyId: company.id,
    companyName: company.name,
    priceTypeId: company.price_type_id ?? fallback?.id ?? null,
    priceTypeName: company.price_type_name ?? fallback?.name ?? null,
    discountBp: company.discount_bp,
    generic: false,
  };
}

async function resolveViewer(db: Kysely<DB>, user: UserRow, actingCompanyId: number | null): Promise<PriceViewer> {
  const companyId = user.role === 'buyer' ? user.company_id : actingCompanyId;
  if (companyId !== null && (user.role === 'buyer' || (await canSeeCompany(db, user, companyId)))) {
    const company = await companyPriceViewer(db, companyId);
    if (company) return company;
  }
  const fallback = await defaultPriceType(db);
  return {
    companyId: null,
    companyName: null,
    priceTypeId: fallback?.id ?? null,
    priceTypeName: fallback?.name ?? null,
    discountBp: 0,
    generic: user.role !== 'buyer',
  };
}
