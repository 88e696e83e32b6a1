import { describe, expect, it } from 'vitest';
import { type QuantityRule, checkQuantity, roundUpToRule, toThousandths } from '../src/catalog/quantity.js';

const PIECES: QuantityRule = { precision: 0, minQty: 0, multiple: 0 };
/** Pieces, at least 10, in packs of 5. */
const PACKS: QuantityRule = { precision: 0, minQty: 10, multiple: 5 };
/** Pieces, at least 7, in packs of 5: the minimum is not itself a multiple. */
const ODD_MIN: QuantityRule = { precision: 0, minQty: 7, multiple: 5 };
/** Cable by the metre, cut in half metres. */
const METRES: QuantityRule = { precision: 1, minQty: 0, multiple: 0.5 };
/** Kilograms, at least 1 kg, in 250 g steps. */
const KG: QuantityRule = { precision: 3, minQty: 1, multiple: 0.25 };
const GRAMS: QuantityRule = { precision: 3, minQty: 0, multiple: 0 };

describe('checkQuantity', () => {
  it.each([
    // [input, rule, quantity]
    ['5', PIECES, 5],
    [5, PIECES, 5],
    ['+4', PIECES, 4],
    [' 7 ', PIECES, 7],
    ['1 000', PIECES, 1000],
    ['1\u00a0000', PIECES, 1000],
    ['1\u202f000', PIECES, 1000],
    ['123 456 789', PIECES, 123456789],
    ['007', PIECES, 7],
    ['3.000', PIECES, 3],
    ['3,', PIECES, 3],
    ['10', PACKS, 10],
    ['15', PACKS, 15],
    ['1000', PACKS, 1000],
    ['10', ODD_MIN, 10],
    ['0.5', METRES, 0.5],
    ['0,5', METRES, 0.5],
    ['.5', METRES, 0.5],
    ['1,5', METRES, 1.5],
    ['1.50', METRES, 1.5],
    ['12', METRES, 12],
    ['1', KG, 1],
    ['1.25', KG, 1.25],
    ['1,750', KG, 1.75],
    ['0,001', GRAMS, 0.001],
    ['1.234', GRAMS, 1.234],
    [0.1 + 0.2, { precision: 1, minQty: 0, multiple: 0.1 }, 0.3],
  ] as const)('%j is a valid quantity (%j)', (input, rule, quantity) => {
    expect(checkQuantity(input, rule)).toEqual({ ok: true, quantity });
  });

  it.each([
    // [input, rule, problem, suggestion]
    ['1,5', PIECES, 'too_precise', 2],
    ['1.5', PIECES, 'too_precise', 2],
    [1.5, PIECES, 'too_precise', 2],
    ['2.01', PIECES, 'too_precise', 3],
    ['0', PIECES, 'not_positive', 1],
    ['0.0', PIECES, 'not_positive', 1],
    ['-0', PIECES, 'not_positive', 1],
    ['-3', PIECES, 'not_positive', 1],
    [-3, PIECES, 'not_positive', 1],
    ['3', PACKS, 'below_minimum', 10],
    ['9', PACKS, 'below_minimum', 10],
    ['12', PACKS, 'not_multiple', 15],
    ['16', PACKS, 'not_multiple', 20],
    ['12.5', PACKS, 'too_precise', 15],
    ['0', PACKS, 'not_positive', 10],
    ['5', ODD_MIN, 'below_minimum', 10],
    ['7', ODD_MIN, 'not_multiple', 10],
    ['1.2', METRES, 'not_multiple', 1.5],
    ['0.1', METRES, 'not_multiple', 0.5],
    ['0.25', METRES, 'too_precise', 0.5],
    ['2.55', METRES, 'too_precise', 3],
    ['0', METRES, 'not_positive', 0.5],
    ['0.75', KG, 'below_minimum', 1],
    ['0.5', KG, 'below_minimum', 1],
    ['1.3', KG, 'not_multiple', 1.5],
    ['1.2345', KG, 'too_precise', 1.25],
    ['1.2345', GRAMS, 'too_precise', 1.235],
    [1.2345, GRAMS, 'too_precise', 1.235],
    ['0.0001', GRAMS, 'too_precise', 0.001],
    ['1.005', { precision: 2, minQty: 0, multiple: 0 }, 'too_precise', 1.01],
    // A pack of 0.5 for a unit counted in whole pieces: only whole numbers fit both rules.
    ['0.5', { precision: 0, minQty: 0, multiple: 0.5 }, 'too_precise', 1],
  ] as const)('%j → %s, suggesting %j (%j)', (input, rule, problem, suggestion) => {
    expect(checkQuantity(input, rule)).toEqual({ ok: false, problem, suggestion });
  });

  it.each([
    '',
    '   ',
    '.',
    '-',
    'abc',
    'пять',
    '1e3',
    '0x10',
    '1,5,0',
    '1.000.000',
    '1,000.5',
    '5 pcs',
    '1/2',
    '12345678901234567',
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ])('%j is not a number', (input) => {
    expect(checkQuantity(input, PIECES)).toEqual({ ok: false, problem: 'not_a_number' });
  });

  it('reads minimum and multiple stored as REAL without float surprises', () => {
    const rule = { precision: 1, minQty: 0.3, multiple: 0.1 };
    expect(checkQuantity('0.3', rule)).toEqual({ ok: true, quantity: 0.3 });
    expect(checkQuantity('0.7', rule)).toEqual({ ok: true, quantity: 0.7 });
    expect(checkQuantity('0.2', rule)).toEqual({ ok: false, problem: 'below_minimum', suggestion: 0.3 });
  });

  it('treats a negative minimum or multiple from accounting as no rule', () => {
    expect(checkQuantity('3', { precision: 0, minQty: -1, multiple: -5 })).toEqual({ ok: true, quantity: 3 });
  });

  it('rejects an impossible unit precision', () => {
    expect(() => checkQuantity('1', { precision: 4, minQty: 0, multiple: 0 })).toThrow(RangeError);
    expect(() => checkQuantity('1', { precision: 1.5, minQty: 0, multiple: 0 })).toThrow(RangeError);
    expect(() => checkQuantity('1', { precision: 0, minQty: Number.NaN, multiple: 0 })).toThrow(RangeError);
  });

  it('every suggestion is itself valid', () => {
    const rules = [PIECES, PACKS, ODD_MIN, METRES, KG, GRAMS, { precision: 2, minQty: 0.07, multiple: 0.15 }];
    const inputs = ['0', '-1', '0.0001', '0.3', '1', '1.2345', '2.55', '7', '12', '12.5', '99.999'];
    for (const rule of rules) {
      for (const input of inputs) {
        const result = checkQuantity(input, rule);
        if (result.ok) continue;
        expect(result.suggestion, `${input} ${JSON.stringify(rule)}`).toBeDefined();
        expect(checkQuantity(result.suggestion as number, rule), `${input} ${JSON.stringify(rule)}`).toEqual({
          ok: true,
          quantity: result.suggestion,
        });
      }
    }
  });
});

describe('roundUpToRule', () => {
  it.each([
    // [quantity, rule, rounded]
    [12, PACKS, 15],
    [3, PACKS, 10],
    [15, PACKS, 15],
    [7, ODD_MIN, 10],
    [11, ODD_MIN, 15],
    [1.5, PIECES, 2],
    [4, PIECES, 4],
    [0, PIECES, 1],
    [-2, PACKS, 10],
    [0.3, METRES, 0.5],
    [1.5, METRES, 1.5],
    [1.2345, GRAMS, 1.235],
    [1.3, KG, 1.5],
    [0.1 + 0.2, { precision: 1, minQty: 0, multiple: 0.1 }, 0.3],
    [1_000_001, { precision: 0, minQty: 0, multiple: 12 }, 1_000_008],
  ] as const)('%j → %j (%j)', (quantity, rule, rounded) => {
    expect(roundUpToRule(quantity, rule)).toBe(rounded);
  });

  it('throws for a quantity that is not a finite number', () => {
    expect(() => roundUpToRule(Number.NaN, PIECES)).toThrow(RangeError);
    expect(() => roundUpToRule(Number.POSITIVE_INFINITY, PIECES)).toThrow(RangeError);
  });
});

describe('toThousandths', () => {
  it.each([
    [0, 0],
    [1, 1000],
    [0.5, 500],
    [0.1 + 0.2, 300],
    [1.001, 1001],
    [123456789.123, 123456789123],
    [-2.5, -2500],
  ])('%j → %j', (n, milli) => {
    expect(toThousandths(n)).toBe(milli);
  });

  it.each([1.2345, 0.0001, Number.NaN, Number.POSITIVE_INFINITY, 1e16])('%j → null', (n) => {
    expect(toThousandths(n)).toBeNull();
  });
});
