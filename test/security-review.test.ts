/**
 * The smaller findings of the security review, each as the attacker would try it: the access
 * request form as a mail relay, open redirects after login, 1C pictures outside the exchange
 * folder, one package budget per archive, secrets in the request log, and huge "emails" in the
 * login throttle.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { safeNext } from '../src/http/guards.js';
import { redactedUrl } from '../src/http/log-redaction.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { Browser, makeUser, savedMails, startTestApp, type TestApp } from './helpers.js';
import { OneCClient } from './commerceml-client.js';
import { makeZip } from './zip-writer.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const fixture = (path: string) => readFileSync(join(COMMERCEML_FIXTURES, path));

describe('the access request form', () => {
  const form = (overrides: Record<string, string> = {}) => ({
    company_name: 'Срочно: подтвердите пароль на http://evil.example/login',
    inn: '7707083893',
    contact_name: 'Иван',
    email: 'ivan@buyer.example',
    phone: '',
    message: 'Здравствуйте',
    ...overrides,
  });

  it('puts none of the applicant’s words in the subject of the mail to the admins', async () => {
    t = await startTestApp();
    await makeUser(t.ctx, 'admin');
    const res = await new Browser(t.app).post('/apply', form(), { csrfFrom: '/apply' });
    expect(res.status).toBe(200);
    await t.ctx.worker.runDue();
    const [mail] = await savedMails(t.dataDir);
    expect(mail?.subject).toMatch(/^Optovik: новая заявка на доступ №\d+$/);
    expect(mail?.subject).not.toContain('evil');
  });

  it('takes a few requests per address, then says when to come back', async () => {
    t = await startTestApp();
    const browser = new Browser(t.app);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await browser.post('/apply', form({ email: `a${i}@buyer.example` }), { csrfFrom: '/apply' })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = await browser.post('/apply', form(), { csrfFrom: '/apply' });
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body).toContain('С этого адреса уже отправлено несколько заявок. Попробуйте снова через 60 мин.');
    expect((t.ctx.database.sqlite.prepare('select count(*) as n from access_requests').get() as { n: number }).n).toBe(5);
    // An hour later the address may apply again.
    t.clock.advance(60 * 60 * 1000 + 1);
    expect((await browser.post('/apply', form(), { csrfFrom: '/apply' })).status).toBe(200);
  });

  it('mails the admins at most 20 requests an hour from all addresses together; the rest wait in the admin screen', async () => {
    t = await startTestApp();
    await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    const csrf = await browser.csrf('/apply');
    const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/apply',
        remoteAddress: `198.51.100.${i + 1}`,
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, ...form({ email: `b${i}@buyer.example` }) }).toString(),
      });
      expect(res.statusCode).toBe(200);
    }
    await t.ctx.worker.runDue(); // the notices go out through the outbox
    expect(await savedMails(t.dataDir)).toHaveLength(20);
    expect((t.ctx.database.sqlite.prepare('select count(*) as n from access_requests').get() as { n: number }).n).toBe(25);
  });
});

describe('the page after login (next)', () => {
  const TRICKY = [
    '//evil.com',
    '/\t/evil.com',
    '/\n/evil.com',
    '/\r/evil.com',
    '/\\evil.com',
    '/\\/evil.com',
    '\\\\evil.com',
    '/ /evil.com',
    '/\u0000/evil.com',
    '/\u000b/evil.com',
    '/\u00a0/evil.com',
    'https://evil.com',
    'http:/evil.com',
    'javascript:alert(1)',
    ' /orders',
    '',
    `/${'a'.repeat(3000)}`,
  ];

  it('is never another site, however it is written', () => {
    for (const next of TRICKY) expect(safeNext(next), JSON.stringify(next)).toBe('/');
    for (const next of ['/orders/5', '/catalog?q=%D0%B1%D0%BE%D0%BB%D1%82', '/catalog?q=болт&page=2', '/%2F%2Fevil.com'])
      expect(safeNext(next), next).toBe(next);
  });

  it('a signed-in visitor sent to /login?next=/%09/evil.com stays on the site', async () => {
    t = await startTestApp();
    const user = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    const login = await browser.post('/login', { email: user.email, password: 'correct horse battery', next: '/\t/evil.com' });
    expect(login.location).toBe('/');
    const again = await browser.get('/login?next=/%09/evil.com');
    expect(again.location).toBe('/');
  });
});

describe('1C exchange files', () => {
  const LOGIN = 'onec';
  const PASSWORD = 'secret-1c';

  async function start(settings: Record<string, unknown> = {}) {
    t = await startTestApp({ integrations: { commerceml: { login: LOGIN, password: PASSWORD, zip: false, ...settings } } } as never);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    return new OneCClient(address, LOGIN, PASSWORD);
  }

  it('a <Картинка> path outside the exchange folder is refused, not published as a photo', async () => {
    const client = await start();
    const secret = join((t as TestApp).dataDir, 'not-for-the-public.jpg');
    writeFileSync(secret, await sharp({ create: { width: 40, height: 40, channels: 3, background: '#c00' } }).jpeg().toBuffer());
    const outside = `${'../'.repeat(30)}${secret.slice(1)}`;
    const importXml = fixture('ut11-demo-2.07/import.xml')
      .toString('utf8')
      .replace(/<Картинка>[^<]*<\/Картинка>/, `<Картинка>${outside}</Картинка>`)
      .replace(/<Картинка>import_files[^<]*<\/Картинка>/, '<Картинка>/etc/hostname</Картинка>')
      .replace(/<Картинка>import_files[^<]*<\/Картинка>/g, '');
    await client.checkauth('catalog');
    await client.init('catalog');
    expect(await client.upload('catalog', 'import.xml', Buffer.from(importXml))).toMatch(/^success/);
    expect((await client.importUntilDone('catalog', 'import.xml')).final).toMatch(/^success/);
    const sqlite = (t as TestApp).ctx.database.sqlite;
    expect((sqlite.prepare('select count(*) as n from product_photos').get() as { n: number }).n).toBe(0);
    const run = sqlite.prepare("select counts, message from exchange_runs where kind = 'catalog' order by id desc").get() as { counts: string; message: string };
    expect(JSON.parse(run.counts)).toMatchObject({ photo_problems: 2 });
    expect(run.message).toMatch(/absolute path refused|"\.\." in a file name refused/);
  });

  it('max_package_mb is for the whole run, not for each archive', async () => {
    const client = await start({ max_package_mb: 1, zip: true });
    const padding = (seed: number) => Buffer.from(Array.from({ length: 700 * 1024 }, (_, i) => (i * 7919 + seed) % 251));
    await client.checkauth('catalog');
    await client.init('catalog');
    const first = makeZip([
      { name: 'import.xml', data: fixture('ut11-demo-2.07/import.xml') },
      { name: 'import_files/pad-1.dat', data: padding(1) },
    ]);
    const second = makeZip([
      { name: 'offers.xml', data: fixture('ut11-demo-2.07/offers.xml') },
      { name: 'import_files/pad-2.dat', data: padding(2) },
    ]);
    expect(first.length + second.length).toBeLessThan(1024 * 1024 + 300_000);
    expect(await client.upload('catalog', 'v8_1.zip', first)).toMatch(/^success/);
    expect(await client.upload('catalog', 'v8_2.zip', second)).toMatch(/^success/);
    expect((await client.importUntilDone('catalog', 'import.xml')).final).toMatch(/^failure\n.*max_package_mb/);
  });
});

describe('the request log', () => {
  it('shows no link tokens and no 1C session ids', async () => {
    const lines: string[] = [];
    t = await startTestApp({}, { log: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) });
    await t.app.inject({ method: 'GET', url: '/reset-password/abcdefghijklmnopqrstuvwxyz234567?x=1' });
    await t.app.inject({ method: 'GET', url: '/invite/zyxwvutsrqponmlkjihgfedcba765432' });
    await t.app.inject({ method: 'GET', url: '/1c_exchange?type=catalog&mode=file&sessid=S3SSION-ID-42&filename=a.xml' });
    const log = lines.join('');
    expect(log).toContain('incoming request');
    for (const secret of ['abcdefghijklmnopqrstuvwxyz234567', 'zyxwvutsrqponmlkjihgfedcba765432', 'S3SSION-ID-42']) expect(log).not.toContain(secret);
    expect(log).toContain('/reset-password/***?x=1');
    expect(log).toContain('sessid=***&filename=a.xml');
  });

  it('redacts what it must and nothing else', () => {
    expect(redactedUrl('/catalog?q=болт&page=2')).toBe('/catalog?q=болт&page=2');
    expect(redactedUrl('/invite/')).toBe('/invite/');
    expect(redactedUrl('/x?SessId=1&token=2&tokens=3')).toBe('/x?SessId=***&token=***&tokens=3');
  });
});

describe('the login throttle', () => {
  it('keeps a bounded key for a 1.5 MB "email"', async () => {
    t = await startTestApp();
    const browser = new Browser(t.app);
    for (let i = 0; i < 3; i++) {
      const res = await browser.post('/login', { email: `${String(i).repeat(1_500_000)}@x.ru`, password: 'wrong' });
      expect(res.status).toBe(401);
    }
    expect(t.ctx.loginThrottle.keyChars()).toBeLessThan(2_000);
  });
});
