import type { FastifyRequest } from 'fastify';
import { priceViewer } from '../../../catalog/viewer.js';
import type { AppContext } from '../../../context.js';
import type { UserRow } from '../../../db/schema.js';
import { type BuyingCompany, buyingCompany } from '../../../orders/cart.js';
import { ApiProblem } from '../problems.js';

/** The token's user; every non-public /api/v1 route has one (the auth hook saw to it). */
export function callerUser(request: FastifyRequest): UserRow {
  const caller = request.apiCaller;
  if (!caller) throw new ApiProblem('unauthorized');
  return caller.user;
}

/**
 * The company a request buys for, with its prices: a buyer's own; for a manager (or admin) the
 * one named in the Optovik-Company header, if it is theirs to act for and active. Another
 * company is "not found", never "forbidden": its existence is not revealed.
 */
export async function callerCompany(ctx: AppContext, request: FastifyRequest): Promise<BuyingCompany> {
  const user = callerUser(request);
  const header = request.headers['optovik-company'];
  const named = typeof header === 'string' && /^[0-9]{1,12}$/.test(header) ? Number(header) : null;
  if (typeof header === 'string' && named === null) throw new ApiProblem('company-not-found');
  if (user.role === 'buyer') {
    if (named !== null && named !== user.company_id) throw new ApiProblem('company-not-found');
  } else if (named === null) {
    throw new ApiProblem('company-required', { detail: { key: 'api.detailCompanyRequired' } });
  }
  const generation = ctx.accountsGeneration.current(request.apiDataVersion ?? undefined);
  const company = buyingCompany(
    await priceViewer(ctx.db, user, user.role === 'buyer' ? null : named, { cache: ctx.viewerCache, generation }),
  );
  if (
    !company ||
    (user.role !== 'buyer' && company.companyId !== named) ||
    (await isDisabled(ctx, company.companyId, generation))
  ) {
    throw new ApiProblem('company-not-found');
  }
  return company;
}

async function isDisabled(ctx: AppContext, companyId: number, generation: number | null): Promise<boolean> {
  const key = String(companyId);
  const known = ctx.companyDisabledCache.get(key, generation);
  if (known !== undefined) return known;
  const row = await ctx.db.selectFrom('companies').select('disabled_at').where('id', '=', companyId).executeTakeFirst();
  const disabled = !row || row.disabled_at !== null;
  ctx.companyDisabledCache.set(key, generation, disabled);
  return disabled;
}
