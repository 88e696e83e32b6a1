import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../../context.js';
import { catalogRoutes } from './catalog.js';
import { companyRoutes } from './companies.js';
import { orderReadRoutes } from './orders.js';
import { placeOrderRoutes } from './place-order.js';

/**
 * /api/v1. A new route goes into one of these files (or a new one registered here), with its
 * schemas next to it: `config.apiScope` names the token scope it needs, `schema` must describe
 * at least its 2xx response (and its body, if it takes one) or start-up fails. Routes about one
 * order start from orderOfRequest (orders.ts), which answers 404 for other companies' orders.
 */
export const v1Routes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  await app.register(catalogRoutes, { ctx });
  await app.register(companyRoutes, { ctx });
  await app.register(orderReadRoutes, { ctx });
  await app.register(placeOrderRoutes, { ctx });

  let document: string | undefined;
  app.get(
    '/openapi.json',
    {
      config: { apiPublic: true },
      schema: {
        hide: true,
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'The OpenAPI 3.1 document of this API.' }) },
      },
    },
    async (_request, reply) => {
      document ??= JSON.stringify(app.swagger());
      // Serialized once; a string with a JSON type is sent as it is.
      return (reply as FastifyReply).type('application/json; charset=utf-8').header('cache-control', 'no-cache').send(document);
    },
  );
};
