/**
 * Every buyer and staff page through axe-core in a real Chromium, at 360 px and 1280 px, in
 * Russian and English: no serious or critical violation of WCAG 2.1 A/AA. The pages of the main
 * flow are saved as screenshots to test-artifacts/screenshots (git ignores the folder) so a
 * reviewer can look at them after a run.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import puppeteer, { type Browser as Chromium, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/clock.js';
import { CHROMIUM_ARGS, findChromium } from '../src/documents/chromium.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, checkout, makeCompany, makeUser, startTestApp, TEST_PASSWORD, type TestApp, tempDir } from './helpers.js';

const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
if (!chromium && process.env.CI === 'true') throw new Error('CI=true but no Chromium found: install chromium-headless-shell');
if (!chromium) console.warn('SKIPPED test/accessibility-browser.test.ts: no Chromium; apt-get install chromium-headless-shell');

const AXE_SOURCE: string = (createRequire(import.meta.url)('axe-core') as { source: string }).source;
const SCREENSHOTS = join(import.meta.dirname, '..', 'test-artifacts', 'screenshots');

type Role = 'anonymous' | 'buyer' | 'manager' | 'admin';
const WIDTHS = [360, 1280] as const;
const LOCALES = ['ru', 'en'] as const;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

describe.skipIf(!chromium)('accessibility (axe-core, WCAG 2.1 AA) in a real browser', () => {
  let t: TestApp;
  let browser: Chromium;
  let base: string;
  const ids = { product: 0, order: 0, company: 0 };
  const users: Record<Exclude<Role, 'anonymous'>, string> = { buyer: '', manager: '', admin: '' };

  beforeAll(async () => {
    t = await startTestApp({}, { clock: new ManualClock(Date.now()) });
    const catalog = await buildCatalog(t.ctx);
    const manager = await makeUser(t.ctx, 'manager');
    users.manager = manager.email;
    users.admin = (await makeUser(t.ctx, 'admin')).email;
    const company = await makeCompany(t.ctx, { name: 'Ромашка', managerId: manager.id });
    await t.ctx.db
      .updateTable('companies')
      .set({ price_type_id: catalog.priceTypes.wholesale })
      .where('id', '=', company.id)
      .execute();
    ids.company = company.id;
    users.buyer = (await makeUser(t.ctx, 'buyer', { companyId: company.id })).email;
    const product = await t.ctx.db.selectFrom('products').select('id').where('sku', '=', 'BLT-101').executeTakeFirstOrThrow();
    ids.product = product.id;
    // An order to look at, and something in the cart for the cart and checkout pages.
    const buying = new Browser(t.app);
    await buying.login(users.buyer);
    expect(
      (await buying.post('/cart/add', { next: '/catalog', [`qty[${product.id}]`]: '10' }, { csrfFrom: '/catalog' })).status,
    ).toBe(303);
    const placed = await checkout(buying);
    expect(placed.orderId).toBeGreaterThan(0);
    ids.order = placed.orderId;
    expect(
      (await buying.post('/cart/add', { next: '/catalog', [`qty[${product.id}]`]: '20' }, { csrfFrom: '/catalog' })).status,
    ).toBe(303);

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

  const pages = (): Record<Role, string[]> => ({
    anonymous: ['/login', '/apply', '/forgot-password'],
    buyer: [
      '/',
      '/catalog',
      `/catalog?q=${encodeURIComponent('болт')}`,
      `/catalog/p/${ids.product}`,
      '/cart',
      '/checkout',
      '/orders',
      `/orders/${ids.order}`,
      '/quick-order',
      '/account',
      '/account/api',
      '/finance',
    ],
    manager: ['/manager', '/desk', `/desk/orders/${ids.order}`, '/admin/companies'],
    admin: [
      '/admin/companies',
      `/admin/companies/${ids.company}`,
      '/admin/companies/new',
      '/admin/users',
      '/admin/users/new',
      '/admin/exchange',
      '/admin/jobs',
      '/admin/access-requests',
      '/admin/api-tokens',
      '/admin/mail',
      `/admin/products/${ids.product}/photos`,
      '/admin/catalog?q=BLT',
      `/admin/catalog/products/${ids.product}`,
      '/admin/catalog/products/new',
      '/admin/catalog/lists',
    ],
  });

  async function signedIn(role: Role, locale: (typeof LOCALES)[number], width: number): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height: 900 });
    await page.setCookie({ name: 'optovik_locale', value: locale, url: base });
    if (role === 'anonymous') return page;
    await page.goto(`${base}/login`);
    await page.type('#f-email', users[role]);
    await page.type('#f-password', TEST_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
    return page;
  }

  async function violationsOf(page: Page): Promise<Violation[]> {
    await page.evaluate(AXE_SOURCE);
    const result = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] })`,
    )) as { violations: Violation[] };
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  }

  it('finds a planted violation (the check itself works on our pages)', async () => {
    const page = await signedIn('buyer', 'ru', 1280);
    await page.goto(`${base}/catalog`);
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="/x.png"><button></button>')`);
    expect((await violationsOf(page)).map((v) => v.id).sort()).toEqual(['button-name', 'image-alt']);
    await page.browserContext().close();
  });

  /** Presses Tab until the focus is on `selector` (as a keyboard user moves), failing after `max` presses. */
  async function tabTo(page: Page, selector: string, max = 300): Promise<void> {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(`document.activeElement?.matches(${JSON.stringify(selector)}) ?? false`)) return;
    }
    throw new Error(`Tab never reached ${selector} on ${page.url()}`);
  }

  it('a buyer orders with the keyboard alone: search, quantity, cart, checkout', async () => {
    const page = await signedIn('buyer', 'ru', 1280);
    await t.ctx.db.updateTable('users').set({ locale: 'ru' }).execute();
    await t.ctx.db.deleteFrom('cart_items').execute();
    await page.goto(`${base}/catalog`);
    await tabTo(page, 'input[name="q"]');
    await page.keyboard.type('болт');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await tabTo(page, 'form.order-form input.qty-input');
    await page.keyboard.type('2');
    await tabTo(page, 'form.order-form button[type="submit"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await tabTo(page, 'a[href="/cart"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).pathname).toBe('/cart');
    await tabTo(page, 'a[href="/checkout"]');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    await tabTo(page, 'form.checkout button[type="submit"].primary');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    const alert = await page.$eval('[role="alert"]', (a) => a.textContent ?? '').catch(() => '');
    expect(new URL(page.url()).pathname, alert).toMatch(/^\/orders\/\d+$/);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, '1280-buyer-keyboard-order-placed.png'), fullPage: true });
    await page.browserContext().close();
    // The cart and checkout pages below are checked with something in the cart.
    const buying = new Browser(t.app);
    await buying.login(users.buyer);
    expect((await buying.post('/cart/add', { next: '/catalog', [`qty[${ids.product}]`]: '2' }, { csrfFrom: '/catalog' })).status).toBe(303);
  });

  for (const locale of LOCALES)
    for (const width of WIDTHS)
      it(`no serious or critical violations on any page, ${locale}, ${width} px`, async () => {
        await t.ctx.db.updateTable('users').set({ locale }).execute();
        const found: string[] = [];
        for (const [role, urls] of Object.entries(pages()) as Array<[Role, string[]]>) {
          const page = await signedIn(role, locale, width);
          for (const url of urls) {
            const response = await page.goto(`${base}${url}`);
            expect(response?.status(), `${role} ${url}`).toBe(200);
            expect(await page.$eval('html', (h) => h.lang)).toBe(locale);
            for (const v of await violationsOf(page))
              found.push(
                `${role} ${url}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
                  .map((n) => n.target.join(' '))
                  .slice(0, 3)
                  .join(', ')}`,
              );
            if (locale === 'ru' && (role === 'buyer' || role === 'anonymous')) {
              mkdirSync(SCREENSHOTS, { recursive: true });
              const name = `${width}-${role}${url.replace(/[^a-z0-9]+/gi, '-').replace(/-+$/, '')}.png`;
              await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
            }
          }
          await page.browserContext().close();
        }
        expect(found).toEqual([]);
      }, 180_000);
});
