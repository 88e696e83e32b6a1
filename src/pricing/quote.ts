/**
 * The one price calculation. Catalog pages, the cart, orders, the API and PDFs all call
 * quote() (or unitPriceFor() for a single listed price), so no two of them can disagree.
 * Pure: the caller loads the prices; nothing here touches the database.
 *
 * Money is integer kopecks. Rounding happens here and only here, always half-up
 * (0.5 kopeck → 1 kopeck), in exact integer arithmetic.
 *
 * Rules:
 *  1. Unit price. A special price (per company and product) wins and is final: no discount on top.
 *     Otherwise the unit price is the list price (the company's price type) less the company
 *     discount: round(listPrice × (10000 − discountBp) / 10000). A price of 0 is a real price
 *     (free), not "on request".
 *  2. No price at all (neither special nor list) is "price on request": unitPrice, lineTotal and
 *     vatAmount are null, the line counts in no total, and hasPriceOnRequest is true.
 *  3. Line total = round(unitPrice × quantity). The UNIT price is rounded first, so the printed
 *     unit price × quantity is what the buyer pays. Quantities may be fractional (0.5 m, 1.25 kg):
 *     they are counted in thousandths (float noise such as 0.1 + 0.2 is absorbed), so the product
 *     is exact; a quantity with a real fourth decimal place is a bug upstream and throws.
 *  4. VAT per line, rate = vatBp (2000 = 20 %; null = not subject to VAT, amount 0).
 *     Prices include VAT (the usual case): vatAmount = round(lineTotal × rate / (10000 + rate)),
 *     the VAT inside the price, and total = subtotal.
 *     Prices exclude VAT: vatAmount = round(lineTotal × rate / 10000), and total = subtotal + VAT.
 *  5. Totals are sums of the rounded line values, as on a Russian invoice:
 *     subtotal = Σ lineTotal; vatTotal = Σ vatAmount;
 *     discountTotal = Σ (round(listPrice × quantity) − lineTotal) over discounted lines, i.e. what
 *     the company discount saved (informational: it is already taken off subtotal).
 *  6. Bad input throws RangeError: a negative or non-finite quantity, a price that is not a
 *     non-negative whole number of kopecks, a discount outside 0–10000 bp, a negative VAT rate.
 *
 * `terms.priceTypeId` is the price type that basePrice was loaded for; it does not enter the
 * arithmetic (the caller resolves which price applies, including any default price type).
 */
import { toThousandths } from '../catalog/quantity.js';

export interface QuoteTerms {
  /** The company's price type; basePrice values must be prices of this type. */
  readonly priceTypeId: number | null;
  /** Company discount in basis points, 0–10000 (250 = 2.5 %). */
  readonly discountBp: number;
}

export interface QuoteItem {
  readonly productId: number;
  /** In the product's unit; may be fractional. */
  readonly quantity: number;
  /** Kopecks for the company's price type; null = no price. */
  readonly basePrice: number | null;
  /** Kopecks, the company's special price for this product; null = none. */
  readonly specialPrice: number | null;
  /** VAT in basis points (2000 = 20 %); null = not subject to VAT. */
  readonly vatBp: number | null;
}

export interface QuoteOptions {
  /** catalog.prices_include_vat. */
  readonly pricesIncludeVat: boolean;
}

/** Where a unit price came from: the price type (less discount), a special price, or nowhere. */
export type PriceSource = 'price_type' | 'special' | 'none';

/** The price of one unit for a company, as shown on listing pages. */
export interface UnitPrice {
  /** The price type's price before discount; null when there is none. */
  readonly listPrice: number | null;
  /** What the company pays per unit; null = price on request. */
  readonly unitPrice: number | null;
  /** The discount applied: the company's for a price-type price, 0 for special or no price. */
  readonly discountBp: number;
  readonly source: PriceSource;
}

export interface QuoteLine extends UnitPrice {
  readonly productId: number;
  readonly quantity: number;
  /** round(unitPrice × quantity); null = price on request. */
  readonly lineTotal: number | null;
  readonly vatBp: number | null;
  /** VAT of the line (inside or on top of lineTotal, per pricesIncludeVat); null = price on request. */
  readonly vatAmount: number | null;
}

export interface Quote {
  readonly lines: readonly QuoteLine[];
  /** Σ lineTotal of priced lines, after discounts. */
  readonly subtotal: number;
  /** What the company discount saved, already taken off subtotal. */
  readonly discountTotal: number;
  readonly vatTotal: number;
  /** What the buyer pays: subtotal, plus vatTotal when prices exclude VAT. */
  readonly total: number;
  /** Some line has no price: the totals cover only the priced lines. */
  readonly hasPriceOnRequest: boolean;
}

const BP = 10000n;

/** The unit price for one product: rule 1 above. Listing pages use this, quote() uses it too. */
export function unitPriceFor(terms: QuoteTerms, basePrice: number | null, specialPrice: number | null): UnitPrice {
  checkDiscount(terms.discountBp);
  checkPrice('basePrice', basePrice);
  checkPrice('specialPrice', specialPrice);
  if (specialPrice !== null) return { listPrice: basePrice, unitPrice: specialPrice, discountBp: 0, source: 'special' };
  if (basePrice === null) return { listPrice: null, unitPrice: null, discountBp: 0, source: 'none' };
  const unitPrice = discounted(basePrice, terms.discountBp);
  return { listPrice: basePrice, unitPrice, discountBp: terms.discountBp, source: 'price_type' };
}

/** Prices a list of items for a company: see the rules at the top. Lines keep the items' order. */
export function quote(terms: QuoteTerms, items: readonly QuoteItem[], options: QuoteOptions): Quote {
  let subtotal = 0n;
  let discountTotal = 0n;
  let vatTotal = 0n;
  let hasPriceOnRequest = false;

  const lines = items.map((item): QuoteLine => {
    const milli = quantityMilli(item.quantity);
    checkVat(item.vatBp);
    const price = unitPriceFor(terms, item.basePrice, item.specialPrice);
    if (price.unitPrice === null) {
      hasPriceOnRequest = true;
      return {
        productId: item.productId,
        quantity: item.quantity,
        ...price,
        lineTotal: null,
        vatBp: item.vatBp,
        vatAmount: null,
      };
    }
    const lineTotal = times(price.unitPrice, milli);
    const rate = BigInt(item.vatBp ?? 0);
    const vatAmount = options.pricesIncludeVat
      ? divRoundHalfUp(lineTotal * rate, BP + rate)
      : divRoundHalfUp(lineTotal * rate, BP);
    subtotal += lineTotal;
    vatTotal += vatAmount;
    if (price.source === 'price_type' && price.listPrice !== null) {
      discountTotal += times(price.listPrice, milli) - lineTotal;
    }
    return {
      productId: item.productId,
      quantity: item.quantity,
      ...price,
      lineTotal: toSafe(lineTotal),
      vatBp: item.vatBp,
      vatAmount: toSafe(vatAmount),
    };
  });

  return {
    lines,
    subtotal: toSafe(subtotal),
    discountTotal: toSafe(discountTotal),
    vatTotal: toSafe(vatTotal),
    total: toSafe(options.pricesIncludeVat ? subtotal : subtotal + vatTotal),
    hasPriceOnRequest,
  };
}

/**
 * round(price × quantity) by rule 3: what a line comes to at this price. Documents use it for the
 * list price before discount, so "price × quantity − discount = sum" holds to the kopeck on paper.
 */
export function lineAmount(price: number, quantity: number): number {
  checkPrice('price', price);
  return toSafe(times(price, quantityMilli(quantity)));
}

// ---------------------------------------------------------------------------------------------

/** round-half-up(kopecks × milli / 1000). */
function times(kopecks: number, milli: bigint): bigint {
  return divRoundHalfUp(BigInt(kopecks) * milli, 1000n);
}

/** n / d rounded half-up, for n ≥ 0 and d > 0. */
/**
 * round-half-up(price × (10000 − bp) / 10000). A catalog page prices hundreds of rows, so
 * ordinary prices take exact double arithmetic (every intermediate stays below 2^53, and % on
 * integers is exact); only absurd prices fall back to BigInt.
 */
function discounted(price: number, bp: number): number {
  if (bp === 0) return price;
  if (price < 400_000_000_000) {
    const n = 2 * price * (10_000 - bp) + 10_000;
    return (n - (n % 20_000)) / 20_000;
  }
  return toSafe(divRoundHalfUp(BigInt(price) * (BP - BigInt(bp)), BP));
}

function divRoundHalfUp(n: bigint, d: bigint): bigint {
  return (2n * n + d) / (2n * d);
}

function toSafe(n: bigint): number {
  const value = Number(n);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount too large: ${n} kopecks`);
  return value;
}

function quantityMilli(quantity: number): bigint {
  if (!Number.isFinite(quantity) || quantity < 0) {
    throw new RangeError(`quantity must be a non-negative finite number, got ${quantity}`);
  }
  if (quantity * 1000 > Number.MAX_SAFE_INTEGER) throw new RangeError(`quantity is too large: ${quantity}`);
  const milli = toThousandths(quantity);
  if (milli === null) throw new RangeError(`quantity has more than 3 decimal places: ${quantity}`);
  return BigInt(milli);
}

function checkPrice(name: string, price: number | null): void {
  if (price !== null && !(Number.isSafeInteger(price) && price >= 0)) {
    throw new RangeError(`${name} must be a non-negative whole number of kopecks, got ${price}`);
  }
}

function checkDiscount(bp: number): void {
  if (!Number.isInteger(bp) || bp < 0 || bp > 10000) {
    throw new RangeError(`discountBp must be an integer 0–10000, got ${bp}`);
  }
}

function checkVat(bp: number | null): void {
  if (bp !== null && !(Number.isInteger(bp) && bp >= 0 && bp <= 10000)) {
    throw new RangeError(`vatBp must be an integer 0–10000 or null, got ${bp}`);
  }
}
