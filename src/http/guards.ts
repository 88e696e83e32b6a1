import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Role, UserRow } from '../db/schema.js';
import { forbidden } from './http-error.js';

/** A preHandler: anonymous visitors go to the login page, the wrong role gets a 403. */
export function requireRole(...roles: Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.user) {
      if (request.method === 'GET') return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
      throw forbidden();
    }
    if (roles.length > 0 && !roles.includes(request.user.role)) throw forbidden();
  };
}

export const requireLogin = requireRole();

/** The user of a route behind requireRole; a bug if it is missing. */
export function currentUser(request: FastifyRequest): UserRow {
  if (!request.user) throw forbidden();
  return request.user;
}

/** Browsers drop tabs and line breaks from a URL and read `\` as `/`: `/\t/evil.com` is `//evil.com`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const UNSAFE_IN_NEXT = /[\u0000-\u001f\u007f\\\s]/;

/** Only a local path may be a redirect target: never another site (`//evil`, `/\t/evil`, `https://…`). */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/') || next.startsWith('//')) return fallback;
  if (UNSAFE_IN_NEXT.test(next)) return fallback;
  return next;
}

export function formString(body: unknown, key: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[key];
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : '';
  return typeof value === 'string' ? value : '';
}

export function queryString(query: unknown, key: string): string {
  return formString(query, key);
}

export function pageNumber(query: unknown): number {
  const page = Number.parseInt(queryString(query, 'page'), 10);
  return Number.isFinite(page) && page > 0 ? page : 1;
}

export function idParam(params: unknown, key = 'id'): number {
  const raw = (params as Record<string, string>)[key] ?? '';
  if (!/^\d{1,12}$/.test(raw)) throw Object.assign(new Error('bad id'), { statusCode: 404 });
  return Number(raw);
}
