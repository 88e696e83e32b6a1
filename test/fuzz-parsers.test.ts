/**
 * Every parser that reads text a person or another system typed gets pathological strings
 * (one character or short piece repeated tens of thousands of times between random ends: what
 * makes a backtracking pattern take seconds) and random text, and must answer within a time
 * limit without throwing anything but its own "bad input" error. The known attacks from the
 * security review are replayed at full size.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateAccessRequest } from '../src/accounts/access-requests.js';
import { isValidEmail } from '../src/accounts/users.js';
import { checkQuantity } from '../src/catalog/quantity.js';
import { queryTerms, stripEdgePunctuation } from '../src/catalog/search/terms.js';
import { sniffImage } from '../src/config/images.js';
import { parseDiscountBp } from '../src/http/web/admin/forms.js';
import { safeNext } from '../src/http/guards.js';
import { readOrderDocument } from '../src/integrations/commerceml/sale/read-order-document.js';
import { statusLookup } from '../src/integrations/commerceml/sale/status-map.js';
import { decimal } from '../src/integrations/commerceml/xml/node.js';
import type { XmlNode } from '../src/integrations/commerceml/xml/reader.js';
import { parsePaste } from '../src/orders/quick-order/parse-paste.js';
import { readOrderTable, TableError } from '../src/orders/quick-order/parse-table.js';

/** Linear work on these sizes takes a few milliseconds; quadratic work takes seconds. */
const LIMIT_MS = 500;

const PIECES = [' ', '\t', ',', '.', ':', '=', ';', '@', '[', ']', '-', '0', '1', 'a', '"', '%', '/', '\\', '!', '\n', 'x', 'Я', '\u00a0', '#'];
const pathological = fc
  .record({
    head: fc.string({ maxLength: 6 }),
    piece: fc.oneof(fc.constantFrom(...PIECES), fc.string({ minLength: 1, maxLength: 3 })),
    count: fc.integer({ min: 1_000, max: 60_000 }),
    tail: fc.string({ maxLength: 6 }),
  })
  .map(({ head, piece, count, tail }) => head + piece.repeat(count) + tail);
const anyText = fc.oneof(pathological, fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }));

/** Runs `fn`, failing when it takes longer than `limitMs`. */
function quick<T>(label: string, input: string, fn: () => T, limitMs = LIMIT_MS): T {
  const started = performance.now();
  const result = fn();
  const ms = performance.now() - started;
  if (ms > limitMs) throw new Error(`${label} took ${ms.toFixed(0)} ms on ${input.length} characters: ${JSON.stringify(input.slice(0, 40))}…`);
  return result;
}

async function quickAsync<T>(label: string, input: string, fn: () => Promise<T>, limitMs = LIMIT_MS): Promise<T> {
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  if (ms > limitMs) throw new Error(`${label} took ${ms.toFixed(0)} ms on ${input.length} characters: ${JSON.stringify(input.slice(0, 40))}…`);
  return result;
}

const runs = { numRuns: 40 };

function commentedDocument(comment: string): XmlNode {
  const node = (name: string, text = '', children: XmlNode[] = []): XmlNode => ({ name, attrs: {}, text, children, line: 1 });
  return node('Документ', '', [node('Ид', 'abc'), node('Номер', '12'), node('Комментарий', comment)]);
}

describe('parsers under pathological input (fast-check, time-limited)', () => {
  it('the known attacks from the security review answer at once', async () => {
    const dots = `a@${'.'.repeat(2_000_000)}`;
    expect(quick('isValidEmail', dots, () => isValidEmail(dots))).toBe(false);
    const form = { companyName: 'X', inn: '7701234567', contactName: 'Y', email: dots, phone: '', message: '', locale: 'ru' };
    expect(quick('validateAccessRequest', dots, () => validateAccessRequest(form)).email).toBe('email_invalid');
    const commas = `BLT-101 ${','.repeat(2_000_000)}x 5`;
    const pasted = quick('parsePaste', commas, () => parsePaste(commas));
    expect(pasted.lines).toHaveLength(1);
    expect(pasted.lines[0]?.quantity).toBeNull();
    const cell = `sku;qty\nBLT-101;1${' '.repeat(2_000_000)}x\n`;
    const table = await quickAsync('readOrderTable', cell, () => readOrderTable(Buffer.from(cell)), 2_000);
    expect(table.kind).toBe('lines');
    if (table.kind === 'lines') expect(String(table.lines[0]?.quantity)).toMatch(/…$/);
    // Found by this test itself: quotes inside a long cell made the CSV reader copy the cell at each one.
    const quotes = `Артикул\tКоличество\nBLT-101\t${'"#'.repeat(500_000)}\n`;
    await quickAsync('readOrderTable', quotes, () => readOrderTable(Buffer.from(quotes)), 2_000);
  });

  it('email and the access request form', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const valid = quick('isValidEmail', text, () => isValidEmail(text));
        if (valid) expect(text.length).toBeLessThanOrEqual(254);
        quick('validateAccessRequest', text, () =>
          validateAccessRequest({ companyName: text, inn: text, contactName: text, email: text, phone: text, message: text, locale: 'ru' }),
        );
      }),
      runs,
    );
  });

  it('the quick order paste', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { lines } = quick('parsePaste', text, () => parsePaste(text));
        for (const line of lines) expect(line.sku.length).toBeLessThanOrEqual(1001);
      }),
      runs,
    );
  });

  it('the quick order table reader (CSV), in every cell and every delimiter', async () => {
    await fc.assert(
      fc.asyncProperty(anyText, fc.constantFrom(';', ',', '\t'), async (text, delimiter) => {
        const csv = `Артикул${delimiter}Количество\nBLT-101${delimiter}${text}\n${text}${delimiter}5\n`;
        try {
          await quickAsync('readOrderTable', csv, () => readOrderTable(Buffer.from(csv)));
        } catch (error) {
          // A refusal with its reason is an answer; anything else is a bug.
          expect(error).toBeInstanceOf(TableError);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('quantities, discounts, search words and redirect targets', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        quick('checkQuantity', text, () => checkQuantity(text, { precision: 3, minQty: 0, multiple: 0 }));
        quick('parseDiscountBp', text, () => parseDiscountBp(text));
        quick('stripEdgePunctuation', text, () => stripEdgePunctuation(text));
        quick('queryTerms', text, () => queryTerms(text.slice(0, 10_000)));
        const next = quick('safeNext', text, () => safeNext(text));
        expect(next === '/' || next === text).toBe(true);
      }),
      runs,
    );
  });

  it('1C values: decimals, status texts and order comments', () => {
    const lookup = statusLookup(['Отгружен=shipped', '[N] Принят=confirmed']);
    fc.assert(
      fc.property(anyText, (text) => {
        quick('decimal', text, () => decimal(text));
        quick('statusLookup', text, () => lookup(text));
        quick('readOrderDocument', text, () => readOrderDocument(commentedDocument(text)));
        const marked = `[Номер документа на сайте:${text}`;
        quick('readOrderDocument', marked, () => readOrderDocument(commentedDocument(marked)));
      }),
      runs,
    );
  });

  it('image sniffing of configured document images (the first 512 bytes of a file)', () => {
    const comments = `<!---->${' <!----> <!---->'.repeat(31)}>`;
    expect(quick('sniffImage', comments, () => sniffImage(Buffer.from(comments)))).toBeNull();
    fc.assert(
      fc.property(anyText, (text) => {
        const head = Buffer.from(text).subarray(0, 512);
        quick('sniffImage', text, () => sniffImage(head));
      }),
      runs,
    );
    const svg = '\uFEFF<?xml version="1.0"?>\n<!-- made by hand -->\n<!-- twice -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x">\n<svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(sniffImage(Buffer.from(svg))).toBe('image/svg+xml');
    expect(sniffImage(Buffer.from('<svg>'))).toBe('image/svg+xml');
    expect(sniffImage(Buffer.from('<!-- x --><html>'))).toBeNull();
  });

  it('still reads what it should', () => {
    expect(isValidEmail('ivan.petrov@zavod.example.ru')).toBe(true);
    expect(isValidEmail('a@b')).toBe(false);
    expect(isValidEmail('a@b..ru')).toBe(false);
    expect(stripEdgePunctuation('«(М8×20)»,')).toBe('М8×20');
    expect(stripEdgePunctuation('🙂болт🙂')).toBe('болт');
    expect(decimal('1 234,50')).toBe(1234.5);
    expect(decimal('.5')).toBe(0.5);
    expect(decimal('1.')).toBeNaN();
    expect(parseDiscountBp(' 2,5 % ')).toBe(250);
    expect(readOrderDocument(commentedDocument('Доставка [ номер документа на сайте :  W-000123 ] срочно')).candidates).toContain('W-000123');
    expect(statusLookup([])('[shipped] Отгружен полностью')).toBe('shipped');
    expect(parsePaste('BLT-101:, 10').lines[0]).toMatchObject({ sku: 'BLT-101', quantity: '10' });
  });
});
