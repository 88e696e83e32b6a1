import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser as Chromium, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setProductCharacteristics } from '../src/catalog/variants.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { refreshStockTotals } from '../src/catalog/stock.js';
import { ManualClock } from '../src/clock.js';
import { CHROMIUM_ARGS, findChromium } from '../src/documents/chromium.js';
import { buildCatalog } from './catalog-fixture.js';
import { makeUser, startTestApp, type TestApp, TEST_PASSWORD } from './helpers.js';

// The variant grid in a real browser: keyboard entry, and a 360 px phone where the grid scrolls in
// its own box with the header row and the first column kept in view.
const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
if (!chromium && process.env.CI === 'true') throw new Error('CI=true but no Chromium found: install chromium-headless-shell');

const LENGTHS = ['1,5 м', '2 м', '3 м', '5 м', '7,5 м', '10 м', '12 м', '15 м', '20 м', '25 м', '30 м', '50 м'];
const SECTIONS = ['0,75 мм²', '1,5 мм²', '2,5 мм²', '4 мм²', '6 мм²'];

describe.skipIf(!chromium)('variant grid in a real browser', () => {
  let t: TestApp;
  let browser: Chromium;
  let base: string;
  let buyerEmail: string;
  let companyId: number;
  let parentId: number;
  let categoryId: number;
  const profile = mkdtempSync(join(tmpdir(), 'optovik-chromium-'));
  /** variant ids by "length|section" */
  const variants = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({}, { clock: new ManualClock(Date.now()) });
    const catalog = await buildCatalog(t.ctx);
    const db = t.ctx.db;
    const now = t.ctx.clock.now();
    categoryId = catalog.categories.cable;
    const metre = await db.selectFrom('units').select('id').where('code', '=', '006').executeTakeFirstOrThrow();
    const product = (values: { sku: string; name: string; parent: number | null; hasVariants: boolean }) =>
      db
        .insertInto('products')
        .values({
          sku: values.sku,
          sku_norm: normalizeSku(values.sku),
          name: values.name,
          category_id: categoryId,
          unit_id: metre.id,
          vat_bp: 2000,
          parent_id: values.parent,
          has_variants: values.hasVariants ? 1 : 0,
          external_1c_id: null,
          external_ms_id: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
    parentId = (await product({ sku: 'ПВС', name: 'Провод ПВС в бухтах', parent: null, hasVariants: true })).id;
    const warehouse = catalog.warehouses.main;
    for (const [i, length] of LENGTHS.entries()) {
      for (const [j, section] of SECTIONS.entries()) {
        if (i === 11 && j === 4) continue; // 50 m of 6 mm² is not sold
        const id = (await product({ sku: `ПВС-${i}-${j}`, name: 'Провод ПВС в бухтах', parent: parentId, hasVariants: false })).id;
        variants.set(`${length}|${section}`, id);
        // The way a MoySklad or spreadsheet reader fills characteristics in.
        await setProductCharacteristics(db, id, [
          ['Сечение', section],
          ['Длина', length],
        ]);
        if (!(i === 0 && j === 4)) await db.insertInto('prices').values({ product_id: id, price_type_id: catalog.priceTypes.wholesale, price: 1000 * (i + 1) + 100 * j }).execute();
        await db.insertInto('stock').values({ product_id: id, warehouse_id: warehouse, quantity: i === 2 && j === 1 ? 0 : 40 }).execute();
      }
    }
    await refreshStockTotals(db, null);
    const buyer = await makeUser(t.ctx, 'buyer', { name: 'Иван Покупатель' });
    buyerEmail = buyer.email;
    companyId = buyer.company_id ?? -1;
    await db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale }).where('id', '=', companyId).execute();
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    browser = await puppeteer.launch({
      executablePath: chromium?.path ?? '',
      headless: chromium?.headless ?? true,
      args: CHROMIUM_ARGS,
      userDataDir: profile,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  async function loggedInPage(width: number): Promise<Page> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height: 740 });
    await page.goto(`${base}/login`);
    await page.type('#f-email', buyerEmail);
    await page.type('#f-password', TEST_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
    return page;
  }

  const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth') as Promise<number>;

  it('on a 360 px phone the grid scrolls inside its box and keeps the header row and first column in view', async () => {
    const page = await loggedInPage(360);
    for (const path of [`/catalog/p/${parentId}`, `/catalog?c=${categoryId}`]) {
      await page.goto(`${base}${path}`);
      expect(await overflow(page), path).toBeLessThanOrEqual(0);
      const box = await page.$eval('.variant-grid', (el) => ({
        sideways: el.scrollWidth > el.clientWidth,
        down: el.scrollHeight > el.clientHeight,
        width: el.getBoundingClientRect().width,
      }));
      expect(box.sideways, path).toBe(true);
      expect(box.down, path).toBe(true);
      expect(box.width, path).toBeLessThanOrEqual(360);

      // Scrolled down and to the right, the header and the row names stay at the box's edges.
      const kept = await page.$eval('.variant-grid', (el) => {
        el.scrollTop = 400;
        el.scrollLeft = 250;
        const frame = el.getBoundingClientRect();
        const header = el.querySelector('thead th:nth-child(3)')?.getBoundingClientRect();
        const rowName = el.querySelector('tbody tr:nth-child(8) th')?.getBoundingClientRect();
        const topmost = el.ownerDocument.elementFromPoint(frame.left + frame.width / 2, frame.top + 8);
        return {
          headerTop: (header?.top ?? 0) - frame.top,
          rowNameLeft: (rowName?.left ?? 0) - frame.left,
          rowNameVisible: rowName ? rowName.bottom > frame.top && rowName.top < frame.bottom : false,
          topmostInHeader: topmost?.closest('thead') !== null,
        };
      });
      expect(Math.abs(kept.headerTop), path).toBeLessThanOrEqual(2);
      expect(Math.abs(kept.rowNameLeft), path).toBeLessThanOrEqual(2);
      expect(kept.rowNameVisible, path).toBe(true);
      expect(kept.topmostInHeader, path).toBe(true);
    }
  });

  it('takes quantities from the keyboard (Enter along the row, arrows up and down) and sends the whole grid at once', async () => {
    const page = await loggedInPage(1280);
    // On a desktop the listing keeps its width too: the grid takes its row's width, not its own.
    await page.goto(`${base}/catalog?c=${categoryId}`);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await page.$$eval('table.products tr.grid-row', (rows) => rows.length)).toBe(1);
    await page.goto(`${base}/catalog/p/${parentId}`);
    const field = (length: string, section: string) => `input[name="qty[${variants.get(`${length}|${section}`)}]"]`;
    // Rows are lengths (12 values), columns sections (5), in the order a buyer reads them.
    const headers = await page.$$eval('.variant-grid thead th', (ths) => ths.map((th) => th.textContent?.trim()));
    expect(headers).toEqual(['Длина \\ Сечение', ...SECTIONS]);
    const rows = await page.$$eval('.variant-grid tbody th', (ths) => ths.map((th) => th.textContent?.trim()));
    expect(rows).toEqual(LENGTHS);
    // Cells that cannot be ordered have no box: no price, out of stock, not sold at all.
    expect(await page.$(field('1,5 м', '6 мм²'))).toBeNull();
    expect(await page.$(field('3 м', '1,5 мм²'))).toBeNull();
    expect(await page.$$eval('.variant-grid td.cell.none', (tds) => tds.length)).toBe(1);
    const off = await page.$$eval('.variant-grid td.cell.off', (tds) =>
      tds.map((td) => [td.querySelector('.cell-state')?.textContent ?? '', td.querySelector('.cell-price')?.textContent ?? ''].map((s) => s.replace(/[\u00a0\u202f]/g, ' '))),
    );
    expect(off).toEqual([
      ['Цена по запросу', ''],
      ['нет в наличии', '31,00 ₽'],
    ]);

    await page.click(field('2 м', '0,75 мм²'));
    await page.keyboard.type('10');
    await page.keyboard.press('Enter'); // along the row
    await page.keyboard.type('5');
    await page.keyboard.press('ArrowDown'); // to 3 m, 1,5 mm²: out of stock, stepped over to 5 m
    await page.keyboard.type('3');
    await page.keyboard.press('ArrowLeft'); // the caret is after "3": stays in the box
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight'); // at the end: next column
    await page.keyboard.type('7');
    expect(new URL(page.url()).pathname).toBe(`/catalog/p/${parentId}`);
    await Promise.all([page.waitForNavigation(), page.click('.variant-form .add-bar button')]);
    expect(page.url()).toContain('notice=orders.addedToCart');

    const cart = await t.ctx.db.selectFrom('cart_items').select(['product_id', 'quantity']).where('company_id', '=', companyId).orderBy('product_id').execute();
    expect(cart).toEqual(
      [
        { product_id: variants.get('2 м|0,75 мм²'), quantity: 10 },
        { product_id: variants.get('2 м|1,5 мм²'), quantity: 5 },
        { product_id: variants.get('5 м|1,5 мм²'), quantity: 3 },
        { product_id: variants.get('5 м|2,5 мм²'), quantity: 7 },
      ].sort((a, b) => (a.product_id ?? 0) - (b.product_id ?? 0)),
    );
  });
});
