import puppeteer, { type Browser as Chromium } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { CHROMIUM_ARGS, findChromium } from '../src/documents/chromium.js';
import { buildCatalog } from './catalog-fixture.js';
import { makeUser, startTestApp, type TestApp, TEST_PASSWORD, tempDir } from './helpers.js';

// Real Chromium against a real port: what a buyer's browser does, headers and all.
const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
if (!chromium && process.env.CI === 'true') throw new Error('CI=true but no Chromium found: install chromium-headless-shell');
if (!chromium) console.warn('SKIPPED test/browser.test.ts (real browser tests): no Chromium; apt-get install chromium-headless-shell');

describe.skipIf(!chromium)('in a real browser', () => {
  let t: TestApp;
  let browser: Chromium;
  let base: string;
  let buyerEmail: string;
  let catalog: Awaited<ReturnType<typeof buildCatalog>>;

  beforeAll(async () => {
    // A real browser drops cookies that expire in the past: run on today's date.
    t = await startTestApp({}, { clock: new ManualClock(Date.now()) });
    catalog = await buildCatalog(t.ctx);
    buyerEmail = (await makeUser(t.ctx, 'buyer', { name: 'Иван Покупатель' })).email;
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await puppeteer.launch({
      executablePath: chromium?.path ?? '',
      headless: chromium?.headless ?? true,
      args: CHROMIUM_ARGS,
      userDataDir: tempDir('optovik-chromium-'),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function loggedInPage(width: number) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height: 800 });
    await page.goto(`${base}/login`);
    await page.type('#f-email', buyerEmail);
    await page.type('#f-password', TEST_PASSWORD);
    const [response] = await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
    expect(response?.status(), await page.content()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/');
    return page;
  }

  /** How far the page is wider than the screen, and the elements that stick out (for the failure message). */
  async function overflowOf(page: Awaited<ReturnType<typeof loggedInPage>>) {
    return (await page.evaluate(`(() => {
      const width = window.innerWidth;
      const culprits = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > width + 0.5)
        .slice(0, 5)
        .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '') + ' right=' + Math.round(el.getBoundingClientRect().right));
      return { overflow: document.documentElement.scrollWidth - width, culprits };
    })()`)) as { overflow: number; culprits: string[] };
  }

  it('logs in through the form, searches the catalog and logs out', async () => {
    const page = await loggedInPage(1280);
    expect(await page.$eval('h1', (h) => h.textContent)).toContain('Иван Покупатель');
    await page.goto(`${base}/catalog`);
    await page.type('#q', 'blt 110');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const firstSku = await page.$eval('table.products tbody tr td.sku', (td) => td.textContent?.trim() ?? '');
    expect(firstSku).toMatch(/^BLT-110/);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/logout"] button')]);
    expect(page.url()).toBe(`${base}/login?notice=auth.loggedOut`);
  });

  it('a buyer orders on a 360 px phone without sideways scrolling, Enter moving between quantities', async () => {
    const page = await loggedInPage(360);
    await page.goto(`${base}/catalog?q=${encodeURIComponent('болт')}`);
    const inputs = await page.$$('input.qty-input');
    await inputs[0]?.type('10');
    await page.keyboard.press('Enter');
    // Enter went to the next quantity instead of submitting the form.
    expect(new URL(page.url()).pathname).toBe('/catalog');
    await page.keyboard.type('20');
    await Promise.all([page.waitForNavigation(), page.click('.add-bar button')]);
    expect(page.url()).toContain('notice=orders.addedToCart');
    const productPages = [catalog.cableId, catalog.products[6]?.id, catalog.onRequest].map((id) => `/catalog/p/${id}`);
    for (const path of ['/', '/catalog', '/catalog?q=болт', ...productPages, '/account', '/cart', '/checkout', '/quick-order']) {
      await page.goto(`${base}${path}`);
      const { overflow, culprits } = await overflowOf(page);
      expect(overflow, `${path}: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
    }
    await page.goto(`${base}/checkout`);
    await Promise.all([page.waitForNavigation(), page.click('form.checkout button[type=submit]')]);
    expect(page.url()).toMatch(/\/orders\/\d+\?notice=orders\.placed$/);
    for (const path of [new URL(page.url()).pathname, '/orders']) {
      await page.goto(`${base}${path}`);
      const { overflow, culprits } = await overflowOf(page);
      expect(overflow, `${path}: ${culprits.join(', ')}`).toBeLessThanOrEqual(0);
    }
  });
});
