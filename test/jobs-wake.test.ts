import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../src/clock.js';
import { applySaleFile } from '../src/integrations/commerceml/sale/apply-documents.js';
import { CHECKOUT_PAUSE_MS, JobWorker } from '../src/jobs/worker.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, buyerAt, checkout, makeUser, startTestApp, type TestApp } from './helpers.js';

/*
 * Commits that queue jobs tell the worker themselves (db/transaction.ts onCommit): the jobs of
 * a cancellation, a 1C status change or an admin's retry start at once, not at the next poll;
 * a checkout's wait for the pause in checkouts. Here the worker polls once an hour, so a job
 * that runs within seconds was started by its commit.
 */

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;
let worker: JobWorker;

beforeEach(async () => {
  t = await startTestApp({ orders: { allow_cancel: true } });
  catalog = await buildCatalog(t.ctx);
  worker = new JobWorker(t.ctx, undefined, HOUR);
});
afterEach(async () => {
  await worker.stop();
  await t.close();
});

async function placed() {
  const buyer = await buyerAt(t, catalog.priceTypes.wholesale);
  const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
  await buyer.browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '10' }, { csrfFrom: '/catalog' });
  const { orderId } = await checkout(buyer.browser);
  expect(orderId).toBeGreaterThan(0);
  return { ...buyer, orderId };
}

/** Starts the worker and lets its first poll (at start) find nothing: from then on only a wake starts a job. */
async function startIdle() {
  worker.start();
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Waits (in real time) until every job of this kind is done; false after `ms`. */
async function doneWithin(kind: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', kind).where('done_at', 'is', null).execute();
    const any = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', kind).execute();
    if (any.length > 0 && open.length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('jobs start when the commit that queued them is in', () => {
  it("a checkout's jobs give way while checkouts go on, then run", async () => {
    await placed();
    const queued = await t.ctx.db.selectFrom('jobs').select('kind').execute();
    expect(queued.map((j) => j.kind).sort()).toEqual(['render_pdf', 'send_order_mail']);
    // The commit said "a checkout": the worker gives way until checkouts pause.
    expect(await worker.runDue({ giveWayToCheckouts: true })).toBe(0);
    t.clock.advance(CHECKOUT_PAUSE_MS);
    expect(await worker.runDue({ giveWayToCheckouts: true })).toBe(2);
  });

  it("a cancellation's status mail", async () => {
    const { browser, orderId } = await placed();
    await worker.runDue();
    t.clock.advance(CHECKOUT_PAUSE_MS);
    await startIdle();
    const res = await browser.post(`/orders/${orderId}/cancel`, { note: 'передумали' }, { csrfFrom: `/orders/${orderId}` });
    expect(res.location).toBe(`/orders/${orderId}?notice=orders.cancelled`);
    expect(await doneWithin('send_status_mail', 10_000)).toBe(true);
  });

  it("a 1C status change's status mail", async () => {
    const { orderId } = await placed();
    await worker.runDue();
    t.clock.advance(CHECKOUT_PAUSE_MS);
    await startIdle();
    const order = await t.ctx.db.selectFrom('orders').select('number').where('id', '=', orderId).executeTakeFirstOrThrow();
    const file = Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?><КоммерческаяИнформация ВерсияСхемы="2.08"><Документ><Ид>${order.number}</Ид><Номер>${order.number}</Номер>
      <ЗначенияРеквизитов><ЗначениеРеквизита><Наименование>Статус заказа</Наименование><Значение>В работе</Значение></ЗначениеРеквизита></ЗначенияРеквизитов>
      </Документ></КоммерческаяИнформация>`,
    );
    const result = await applySaleFile(t.ctx, file, { fileName: 'orders.xml' });
    expect(result.orders.updated).toBe(1);
    expect(await doneWithin('send_status_mail', 10_000)).toBe(true);
  });

  it("an admin's retry", async () => {
    const { orderId } = await placed();
    await worker.runDue();
    t.clock.advance(CHECKOUT_PAUSE_MS);
    const now = t.clock.now();
    const failed = await t.ctx.db
      .insertInto('jobs')
      .values({
        kind: 'send_status_mail',
        payload: JSON.stringify({ orderId, status: 'new' }),
        run_after: now + HOUR,
        attempts: 5,
        last_error: 'SMTP was down',
        done_at: null,
        failed_at: now,
        created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await startIdle();
    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const res = await browser.post(`/admin/jobs/${failed.id}/retry`, {}, { csrfFrom: '/admin/jobs' });
    expect(res.location).toBe('/admin/jobs?notice=admin.jobRetried');
    expect(await doneWithin('send_status_mail', 10_000)).toBe(true);
  });
});
