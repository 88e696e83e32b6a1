/**
 * Catalog search and filters over HTTP, with whatever a buyer's phone, a pasted spreadsheet cell or
 * an integrator's client may send: every answer is a page or a clear 4xx, never a 500 and never
 * slow. Property tests (fast-check) through a real port, for the web catalog and the API.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiTestApp, apiBuyer, call, startApiApp } from './api-helpers.js';
import { Browser, makeUser } from './helpers.js';

const LIMIT_MS = 2000;
let t: ApiTestApp;
let token = '';
let browser: Browser;

beforeAll(async () => {
  t = await startApiApp();
  const buyer = await apiBuyer(t);
  token = buyer.token;
  browser = new Browser(t.app);
  await browser.login((await makeUser(t.ctx, 'buyer', { companyId: buyer.company.id })).email);
});
afterAll(async () => {
  await t?.close();
});

/** Text as people type and paste it: any Unicode, SQL and FTS syntax, control characters, long runs. */
const typed = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '"',
    "'",
    '*',
    'NEAR(',
    'a OR b AND NOT c',
    'болт" OR 1=1 --',
    '%',
    '_',
    '\\',
    '^',
    '(((',
    'М8×30',
    'ё Ё',
    '\u0000',
    '\u202e',
    'ﬀ',
    '🔩',
  ),
  fc.string({ maxLength: 5 }).map((s) => s.repeat(400)),
);

const param = fc.oneof(typed, fc.integer().map(String), fc.constantFrom('', '-1', '0', '1e9', 'NaN', '9'.repeat(30)));

function timed<T>(run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  return run().then((value) => {
    const ms = performance.now() - started;
    if (ms > LIMIT_MS) throw new Error(`took ${ms.toFixed(0)} ms`);
    return value;
  });
}

describe('catalog search over HTTP under arbitrary input (fast-check)', () => {
  it('the web catalog answers every query, brand, category, sort and page with a page or a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(typed, param, param, param, param, async (q, brand, c, sort, page) => {
        const query = new URLSearchParams({ q, brand, c, sort, page, stock: '1' });
        const res = await timed(() => browser.get(`/catalog?${query.toString()}`));
        if (res.status >= 500) throw new Error(`${res.status} for ${query.toString().slice(0, 300)}`);
        expect([200, 400, 404]).toContain(res.status);
      }),
      { numRuns: 120 },
    );
  });

  it('the API answers every q, sku, barcode, cursor and limit with products or a problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('q', 'sku', 'barcode', 'cursor', 'limit', 'updated_since', 'category'),
        param,
        param,
        async (name, value, limit) => {
          const query = new URLSearchParams({ [name]: value, limit });
          const res = await timed(() => call(t, `/api/v1/products?${query.toString()}`, { token }));
          if (res.status >= 500)
            throw new Error(`${res.status} for ${query.toString().slice(0, 300)}: ${res.text.slice(0, 300)}`);
          if (res.status !== 200) {
            expect([400, 404, 422]).toContain(res.status);
            // A problem says what was wrong (RFC 9457), never a stack.
            expect(res.body?.title).toBeTruthy();
            expect(res.text).not.toMatch(/at \w+ \(|node_modules/);
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('still finds what it should', async () => {
    expect((await browser.get('/catalog?q=BLT-101')).body).toContain('BLT-101');
    const api = await call(t, '/api/v1/products?q=BLT-101', { token });
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain('BLT-101');
  });
});
