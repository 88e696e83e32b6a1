import { describe, expect, it } from 'vitest';
import { normalizeBarcode, normalizeSku } from '../src/catalog/sku.js';
import { canOrder, stockLevel } from '../src/catalog/stock-display.js';

describe('stockLevel', () => {
  it.each([
    // [mode, quantity, level]
    ['exact', 37, { kind: 'exact', quantity: 37 }],
    ['exact', 12.5, { kind: 'exact', quantity: 12.5 }],
    ['exact', 0.001, { kind: 'exact', quantity: 0.001 }],
    ['exact', 0, { kind: 'none' }],
    ['exact', -3, { kind: 'none' }],
    ['ranges', 1000, { kind: 'many' }],
    ['ranges', 10, { kind: 'many' }],
    ['ranges', 9.999, { kind: 'few' }],
    ['ranges', 9, { kind: 'few' }],
    ['ranges', 0.5, { kind: 'few' }],
    ['ranges', 0, { kind: 'none' }],
    ['ranges', -1, { kind: 'none' }],
    ['yes_no', 1000, { kind: 'yes' }],
    ['yes_no', 0.001, { kind: 'yes' }],
    ['yes_no', 0, { kind: 'no' }],
    ['yes_no', -5, { kind: 'no' }],
  ] as const)('%s: %j → %j', (stockDisplay, quantity, level) => {
    expect(stockLevel(quantity, { stockDisplay, stockFewBelow: 10 })).toEqual(level);
  });

  it('uses the configured threshold for "few"', () => {
    expect(stockLevel(1, { stockDisplay: 'ranges', stockFewBelow: 1 })).toEqual({ kind: 'many' });
    expect(stockLevel(499, { stockDisplay: 'ranges', stockFewBelow: 500 })).toEqual({ kind: 'few' });
  });

  it('rejects NaN', () => {
    expect(() => stockLevel(Number.NaN, { stockDisplay: 'exact', stockFewBelow: 10 })).toThrow(RangeError);
  });
});

describe('canOrder', () => {
  it.each([
    // [requested, inStock, allowBackorder, result]
    [5, 10, false, true],
    [10, 10, false, true],
    [11, 10, false, false],
    [11, 10, true, true],
    [1, 0, false, false],
    [1, 0, true, true],
    [1, -5, false, false],
    [1, -5, true, true],
    [0.5, 0.5, false, true],
    [0.501, 0.5, false, false],
    [0.3, 0.1 + 0.2, false, true],
    [0.1 + 0.2, 0.3, false, true],
    [0, 10, false, false],
    [0, 10, true, false],
    [-1, 10, true, false],
    [Number.NaN, 10, true, false],
    [1, Number.NaN, false, false],
  ])('%j of %j (backorder %j) → %j', (requested, inStock, allowBackorder, result) => {
    expect(canOrder(requested, inStock, allowBackorder)).toBe(result);
  });
});

describe('normalizeSku', () => {
  it.each([
    ['A-100', 'a100'],
    ['А-100', 'a100'], // Cyrillic А
    ['а100', 'a100'],
    [' a 100 ', 'a100'],
    ['ABC 123.45/6_7', 'abc1234567'],
    ['AB\\12', 'ab12'],
    ['ТХ—500', 'tx500'], // Cyrillic Т Х, em dash
    ['KM–10', 'km10'], // en dash
    ['KM‑10', 'km10'], // non-breaking hyphen
    ['KM−10', 'km10'], // minus sign
    ['KM\u00a010', 'km10'], // no-break space
    ['ВЕКМНОРСТХУ', 'bekmhopctxy'],
    ['векмнорстху', 'bekmhopctxy'],
    ['Ё-12', 'e12'],
    ['ё12', 'e12'],
    ['ＡＢＣ－１', 'abc1'], // full-width
    ['Бг-Л', 'бгл'], // Cyrillic letters without a Latin twin stay
    ['', ''],
  ])('%j → %j', (sku, normalized) => {
    expect(normalizeSku(sku)).toBe(normalized);
  });

  it('makes a Cyrillic-typed SKU match the Latin one', () => {
    expect(normalizeSku('НР-С 12/5')).toBe(normalizeSku('HP-C12.5'));
    expect(normalizeSku('ОКТ_700')).toBe(normalizeSku('okt-700'));
  });
});

describe('normalizeBarcode', () => {
  it.each([
    ['4600000123456', '4600000123456'],
    ['4 600000 123456', '4600000123456'],
    ['4600000-123456', '4600000123456'],
    [' EAN: 4600000123456\n', '4600000123456'],
    ['４６００', '4600'],
    ['abc', ''],
    ['', ''],
  ])('%j → %j', (code, normalized) => {
    expect(normalizeBarcode(code)).toBe(normalized);
  });
});
