/**
 * Currencies other than the rouble: what a source calls a currency, and roubles from a price in
 * it. A price in dollars is stored in dollars (src/catalog/import/foreign-prices.ts) and shown
 * in kopecks at the day's rate; nothing here touches the database.
 */

export const ROUBLE = 'RUB';

/** How 1C, MoySklad and spreadsheets write currencies (name, sign, ISO code, OKV number). */
const ALIASES: Readonly<Record<string, string>> = {
  руб: ROUBLE,
  'руб.': ROUBLE,
  рубль: ROUBLE,
  рублей: ROUBLE,
  rub: ROUBLE,
  rur: ROUBLE,
  '643': ROUBLE,
  '₽': ROUBLE,
  'р.': ROUBLE,
  usd: 'USD',
  $: 'USD',
  '840': 'USD',
  доллар: 'USD',
  долл: 'USD',
  'долл.': 'USD',
  'доллар сша': 'USD',
  eur: 'EUR',
  '€': 'EUR',
  '978': 'EUR',
  евро: 'EUR',
  cny: 'CNY',
  '156': 'CNY',
  юань: 'CNY',
  '¥': 'CNY',
  kzt: 'KZT',
  '398': 'KZT',
  тенге: 'KZT',
  byn: 'BYN',
  '933': 'BYN',
  'бел. руб.': 'BYN',
};

/**
 * The ISO code of a currency as a source wrote it; null when it wrote none (the caller's
 * default applies). An unknown three-letter code is taken as it is; anything else unknown is
 * kept (upper-cased, bounded) so that it is never mistaken for roubles.
 */
export function normalizeCurrency(raw: string | null | undefined): string | null {
  const text = (raw ?? '').trim().replace(/\s+/g, ' ').toLowerCase().slice(0, 32);
  if (text === '') return null;
  return ALIASES[text] ?? text.toUpperCase();
}

/** Millionths of a rouble per unit, the precision rates are kept in (the Central Bank gives 4 decimals). */
export const RATE_SCALE = 1_000_000;

/** "92.5", "92,5012" → 92_501_200 millionths; null when it is not a positive number with at most 6 decimals. */
export function parseRate(text: string): number | null {
  const value = text.trim().replace(',', '.');
  if (value.length > 20 || !/^\d{1,9}(\.\d{1,6})?$/.test(value)) return null;
  const [whole = '0', fraction = ''] = value.split('.');
  const micro = Number(whole) * RATE_SCALE + Number(fraction.padEnd(6, '0'));
  return micro > 0 ? micro : null;
}

/** 92_501_200 → "92.5012" (as many decimals as it has, at least two). */
export function formatRate(micro: number): string {
  const whole = Math.floor(micro / RATE_SCALE);
  const fraction = String(micro % RATE_SCALE)
    .padStart(6, '0')
    .replace(/0{1,4}$/, '');
  return `${whole}.${fraction}`;
}

/** Kopecks for `amount` minor units (cents) of a currency at `rateMicro`, half up, in exact integers. */
export function toKopecks(amount: number, rateMicro: number): number {
  const product = BigInt(amount) * BigInt(rateMicro);
  return Number((product + BigInt(RATE_SCALE / 2)) / BigInt(RATE_SCALE));
}

export interface RateInput {
  readonly currency: string;
  readonly rateMicro: number;
  /** YYYY-MM-DD; today (Moscow) when absent. */
  readonly date?: string;
}

/** "USD = 92.50" (config.yml's catalog.currency_rates) → a rate; the problem in words otherwise. */
export function parseRateItem(item: string): RateInput | string {
  const eq = item.indexOf('=');
  if (eq <= 0) return `must look like "USD = 92.50", got "${item.slice(0, 60)}"`;
  const currency = normalizeCurrency(item.slice(0, eq));
  if (currency === null || currency === ROUBLE) return `"${item.slice(0, eq).trim()}" is not a foreign currency`;
  const rateMicro = parseRate(item.slice(eq + 1));
  if (rateMicro === null)
    return `"${item
      .slice(eq + 1)
      .trim()
      .slice(0, 30)}" is not a rate (roubles for one ${currency}, e.g. 92.50)`;
  return { currency, rateMicro };
}
