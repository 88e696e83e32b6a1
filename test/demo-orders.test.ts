import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from '../src/orders/status.js';
import { seedDemoOnce } from '../src/demo/seed.js';
import { demoLogins } from '../src/demo/logins.js';
import { Browser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('the demo orders', () => {
  it('a few dozen orders over the last months, in every status, with histories, marks and staff edits, and no jobs', async () => {
    const started = performance.now();
    expect(await seedDemoOnce(t.ctx, 400)).toBe(true);
    const seconds = (performance.now() - started) / 1000;
    const orders = await t.ctx.db.selectFrom('orders').selectAll().orderBy('id').execute();
    expect(orders.length).toBeGreaterThanOrEqual(30);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(ORDER_STATUSES));
    const now = t.clock.now();
    expect(Math.min(...orders.map((o) => o.created_at))).toBeLessThan(now - 90 * 24 * 3600_000);
    expect(Math.max(...orders.map((o) => o.created_at))).toBeLessThan(now);
    // Numbers follow the dates, as they would have been given.
    expect(orders.map((o) => o.created_at)).toEqual([...orders].sort((a, b) => a.created_at - b.created_at).map((o) => o.created_at));
    expect(orders.some((o) => o.paid_at !== null && o.status === 'completed')).toBe(true);
    expect(orders.some((o) => o.shipped_at !== null && o.paid_at === null)).toBe(true);

    for (const order of orders) {
      const lines = await t.ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).execute();
      expect(lines.length).toBe(order.line_count);
      expect(lines.reduce((sum, l) => sum + l.line_total, 0)).toBe(order.subtotal);
      const history = await t.ctx.db.selectFrom('order_status_history').select('status').where('order_id', '=', order.id).orderBy('id').execute();
      expect(history[0]?.status).toBe('new');
      expect(history.at(-1)?.status).toBe(order.status);
    }
    const kinds = await t.ctx.db.selectFrom('order_events').select(['kind', 'actor_name']).execute();
    for (const kind of ['placed', 'status_changed', 'lines_changed', 'marked']) expect(kinds.some((k) => k.kind === kind)).toBe(true);
    expect(kinds.every((k) => k.actor_name !== '')).toBe(true);
    expect(await t.ctx.db.selectFrom('jobs').select('id').execute()).toEqual([]);
    expect(seconds).toBeLessThan(10);

    // The demo manager sees its companies' orders on the desk, with their histories.
    const browser = new Browser(t.app);
    await browser.login(demoLogins[1].email, demoLogins[1].password);
    const desk = await browser.get('/desk');
    expect(desk.status).toBe(200);
    expect(desk.body).toContain('Ромашка');
    expect(desk.body).not.toContain('ИП Сидоров');
    const edited = await t.ctx.db
      .selectFrom('order_events')
      .innerJoin('orders', 'orders.id', 'order_events.order_id')
      .innerJoin('companies', 'companies.id', 'orders.company_id')
      .select('orders.id')
      .where('order_events.kind', '=', 'lines_changed')
      .where('companies.name', '=', 'Ромашка')
      .executeTakeFirstOrThrow();
    const page = (await browser.get(`/desk/orders/${edited.id}`)).body;
    expect(page).toContain('Изменён состав заказа');
    const buyer = new Browser(t.app);
    await buyer.login(demoLogins[2].email, demoLogins[2].password);
    expect((await buyer.get(`/orders/${edited.id}`)).body).toContain('Изменения в заказе');
  });
});
