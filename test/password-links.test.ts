import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOUR } from '../src/clock.js';
import { Browser, linkIn, makeUser, parseEml, savedMails, startTestApp, type TestApp, TEST_PASSWORD } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

/** Asks for a reset link, then lets the job worker send what was queued. */
async function askForReset(browser: Browser, email: string, app: TestApp = t) {
  const res = await browser.post('/forgot-password', { email }, { csrfFrom: '/forgot-password' });
  await app.worker.runDue();
  return res;
}

describe('forgot password', () => {
  it('mails a one-time link that sets a new password, signs in, and then stops working', async () => {
    const user = await makeUser(t.ctx, 'buyer', { email: 'olga@shop.test', name: 'Ольга' });
    const oldSession = new Browser(t.app);
    await oldSession.login(user.email);

    const browser = new Browser(t.app);
    const asked = await askForReset(browser, 'OLGA@shop.test');
    expect(asked.status).toBe(200);
    expect(asked.body).toContain('письмо со ссылкой уже в пути');
    const [mail] = await savedMails(t.dataDir);
    expect(mail?.to).toBe('olga@shop.test');
    expect(mail?.subject).toBe('Смена пароля в Optovik');
    const path = linkIn(mail?.text ?? '', '/reset-password');

    expect((await browser.get(path)).status).toBe(200);
    const set = await browser.post(path, { password: 'my new secret 42', password_repeat: 'my new secret 42' }, { csrfFrom: path });
    expect(set.status).toBe(303);
    expect(set.location).toBe('/?notice=auth.passwordSet');
    expect((await browser.get(set.location ?? '')).body).toContain('Пароль сохранён.');

    // Old sessions end with the old password; the link is spent.
    expect((await oldSession.get('/')).status).toBe(302);
    const again = await new Browser(t.app).get(path);
    expect(again.status).toBe(410);
    expect(again.body).toContain('Эта ссылка уже использована');
    expect((await new Browser(t.app).login(user.email, 'my new secret 42')).status).toBe(303);
  });

  it('answers the same for an unknown address and sends nothing', async () => {
    const res = await askForReset(new Browser(t.app), 'ghost@nowhere.test');
    expect(res.status).toBe(200);
    expect(res.body).toContain('письмо со ссылкой уже в пути');
    expect(await savedMails(t.dataDir)).toHaveLength(0);
  });

  it('refuses an expired link and a tampered one', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await askForReset(browser, user.email);
    const path = linkIn((await savedMails(t.dataDir))[0]?.text ?? '', '/reset-password');
    t.clock.advance(t.config.auth.resetLinkHours * HOUR + 1);
    const expired = await browser.get(path);
    expect(expired.status).toBe(410);
    expect(expired.body).toContain('Срок действия ссылки истёк');
    const post = await browser.post(path, { password: 'long enough pass', password_repeat: 'long enough pass' }, { csrfFrom: '/login' });
    expect(post.status).toBe(410);
    expect((await new Browser(t.app).login(user.email, TEST_PASSWORD)).status).toBe(303);

    const tampered = await browser.get('/reset-password/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(tampered.status).toBe(410);
    expect(tampered.body).toContain('Ссылка недействительна');
  });

  it('keeps the link usable after a too-short or mismatched password', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await askForReset(browser, user.email);
    const path = linkIn((await savedMails(t.dataDir))[0]?.text ?? '', '/reset-password');
    const short = await browser.post(path, { password: 'short', password_repeat: 'short' }, { csrfFrom: path });
    expect(short.status).toBe(422);
    expect(short.body).toContain('Пароль должен быть не короче 10 символов.');
    const mismatch = await browser.post(path, { password: 'long enough one', password_repeat: 'long enough two' }, { csrfFrom: path });
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toContain('Пароли не совпадают.');
    const ok = await browser.post(path, { password: 'long enough one', password_repeat: 'long enough one' }, { csrfFrom: path });
    expect(ok.status).toBe(303);
  });

  it('only the newest link works when two were asked for', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await askForReset(browser, user.email);
    await askForReset(browser, user.email);
    const [first, second] = (await savedMails(t.dataDir)).map((m) => linkIn(m.text, '/reset-password'));
    expect((await browser.get(first ?? '')).status).toBe(410);
    expect((await browser.get(second ?? '')).status).toBe(200);
  });

  it('sends the mail in the user language', async () => {
    await makeUser(t.ctx, 'buyer', { email: 'john@shop.test', locale: 'en', name: 'John' });
    await askForReset(new Browser(t.app), 'john@shop.test');
    const [mail] = await savedMails(t.dataDir);
    expect(mail?.subject).toBe('Password reset for Optovik');
    expect(mail?.text).toContain('Hello, John!');
  });
});

describe('mail through a real SMTP server', () => {
  it('delivers the reset mail over SMTP with authentication', async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: false,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _session, callback) {
        if (auth.username === 'portal' && auth.password === 's3cret') callback(null, { user: 'portal' });
        else callback(new Error('bad login'));
      },
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          received.push(Buffer.concat(chunks).toString('utf8'));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    const smtp = await startTestApp({
      smtp: { host: '127.0.0.1', port, security: 'none', username: 'portal', password: 's3cret', from: 'Портал <orders@optovik.test>' },
    });
    try {
      await makeUser(smtp.ctx, 'buyer', { email: 'olga@shop.test', name: 'Ольга' });
      await askForReset(new Browser(smtp.app), 'olga@shop.test', smtp);
      expect(received).toHaveLength(1);
      const mail = await parseEml(received[0] ?? '');
      expect(mail.to).toBe('olga@shop.test');
      expect(mail.subject).toBe('Смена пароля в Optovik');
      expect(mail.text).toContain('Здравствуйте, Ольга!');
      expect(linkIn(mail.text, '/reset-password')).toMatch(/^\/reset-password\/[a-z2-7]{32}$/);
      expect(await savedMails(smtp.dataDir)).toHaveLength(0);
    } finally {
      await smtp.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
