import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { type AppContext, installationSecret } from './context.js';
import { adminRoutes } from './http/web/admin/index.js';
import { accountRoutes } from './http/web/account.js';
import { apiAccessRoutes } from './http/web/api-access.js';
import { authRoutes } from './http/web/auth.js';
import { apiPlugin } from './http/api/plugin.js';
import { exchangeRoutes } from './http/exchange/routes.js';
import { moyskladHookRoutes } from './http/hooks/moysklad.js';
import { cartRoutes } from './http/web/cart.js';
import { catalogRoutes } from './http/web/catalog.js';
import { financeRoutes } from './http/web/finance.js';
import { deskRoutes } from './http/web/desk.js';
import { orderRoutes } from './http/web/orders.js';
import { priceListRoutes } from './http/web/price-list.js';
import { quickOrderRoutes } from './http/web/quick-order/routes.js';
import { photoAdminRoutes, photoFileRoutes } from './http/web/photos.js';
import { errorPages } from './http/plugins/error-pages.js';
import { requestContext } from './http/plugins/request-context.js';
import { securityHeadersPlugin } from './http/plugins/security-headers.js';
import { TEMPLATES_DIR, views } from './http/plugins/views.js';
import { requestForLog } from './http/log-redaction.js';
import { trustProxySetting } from './http/trust-proxy.js';

/** The whole HTTP application, not listening: cli/serve.ts listens, tests inject. */
export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    // Request URLs may carry link tokens and 1C session ids: logged redacted (http/log-redaction.ts).
    loggerInstance: ctx.log.child({}, { serializers: { req: requestForLog } }) as FastifyBaseLogger,
    trustProxy: trustProxySetting(ctx.config.server),
    bodyLimit: 2 * 1024 * 1024,
  });

  await app.register(securityHeadersPlugin, { upgradeInsecureRequests: ctx.config.server.secureCookies });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyStatic, {
    root: join(TEMPLATES_DIR, 'assets'),
    prefix: '/assets/',
    maxAge: '1h',
  });
  await app.register(photoFileRoutes, { ctx });
  await app.register(exchangeRoutes, { ctx });
  await app.register(apiPlugin, { ctx, prefix: '/api' });
  await app.register(moyskladHookRoutes, { ctx });

  const secret = await installationSecret(ctx.db);
  await app.register(async (web) => {
    await web.register(views, { ctx });
    await web.register(requestContext, { ctx, secret });
    await web.register(errorPages, { ctx });
    await web.register(fastifyMultipart);
    await web.register(authRoutes, { ctx });
    await web.register(accountRoutes, { ctx });
    await web.register(catalogRoutes, { ctx });
    await web.register(cartRoutes, { ctx });
    await web.register(orderRoutes, { ctx });
    await web.register(financeRoutes, { ctx });
    await web.register(deskRoutes, { ctx });
    await web.register(quickOrderRoutes, { ctx });
    await web.register(priceListRoutes, { ctx });
    await web.register(adminRoutes, { ctx, prefix: '/admin' });
    await web.register(photoAdminRoutes, { ctx });
    await web.register(apiAccessRoutes, { ctx });
  });
  return app;
}
