import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY, MINUTE } from '../src/clock.js';
import { Browser, makeUser, startTestApp, type TestApp, TEST_PASSWORD } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('login and logout', () => {
  it('logs a buyer in with the right password and out again', async () => {
    const user = await makeUser(t.ctx, 'buyer', { email: 'ivan@shop.test', name: 'Иван Петров' });
    const browser = new Browser(t.app);
    const login = await browser.login('Ivan@Shop.test');
    expect(login.status).toBe(303);
    expect(login.location).toBe('/');
    const cookie = login.headers['set-cookie'];
    expect(String(cookie)).toMatch(/optovik_session=[a-z2-7]{32}; .*HttpOnly; SameSite=Lax/);

    const home = await browser.get('/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('Иван Петров');

    const logout = await browser.post('/logout', {});
    expect(logout.location).toBe('/login?notice=auth.loggedOut');
    const after = await browser.get('/');
    expect(after.status).toBe(302);
    expect(after.location).toBe('/login?next=%2F');
    const sessions = await t.ctx.db.selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(0);
  });

  it('refuses a wrong password and an unknown email with the same message', async () => {
    await makeUser(t.ctx, 'buyer', { email: 'ivan@shop.test' });
    const browser = new Browser(t.app);
    const wrong = await browser.login('ivan@shop.test', 'not the password');
    const unknown = await browser.login('nobody@shop.test', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toContain('Неверная почта или пароль.');
    expect(unknown.body).toContain('Неверная почта или пароль.');
    expect(browser.cookies.has('optovik_session')).toBe(false);
  });

  it('stores only a hash of the session token', async () => {
    const user = await makeUser(t.ctx, 'manager');
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const token = browser.cookies.get('optovik_session') ?? '';
    const row = await t.ctx.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.id).not.toBe(token);
    expect(row.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not follow a login redirect to another site', async () => {
    const user = await makeUser(t.ctx, 'admin');
    const browser = new Browser(t.app);
    const res = await browser.post('/login', { email: user.email, password: TEST_PASSWORD, next: '//evil.example/x' });
    expect(res.location).toBe('/');
  });
});

describe('lockout', () => {
  it('locks an account after repeated failures, tells when to retry, and lets it in after the wait', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    for (let i = 0; i < t.config.auth.maxFailuresPerAccount; i++) {
      expect((await browser.login(user.email, 'wrong')).status).toBe(401);
    }
    const locked = await browser.login(user.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toContain('Попробуйте снова через 15 мин.');
    expect(locked.headers['retry-after']).toBe(String(15 * 60));

    t.clock.advance(15 * MINUTE + 1000);
    expect((await browser.login(user.email, TEST_PASSWORD)).status).toBe(303);
  });

  it('limits one IP trying many accounts', async () => {
    const t2 = await startTestApp({ auth: { max_failures_per_ip: 3 } });
    try {
      const user = await makeUser(t2.ctx, 'buyer');
      const browser = new Browser(t2.app);
      for (const email of ['a@x.test', 'b@x.test', 'c@x.test']) await browser.login(email, 'wrong');
      const res = await browser.login(user.email, TEST_PASSWORD);
      expect(res.status).toBe(429);
    } finally {
      await t2.close();
    }
  });
});

describe('session expiry and revocation', () => {
  it('expires an unused session and slides the expiry of a used one', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const active = new Browser(t.app);
    const idle = new Browser(t.app);
    await active.login(user.email);
    await idle.login(user.email);

    // Used after 20 of 30 days: renewed for another 30.
    t.clock.advance(20 * DAY);
    const renewed = await active.get('/');
    expect(renewed.status).toBe(200);
    expect(String(renewed.headers['set-cookie'])).toContain('optovik_session=');

    t.clock.advance(15 * DAY);
    expect((await active.get('/')).status).toBe(200);
    const expired = await idle.get('/');
    expect(expired.status).toBe(302);
    expect(expired.location).toMatch(/^\/login/);
  });

  it('signs out other devices when the password changes, keeping the current one', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const laptop = new Browser(t.app);
    const phone = new Browser(t.app);
    await laptop.login(user.email);
    await phone.login(user.email);
    const res = await laptop.post('/account/password', {
      current_password: TEST_PASSWORD,
      password: 'a brand new password',
      password_repeat: 'a brand new password',
    });
    expect(res.location).toBe('/account?notice=account.passwordChanged');
    expect((await laptop.get('/account')).status).toBe(200);
    expect((await phone.get('/account')).status).toBe(302);
    expect((await new Browser(t.app).login(user.email, TEST_PASSWORD)).status).toBe(401);
    expect((await new Browser(t.app).login(user.email, 'a brand new password')).status).toBe(303);
  });

  it('refuses a password change with a wrong current password', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const res = await browser.post('/account/password', { current_password: 'nope', password: 'another long one', password_repeat: 'another long one' });
    expect(res.status).toBe(422);
    expect(res.body).toContain('Текущий пароль указан неверно.');
  });

  it('ends the sessions of a disabled user', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await browser.login(user.email);
    await t.ctx.db.updateTable('users').set({ disabled_at: t.clock.now() }).where('id', '=', user.id).execute();
    expect((await browser.get('/')).status).toBe(302);
    expect((await new Browser(t.app).login(user.email)).status).toBe(401);
  });
});

describe('disabled companies', () => {
  it('signs out and keeps out the buyers of a disabled company', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const browser = new Browser(t.app);
    await browser.login(user.email);
    await t.ctx.db.updateTable('companies').set({ disabled_at: t.clock.now() }).where('id', '=', user.company_id ?? -1).execute();
    expect((await browser.get('/')).status).toBe(302);
    expect((await new Browser(t.app).login(user.email)).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('rejects a form without the token, with a foreign token, and from another origin', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const victim = new Browser(t.app);
    await victim.login(user.email);
    const noToken = await victim.post('/account/password', { _csrf: '', current_password: TEST_PASSWORD, password: 'x'.repeat(12), password_repeat: 'x'.repeat(12) });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toContain('Форма устарела');

    const attacker = new Browser(t.app);
    const attackerToken = await attacker.csrf('/login');
    const foreign = await victim.post('/logout', { _csrf: attackerToken });
    expect(foreign.status).toBe(403);

    const crossOrigin = await victim.post('/logout', {}, { headers: { origin: 'https://evil.example' } });
    expect(crossOrigin.status).toBe(403);
    expect((await victim.get('/account')).status).toBe(200);
  });

  it('protects the login form too', async () => {
    const user = await makeUser(t.ctx, 'buyer');
    const res = await new Browser(t.app).post('/login', { _csrf: 'forged', email: user.email, password: TEST_PASSWORD });
    expect(res.status).toBe(403);
  });
});
