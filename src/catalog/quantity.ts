/**
 * The one quantity rule: every place that accepts a quantity (catalog, cart, quick order,
 * order editing, API) checks it here, so they can never disagree.
 *
 * A quantity is valid when it is
 *   - a number (text may use "," or "." as the decimal separator and spaces between digits),
 *   - greater than zero,
 *   - no more precise than the unit allows (precision = decimal places, 0 for pieces, up to 3),
 *   - at least the product's minimum (min_qty; 0 = no minimum),
 *   - a whole multiple of the product's pack size (multiple; 0 = any quantity).
 *     "Multiple" is absolute: with multiple 5, valid quantities are 5, 10, 15…, also when min is 7.
 *
 * Nothing is ever changed silently: a problem comes back with a suggestion, the nearest valid
 * quantity rounding UP, and the caller shows both. All arithmetic is in integer thousandths of
 * a unit, so fractional packs (0.5 m, 0.25 kg) are exact and 0.1 + 0.2 is 0.3.
 */

export interface QuantityRule {
  /** Decimal places allowed, 0–3 (units.precision). */
  readonly precision: number;
  /** Smallest quantity that may be ordered, in the product's unit; 0 = no minimum. */
  readonly minQty: number;
  /** Quantities must be whole multiples of this; 0 = no rule. */
  readonly multiple: number;
}

export type QuantityProblem = 'not_a_number' | 'not_positive' | 'too_precise' | 'below_minimum' | 'not_multiple';

export type QuantityCheck =
  | { readonly ok: true; readonly quantity: number }
  | { readonly ok: false; readonly problem: QuantityProblem; readonly suggestion?: number };

/** Thousandths per unit: the finest precision (3 decimal places) any unit may have. */
export const MILLI = 1000;

/**
 * `n` in whole thousandths, absorbing binary floating-point noise (0.1 + 0.2 → 300), or null
 * when `n` is not finite or really has a fourth decimal place (1.2345) or is too large to count
 * exactly in thousandths.
 */
export function toThousandths(n: number): number | null {
  if (!Number.isFinite(n)) return null;
  const milli = Math.round(n * MILLI);
  if (!Number.isSafeInteger(milli)) return null;
  // milli / 1000 is the double nearest to the decimal; noise is a few ulps away from it.
  return Math.abs(n - milli / MILLI) <= 4 * Number.EPSILON * Math.abs(n) ? milli : null;
}

/** Checks `input` (as typed, or a number) against the rule; see the comment at the top. */
export function checkQuantity(input: string | number, rule: QuantityRule): QuantityCheck {
  const r = normalizeRule(rule);
  const parsed = parseQuantity(input);
  if (parsed === null) return { ok: false, problem: 'not_a_number' };
  if (parsed.negative || (parsed.milli === 0 && !parsed.inexact)) {
    return problem('not_positive', smallestValidAtLeast(0, r));
  }
  const up = parsed.milli + (parsed.inexact ? 1 : 0);
  if (parsed.inexact || parsed.milli % r.precisionStep !== 0) return problem('too_precise', smallestValidAtLeast(up, r));
  if (parsed.milli < r.minMilli) return problem('below_minimum', smallestValidAtLeast(up, r));
  if (r.multipleMilli > 0 && parsed.milli % r.multipleMilli !== 0) {
    return problem('not_multiple', smallestValidAtLeast(up, r));
  }
  return { ok: true, quantity: parsed.milli / MILLI };
}

/**
 * The smallest valid quantity that is at least `quantity` (so a valid quantity comes back
 * unchanged); for quick order's "rounded up to the pack" report. Zero or less gives the smallest
 * quantity that can be ordered at all. Throws RangeError for a non-finite quantity.
 */
export function roundUpToRule(quantity: number, rule: QuantityRule): number {
  if (!Number.isFinite(quantity)) throw new RangeError(`quantity must be a finite number, got ${quantity}`);
  const r = normalizeRule(rule);
  if (quantity <= 0) return smallestValidAtLeast(0, r) / MILLI;
  const exact = toThousandths(quantity);
  const milli = exact ?? Math.ceil(quantity * MILLI);
  if (!Number.isSafeInteger(milli)) throw new RangeError(`quantity is too large: ${quantity}`);
  return smallestValidAtLeast(milli, r) / MILLI;
}

function problem(kind: QuantityProblem, suggestionMilli: number): QuantityCheck {
  return Number.isSafeInteger(suggestionMilli)
    ? { ok: false, problem: kind, suggestion: suggestionMilli / MILLI }
    : { ok: false, problem: kind };
}

// ---------------------------------------------------------------------------------------------

interface MilliRule {
  /** Thousandths per step of the unit's precision: 1000 for pieces, 1 for 3 decimals. */
  readonly precisionStep: number;
  readonly minMilli: number;
  readonly multipleMilli: number;
  /** Every valid quantity is a multiple of this: lcm(precisionStep, multipleMilli). */
  readonly step: number;
}

/**
 * The rule in thousandths. Precision must be an integer 0–3 (the database guarantees it).
 * Minimum and multiple come from accounting as REAL: a negative one means "no rule" like 0, and
 * one with a fourth decimal is rounded up to thousandths (never below what accounting asked for).
 */
function normalizeRule(rule: QuantityRule): MilliRule {
  const { precision, minQty, multiple } = rule;
  if (!Number.isInteger(precision) || precision < 0 || precision > 3) {
    throw new RangeError(`unit precision must be an integer 0–3, got ${precision}`);
  }
  if (!Number.isFinite(minQty) || !Number.isFinite(multiple)) {
    throw new RangeError(`min_qty and multiple must be finite numbers, got ${minQty} and ${multiple}`);
  }
  const precisionStep = 10 ** (3 - precision);
  const minMilli = ruleMilli(minQty);
  const multipleMilli = ruleMilli(multiple);
  const step = multipleMilli > 0 ? lcm(precisionStep, multipleMilli) : precisionStep;
  return { precisionStep, minMilli, multipleMilli, step };
}

function ruleMilli(value: number): number {
  if (value <= 0) return 0;
  return toThousandths(value) ?? Math.ceil(value * MILLI);
}

/** Smallest valid quantity, in thousandths, that is ≥ `milli` (and > 0). */
function smallestValidAtLeast(milli: number, r: MilliRule): number {
  const floor = Math.max(milli, r.minMilli, 1);
  return Math.ceil(floor / r.step) * r.step;
}

function gcd(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/**
 * A quantity as thousandths rounded toward zero, plus whether digits were cut off (`inexact`).
 * Null when it is not a plain decimal number or is too large to count in thousandths.
 */
interface ParsedQuantity {
  readonly negative: boolean;
  readonly milli: number;
  readonly inexact: boolean;
}

/** Spaces people put between digits: plain, no-break, narrow no-break, thin, figure. */
const DIGIT_SPACES = /[\s\u00a0\u2007\u2009\u202f]/g;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?$/;
/** Beyond this many integer digits a quantity cannot be counted exactly in thousandths. */
const MAX_INT_DIGITS = 12;

function parseQuantity(input: string | number): ParsedQuantity | null {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return null;
    const milli = toThousandths(input);
    if (milli !== null) return { negative: milli < 0, milli: Math.abs(milli), inexact: false };
    // A real fourth decimal (or more): read the double's decimal expansion.
    return parseDecimal(input.toFixed(20));
  }
  return parseDecimal(input.replace(DIGIT_SPACES, '').replace(',', '.'));
}

function parseDecimal(text: string): ParsedQuantity | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, sign = '', intDigits = '', fracDigits = ''] = match;
  if (intDigits === '' && fracDigits === '') return null; // "", ".", "-"
  const significant = intDigits.replace(/^0+/, '');
  if (significant.length > MAX_INT_DIGITS) return null;
  const milli = Number(significant || '0') * MILLI + Number(fracDigits.slice(0, 3).padEnd(3, '0'));
  const inexact = /[1-9]/.test(fracDigits.slice(3));
  return { negative: sign === '-' && (milli > 0 || inexact), milli, inexact };
}
