import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ACCESS_REQUEST_MAILS_PER_HOUR,
  ACCESS_REQUESTS_PER_IP_HOUR,
  submitAccessRequest,
  validateAccessRequest,
} from '../../accounts/access-requests.js';
import { completeLink, requestPasswordReset } from '../../accounts/invitations.js';
import { checkLink, type LinkProblem } from '../../accounts/links.js';
import { authenticate } from '../../accounts/login.js';
import { RateWindow } from '../../accounts/rate-window.js';
import type { RequisiteCode } from '../../accounts/requisites.js';
import { createSession, invalidateSession } from '../../accounts/sessions.js';
import { setUserLocale, UserInputError } from '../../accounts/users.js';
import { MINUTE } from '../../clock.js';
import type { AppContext } from '../../context.js';
import type { OneTimeTokenPurpose, UserRow } from '../../db/schema.js';
import { isLocale, type MessageKey } from '../../i18n/index.js';
import { formString, safeNext } from '../guards.js';
import { clearSessionCookie, cookieOptions, LOCALE_COOKIE, setSessionCookie } from '../plugins/cookies.js';

const linkProblemMessage: Record<LinkProblem, MessageKey> = {
  invalid: 'auth.linkInvalid',
  expired: 'auth.linkExpired',
  used: 'auth.linkUsed',
};

export async function authRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  // The access request form is anonymous: bounded per address, and in the mail it causes.
  const applyPerIp = new RateWindow(ctx.clock, ACCESS_REQUESTS_PER_IP_HOUR, 60 * MINUTE);
  const applyMails = new RateWindow(ctx.clock, ACCESS_REQUEST_MAILS_PER_HOUR, 60 * MINUTE);
  async function startSession(request: FastifyRequest, reply: FastifyReply, user: UserRow) {
    // A fresh session id at every login: a session fixed before login is worth nothing after it.
    if (request.sessionId) await invalidateSession(ctx.db, request.sessionId);
    const session = await createSession(ctx.db, ctx.clock, { lifetimeDays: ctx.config.auth.sessionDays }, user.id, {
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    });
    setSessionCookie(reply, ctx.config, session.token, session.expiresAt);
  }

  app.get('/login', async (request, reply) => {
    const next = safeNext(formString(request.query, 'next'));
    if (request.user) return reply.redirect(next);
    return reply.page('auth/login', { email: '', next, error: undefined });
  });

  app.post('/login', async (request, reply) => {
    const email = formString(request.body, 'email').trim();
    const password = formString(request.body, 'password');
    const next = safeNext(formString(request.body, 'next'));
    const result = await authenticate(ctx, email, password, request.ip);
    if (result.outcome === 'locked') {
      const minutes = Math.max(1, Math.ceil(result.retryAfterMs / MINUTE));
      reply.header('retry-after', String(Math.ceil(result.retryAfterMs / 1000)));
      return reply.page('auth/login', { email, next, error: request.t('auth.lockedOut', { minutes }) }, 429);
    }
    if (result.outcome === 'wrong') {
      return reply.page('auth/login', { email, next, error: request.t('auth.wrongCredentials') }, 401);
    }
    await startSession(request, reply, result.user);
    return reply.redirect(next, 303);
  });

  app.post('/logout', async (request, reply) => {
    if (request.sessionId) await invalidateSession(ctx.db, request.sessionId);
    clearSessionCookie(reply, ctx.config);
    return reply.redirect('/login?notice=auth.loggedOut', 303);
  });

  app.get('/forgot-password', async (_request, reply) => reply.page('auth/forgot', { email: '', sent: false }));

  app.post('/forgot-password', async (request, reply) => {
    const email = formString(request.body, 'email').trim();
    const ip = request.ip;
    // Counted apart from sign-ins: the form must not flood an inbox, nor lock anyone out of signing in.
    if (email && ctx.loginThrottle.retryAfterMs(ip, email, 'reset') === 0) {
      ctx.loginThrottle.recordFailure(ip, email, 'reset');
      await requestPasswordReset(ctx, email);
    }
    return reply.page('auth/forgot', { email, sent: true, hours: ctx.config.auth.resetLinkHours });
  });

  function linkRoutes(prefix: string, purpose: OneTimeTokenPurpose) {
    const title = purpose === 'invite' ? 'auth.inviteTitle' : 'auth.resetTitle';
    const render = (reply: FastifyReply, request: FastifyRequest, data: Record<string, unknown>, status = 200) =>
      reply.page(
        'auth/set-password',
        { title: request.t(title), minLength: ctx.config.auth.passwordMinLength, errors: {}, ...data },
        status,
      );

    app.get<{ Params: { token: string } }>(`${prefix}/:token`, async (request, reply) => {
      const check = await checkLink(ctx.db, ctx.clock, request.params.token, purpose);
      if (!check.ok) return render(reply, request, { problem: request.t(linkProblemMessage[check.problem]) }, 410);
      return render(reply, request, { problem: undefined });
    });

    app.post<{ Params: { token: string } }>(`${prefix}/:token`, async (request, reply) => {
      const password = formString(request.body, 'password');
      const repeat = formString(request.body, 'password_repeat');
      if (password !== repeat) {
        return render(
          reply,
          request,
          { problem: undefined, errors: { password_repeat: request.t('error.passwordMismatch') } },
          422,
        );
      }
      try {
        const result = await completeLink(ctx, request.params.token, purpose, password);
        if (!result.ok) return render(reply, request, { problem: request.t(linkProblemMessage[result.problem]) }, 410);
        await startSession(request, reply, result.user);
        return reply.redirect('/?notice=auth.passwordSet', 303);
      } catch (error) {
        if (error instanceof UserInputError && error.code === 'password_short') {
          const message = request.t('error.passwordShort', { min: ctx.config.auth.passwordMinLength });
          return render(reply, request, { problem: undefined, errors: { password: message } }, 422);
        }
        throw error;
      }
    });
  }
  linkRoutes('/reset-password', 'reset');
  linkRoutes('/invite', 'invite');

  app.get('/apply', async (_request, reply) => reply.page('auth/apply', { values: {}, errors: {}, done: undefined }));

  app.post('/apply', async (request, reply) => {
    const wait = applyPerIp.retryAfterMs(request.ip);
    if (wait > 0) {
      reply.header('retry-after', String(Math.ceil(wait / 1000)));
      const error = request.t('limits.applyTooMany', { minutes: Math.max(1, Math.ceil(wait / MINUTE)) });
      return reply.page('auth/apply', { values: request.body, errors: {}, done: undefined, error }, 429);
    }
    const input = {
      companyName: formString(request.body, 'company_name'),
      inn: formString(request.body, 'inn'),
      contactName: formString(request.body, 'contact_name'),
      email: formString(request.body, 'email'),
      phone: formString(request.body, 'phone'),
      message: formString(request.body, 'message'),
      locale: request.locale,
    };
    const problems = validateAccessRequest(input);
    if (Object.keys(problems).length > 0) {
      const errors = Object.fromEntries(Object.entries(problems).map(([field, code]) => [field, request.t(errorMessage(code))]));
      return reply.page('auth/apply', { values: request.body, errors, done: undefined }, 422);
    }
    applyPerIp.record(request.ip);
    const notify = applyMails.retryAfterMs('all') === 0;
    if (notify) applyMails.record('all');
    const row = await submitAccessRequest(ctx, input, { notify });
    return reply.page('auth/apply', { values: {}, errors: {}, done: request.t('apply.thanks', { email: row.email }) });
  });

  app.post('/locale', async (request, reply) => {
    const locale = formString(request.body, 'locale');
    const next = safeNext(formString(request.body, 'next'));
    if (!isLocale(locale)) return reply.redirect(next, 303);
    if (request.user) await setUserLocale(ctx.db, request.user.id, locale);
    reply.setCookie(LOCALE_COOKIE, locale, cookieOptions(ctx.config, new Date(ctx.clock.now() + 365 * 24 * 60 * MINUTE)));
    return reply.redirect(next, 303);
  });
}

/** Requisites typed into a form (src/accounts/requisites.ts): what is wrong, in the words of the field. */
const REQUISITE_MESSAGES: Record<RequisiteCode, MessageKey> = {
  inn_invalid: 'error.innInvalid',
  inn_checksum: 'error.innChecksum',
  kpp_invalid: 'error.kppInvalid',
  kpp_person: 'error.kppPerson',
  ogrn_invalid: 'error.ogrnInvalid',
  ogrn_checksum: 'error.ogrnChecksum',
  ogrn_kind: 'error.ogrnKind',
  bik_invalid: 'error.bikInvalid',
  account_invalid: 'error.accountInvalid',
  account_checksum: 'error.accountChecksum',
  corr_account_invalid: 'error.corrAccountInvalid',
  corr_account_checksum: 'error.corrAccountChecksum',
};

/** The message shown for a validation code; every domain's input error codes map here. */
export function errorMessage(code: string): MessageKey {
  const map: Record<string, MessageKey> = {
    required: 'error.required',
    email_invalid: 'error.emailInvalid',
    email_taken: 'error.emailTaken',
    ...REQUISITE_MESSAGES,
    discount_invalid: 'error.discountInvalid',
    company_required: 'error.companyRequired',
    not_a_manager: 'error.notAManager',
    price_type_unknown: 'error.priceTypeUnknown',
    password_short: 'error.passwordShort',
  };
  return map[code] ?? 'error.required';
}
