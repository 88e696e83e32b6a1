import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  API_SCOPES,
  ApiTokenInputError,
  allTokens,
  createApiToken,
  parseScopes,
  revokeApiToken,
  scopesOf,
  userTokens,
} from '../../accounts/api-tokens.js';
import type { AppContext } from '../../context.js';
import type { MessageKey } from '../../i18n/index.js';
import {
  addWebhookEndpoint,
  companyEndpoints,
  MAX_ENDPOINTS_PER_COMPANY,
  removeWebhookEndpoint,
} from '../../integrations/webhooks/endpoints.js';
import { WEBHOOK_EVENTS } from '../../integrations/webhooks/events.js';
import { currentUser, formString, idParam, requireLogin, requireRole } from '../guards.js';
import { notFound } from '../http-error.js';

/** Every value of a repeated form field (checkboxes): `events=a&events=b`. */
function formList(body: unknown, key: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

const endpointProblemKey: Record<string, MessageKey> = {
  invalid_url: 'api.webhookInvalidUrl',
  scheme: 'api.webhookScheme',
  credentials: 'api.webhookCredentials',
  private_address: 'api.webhookPrivate',
  unresolvable: 'api.webhookUnresolvable',
  events_required: 'api.webhookEventsRequired',
  limit: 'api.webhookLimit',
};

/**
 * The profile's API page: a user's tokens (made, shown once, revoked) and, for buyers, their
 * company's webhook receivers with recent deliveries; and the admins' list of every token.
 */
export async function apiAccessRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  async function render(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) {
    const user = currentUser(request);
    const tokens = (await userTokens(ctx.db, user.id)).map((row) => ({ ...row, scopeList: scopesOf(row) }));
    const endpoints = user.role === 'buyer' && user.company_id !== null ? await companyEndpoints(ctx.db, user.company_id) : null;
    return reply.page(
      'account-api',
      {
        tokens,
        scopes: API_SCOPES,
        endpoints,
        events: WEBHOOK_EVENTS,
        values: { name: '', scopes: ['read'], url: '', events: [...WEBHOOK_EVENTS] },
        errors: {},
        ...extra,
      },
      status,
    );
  }

  app.get('/account/api', { preHandler: requireLogin }, async (request, reply) => render(request, reply));

  app.post('/account/api/tokens', { preHandler: requireLogin }, async (request, reply) => {
    const user = currentUser(request);
    const name = formString(request.body, 'name');
    const picked = formList(request.body, 'scopes');
    const values = { name, scopes: picked, url: '', events: [...WEBHOOK_EVENTS] };
    try {
      const { token } = await createApiToken(ctx.db, ctx.clock, user, { name, scopes: parseScopes(picked) });
      // Shown on this answer only: it is not stored anywhere it could be shown from again.
      reply.header('cache-control', 'no-store');
      return render(request, reply, { newToken: token });
    } catch (error) {
      if (!(error instanceof ApiTokenInputError)) throw error;
      const errors =
        error.code === 'name_required'
          ? { name: request.t('api.tokenNameRequired') }
          : { scopes: request.t('api.tokenScopesRequired') };
      return render(request, reply, { values, errors }, 422);
    }
  });

  app.post('/account/api/tokens/:id/revoke', { preHandler: requireLogin }, async (request, reply) => {
    // Another person's token is not there for this one: 404, as for every id of someone else.
    if (!(await revokeApiToken(ctx.db, ctx.clock, idParam(request.params), currentUser(request)))) throw notFound();
    return reply.redirect('/account/api?notice=api.tokenRevoked', 303);
  });

  app.post('/account/api/webhooks', { preHandler: requireRole('buyer') }, async (request, reply) => {
    const user = currentUser(request);
    if (user.company_id === null) return reply.redirect('/account/api', 303);
    const url = formString(request.body, 'url');
    const events = formList(request.body, 'events');
    const result = await addWebhookEndpoint(ctx, user.company_id, user, { url, events });
    if (result.ok) {
      reply.header('cache-control', 'no-store');
      return render(request, reply, { newSecret: { url: result.endpoint.url, secret: result.endpoint.secret } });
    }
    const message = request.t(endpointProblemKey[result.problem] ?? 'api.webhookInvalidUrl', {
      count: MAX_ENDPOINTS_PER_COMPANY,
    });
    const field = result.problem === 'events_required' ? 'events' : 'url';
    return render(request, reply, { values: { name: '', scopes: ['read'], url, events }, errors: { [field]: message } }, 422);
  });

  app.post('/account/api/webhooks/:id/remove', { preHandler: requireRole('buyer') }, async (request, reply) => {
    const user = currentUser(request);
    const done = user.company_id !== null && (await removeWebhookEndpoint(ctx.db, user.company_id, idParam(request.params)));
    if (!done) throw notFound();
    return reply.redirect('/account/api?notice=api.webhookRemoved', 303);
  });

  app.get('/admin/api-tokens', { preHandler: requireRole('admin') }, async (_request, reply) => {
    const tokens = (await allTokens(ctx.db)).map((row) => ({ ...row, scopeList: scopesOf(row) }));
    return reply.page('admin/api-tokens', { tokens });
  });

  app.post('/admin/api-tokens/:id/revoke', { preHandler: requireRole('admin') }, async (request, reply) => {
    const done = await revokeApiToken(ctx.db, ctx.clock, idParam(request.params), currentUser(request));
    return reply.redirect(`/admin/api-tokens?notice=${done ? 'api.tokenRevoked' : 'api.tokenNotFound'}`, 303);
  });
}
