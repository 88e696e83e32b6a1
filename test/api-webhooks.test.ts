import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { postWebhook } from '../src/integrations/webhooks/deliver.js';
import { guardedLookup, isPrivateAddress } from '../src/integrations/webhooks/target.js';
import { type ApiTestApp, apiBuyer, type Buyer, placeApiOrder, startApiApp } from './api-helpers.js';
import { Browser } from './helpers.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A buyer's webhook receiver: records what arrives and answers with the statuses it is given. */
async function receiver(answers: { status: number; body?: string }[] = []) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = answers.shift() ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? '');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/optovik`, received, close: () => new Promise<void>((done) => server.close(() => done())) };
}

let t: ApiTestApp | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await t?.close();
  t = undefined;
});

/** Receivers here run on 127.0.0.1, so these apps allow private targets; the clock is real time (receivers check it). */
async function appWithReceivers(overrides: Record<string, unknown> = {}) {
  t = await startApiApp({ api: { webhooks: { allow_private: true } }, ...overrides }, { clock: new ManualClock(Date.now()) });
  return t;
}

async function register(app: ApiTestApp, buyer: Buyer, url: string, events = ['order.created', 'order.status_changed'], signedIn?: Browser) {
  const browser = signedIn ?? new Browser(app.app);
  if (!signedIn) await browser.login(buyer.user.email);
  const body = new URLSearchParams({ _csrf: await browser.csrf('/account/api'), url });
  for (const e of events) body.append('events', e);
  const res = await app.app.inject({
    method: 'POST',
    url: '/account/api/webhooks',
    payload: body.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  return { res, browser, secret: /id="new-secret">(whsec_[A-Za-z0-9+/=]+)</.exec(res.body)?.[1] ?? '' };
}

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  }) as { type: string; timestamp: string; data: { order: Record<string, string> } };

describe('webhook addresses', () => {
  it('refuses URLs that are not http(s), carry credentials, or lead to private or loopback addresses', async () => {
    t = await startApiApp();
    const buyer = await apiBuyer(t);
    const cases: [string, string][] = [
      ['http://127.0.0.1:8080/hook', 'ведёт во внутреннюю сеть'],
      ['http://localhost:3000/', 'ведёт во внутреннюю сеть'],
      ['http://10.20.30.40/', 'ведёт во внутреннюю сеть'],
      ['http://192.168.1.1/', 'ведёт во внутреннюю сеть'],
      ['http://169.254.169.254/latest/meta-data', 'ведёт во внутреннюю сеть'],
      ['http://[::1]/', 'ведёт во внутреннюю сеть'],
      ['http://[::ffff:127.0.0.1]/', 'ведёт во внутреннюю сеть'],
      ['http://2130706433/', 'ведёт во внутреннюю сеть'],
      ['ftp://example.com/', 'Годятся только адреса http:// и https://'],
      ['https://user:secret@example.com/', 'Уберите логин и пароль'],
      ['не адрес', 'Это не адрес'],
    ];
    const browser = new Browser(t.app);
    await browser.login(buyer.user.email);
    for (const [url, message] of cases) {
      const { res } = await register(t, buyer, url, undefined, browser);
      expect(res.statusCode, url).toBe(422);
      expect(res.body, url).toContain(message);
    }
    const noEvents = await register(t, buyer, 'https://example.com/', [], browser);
    expect(noEvents.res.body).toContain('Отметьте хотя бы одно событие.');
    expect(await t.ctx.db.selectFrom('webhook_endpoints').select('id').execute()).toEqual([]);
  });

  it('checks the address a name resolves to when connecting, and refuses private ones there too', async () => {
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '100.64.0.1', '::1', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '0.0.0.0']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['8.8.8.8', '77.88.55.60', '2a00:1450:4010:c05::65']) expect(isPrivateAddress(ip), ip).toBe(false);
    const refused = await new Promise<Error | null>((done) => guardedLookup(false)('localhost', {}, (error) => done(error)));
    expect(refused?.message).toContain('private address');
    const allowed = await new Promise<string>((done) => guardedLookup(true)('localhost', {}, (_e, address) => done(String(address))));
    expect(isPrivateAddress(allowed)).toBe(true);
    // A delivery to such an address is refused before anything is sent.
    const target = await receiver();
    closers.push(target.close);
    const result = await postWebhook(target.url, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', '{}', Date.now(), { allowPrivate: false, timeoutMs: 1000 });
    expect(result).toEqual({ status: null, body: '', error: 'refused: private_address' });
    expect(target.received).toEqual([]);
  });
});

describe('webhook deliveries', () => {
  it('sends order.created through the outbox, signed so the standardwebhooks package verifies it, to the order’s company only', async () => {
    const app = await appWithReceivers();
    const target = await receiver();
    const other = await receiver();
    closers.push(target.close, other.close);
    const buyer = await apiBuyer(app);
    const stranger = await apiBuyer(app, { name: 'Лютик' });
    const { res, browser, secret } = await register(app, buyer, target.url, ['order.created']);
    expect(res.statusCode).toBe(200);
    expect(secret).toMatch(/^whsec_/);
    expect((await browser.get('/account/api')).body).not.toContain(secret);
    await register(app, stranger, other.url);

    const placed = await placeApiOrder(app, buyer.token, { lines: [{ sku: 'BLT-101', quantity: '3' }], po_number: 'PO-9' });
    expect(placed.status).toBe(201);
    // Nothing is sent inside the request: the delivery is a job after the commit.
    expect(target.received).toEqual([]);
    await app.ctx.worker.runDue();
    expect(target.received).toHaveLength(1);
    expect(other.received).toEqual([]);
    const [delivery] = target.received;
    if (!delivery) throw new Error('no delivery');
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['webhook-id']).toMatch(/^msg_/);
    const event = verify(secret, delivery);
    expect(event).toMatchObject({
      type: 'order.created',
      data: { order: { number: placed.body.number, status: 'new', origin: 'api', po_number: 'PO-9', href: `/api/v1/orders/${placed.body.number}` } },
    });
    // A tampered body or a wrong secret does not verify.
    expect(() => verify(secret, { ...delivery, body: delivery.body.replace('PO-9', 'PO-0') })).toThrow();
    expect(() => verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', delivery)).toThrow();

    const page = (await browser.get('/account/api')).body;
    expect(page).toContain(target.url);
    expect(page).toContain('order.created');
    expect(page).toContain('доставлено');
    expect(page).toContain('HTTP 200');
  });

  it('retries after the receiver’s 500 with the same message id and shows each answer on the profile', async () => {
    const app = await appWithReceivers();
    const target = await receiver([{ status: 500, body: 'database is down' }]);
    closers.push(target.close);
    const buyer = await apiBuyer(app);
    const { secret, browser } = await register(app, buyer, target.url);
    await placeApiOrder(app, buyer.token, { lines: [{ sku: 'BLT-101', quantity: '1' }] });
    await app.ctx.worker.runDue();
    expect(target.received).toHaveLength(1);
    let page = (await browser.get('/account/api')).body;
    expect(page).toContain('ждёт отправки');
    expect(page).toContain('HTTP 500');
    expect(page).toContain('database is down');

    // Not before its wait is over, then again.
    await app.ctx.worker.runDue();
    expect(target.received).toHaveLength(1);
    app.clock.advance(10_000);
    await app.ctx.worker.runDue();
    expect(target.received).toHaveLength(2);
    const [first, second] = target.received as [Received, Received];
    expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
    expect(second.body).toBe(first.body);
    expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThan(Number(first.headers['webhook-timestamp']));
    expect(verify(secret, second).type).toBe('order.created');
    page = (await browser.get('/account/api')).body;
    expect(page).toContain('доставлено');
    expect(page).toContain('попыток: 2');
    const row = await app.ctx.db.selectFrom('webhook_deliveries').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'delivered', attempts: 2, response_status: 200 });
  });

  it('gives up after jobs.max_attempts and says so', async () => {
    const app = await appWithReceivers({ jobs: { max_attempts: 2 } });
    const target = await receiver([{ status: 503 }, { status: 502, body: 'bad gateway' }]);
    closers.push(target.close);
    const buyer = await apiBuyer(app);
    const { browser } = await register(app, buyer, target.url);
    await placeApiOrder(app, buyer.token, { lines: [{ sku: 'BLT-101', quantity: '1' }] });
    await app.ctx.worker.runDue();
    app.clock.advance(10_000);
    await app.ctx.worker.runDue();
    app.clock.advance(60_000);
    await app.ctx.worker.runDue();
    expect(target.received).toHaveLength(2);
    const page = (await browser.get('/account/api')).body;
    expect(page).toContain('не доставлено');
    expect(page).toContain('bad gateway');
    const job = await app.ctx.db.selectFrom('jobs').select(['failed_at', 'last_error']).where('kind', '=', 'deliver_webhook').executeTakeFirstOrThrow();
    expect(job.failed_at).not.toBeNull();
    expect(job.last_error).toBe('receiver answered 502');
  });

  it('sends order.status_changed for a cancellation on the portal and for a status from 1C', async () => {
    const app = await appWithReceivers();
    const target = await receiver();
    closers.push(target.close);
    const buyer = await apiBuyer(app);
    const { secret, browser } = await register(app, buyer, target.url, ['order.status_changed']);
    const first = await placeApiOrder(app, buyer.token, { lines: [{ sku: 'BLT-101', quantity: '1' }] });
    const second = await placeApiOrder(app, buyer.token, { lines: [{ sku: 'BLT-102', quantity: '1' }] });
    await app.ctx.worker.runDue();
    expect(target.received).toEqual([]); // not subscribed to order.created

    const id = (await app.ctx.db.selectFrom('orders').select('id').where('number', '=', first.body.number).executeTakeFirstOrThrow()).id;
    await browser.post(`/orders/${id}/cancel`, { note: '' }, { csrfFrom: `/orders/${id}` });
    const doc = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>${second.body.number}</Ид><Номер>${second.body.number}</Номер>
      <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>В работе</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Документ></КоммерческаяИнформация>`,
    );
    await applySaleFile(app.ctx, doc, { fileName: 'documents.xml' });
    // The same document again changes nothing, so it sends nothing.
    await applySaleFile(app.ctx, doc, { fileName: 'documents.xml' });
    await app.ctx.worker.runDue();
    const events = target.received.map((r) => verify(secret, r).data.order);
    expect(events.map((o) => `${o.number} ${o.previous_status} → ${o.status}`).sort()).toEqual(
      [`${first.body.number} new → cancelled`, `${second.body.number} new → in_progress`].sort(),
    );
  });
});
