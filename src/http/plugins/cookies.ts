import type {} from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { Config } from '../../config/types.js';

export const SESSION_COOKIE = 'optovik_session';
export const ANON_COOKIE = 'optovik_anon';
export const LOCALE_COOKIE = 'optovik_locale';

export function cookieOptions(config: Config, expires?: Date) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: config.server.secureCookies,
    ...(expires ? { expires } : {}),
  };
}

export function setSessionCookie(reply: FastifyReply, config: Config, token: string, expiresAt: number): void {
  reply.setCookie(SESSION_COOKIE, token, cookieOptions(config, new Date(expiresAt)));
}

export function clearSessionCookie(reply: FastifyReply, config: Config): void {
  reply.clearCookie(SESSION_COOKIE, cookieOptions(config));
}
