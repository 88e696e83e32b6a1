import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, findChromium } from '../src/documents/chromium.js';
import { startTestApp, type TestApp } from './helpers.js';

const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
if (!chromium && process.env.CI === 'true') throw new Error('CI=true but no Chromium found: install chromium-headless-shell');
if (!chromium) console.warn('SKIPPED test/api-docs-browser.test.ts: no Chromium; apt-get install chromium-headless-shell');

let t: TestApp | undefined;
let profile: string | undefined;
afterEach(async () => {
  await t?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe.skipIf(!chromium)('the API documentation page in a real browser', () => {
  it('renders every operation under the portal’s own security policy, loading nothing from elsewhere', async () => {
    t = await startTestApp();
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    profile = mkdtempSync(join(tmpdir(), 'optovik-chromium-'));
    const browser = await puppeteer.launch({ executablePath: chromium?.path ?? '', headless: chromium?.headless ?? true, args: CHROMIUM_ARGS, userDataDir: profile });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => {
        if (!r.url().startsWith(base) && !r.url().startsWith('data:')) elsewhere.push(r.url());
      });
      await page.goto(`${base}/api/docs`, { waitUntil: 'networkidle0' });
      await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
      const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.textContent?.replace(/\u200b/g, '').trim() ?? ''));
      expect(paths).toEqual(expect.arrayContaining(['/api/v1/products', '/api/v1/orders', '/api/v1/orders/{number}/pdf']));
      expect(await page.$eval('.info .title', (n) => n.textContent ?? '')).toContain('Optovik API');
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
