import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => {
  await t.close();
});

describe('security headers', () => {
  it('every page forbids framing, foreign scripts and sniffing, and keeps referrers on this site', async () => {
    for (const path of ['/login', '/no-such-page', '/assets/css/app.css']) {
      const res = await new Browser(t.app).get(path);
      expect(res.headers['content-security-policy'], path).toContain("script-src 'self'");
      expect(res.headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(res.headers['x-frame-options'], path).toBe('DENY');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.headers['referrer-policy'], path).toBe('same-origin');
    }
  });

  it('asks browsers to upgrade to HTTPS only when the portal is served over HTTPS', async () => {
    expect((await new Browser(t.app).get('/login')).headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    const tls = await startTestApp({ server: { public_url: 'https://portal.example.ru' } });
    try {
      const res = await tls.app.inject({ url: '/login', headers: { host: 'portal.example.ru' } });
      expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
      expect(String(res.headers['set-cookie'])).toContain('Secure');
    } finally {
      await tls.close();
    }
  });
});
