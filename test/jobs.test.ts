import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE } from '../src/clock.js';
import { findChromium } from '../src/documents/chromium.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, checkout, makeCompany, makeUser, parseEml, startTestApp, type TestApp } from './helpers.js';
import { Inbox } from './smtp-inbox.js';

const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');

let t: TestApp;
let inbox: Inbox;
let catalog: Awaited<ReturnType<typeof buildCatalog>>;

beforeEach(async () => {
  inbox = new Inbox();
  await inbox.start();
  t = await startTestApp({
    smtp: { host: '127.0.0.1', port: inbox.port, security: 'none', from: 'Оптовик <orders@optovik.test>' },
    orders: { seller_emails: ['sales@distributor.test'] },
    jobs: { max_attempts: 3 },
  });
  catalog = await buildCatalog(t.ctx);
});
afterEach(async () => {
  await t.close();
  await inbox.stop();
});

async function placeOrder() {
  const manager = await makeUser(t.ctx, 'manager', { email: 'manager@distributor.test' });
  const company = await makeCompany(t.ctx, { name: 'Ромашка', managerId: manager.id });
  await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale }).where('id', '=', company.id).execute();
  const buyer = await makeUser(t.ctx, 'buyer', { companyId: company.id, email: 'ivan@romashka.test', name: 'Иван' });
  const browser = new Browser(t.app);
  await browser.login(buyer.email);
  const bolt = catalog.products.find((p) => p.sku === 'BLT-101');
  await browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '10' }, { csrfFrom: '/catalog' });
  const { orderId } = await checkout(browser, { new_address: 'Москва' });
  return { orderId, browser, company };
}

describe('order mails', () => {
  it('mails the buyer, the seller inbox and the manager once each, in their language, with the PDF when there is a browser', async () => {
    await placeOrder();
    await t.ctx.worker.runDue();
    expect(inbox.to('ivan@romashka.test')).toHaveLength(1);
    expect(inbox.to('sales@distributor.test')).toHaveLength(1);
    expect(inbox.to('manager@distributor.test')).toHaveLength(1);
    const buyerMail = await parseEml(inbox.to('ivan@romashka.test')[0]?.raw ?? '');
    expect(buyerMail.subject).toBe('Заказ W-000001 принят');
    const sellerMail = await parseEml(inbox.to('sales@distributor.test')[0]?.raw ?? '');
    expect(sellerMail.subject).toBe('Новый заказ W-000001 — Ромашка');
    const raw = inbox.to('ivan@romashka.test')[0]?.raw ?? '';
    if (chromium) {
      expect(raw).toContain('application/pdf');
      expect(raw).toContain('W-000001.pdf');
      expect(inbox.to('sales@distributor.test')[0]?.raw).toContain('application/pdf');
    } else {
      expect(buyerMail.text).toContain('PDF к этому письму не приложен');
    }
    // Running again sends nothing more: every job is done.
    await t.ctx.worker.runDue();
    expect(inbox.messages).toHaveLength(3);
    const jobs = await t.ctx.db.selectFrom('jobs').select(['kind', 'done_at', 'attempts']).execute();
    expect(jobs.every((j) => j.done_at !== null)).toBe(true);
  });

  it('retries when SMTP is down and later sends without duplicates', async () => {
    await placeOrder();
    inbox.refuseAll = true;
    await t.ctx.worker.runDue();
    const waiting = await t.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'send_order_mail').executeTakeFirstOrThrow();
    expect(waiting.done_at).toBeNull();
    expect(waiting.attempts).toBe(1);
    expect(waiting.last_error).toMatch(/try again later/);
    expect(inbox.messages).toHaveLength(0);

    inbox.refuseAll = false;
    await t.ctx.worker.runDue();
    expect(inbox.messages).toHaveLength(0); // not due yet: the wait grows between tries
    t.clock.advance(MINUTE);
    await t.ctx.worker.runDue();
    expect(inbox.messages.map((m) => m.to[0]).sort()).toEqual(['ivan@romashka.test', 'manager@distributor.test', 'sales@distributor.test']);
  });

  it('a bad address fails only that recipient, is reported on the job, and is never retried into duplicates', async () => {
    await placeOrder();
    inbox.refuse.add('sales@distributor.test');
    for (let i = 0; i < 3; i++) {
      await t.ctx.worker.runDue();
      t.clock.advance(60 * MINUTE);
    }
    expect(inbox.to('ivan@romashka.test')).toHaveLength(1);
    expect(inbox.to('manager@distributor.test')).toHaveLength(1);
    const job = await t.ctx.db.selectFrom('jobs').selectAll().where('kind', '=', 'send_order_mail').executeTakeFirstOrThrow();
    expect(job.failed_at).not.toBeNull();
    expect(job.attempts).toBe(3);
    expect(job.last_error).toMatch(/no such user/);

    const admin = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const page = (await browser.get('/admin/jobs')).body;
    expect(page).toContain('no such user');
    inbox.refuse.clear();
    const retry = await browser.post(`/admin/jobs/${job.id}/retry`, {}, { csrfFrom: '/admin/jobs' });
    expect(retry.location).toBe('/admin/jobs?notice=admin.jobRetried');
    await t.ctx.worker.runDue();
    expect(inbox.to('sales@distributor.test')).toHaveLength(1);
    expect(inbox.to('ivan@romashka.test')).toHaveLength(1);
  });

  it('mails the buyer when the order is cancelled', async () => {
    const { orderId, browser } = await placeOrder();
    await t.ctx.worker.runDue();
    await browser.post(`/orders/${orderId}/cancel`, {}, { csrfFrom: `/orders/${orderId}` });
    await t.ctx.worker.runDue();
    const mails = (await Promise.all(inbox.to('ivan@romashka.test').map((m) => parseEml(m.raw)))).map((m) => m.subject);
    expect(mails).toContain('Заказ W-000001: Отменён');
  });

  it('serves the order PDF only to those who may see the order', async () => {
    const { orderId, browser } = await placeOrder();
    const other = await makeUser(t.ctx, 'buyer');
    const stranger = new Browser(t.app);
    await stranger.login(other.email);
    expect((await stranger.get(`/orders/${orderId}/pdf`)).status).toBe(404);
    const res = await browser.get(`/orders/${orderId}/pdf`);
    if (chromium) {
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.body.startsWith('%PDF')).toBe(true);
    } else {
      expect(res.location).toBe(`/orders/${orderId}/print`);
    }
  });

  it('sends a 200-line order by mail', async () => {
    const { orderId } = await placeOrder();
    const first = await t.ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).executeTakeFirstOrThrow();
    const { id: _id, ...line } = first;
    const more = Array.from({ length: 199 }, (_, i) => ({ ...line, line_no: i + 2, name: `Строка заказа номер ${i + 2}` }));
    for (let i = 0; i < more.length; i += 50) await t.ctx.db.insertInto('order_lines').values(more.slice(i, i + 50)).execute();
    await t.ctx.db.updateTable('orders').set({ line_count: 200 }).where('id', '=', orderId).execute();
    await t.ctx.worker.runDue();
    const mail = await parseEml(inbox.to('ivan@romashka.test')[0]?.raw ?? '');
    expect(mail.text).toContain('Строка заказа номер 200');
  });

  it('only admins see the jobs and outgoing mail pages', async () => {
    const { browser } = await placeOrder();
    expect((await browser.get('/admin/jobs')).status).toBe(403);
    expect((await browser.get('/admin/mail')).status).toBe(403);
  });
});

describe('without a browser', () => {
  it('still mails the order, without the attachment, and says why on the admin page', async () => {
    const noBrowser = await startTestApp({
      smtp: { host: '127.0.0.1', port: inbox.port, security: 'none' },
      documents: { chromium_path: '/nonexistent/chromium' },
    });
    try {
      const c = await buildCatalog(noBrowser.ctx);
      const company = await makeCompany(noBrowser.ctx);
      await noBrowser.ctx.db.updateTable('companies').set({ price_type_id: c.priceTypes.wholesale }).where('id', '=', company.id).execute();
      const buyer = await makeUser(noBrowser.ctx, 'buyer', { companyId: company.id, email: 'olga@shop.test' });
      const browser = new Browser(noBrowser.app);
      await browser.login(buyer.email);
      const bolt = c.products.find((p) => p.sku === 'BLT-101');
      await browser.post('/cart/add', { [`qty[${bolt?.id}]`]: '10' }, { csrfFrom: '/catalog' });
      await checkout(browser, { new_address: 'x' });
      await noBrowser.ctx.worker.runDue();
      const mail = inbox.to('olga@shop.test')[0];
      expect(mail?.raw).not.toContain('application/pdf');
      expect((await parseEml(mail?.raw ?? '')).text).toContain('PDF к этому письму не приложен');
      const admin = await makeUser(noBrowser.ctx, 'admin');
      const adminBrowser = new Browser(noBrowser.app);
      await adminBrowser.login(admin.email);
      expect((await adminBrowser.get('/admin/jobs')).body).toContain('PDF заказов не создаются');
    } finally {
      await noBrowser.close();
    }
  });
});
