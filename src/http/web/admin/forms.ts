import type { FastifyRequest } from 'fastify';
import type { Locale } from '../../../config/types.js';
import type { Role } from '../../../db/schema.js';
import { formString } from '../../guards.js';
import { errorMessage } from '../auth.js';

/** Rows per page in the admin lists. */
export const PAGE_SIZE = 50;

export const ROLES: readonly Role[] = ['admin', 'manager', 'buyer'];

/** What a form sent, as strings, for re-showing it after an error. */
export type Values = Record<string, string>;
/** Field name → translated message. */
export type Errors = Record<string, string>;

export function readForm(body: unknown, fields: readonly string[]): Values {
  return Object.fromEntries(fields.map((field) => [field, formString(body, field)]));
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * Percent as typed by a person ("2,5", "2.5", "2,5 %", "") → basis points (250); null when it
 * is not a percent from 0 to 100 with at most two decimals.
 */
export function parseDiscountBp(raw: string): number | null {
  if (raw.length > 20) return null;
  const trimmed = raw.trim();
  const text = (trimmed.endsWith('%') ? trimmed.slice(0, -1).trimEnd() : trimmed).replace(',', '.');
  if (text === '') return 0;
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(text)) return null;
  const [whole = '0', fraction = ''] = text.split('.');
  const bp = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return bp <= 10_000 ? bp : null;
}

/** Basis points back into the form's text: 250 → "2,5" in Russian, "2.5" in English. */
export function discountText(bp: number, locale: Locale): string {
  const text = String(bp / 100);
  return locale === 'ru' ? text.replace('.', ',') : text;
}

/** A select's value: "" means none; anything but digits becomes an id nothing has, for the validator to refuse. */
export function optionalId(raw: string): number | null {
  const text = raw.trim();
  if (text === '') return null;
  return /^\d{1,12}$/.test(text) ? Number(text) : -1;
}

export interface Paging {
  page: number;
  pages: number;
  total: number;
  offset: number;
  limit: number;
}

export function paging(page: number, total: number): Paging {
  const safePage = Math.min(page, 1_000_000);
  return {
    page: safePage,
    pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
    total,
    offset: (safePage - 1) * PAGE_SIZE,
    limit: PAGE_SIZE,
  };
}

export function offsetOf(page: number): number {
  return (Math.min(page, 1_000_000) - 1) * PAGE_SIZE;
}

/** The pager's base link: the list's filters, ending in "?" or "&" so that "page=N" can follow. */
export function pagerBase(path: string, params: Record<string, string>): string {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== '')).toString();
  return query ? `${path}?${query}&` : `${path}?`;
}

/** A domain validation code as the message shown under the field. */
export function codeMessage(request: FastifyRequest, code: string): string {
  return request.t(errorMessage(code));
}
