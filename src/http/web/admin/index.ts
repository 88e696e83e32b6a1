import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { accessRequestRoutes } from './access-requests.js';
import { catalogAdminRoutes } from './catalog.js';
import { companyRoutes } from './companies.js';
import { exchangeAdminRoutes } from './exchange.js';
import { jobRoutes } from './jobs.js';
import { spreadsheetAdminRoutes } from './spreadsheet.js';
import { userRoutes } from './users.js';

/**
 * Admin screens for people: companies (admins; managers read their own), users and access
 * requests (admins only). Registered under /admin; each route checks the role itself.
 */
export async function adminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  await app.register(companyRoutes, { ctx });
  await app.register(userRoutes, { ctx });
  await app.register(accessRequestRoutes, { ctx });
  await app.register(jobRoutes, { ctx });
  await app.register(exchangeAdminRoutes, { ctx });
  await app.register(spreadsheetAdminRoutes, { ctx });
  await app.register(catalogAdminRoutes, { ctx });
}
