import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ClientOptions, MoySkladClient, MoySkladError } from '../src/integrations/moysklad/client.js';
import { FakeMoySklad, TOKEN } from './moysklad-fake.js';

let fake: FakeMoySklad;

async function startFake(opts: ConstructorParameters<typeof FakeMoySklad>[0] = {}) {
  fake = new FakeMoySklad(opts);
  await fake.start();
  return fake;
}

function client(overrides: Partial<ClientOptions> = {}) {
  return new MoySkladClient({ baseUrl: fake.url, token: TOKEN, requestBudget: 45, maxParallel: 5, timeoutMs: 5000, ...overrides });
}

afterEach(async () => fake?.stop());

describe('the fake MoySklad', () => {
  beforeEach(async () => startFake());

  it('answers 415 with an empty body to a request without Accept-Encoding: gzip', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${fake.url}/entity/product`, { headers: { Authorization: `Bearer ${TOKEN}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(415);
    expect(body).toBe('');
  });
});

describe('MoySkladClient', () => {
  it('reads every page of a list, 1,000 rows a page, with gzip', async () => {
    await startFake();
    for (let i = 0; i < 2345; i++) fake.put('product', { name: `Товар ${i}` });
    const rows = await client().all<{ name: string }>('/entity/product');
    expect(rows).toHaveLength(2345);
    const gets = fake.requests('GET', '/entity/product');
    expect(gets.map((r) => [r.query.get('limit'), r.query.get('offset')])).toEqual([
      ['1000', '0'],
      ['1000', '1000'],
      ['1000', '2000'],
    ]);
    expect(gets.every((r) => r.status === 200)).toBe(true);
  });

  it('says plainly that a wrong token was refused', async () => {
    await startFake();
    const error = await client({ token: 'wrong' })
      .get('/context/companysettings/pricetype')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoySkladError);
    expect((error as MoySkladError).problem).toBe('auth');
    expect((error as MoySkladError).message).toMatch(/did not accept the token \(401: Ошибка аутентификации.*code 1056\): check integrations\.moysklad\.token/);
    // Never retried: a wrong token stays wrong (and repeated failures get the API user locked).
    expect(fake.log).toHaveLength(1);
  });

  it('names MoySklad\'s own error and code on 404 and 412, without retrying', async () => {
    await startFake();
    const missing = await client()
      .get('/entity/product/00000000-0000-0000-0000-000000000000')
      .then(() => null, (e: unknown) => e as MoySkladError);
    expect(missing).toMatchObject({ problem: 'not_found', status: 404, code: 1021 });
    const unknownType = await client()
      .get('/entity/foo')
      .then(() => null, (e: unknown) => e as MoySkladError);
    expect(unknownType).toMatchObject({ problem: 'invalid', status: 412, code: 1005 });
    expect(unknownType?.message).toContain("Неизвестный тип: 'foo'");
    expect(fake.log).toHaveLength(2);
  });

  it('waits out 429 as the headers say and stays within its own budget', async () => {
    // The server allows 10 requests per 3 s; the client believes it may send 45.
    await startFake({ units: 10 });
    fake.put('product', { name: 'Болт' });
    const c = client({ requestBudget: 45 });
    const started = Date.now();
    await Promise.all(Array.from({ length: 14 }, () => c.get('/entity/product')));
    expect(Date.now() - started).toBeGreaterThan(300);
    const refused = fake.log.filter((r) => r.status === 429).length;
    expect(c.stats.http429).toBe(refused);
    expect(fake.log.filter((r) => r.status === 200)).toHaveLength(14);

    // With its budget set to what the server allows, it is never refused at all.
    await fake.stop();
    await startFake({ units: 10 });
    fake.put('product', { name: 'Болт' });
    const polite = client({ requestBudget: 10 });
    await Promise.all(Array.from({ length: 14 }, () => polite.get('/entity/product')));
    expect(polite.stats.http429).toBe(0);
    expect(fake.log.filter((r) => r.status === 429)).toHaveLength(0);
  });

  it('counts a stock report as the 5 units it costs (4 for other requests): no 429 at a user token\'s budget', async () => {
    await startFake({ units: 45, unitCost: 4 });
    const c = client({ requestBudget: 11 });
    await Promise.all(Array.from({ length: 14 }, () => c.get('/report/stock/bystore')));
    expect(c.stats.http429).toBe(0);
    expect(fake.log.filter((r) => r.status === 429)).toHaveLength(0);
  });

  it('never sends more at once than max_parallel', async () => {
    await startFake({ parallel: 2, latencyMs: 50 });
    fake.put('product', { name: 'Болт' });
    const c = client({ maxParallel: 2 });
    await Promise.all(Array.from({ length: 8 }, () => c.get('/entity/product')));
    expect(fake.log.filter((r) => r.status === 429)).toHaveLength(0);
  });

  it('backs off and repeats a GET on 5xx, but never a POST without syncId', async () => {
    await startFake();
    fake.put('product', { name: 'Болт' });
    fake.fail(2, 503);
    const rows = await client().all('/entity/product');
    expect(rows).toHaveLength(1);
    expect(fake.log.map((r) => r.status)).toEqual([503, 503, 200]);

    fake.fail(1, 500);
    const error = await client()
      .post('/entity/counterparty', { name: 'ООО Ромашка' }, { idempotent: false })
      .catch((e: unknown) => e as MoySkladError);
    expect(error).toMatchObject({ problem: 'server', status: 500 });
    expect(fake.requests('POST', '/entity/counterparty')).toHaveLength(1);
  });
});
