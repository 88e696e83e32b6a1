import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../src/context.js';
import type { OrderStatus } from '../src/db/schema.js';
import type { Tx } from '../src/db/transaction.js';
import type { OrderExporter } from '../src/orders/export.js';
import { buildCatalog } from './catalog-fixture.js';
import { buyerAt, checkout, startTestApp, type TestApp } from './helpers.js';

/** An exporter that keeps what it was sent: the order's number and status at the time of the push. */
class Ledger implements OrderExporter {
  readonly pushed: { number: string; status: OrderStatus }[] = [];
  failNext = false;
  constructor(readonly name: string) {}
  async exportOrder(ctx: AppContext, orderId: number): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('the ledger is down');
    }
    const order = await ctx.db.selectFrom('orders').select(['number', 'status']).where('id', '=', orderId).executeTakeFirstOrThrow();
    this.pushed.push(order);
  }
}

let t: TestApp;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;
const ledger = new Ledger('ledger');
const backup = new Ledger('backup');
const ledgers = [ledger, backup];

beforeEach(async () => {
  for (const l of ledgers) l.pushed.length = 0;
  t = await startTestApp({ orders: { allow_cancel: true } }, { orderExporters: ledgers });
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => t.close());

async function placed() {
  const buyer = await buyerAt(t, catalog.priceTypes.wholesale);
  const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
  await buyer.browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '10' }, { csrfFrom: '/catalog' });
  const { orderId } = await checkout(buyer.browser);
  return { ...buyer, orderId };
}

describe('order exporters', () => {
  it('get each placed and each cancelled order through a job of their own, retried on failure', async () => {
    const { browser, orderId } = await placed();
    const exports = await t.ctx.db.selectFrom('jobs').select('payload').where('kind', '=', 'export_order').orderBy('id').execute();
    expect(exports.map((j) => JSON.parse(j.payload))).toEqual([
      { orderId, exporter: 'ledger' },
      { orderId, exporter: 'backup' },
    ]);
    backup.failNext = true;
    await t.worker.runDue();
    expect(ledger.pushed).toEqual([{ number: 'W-000001', status: 'new' }]);
    expect(backup.pushed).toEqual([]);
    t.clock.advance(60_000);
    await t.worker.runDue();
    expect(backup.pushed).toEqual([{ number: 'W-000001', status: 'new' }]);

    await browser.post(`/orders/${orderId}/cancel`, {}, { csrfFrom: `/orders/${orderId}` });
    await t.worker.runDue();
    expect(ledgers.map((l) => l.pushed.at(-1))).toEqual([
      { number: 'W-000001', status: 'cancelled' },
      { number: 'W-000001', status: 'cancelled' },
    ]);
  });

  it('are not queued for when none is configured', async () => {
    const plain = await startTestApp();
    try {
      const shop = await buildCatalog(plain.ctx);
      const buyer = await buyerAt(plain, shop.priceTypes.wholesale);
      const bolt = shop.products.find((p) => p.sku === 'BLT-101');
      await buyer.browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '1' }, { csrfFrom: '/catalog' });
      expect((await checkout(buyer.browser)).orderId).toBeGreaterThan(0);
      const kinds = await plain.ctx.db.selectFrom('jobs').select('kind').orderBy('id').execute();
      expect(kinds.map((j) => j.kind)).toEqual(['render_pdf', 'send_order_mail']);
    } finally {
      await plain.close();
    }
  });
});

describe('job payloads', () => {
  it('are typed by their kind', () => {
    // Compiled, never run: `npm run typecheck` (part of CI) fails if a wrong payload is accepted.
    const queue = (tx: Tx) => {
      // @ts-expect-error a status mail names the status it announces
      void t.ctx.outbox.enqueue(tx, 'send_status_mail', { orderId: 1 });
      // @ts-expect-error an export names its exporter
      void t.ctx.outbox.enqueue(tx, 'export_order', { orderId: 1 });
      // @ts-expect-error no such kind
      void t.ctx.outbox.enqueue(tx, 'send_fax', { orderId: 1 });
    };
    expect(queue).toBeTypeOf('function');
  });
});
