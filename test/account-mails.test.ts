import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, makeCompany, makeUser, savedMails, startTestApp, type TestApp } from './helpers.js';

/*
 * Account mails (invitations, password resets, access requests) leave through the outbox, never
 * inside the request: a slow SMTP server slows no page, and the reset form cannot tell anyone
 * whether an account exists by how long it takes.
 */

/** An SMTP server that accepts connections and never says a word: whoever talks to it inline hangs. */
class StallingSmtp {
  connections = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server = createServer((socket) => {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  });
  port = 0;

  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop() {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('with an SMTP server that stalls', () => {
  let smtp: StallingSmtp;
  let t: TestApp;
  beforeEach(async () => {
    smtp = new StallingSmtp();
    await smtp.start();
    t = await startTestApp({ smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'Портал <portal@optovik.test>' } });
  });
  afterEach(async () => {
    await t.close();
    await smtp.stop();
  });

  it('a reset request does no mail work inline, and looks the same for an account and for nobody', async () => {
    await makeUser(t.ctx, 'buyer', { email: 'olga@shop.test' });
    const ask = async (email: string) => {
      const started = performance.now();
      const res = await new Browser(t.app).post('/forgot-password', { email }, { csrfFrom: '/forgot-password' });
      return { status: res.status, body: res.body.replace(/name="_csrf" value="[^"]*"/, '').replaceAll(email, '…'), ms: performance.now() - started };
    };
    const known = await ask('olga@shop.test');
    const unknown = await ask('ghost@shop.test');
    expect(smtp.connections).toBe(0);
    expect(known.status).toBe(200);
    expect(unknown).toMatchObject({ status: known.status, body: known.body });
    // The connection timeout alone (15 s) would show here if either waited for the server.
    expect(Math.max(known.ms, unknown.ms)).toBeLessThan(10_000);
    const jobs = await t.ctx.db.selectFrom('jobs').select(['kind', 'payload']).orderBy('id').execute();
    expect(jobs).toEqual([
      { kind: 'send_password_reset', payload: JSON.stringify({ email: 'olga@shop.test' }) },
      { kind: 'send_password_reset', payload: JSON.stringify({ email: 'ghost@shop.test' }) },
    ]);
  });

  it('an access request and an invitation are stored and answered without waiting for mail', async () => {
    const admin = await makeUser(t.ctx, 'admin');
    const applied = await new Browser(t.app).post(
      '/apply',
      { company_name: 'Одуванчик', inn: '7812345675', contact_name: 'Ирина', email: 'irina@oduvanchik.test', phone: '', message: '' },
      { csrfFrom: '/apply' },
    );
    expect(applied.status).toBe(200);
    const browser = new Browser(t.app);
    await browser.login(admin.email);
    const company = await makeCompany(t.ctx);
    const invited = await browser.post(`/admin/companies/${company.id}/users`, { name: 'Пётр', email: 'petr@shop.test' }, { csrfFrom: '/admin' });
    expect(invited.location).toBe(`/admin/companies/${company.id}?notice=admin.inviteSent`);
    expect(smtp.connections).toBe(0);
    const kinds = await t.ctx.db.selectFrom('jobs').select('kind').orderBy('id').execute();
    expect(kinds.map((j) => j.kind)).toEqual(['send_access_request_notice', 'send_invitation']);
  });
});

describe('reset requests', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp({ auth: { max_failures_per_account: 3 } });
  });
  afterEach(async () => t.close());

  it('are counted apart from sign-ins: asking for links never locks the account out', async () => {
    const user = await makeUser(t.ctx, 'buyer', { email: 'olga@shop.test' });
    const browser = new Browser(t.app);
    for (let i = 0; i < 5; i++) await browser.post('/forgot-password', { email: user.email }, { csrfFrom: '/forgot-password' });
    // Only as many as the per-account limit were queued: the form cannot flood an inbox.
    const queued = await t.ctx.db.selectFrom('jobs').select('id').where('kind', '=', 'send_password_reset').execute();
    expect(queued).toHaveLength(3);
    await t.worker.runDue();
    expect((await savedMails(t.dataDir)).filter((m) => m.to === user.email)).toHaveLength(3);
    const signIn = await new Browser(t.app).login(user.email);
    expect(signIn.status).toBe(303);
  });
});
