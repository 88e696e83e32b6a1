import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { companyDirectory } from '../../../accounts/company-directory.js';
import type { AppContext } from '../../../context.js';
import { ApiProblem } from '../problems.js';
import { COMMON_ERRORS, Cursor, decodeCursor, encodeCursor, Limit, Nullable, problemResponses } from '../schemas.js';
import { callerUser } from './caller.js';

const Company = Type.Object({
  id: Type.Integer({ description: 'The number managers name in the Optovik-Company header.' }),
  name: Type.String(),
  price_type: Nullable(Type.String()),
  discount_bp: Type.Integer(),
  legal_entities: Type.Array(
    Type.Object({ name: Type.String(), inn: Type.String(), kpp: Type.String(), primary: Type.Boolean() }),
    { description: 'Who can buy: name one by legal_entity_inn (and _kpp) when ordering; the primary one buys otherwise.' },
  ),
  delivery_addresses: Type.Array(Type.String()),
});

export const companyRoutes: FastifyPluginAsyncTypebox<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/companies',
    {
      config: { apiScope: 'read' },
      schema: {
        operationId: 'listCompanies',
        tags: ['account'],
        summary: 'Companies this token buys for',
        description: 'A buyer’s token: its own company. A manager’s: the active companies assigned to the manager.',
        querystring: Type.Object({ limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ items: Type.Array(Company), next_cursor: Nullable(Type.String()) }),
          ...problemResponses(...COMMON_ERRORS),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      let after = 0;
      if (request.query.cursor !== undefined) {
        const value = decodeCursor(request.query.cursor) as { after?: unknown } | undefined;
        if (typeof value?.after !== 'number' || !Number.isSafeInteger(value.after)) throw new ApiProblem('invalid-cursor');
        after = value.after;
      }
      const companies = await companyDirectory(ctx.db, callerUser(request), after, limit);
      const last = companies.at(-1);
      return {
        items: companies.map((c) => ({
          id: c.id,
          name: c.name,
          price_type: c.priceTypeName,
          discount_bp: c.discountBp,
          legal_entities: c.legalEntities,
          delivery_addresses: c.addresses,
        })),
        next_cursor: companies.length === limit && last ? encodeCursor({ after: last.id }) : null,
      };
    },
  );
};
