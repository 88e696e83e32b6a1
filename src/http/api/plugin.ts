import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type Options as AjvOptions, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyError, FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { type ApiScope, authenticateApiToken, noteTokenUse, type TokenIdentity } from '../../accounts/api-tokens.js';
import type { Locale } from '../../config/types.js';
import type { AppContext } from '../../context.js';
import { type DataVersionReading, readDataVersion } from '../../db/change-counter.js';
import { storageAdvice, storageProblem } from '../../db/storage-errors.js';
import { localeFromAcceptLanguage, type MessageKey, type Translate, translator } from '../../i18n/index.js';
import { openApiOptions } from './openapi.js';
import { ApiProblem, PROBLEM_BASE, PROBLEM_TYPES, type ProblemItem, type ProblemType, problemBody } from './problems.js';
import { RateLimiter, rateLimitHeaders } from './rate-limit.js';
import { Problem } from './schemas.js';
import { v1Routes } from './v1/index.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The token scope an API route needs. */
    apiScope?: ApiScope;
    /** An API route anyone may read without a token (the OpenAPI document). */
    apiPublic?: boolean;
  }
  interface FastifyRequest {
    /** The language of problem details and formatted money (Accept-Language, else the site's). */
    apiLocale: Locale;
    apiT: Translate;
    /** Who the bearer token belongs to; set on every /api/v1 route that is not public. */
    apiCaller: TokenIdentity | null;
    /** One PRAGMA data_version reading per request, shared by the caches it consults. */
    apiDataVersion: DataVersionReading | null;
  }
}

// ajv-formats ships as CommonJS with its function on `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

function ajv(options: AjvOptions): Ajv {
  const instance = new Ajv({ allErrors: true, strict: false, useDefaults: true, removeAdditional: false, ...options });
  addFormats(instance);
  return instance;
}

/**
 * The buyers' REST API, an encapsulated plugin under /api: its own validation (unknown fields
 * refused, not silently dropped; every field error reported), its own error handler answering
 * RFC 9457 problem details, bearer-token auth with scopes, a per-token rate limit, and the
 * OpenAPI document generated from the routes' schemas. None of it touches the web pages, and the
 * pages' session, CSRF and HTML error pages do not apply here.
 */
export async function apiPlugin(parent: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const defaultLocale = ctx.config.site.defaultLocale;

  // Bodies are JSON as sent: "10" is not 10. Query strings, paths and headers are text, so
  // they are coerced to the schema's types (and a single value to a list).
  const bodyAjv = ajv({ coerceTypes: false });
  const textAjv = ajv({ coerceTypes: 'array' });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));

  // JSON only: a form or plain text is answered 415, not parsed into something half-right.
  app.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);

  app.decorateRequest('apiLocale', defaultLocale);
  app.decorateRequest('apiT', null as unknown as Translate);
  app.decorateRequest('apiCaller', null);
  app.decorateRequest('apiDataVersion', null);
  app.addHook('onRequest', async (request) => {
    request.apiLocale = localeFromAcceptLanguage(request.headers['accept-language'], defaultLocale);
    request.apiT = translator(request.apiLocale);
  });

  // Every route of the API sets the body limit of the API, whatever the web's is.
  const bodyLimit = ctx.config.api.maxBodyKb * 1024;
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const t = request.apiT ?? translator(defaultLocale);
    const { problem, options } = asProblem(error, ctx, t);
    const status = PROBLEM_TYPES[problem].status;
    const context = { method: request.method, url: request.url, tokenId: request.apiCaller?.tokenId ?? null };
    const storage = storageProblem(error);
    if (storage)
      request.log.error({ ...context, err: error }, `nothing could be saved: ${storageAdvice(storage, ctx.config.dataDir)}`);
    else if (status >= 500) request.log.error({ ...context, err: error }, 'API request failed');
    else request.log.info({ ...context, problem }, 'API request refused');
    if (reply.sent) return;
    reply.code(status).type('application/problem+json').header('cache-control', 'no-store');
    if (options.headers) reply.headers(options.headers);
    return reply.send(problemBody(t, problem, options));
  });

  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404).type('application/problem+json').header('cache-control', 'no-store');
    return reply.send(problemBody(request.apiT ?? translator(defaultLocale), 'not-found'));
  });

  await app.register(fastifySwagger, openApiOptions(ctx));
  // One Problem schema, referenced by every error response (components.schemas.Problem).
  app.addSchema({ $id: 'Problem', ...Problem });

  // What each problem type means, at the address its `type` names.
  app.get<{ Params: { type: string } }>('/problems/:type', { schema: { hide: true } }, async (request, reply) => {
    const type = request.params.type;
    if (!(type in PROBLEM_TYPES)) throw new ApiProblem('not-found');
    const spec = PROBLEM_TYPES[type as ProblemType];
    const t = request.apiT;
    const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    reply.type('text/html; charset=utf-8').header('cache-control', 'public, max-age=3600');
    return reply.send(
      `<!doctype html><html lang="${request.apiLocale}"><meta charset="utf-8"><title>${esc(t(spec.title))}</title>` +
        `<h1>${esc(t(spec.title))}</h1><p>HTTP ${spec.status}. <code>${esc(`${PROBLEM_BASE}${type}`)}</code></p>` +
        `<p>${esc(t(spec.about))}</p><p><a href="/api/docs">/api/docs</a></p></html>`,
    );
  });

  await app.register(
    async (v1) => {
      const limiter = new RateLimiter(ctx.config.api.rateLimit);
      v1.addHook('onRoute', assertRouteSchema);
      v1.addHook('onRequest', async (request, reply) => {
        const config = request.routeOptions.config;
        if (config.apiPublic) return;
        request.apiDataVersion = readDataVersion(ctx.database.statements);
        const identity = await authenticate(ctx, request);
        request.apiCaller = identity;
        if (limiter.enabled) {
          const decision = limiter.take(identity.tokenId, ctx.clock.now());
          reply.headers(rateLimitHeaders(decision));
          if (!decision.allowed) {
            throw new ApiProblem('rate-limited', {
              detail: { key: 'api.detailRateLimited', params: { limit: decision.limit, seconds: decision.resetSeconds } },
              headers: { 'retry-after': String(decision.resetSeconds) },
            });
          }
        }
        const scope = config.apiScope;
        if (scope && !identity.scopes.includes(scope)) {
          throw new ApiProblem('insufficient-scope', {
            detail: { key: 'api.detailScope', params: { scope } },
            headers: { 'www-authenticate': `Bearer realm="optovik", error="insufficient_scope", scope="${scope}"` },
          });
        }
        void noteTokenUse(ctx.db, ctx.clock, ctx.apiTokens, identity, request.ip).catch((error) =>
          request.log.warn({ err: error }, 'could not note token use'),
        );
      });
      await v1.register(v1Routes, { ctx });
    },
    { prefix: '/v1' },
  );

  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    indexPrefix: '/api',
    uiConfig: { docExpansion: 'list', deepLinking: true, defaultModelsExpandDepth: 0, tryItOutEnabled: false },
    // Swagger UI sets a few styles inline; everything else keeps the portal's policy (no CDN, no
    // inline script), and nothing is fetched from anywhere but this portal.
    transformStaticCSP: (header) => header.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });
}

async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<TokenIdentity> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null;
  const challenge = { 'www-authenticate': 'Bearer realm="optovik"' };
  if (!match?.[1]) throw new ApiProblem('unauthorized', { detail: { key: 'api.detailNoToken' }, headers: challenge });
  const identity = await authenticateApiToken(
    ctx.db,
    match[1],
    ctx.apiTokens,
    ctx.apiTokens.generation.current(request.apiDataVersion ?? undefined),
  );
  if (!identity) {
    throw new ApiProblem('unauthorized', {
      detail: { key: 'api.detailBadToken' },
      headers: { 'www-authenticate': 'Bearer realm="optovik", error="invalid_token"' },
    });
  }
  return identity;
}

/** An /api/v1 route without a response schema (or a body schema where it takes one) is a bug: start-up fails. */
export function assertRouteSchema(route: RouteOptions): void {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const schema = route.schema as { response?: Record<string, unknown>; body?: unknown } | undefined;
  const where = `${methods.join(',')} ${route.url}`;
  if (!Object.keys(schema?.response ?? {}).some((status) => /^2/.test(status)))
    throw new Error(`API route ${where} has no response schema`);
  if (methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH') && !schema?.body)
    throw new Error(`API route ${where} has no body schema`);
}

type Mapped = { problem: ProblemType; options: ApiProblem['options'] };

/** Any error thrown while serving an API request, as the problem the client is told. */
function asProblem(error: FastifyError, ctx: AppContext, t: Translate): Mapped {
  if (error instanceof ApiProblem) return { problem: error.problem, options: error.options };
  // Nothing was saved: the client may repeat the request (with the same Idempotency-Key) later.
  if (storageProblem(error)) return { problem: 'storage-unavailable', options: { headers: { 'retry-after': '60' } } };
  if (error.validation) {
    const findings = error.validation as ErrorObject[];
    // The Idempotency-Key has problems of its own, named so a client can tell them apart.
    const key =
      error.validationContext === 'headers'
        ? findings.find(
            (e) =>
              e.instancePath === '/idempotency-key' ||
              (e.params as { missingProperty?: string }).missingProperty === 'idempotency-key',
          )
        : undefined;
    if (key) return { problem: key.keyword === 'required' ? 'idempotency-key-missing' : 'idempotency-key-invalid', options: {} };
    return { problem: 'validation', options: { errors: validationItems(findings, error.validationContext ?? 'body', t) } };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        problem: 'body-too-large',
        options: { detail: { key: 'api.detailBodyTooLarge', params: { kb: ctx.config.api.maxBodyKb } } },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { problem: 'unsupported-media-type', options: {} };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { problem: 'malformed-json', options: {} };
  }
  if (error instanceof SyntaxError && error.statusCode === 400)
    return { problem: 'malformed-json', options: { detail: error.message } };
  if (error.statusCode === 413) return { problem: 'body-too-large', options: {} };
  if (error.statusCode === 415) return { problem: 'unsupported-media-type', options: {} };
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return { problem: 'validation', options: { detail: error.message } };
  return { problem: 'internal', options: {} };
}

/**
 * Ajv's findings as problem items: a JSON Pointer for body fields, the parameter name for the
 * query, path and headers. Where a value matched none of its alternatives (anyOf), the one
 * finding "invalid value" stands for the alternatives' own complaints.
 */
function validationItems(errors: readonly ErrorObject[], context: string, t: Translate): ProblemItem[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath);
  const covered = (path: string) => anyOfPaths.some((p) => path === p || path.startsWith(`${p}/`));
  const seen = new Set<string>();
  const items: ProblemItem[] = [];
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && covered(error.instancePath)) continue;
    const params = error.params as Record<string, unknown>;
    let path = error.instancePath;
    if (error.keyword === 'required') path += `/${String(params.missingProperty)}`;
    if (error.keyword === 'additionalProperties') path += `/${String(params.additionalProperty)}`;
    const key = `${path}|${error.keyword}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { code, message } = describeKeyword(error);
    const detail = t(message.key, message.params);
    items.push(
      context === 'body'
        ? { pointer: path || '/', code, detail }
        : { parameter: path.split('/').filter(Boolean)[0] ?? context, code, detail },
    );
  }
  return items;
}

function describeKeyword(error: ErrorObject): {
  code: string;
  message: { key: MessageKey; params: Record<string, string | number> };
} {
  const p = error.params as Record<string, unknown>;
  const msg = (key: MessageKey, params: Record<string, string | number> = {}) => ({ key, params });
  switch (error.keyword) {
    case 'type':
      return { code: 'type', message: msg('api.fieldType', { type: String(p.type) }) };
    case 'required':
      return { code: 'required', message: msg('api.fieldRequired') };
    case 'additionalProperties':
      return { code: 'unknown_field', message: msg('api.fieldUnknown', { name: String(p.additionalProperty) }) };
    case 'minimum':
    case 'exclusiveMinimum':
      return { code: error.keyword, message: msg('api.fieldMinimum', { limit: String(p.limit) }) };
    case 'maximum':
    case 'exclusiveMaximum':
      return { code: error.keyword, message: msg('api.fieldMaximum', { limit: String(p.limit) }) };
    case 'minLength':
      return { code: 'minLength', message: msg('api.fieldMinLength', { limit: String(p.limit) }) };
    case 'maxLength':
      return { code: 'maxLength', message: msg('api.fieldMaxLength', { limit: String(p.limit) }) };
    case 'minItems':
      return { code: 'minItems', message: msg('api.fieldMinItems', { limit: String(p.limit) }) };
    case 'maxItems':
      return { code: 'maxItems', message: msg('api.fieldMaxItems', { limit: String(p.limit) }) };
    case 'pattern':
      return { code: 'pattern', message: msg('api.fieldPattern') };
    case 'format':
      return { code: 'format', message: msg('api.fieldFormat', { format: String(p.format) }) };
    case 'enum':
      return { code: 'enum', message: msg('api.fieldEnum', { values: ((p.allowedValues as unknown[]) ?? []).join(', ') }) };
    default:
      return { code: error.keyword, message: msg('api.fieldInvalid') };
  }
}
