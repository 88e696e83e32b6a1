import type { FastifyReply, FastifyRequest } from 'fastify';
import { priceViewer } from '../../catalog/viewer.js';
import type { AppContext } from '../../context.js';
import { type BuyingCompany, buyingCompany } from '../../orders/cart.js';
import { currentUser } from '../guards.js';

/**
 * The company a request buys for: the buyer's own, or the one a manager/admin acts for.
 * Null when staff have not chosen one yet (the page then asks them to).
 */
export async function companyBuyingFor(ctx: AppContext, request: FastifyRequest): Promise<BuyingCompany | null> {
  const viewer = await priceViewer(ctx.db, currentUser(request), request.actingCompanyId);
  return buyingCompany(viewer);
}

/** Where staff go to pick a company, coming back to `next` afterwards. */
export function chooseCompanyUrl(next: string): string {
  return `/catalog/view-as?next=${encodeURIComponent(next)}`;
}

/**
 * The company a request buys for; null after sending staff who have not chosen one to choose
 * (then the handler returns `reply`). They come back to the page they asked for, or after a form
 * post to `back` (the form's page).
 */
export async function buyingOrChoose(
  ctx: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  back: string,
): Promise<BuyingCompany | null> {
  const company = await companyBuyingFor(ctx, request);
  if (company) return company;
  const get = request.method === 'GET';
  reply.redirect(chooseCompanyUrl(get ? request.url : back), get ? 302 : 303);
  return null;
}
