import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, makeUser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('error pages', () => {
  it('shows a 404 page in the site layout and language', async () => {
    const res = await new Browser(t.app).get('/no/such/page', { 'accept-language': 'en' });
    expect(res.status).toBe(404);
    expect(res.body).toContain('Page not found');
    expect(res.body).toContain('class="site-header"');
  });

  it('shows a 500 page without internals when the database fails, and logs the details', async () => {
    const lines: string[] = [];
    const failing = await startTestApp({}, { log: pino({ level: 'error' }, { write: (line: string) => lines.push(line) }) });
    try {
      const user = await makeUser(failing.ctx, 'buyer');
      const browser = new Browser(failing.app);
      await browser.login(user.email);
      failing.ctx.database.sqlite.close();
      const res = await browser.get('/account?x=1');
      expect(res.status).toBe(500);
      expect(res.body).toContain('Что-то пошло не так');
      expect(res.body).not.toMatch(/database|sqlite|at .*\.ts/i);
      const entry = JSON.parse(lines.find((l) => l.includes('request failed')) ?? '{}');
      expect(entry.url).toBe('/account?x=1');
      expect(entry.method).toBe('GET');
      expect(entry.err.message).toMatch(/database connection is not open/);
      expect(entry.err.stack).toBeTruthy();
    } finally {
      await failing.close();
    }
  });

  it('refuses to serve a template path or a missing asset with details', async () => {
    const res = await new Browser(t.app).get('/assets/../../package.json');
    expect([403, 404]).toContain(res.status);
    expect(res.body).not.toContain('"dependencies"');
  });
});
