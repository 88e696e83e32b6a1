import type { Locale } from '../config/types.js';
import { en } from './messages/en.js';
import { type MessageKey, ru } from './messages/ru.js';

export type { MessageKey };
export const LOCALES: readonly Locale[] = ['ru', 'en'];

const catalogs: Record<Locale, Record<MessageKey, string>> = { ru, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** `{name}` placeholders are replaced by params; a missing param stays visible rather than vanishing. */
export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  return (key, params) => {
    const text = catalog[key];
    if (params === undefined) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  };
}

const intlTag: Record<Locale, string> = { ru: 'ru-RU', en: 'en-GB' };

// Building an Intl formatter costs ~100× formatting with one: a catalog page formats hundreds of
// numbers, so every formatter is made once per locale and kind.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function numberFormat(locale: Locale, kind: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `n:${locale}:${kind}`;
  const existing = formatters.get(key) as Intl.NumberFormat | undefined;
  if (existing) return existing;
  const made = new Intl.NumberFormat(intlTag[locale], options);
  formatters.set(key, made);
  return made;
}
function dateFormat(locale: Locale, kind: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `d:${locale}:${kind}:${options.timeZone}`;
  const existing = formatters.get(key) as Intl.DateTimeFormat | undefined;
  if (existing) return existing;
  const made = new Intl.DateTimeFormat(intlTag[locale], options);
  formatters.set(key, made);
  return made;
}

/**
 * Money is integer kopecks everywhere; it becomes a decimal only here, on its way to a person.
 * `1 234,50 ₽` in Russian, `₽1,234.50` in English.
 */
export function formatMoney(kopecks: number, locale: Locale): string {
  if (!Number.isSafeInteger(kopecks)) throw new TypeError(`money must be integer kopecks, got ${kopecks}`);
  return numberFormat(locale, 'money', {
    style: 'currency',
    currency: 'RUB',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(kopecks / 100);
}

/** Hundredths of another currency's unit, as `5,00 $` / `$5.00` (an unknown code is written after the number). */
export function formatForeignMoney(hundredths: number, currency: string, locale: Locale): string {
  const known = /^[A-Z]{3}$/.test(currency) && Intl.supportedValuesOf('currency').includes(currency);
  if (!known) return `${formatNumber(hundredths / 100, locale, 2)} ${currency}`;
  return numberFormat(locale, `money:${currency}`, {
    style: 'currency',
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(hundredths / 100);
}

/** Kopecks as `12813,54` (no group separator, no currency): for texts a bank reads, such as a payment's purpose. */
export function formatKopecksPlain(kopecks: number): string {
  if (!Number.isSafeInteger(kopecks)) throw new TypeError(`money must be integer kopecks, got ${kopecks}`);
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`;
}

export function formatNumber(value: number, locale: Locale, maxFractionDigits = 3): string {
  return numberFormat(locale, `number${maxFractionDigits}`, { maximumFractionDigits: maxFractionDigits }).format(value);
}

/** Percent from basis points: 250 → `2,5 %`. */
export function formatPercentBp(basisPoints: number, locale: Locale): string {
  return numberFormat(locale, 'percent', { style: 'percent', maximumFractionDigits: 2 }).format(basisPoints / 10_000);
}

// Dates show in the distributor's time zone (Moscow by default), not the server's.
export function formatDate(millis: number, locale: Locale, timeZone = 'Europe/Moscow'): string {
  return dateFormat(locale, 'date', { dateStyle: 'short', timeZone }).format(millis);
}

/** The date of a document, as 1C prints it: `7 марта 2026 г.`, `7 March 2026`. */
export function formatDateLong(millis: number, locale: Locale, timeZone = 'Europe/Moscow'): string {
  return dateFormat(locale, 'date-long', { dateStyle: 'long', timeZone }).format(millis);
}

export function formatDateTime(millis: number, locale: Locale, timeZone = 'Europe/Moscow'): string {
  return dateFormat(locale, 'datetime', { dateStyle: 'short', timeStyle: 'short', timeZone }).format(millis);
}

/** The formatting functions templates get, bound to one language. */
export function formattersFor(locale: Locale) {
  return {
    money: (kopecks: number) => formatMoney(kopecks, locale),
    number: (value: number) => formatNumber(value, locale),
    percentBp: (bp: number) => formatPercentBp(bp, locale),
    date: (millis: number) => formatDate(millis, locale),
    dateTime: (millis: number) => formatDateTime(millis, locale),
  };
}

/** Picks the locale from an Accept-Language header, for visitors who have not chosen one. */
export function localeFromAcceptLanguage(header: string | undefined, fallback: Locale): Locale {
  if (!header) return fallback;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag = '', q] = part.trim().split(';q=');
      return { lang: tag.slice(0, 2).toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .sort((a, b) => b.q - a.q);
  return (ranked.find((r) => isLocale(r.lang))?.lang as Locale | undefined) ?? fallback;
}
