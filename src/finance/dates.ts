/**
 * Settlement documents carry calendar dates (YYYY-MM-DD) as accounting writes them; "today" and
 * "overdue" are judged in the distributor's time zone, like every date the portal shows.
 */
const TIME_ZONE = 'Europe/Moscow';

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });

/** Milliseconds → the local calendar day, YYYY-MM-DD. */
export function localDate(millis: number): string {
  const p: Record<string, string> = {};
  for (const part of dayFormat.formatToParts(millis)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day}`;
}

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

export function addDays(isoDate: string, days: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + days)).toISOString().slice(0, 10);
}

/** 2026-03-07 → 07.03.2026 (ru) or 07/03/2026 (en), without going through a time zone. */
export function showDate(isoDate: string, locale: 'ru' | 'en'): string {
  const [y, m, d] = isoDate.split('-');
  return locale === 'ru' ? `${d}.${m}.${y}` : `${d}/${m}/${y}`;
}
