import { describe, expect, it } from 'vitest';
import { type QuoteItem, type QuoteTerms, quote, unitPriceFor } from '../src/pricing/quote.js';

const NO_DISCOUNT: QuoteTerms = { priceTypeId: 1, discountBp: 0 };
const INCL = { pricesIncludeVat: true };
const EXCL = { pricesIncludeVat: false };

function item(over: Partial<QuoteItem> = {}): QuoteItem {
  return { productId: 1, quantity: 1, basePrice: 10000, specialPrice: null, vatBp: 2000, ...over };
}

/** The one line of a one-item quote. */
function line(terms: QuoteTerms, over: Partial<QuoteItem>, options = INCL) {
  const [only, ...rest] = quote(terms, [item(over)], options).lines;
  if (!only || rest.length > 0) throw new Error('expected exactly one line');
  return only;
}

describe('unitPriceFor: list price, company discount, special price', () => {
  it.each([
    // [case, discountBp, basePrice, specialPrice, unitPrice, discount applied, source]
    ['no discount', 0, 10000, null, 10000, 0, 'price_type'],
    ['2.5 % off 123.45 ₽: 12036.375 → 12036', 250, 12345, null, 12036, 250, 'price_type'],
    ['10 % off 999.99 ₽: 89999.1 → 89999', 1000, 99999, null, 89999, 1000, 'price_type'],
    ['half a kopeck rounds up: 1.00 ₽ less 0.5 % = 99.5 → 100', 50, 100, null, 100, 50, 'price_type'],
    ['half a kopeck rounds up: 0.01 ₽ less 50 % = 0.5 → 1', 5000, 1, null, 1, 5000, 'price_type'],
    ['half a kopeck rounds up: 1.01 ₽ less 50 % = 50.5 → 51', 5000, 101, null, 51, 5000, 'price_type'],
    ['just under half rounds down: 0.33 ₽ less 15 % = 28.05 → 28', 1500, 33, null, 28, 1500, 'price_type'],
    ['100 % discount is free', 10000, 12345, null, 0, 10000, 'price_type'],
    ['a zero price is free, not on request', 250, 0, null, 0, 250, 'price_type'],
    ['special price wins, no discount on top', 1000, 10000, 9000, 9000, 0, 'special'],
    ['special price wins even when higher than the list price', 1000, 10000, 11000, 11000, 0, 'special'],
    ['special price without a list price', 1000, null, 7500, 7500, 0, 'special'],
    ['a zero special price is free', 1000, 10000, 0, 0, 0, 'special'],
    ['no price at all: on request', 1000, null, null, null, 0, 'none'],
  ] as const)('%s', (_, discountBp, basePrice, specialPrice, unitPrice, applied, source) => {
    expect(unitPriceFor({ priceTypeId: 1, discountBp }, basePrice, specialPrice)).toEqual({
      listPrice: basePrice,
      unitPrice,
      discountBp: applied,
      source,
    });
  });

  it('agrees with quote() line by line', () => {
    const terms = { priceTypeId: 2, discountBp: 375 };
    const prices: [number | null, number | null][] = [
      [12345, null],
      [1, null],
      [99999999, null],
      [0, null],
      [5000, 4000],
      [null, 100],
      [null, null],
    ];
    const items = prices.map(([basePrice, specialPrice], i) => item({ productId: i, basePrice, specialPrice }));
    const { lines } = quote(terms, items, INCL);
    for (const [i, [basePrice, specialPrice]] of prices.entries()) {
      const { listPrice, unitPrice, discountBp, source } = lines[i] ?? {};
      expect({ listPrice, unitPrice, discountBp, source }).toEqual(unitPriceFor(terms, basePrice, specialPrice));
    }
  });
});

describe('quote: line totals', () => {
  it.each([
    // [case, discountBp, basePrice, quantity, lineTotal]
    ['whole quantity', 0, 10000, 3, 30000],
    ['0.5 m × 123.45 ₽ = 61.725 ₽ → 61.73 ₽', 0, 12345, 0.5, 6173],
    ['1.25 kg × 99.99 ₽ = 124.9875 ₽ → 124.99 ₽', 0, 9999, 1.25, 12499],
    ['0.333 × 1.00 ₽ = 33.3 → 33', 0, 100, 0.333, 33],
    ['0.1 + 0.2 m × 10.00 ₽ is exactly 3.00 ₽', 0, 1000, 0.1 + 0.2, 300],
    ['the unit price is rounded first: 3.33 ₽ less 10 % = 3.00 ₽, × 3 = 9.00 ₽ (not 8.99 ₽)', 1000, 333, 3, 900],
    ['zero quantity', 0, 10000, 0, 0],
    ['1 000 000 pcs × 9 999.99 ₽', 0, 999999, 1_000_000, 999_999_000_000],
    ['12 345.678 kg × 1 234 567.89 ₽, exact beyond float precision', 0, 123456789, 12345.678, 1_524_157_763_908],
  ] as const)('%s', (_, discountBp, basePrice, quantity, lineTotal) => {
    expect(line({ priceTypeId: 1, discountBp }, { basePrice, quantity }).lineTotal).toBe(lineTotal);
  });

  it('keeps the item fields and the order of items', () => {
    const result = quote(
      NO_DISCOUNT,
      [item({ productId: 7, quantity: 2, vatBp: null }), item({ productId: 3, quantity: 0.5, basePrice: 12345, vatBp: 1000 })],
      INCL,
    );
    expect(result.lines).toEqual([
      {
        productId: 7,
        quantity: 2,
        listPrice: 10000,
        unitPrice: 10000,
        discountBp: 0,
        lineTotal: 20000,
        vatBp: null,
        vatAmount: 0,
        source: 'price_type',
      },
      {
        productId: 3,
        quantity: 0.5,
        listPrice: 12345,
        unitPrice: 12345,
        discountBp: 0,
        lineTotal: 6173,
        vatBp: 1000,
        vatAmount: 561, // 6173 × 10/110 = 561.18
        source: 'price_type',
      },
    ]);
  });
});

describe('quote: VAT', () => {
  it.each([
    // [case, pricesIncludeVat, basePrice, vatBp, vatAmount]
    ['20 % inside 300.00 ₽ is 50.00 ₽', true, 30000, 2000, 5000],
    ['20 % inside 123.45 ₽: 20.575 → 20.58 ₽', true, 12345, 2000, 2058],
    ['10 % inside 100.00 ₽: 9.0909 → 9.09 ₽', true, 10000, 1000, 909],
    ['20 % on top of 300.00 ₽ is 60.00 ₽', false, 30000, 2000, 6000],
    ['10 % on top of 123.45 ₽: 12.345 → 12.35 ₽', false, 12345, 1000, 1235],
    ['VAT 0 % (export) is 0', true, 10000, 0, 0],
    ['not subject to VAT (null) is 0, included', true, 10000, null, 0],
    ['not subject to VAT (null) is 0, excluded', false, 10000, null, 0],
  ] as const)('%s', (_, pricesIncludeVat, basePrice, vatBp, vatAmount) => {
    expect(line(NO_DISCOUNT, { basePrice, vatBp }, { pricesIncludeVat }).vatAmount).toBe(vatAmount);
  });

  it('with prices including VAT the total is the subtotal', () => {
    const result = quote(NO_DISCOUNT, [item({ basePrice: 12000, quantity: 2 })], INCL);
    expect(result).toMatchObject({ subtotal: 24000, vatTotal: 4000, total: 24000 });
  });

  it('with prices excluding VAT the total is subtotal + VAT', () => {
    const result = quote(NO_DISCOUNT, [item({ basePrice: 10000, quantity: 2 }), item({ basePrice: 5000, vatBp: null })], EXCL);
    expect(result).toMatchObject({ subtotal: 25000, vatTotal: 4000, total: 29000 });
  });
});

describe('quote: totals', () => {
  it('sums the rounded line values, as an invoice does', () => {
    // Each line: 20 % inside 123.45 ₽ = 20.575 → 20.58 ₽. Two lines: 41.16 ₽ (not round(41.15) of the sum).
    const result = quote(NO_DISCOUNT, [item({ basePrice: 12345 }), item({ productId: 2, basePrice: 12345 })], INCL);
    expect(result.vatTotal).toBe(4116);
    // Line totals: 0.5 × 1.01 ₽ = 0.505 → 0.51 ₽ twice: 1.02 ₽ (not 1.01 ₽).
    const halves = quote(NO_DISCOUNT, [item({ basePrice: 101, quantity: 0.5 }), item({ basePrice: 101, quantity: 0.5 })], INCL);
    expect(halves.subtotal).toBe(102);
  });

  it('reports what the company discount saved', () => {
    // 2 × 123.45 ₽ less 2.5 %: unit 120.36 ₽, line 240.72 ₽; list 246.90 ₽; saved 6.18 ₽.
    const result = quote({ priceTypeId: 1, discountBp: 250 }, [item({ basePrice: 12345, quantity: 2, vatBp: null })], INCL);
    expect(result).toEqual({
      lines: [expect.objectContaining({ unitPrice: 12036, lineTotal: 24072, discountBp: 250 })],
      subtotal: 24072,
      discountTotal: 618,
      vatTotal: 0,
      total: 24072,
      hasPriceOnRequest: false,
    });
  });

  it('counts no discount for special prices, even below the list price', () => {
    const result = quote({ priceTypeId: 1, discountBp: 1000 }, [item({ basePrice: 10000, specialPrice: 8000 })], INCL);
    expect(result).toMatchObject({ subtotal: 8000, discountTotal: 0, total: 8000 });
  });

  it('leaves lines without a price out of the totals and flags them', () => {
    const result = quote(
      { priceTypeId: 1, discountBp: 500 },
      [item({ basePrice: 20000, quantity: 2 }), item({ productId: 2, basePrice: null, quantity: 5 })],
      EXCL,
    );
    expect(result.lines[1]).toEqual({
      productId: 2,
      quantity: 5,
      listPrice: null,
      unitPrice: null,
      discountBp: 0,
      lineTotal: null,
      vatBp: 2000,
      vatAmount: null,
      source: 'none',
    });
    expect(result).toMatchObject({
      subtotal: 38000,
      discountTotal: 2000,
      vatTotal: 7600,
      total: 45600,
      hasPriceOnRequest: true,
    });
  });

  it('free goods are priced, not on request', () => {
    const result = quote(NO_DISCOUNT, [item({ basePrice: 0, quantity: 3 })], INCL);
    expect(result).toMatchObject({ subtotal: 0, vatTotal: 0, total: 0, hasPriceOnRequest: false });
    expect(result.lines[0]).toMatchObject({ unitPrice: 0, lineTotal: 0, vatAmount: 0, source: 'price_type' });
  });

  it('an empty cart is all zeros', () => {
    expect(quote(NO_DISCOUNT, [], INCL)).toEqual({
      lines: [],
      subtotal: 0,
      discountTotal: 0,
      vatTotal: 0,
      total: 0,
      hasPriceOnRequest: false,
    });
  });

  it('adds large orders exactly', () => {
    const items = Array.from({ length: 100 }, (_, i) => item({ productId: i, basePrice: 5_000_000, quantity: 1_000_000 }));
    const result = quote(NO_DISCOUNT, items, EXCL);
    expect(result.subtotal).toBe(500_000_000_000_000); // 5 trillion ₽
    expect(result.total).toBe(600_000_000_000_000);
  });
});

describe('quote: bad input throws RangeError', () => {
  it.each([
    ['negative quantity', NO_DISCOUNT, { quantity: -1 }],
    ['NaN quantity', NO_DISCOUNT, { quantity: Number.NaN }],
    ['infinite quantity', NO_DISCOUNT, { quantity: Number.POSITIVE_INFINITY }],
    ['quantity with a fourth decimal', NO_DISCOUNT, { quantity: 1.2345 }],
    ['quantity too large to count', NO_DISCOUNT, { quantity: 1e16 }],
    ['fractional kopecks', NO_DISCOUNT, { basePrice: 100.5 }],
    ['fractional special price', NO_DISCOUNT, { specialPrice: 99.9 }],
    ['negative price', NO_DISCOUNT, { basePrice: -100 }],
    ['NaN price', NO_DISCOUNT, { basePrice: Number.NaN }],
    ['negative VAT', NO_DISCOUNT, { vatBp: -2000 }],
    ['fractional discount', { priceTypeId: 1, discountBp: 2.5 }, {}],
    ['discount over 100 %', { priceTypeId: 1, discountBp: 10001 }, {}],
    ['negative discount', { priceTypeId: 1, discountBp: -100 }, {}],
  ] as const)('%s', (_, terms, over) => {
    expect(() => quote(terms, [item(over)], INCL)).toThrow(RangeError);
  });

  it('an amount beyond exact integers', () => {
    expect(() => quote(NO_DISCOUNT, [item({ basePrice: 9_000_000_000_000, quantity: 10_000 })], INCL)).toThrow(
      /amount too large/,
    );
  });

  it('unitPriceFor checks its input too', () => {
    expect(() => unitPriceFor(NO_DISCOUNT, 10.5, null)).toThrow(RangeError);
    expect(() => unitPriceFor({ priceTypeId: null, discountBp: -1 }, 100, null)).toThrow(RangeError);
  });
});
