/**
 * How numbers, money and times are written in and read from CommerceML order documents:
 * "." as the decimal separator, no thousands separators, dates YYYY-MM-DD and times hh:mm:ss
 * in the distributor's local time (1C has no time zones; the portal shows Moscow time too).
 */
import { toThousandths } from '../../../catalog/quantity.js';
import { decimal } from '../xml/node.js';

export const EXCHANGE_TIME_ZONE = 'Europe/Moscow';

/** 1260000 → "12600.00". */
export function formatKopecks(kopecks: number): string {
  const sign = kopecks < 0 ? '-' : '';
  const abs = Math.abs(kopecks);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** "1266.5" → 126650; null when it is not a number. Sub-kopeck digits are rounded half-up. */
export function parseKopecks(value: string): number | null {
  const n = decimal(value);
  if (Number.isNaN(n)) return null;
  return Math.round(n * 100 + (n >= 0 ? 1e-7 : -1e-7));
}

/** 2.5 → "2.5", 1200 → "1200"; quantities carry at most three decimals. */
export function formatQuantity(quantity: number): string {
  const milli = toThousandths(quantity) ?? Math.round(quantity * 1000);
  const whole = Math.trunc(milli / 1000);
  const fraction = Math.abs(milli % 1000);
  if (fraction === 0) return String(whole);
  let digits = String(fraction).padStart(3, '0');
  while (digits.endsWith('0')) digits = digits.slice(0, -1);
  return `${milli < 0 && whole === 0 ? '-' : ''}${whole}.${digits}`;
}

/** "1.000" → 1; null when not a non-negative number with at most three decimals. */
export function parseQuantity(value: string): number | null {
  const n = decimal(value);
  if (Number.isNaN(n) || n < 0) return null;
  const milli = toThousandths(n);
  return milli === null ? null : milli / 1000;
}

/** VAT rate in basis points as 1C writes it: 2000 → "20", 550 → "5.5". */
export function formatVatRate(bp: number): string {
  return formatQuantity(bp / 100);
}

/** "20" / "20%" → 2000; "Без налога" and anything else → null (not subject to VAT). */
export function parseVatRate(value: string): number | null {
  const n = decimal(value.replace('%', ''));
  return Number.isNaN(n) ? null : Math.round(n * 100);
}

const partsFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: EXCHANGE_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

function localParts(millis: number): { date: string; time: string } {
  const p: Record<string, string> = {};
  for (const part of partsFormat.formatToParts(millis)) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}:${p.second}` };
}

export function exchangeDate(millis: number): string {
  return localParts(millis).date;
}

export function exchangeTime(millis: number): string {
  return localParts(millis).time;
}

/** "2024-03-01T12:00:00", the form of ДатаФормирования. */
export function exchangeDateTime(millis: number, separator = 'T'): string {
  const { date, time } = localParts(millis);
  return `${date}${separator}${time}`;
}

/**
 * A 1C date or date-time in local time ("2015-06-29T15:39:10", "2015-06-29", "29.06.2015
 * 15:39:10") → milliseconds; null when it is none of these.
 */
export function parseExchangeDateTime(value: string): number | null {
  const v = value.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(v);
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?/.exec(v);
  const [y, mo, d, h, mi, s] = iso
    ? [iso[1], iso[2], iso[3], iso[4], iso[5], iso[6]]
    : ru
      ? [ru[3], ru[2], ru[1], ru[4], ru[5], ru[6]]
      : [];
  if (y === undefined) return null;
  const guess = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  if (Number.isNaN(guess) || Number(y) < 1900) return null;
  // The zone's offset at that moment: format the guess back and see how far it lands.
  const back = localParts(guess);
  const shown = Date.parse(`${back.date}T${back.time}Z`);
  return guess - (shown - guess);
}

/** A 1C date in any of the forms above → YYYY-MM-DD; '' when it is not a date. */
export function parseExchangeDate(value: string): string {
  const millis = parseExchangeDateTime(value);
  if (millis === null) return '';
  return exchangeDate(millis);
}
