import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { validateSession } from '../../accounts/sessions.js';
import type { Locale } from '../../config/types.js';
import type { AppContext } from '../../context.js';
import { type DataVersionReading, readDataVersion } from '../../db/change-counter.js';
import type { UserRow } from '../../db/schema.js';
import { isLocale, localeFromAcceptLanguage, type Translate, translator } from '../../i18n/index.js';
import { CsrfError } from '../http-error.js';
import { ANON_COOKIE, cookieOptions, LOCALE_COOKIE, SESSION_COOKIE, setSessionCookie } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: UserRow | null;
    sessionId: string | null;
    /** The company a manager or admin acts for in this session (see catalog/viewer.ts). */
    actingCompanyId: number | null;
    actingCompanyName: string | null;
    locale: Locale;
    t: Translate;
    csrfToken: string;
    /**
     * Taken as the request starts, before any data is read: caches keyed by a generation
     * (db/change-counter.ts) use this one reading instead of taking their own.
     */
    dataVersion: DataVersionReading | null;
    /** Read before the session was (accounts/generation.ts): caches of account data may use it. */
    accountsGeneration: number | null;
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who is asking, in which language, and the CSRF token their forms must carry.
 * The token is an HMAC of the session id (or of an anonymous cookie before login), so nothing
 * extra is stored and it changes when the session does.
 */
export const requestContext = fp(
  async (app: FastifyInstance, opts: { ctx: AppContext; secret: string }) => {
    const { ctx, secret } = opts;
    const policy = { lifetimeDays: ctx.config.auth.sessionDays };
    // A session's token is the same on every request: signed once, not once a page.
    const signed = new Map<string, string>();
    const sign = (subject: string) => {
      let token = signed.get(subject);
      if (token === undefined) {
        token = createHmac('sha256', secret).update(subject).digest('base64url');
        if (signed.size >= 10_000) signed.clear();
        signed.set(subject, token);
      }
      return token;
    };

    app.decorateRequest('user', null);
    app.decorateRequest('sessionId', null);
    app.decorateRequest('actingCompanyId', null);
    app.decorateRequest('actingCompanyName', null);
    app.decorateRequest('locale', ctx.config.site.defaultLocale);
    app.decorateRequest('t', null as unknown as Translate);
    app.decorateRequest('csrfToken', '');
    app.decorateRequest('dataVersion', null);
    app.decorateRequest('accountsGeneration', null);

    app.addHook('onRequest', async (request, reply) => {
      const token = request.cookies[SESSION_COOKIE];
      if (token) {
        request.dataVersion = readDataVersion(ctx.database.statements);
        request.accountsGeneration = ctx.accountsGeneration.current(request.dataVersion);
        const session = await validateSession(ctx.db, ctx.clock, policy, token, {
          cache: ctx.sessionCache,
          generation: request.accountsGeneration,
        });
        if (session) {
          request.user = session.user;
          request.sessionId = session.id;
          request.actingCompanyId = session.actingCompanyId;
          request.actingCompanyName = session.actingCompanyName;
          if (session.renewed) setSessionCookie(reply, ctx.config, token, session.expiresAt);
        }
      }
      request.locale = chooseLocale(request, ctx.config.site.defaultLocale);
      request.t = translator(request.locale);
      request.csrfToken = sign(csrfSubject(request, reply, ctx));
    });

    // preHandler, not onRequest: a form's _csrf field is only readable once the body is parsed.
    app.addHook('preHandler', async (request) => {
      if (!UNSAFE_METHODS.has(request.method)) return;
      if (!sameOrigin(request, ctx.config.server.publicUrl)) throw new CsrfError('cross-origin request');
      const body = request.body as Record<string, unknown> | undefined;
      const sent = (typeof body?._csrf === 'string' ? body._csrf : undefined) ?? request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !safeEqual(sent, request.csrfToken)) throw new CsrfError('missing or wrong CSRF token');
    });
  },
  { name: 'request-context' },
);

function chooseLocale(request: FastifyRequest, fallback: Locale): Locale {
  if (request.user?.locale && isLocale(request.user.locale)) return request.user.locale;
  const cookie = request.cookies[LOCALE_COOKIE];
  if (isLocale(cookie)) return cookie;
  return localeFromAcceptLanguage(request.headers['accept-language'], fallback);
}

function csrfSubject(request: FastifyRequest, reply: FastifyReply, ctx: AppContext): string {
  if (request.sessionId) return `session:${request.sessionId}`;
  let anon = request.cookies[ANON_COOKIE];
  if (!anon || anon.length < 20) {
    anon = randomBytes(18).toString('base64url');
    request.cookies[ANON_COOKIE] = anon;
    reply.setCookie(ANON_COOKIE, anon, cookieOptions(ctx.config));
  }
  return `anon:${anon}`;
}

/**
 * Browsers send Origin with every form POST; when it is there it must be ours. Either the
 * configured public URL or the Host the request came to (a portal reached by IP in a LAN).
 */
function sameOrigin(request: FastifyRequest, publicUrl: string): boolean {
  const origin = request.headers.origin ?? refererOrigin(request.headers.referer);
  if (origin === undefined) return true;
  if (origin === new URL(publicUrl).origin) return true;
  const host = request.headers.host;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return 'invalid';
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
