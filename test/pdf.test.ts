import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeepPartialRecord, loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { findChromium } from '../src/documents/chromium.js';
import { renderOrderHtml } from '../src/documents/order-document.js';
import { createPdfRenderer, type PdfRenderer, PdfTimeoutError, PdfUnavailableError, renderOrderPdf } from '../src/documents/pdf.js';
import { formatMoney } from '../src/i18n/index.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, checkout, makeCompany, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

// Real Chromium and poppler: the PDF a buyer opens, read back as text.
const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
const poppler = existsSync('/usr/bin/pdftotext') && existsSync('/usr/bin/pdfinfo');
if ((!chromium || !poppler) && process.env.CI === 'true') {
  throw new Error('CI=true but no Chromium or poppler-utils found: apt-get install chromium-headless-shell poppler-utils');
}
if (!chromium) console.warn('SKIPPED test/pdf.test.ts (order PDFs in Chromium): no Chromium; apt-get install chromium-headless-shell');
else if (!poppler) console.warn('SKIPPED test/pdf.test.ts (order PDFs in Chromium): no pdftotext; apt-get install poppler-utils');

const SELLER = { name: 'ООО «Оптовик-Трейд»', inn: '7712345671', kpp: '771201001', address: 'Москва, ул. Складская, д. 5', phone: '+7 495 123-45-67' };
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');
const quietLog = () => {
  const warnings: unknown[][] = [];
  return { warnings, log: { warn: (...args: unknown[]) => void warnings.push(args), info: () => {} } };
};

function configWith(overrides: DeepPartialRecord): Config {
  const dataDir = tempDir();
  return loadConfig({ cwd: dataDir, env: {}, overrides: { demo: false, data_dir: dataDir, log: { level: 'silent' }, ...overrides } });
}

/** pdftotext -layout, one string per page (pdftotext ends every page with a form feed). */
function pdfPages(file: string): string[] {
  const text = plain(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
  return text.split('\f').slice(0, -1);
}

describe('without a browser', () => {
  it('a configured chromium_path that does not exist means unavailable, not another browser', async () => {
    expect(findChromium('/nonexistent/chromium')).toBeNull();
    const { warnings, log } = quietLog();
    const renderer = createPdfRenderer(configWith({ documents: { chromium_path: '/nonexistent/chromium' } }), log as never);
    expect(renderer.available).toBe(false);
    expect(renderer.reason).toContain('/nonexistent/chromium');
    expect(renderer.reason).toContain('apt-get install chromium-headless-shell');
    expect(warnings).toHaveLength(1);
    await expect(renderer.render('<p>x</p>')).rejects.toThrow(PdfUnavailableError);
    await expect(renderer.render('<p>x</p>')).rejects.toThrow(/apt-get install chromium-headless-shell/);
    expect(warnings).toHaveLength(1);
    expect(renderer.stats()).toEqual({ launches: 0, renders: 0 });
    await renderer.close();
  });
});

describe.skipIf(!chromium || !poppler)('order PDFs in a real Chromium', () => {
  let t: TestApp;
  let catalog: Awaited<ReturnType<typeof buildCatalog>>;
  let renderer: PdfRenderer;

  beforeAll(async () => {
    t = await startTestApp({ seller: SELLER, documents: { chromium_path: process.env.CHROMIUM_PATH ?? '' } });
    catalog = await buildCatalog(t.ctx);
    renderer = createPdfRenderer(t.config, t.ctx.log);
  });
  afterAll(async () => {
    await renderer?.close();
    await t?.close();
  });

  /** An order through the real cart and checkout, as a buyer places it. */
  async function placeOrder(): Promise<number> {
    const company = await makeCompany(t.ctx, { name: 'Ромашка' });
    await t.ctx.db.updateTable('companies').set({ price_type_id: catalog.priceTypes.wholesale }).where('id', '=', company.id).execute();
    const user = await makeUser(t.ctx, 'buyer', { companyId: company.id, name: 'Иван' });
    const browser = new Browser(t.app);
    await browser.login(user.email);
    const qty: Record<string, string> = { next: '/catalog' };
    for (const [sku, n] of [['BLT-101', '10'], ['ВВГ-3×2.5', '2,5']] as const) {
      const p = catalog.products.find((x) => x.sku === sku);
      qty[`qty[${p?.id}]`] = n;
    }
    expect((await browser.post('/cart/add', qty, { csrfFrom: '/catalog' })).status).toBe(303);
    const { res, orderId: id } = await checkout(browser, { po_number: 'PO-77' });
    expect(id, `checkout answered ${res.status}`).toBeGreaterThan(0);
    return id;
  }

  /** A big order straight into the tables; every line's name ends in a token unique to it. */
  async function insertOrder(lines: number): Promise<number> {
    const company = await makeCompany(t.ctx, { name: 'Большой заказчик' });
    const now = t.clock.now();
    const priced = Array.from({ length: lines }, (_, i) => ({ quantity: 1 + (i % 7), unit_price: 1_000 + i * 37 }));
    const total = priced.reduce((sum, l) => sum + l.quantity * l.unit_price, 0);
    const order = await t.ctx.db
      .insertInto('orders')
      .values({
        number: `BIG-${company.id}`,
        company_id: company.id,
        legal_entity_id: null,
        buyer_name: 'ООО «Большой заказчик»',
        buyer_inn: '7709876543',
        placed_by: null,
        manager_id: null,
        desired_date: null,
        price_type_id: null,
        prices_include_vat: 1,
        subtotal: total,
        discount_total: 0,
        vat_total: Math.round(total / 6),
        total,
        line_count: lines,
        idempotency_key: `big-${company.id}`,
        external_1c_id: null,
        external_number: null,
        exported_at: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .insertInto('order_lines')
      .values(
        priced.map((l, i) => ({
          order_id: order.id,
          line_no: i + 1,
          product_id: null,
          sku: `SKU-${i + 1}`,
          // Every fifth name wraps over three or four lines: rows of different heights near page ends.
          name: `${i % 5 === 0 ? 'Шуруп самонарезающий по металлу с прессшайбой и сверлом, оцинкованный, в коробке по 250 штук, ГОСТ 11652-80 ' : 'Саморез кровельный '}Хвост${i + 1}`,
          product_1c_id: null,
          product_ms_id: null,
          quantity: l.quantity,
          list_price: null,
          unit_price: l.unit_price,
          line_total: l.quantity * l.unit_price,
          vat_bp: 2000,
        })),
      )
      .execute();
    return order.id;
  }

  it('makes the order PDF with real Cyrillic text: number, products, buyer INN, total as on the page', async () => {
    const id = await placeOrder();
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const file = await renderOrderPdf(t.ctx, renderer, id, 'ru');
    expect(file).toBe(`${t.dataDir}/pdf/${order.number}.pdf`);
    expect(readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
    expect(readdirSync(`${t.dataDir}/pdf`).filter((f) => !f.endsWith('.pdf'))).toEqual([]); // no temp file left behind
    const [page] = pdfPages(file);
    expect(page).toContain(`Заказ покупателя № ${order.number}`);
    expect(page).toContain('Болт шестигранный');
    expect(page).toContain('Кабель ВВГнг-LS');
    expect(order.buyer_inn).toBe('7701234567');
    expect(page).toContain(`ИНН ${order.buyer_inn}`);
    expect(page).toContain(`ИНН ${SELLER.inn}`);
    expect(page).toContain('Оптовик-Трейд');
    // The page the buyer prints shows the total exactly this way.
    const total = plain(formatMoney(order.total, 'ru'));
    expect(total).toMatch(/^\d[\d ]*,\d\d ₽$/);
    expect(page).toContain(total);
    expect(page).toContain('стр. 1 из 1');
    expect(execFileSync('pdffonts', [file], { encoding: 'utf8' })).toMatch(/DejaVu/);
  });

  it('the printable page is the same document, linking its stylesheet instead of carrying it', async () => {
    const id = await placeOrder();
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const buyer = await t.ctx.db.selectFrom('users').select('email').where('company_id', '=', order.company_id).executeTakeFirstOrThrow();
    const browser = new Browser(t.app);
    await browser.login(buyer.email);
    const print = await browser.get(`/orders/${id}/print`);
    expect(print.status).toBe(200);
    expect(print.body).toBe(await renderOrderHtml(t.ctx, id, 'ru'));
    expect(print.body).toContain('href="/assets/css/document.css"');
    expect(plain(print.body)).toContain(`ООО «Оптовик-Трейд», ИНН ${SELLER.inn}, КПП ${SELLER.kpp}, ${SELLER.address}, тел. ${SELLER.phone}`);
    const forPdf = await renderOrderHtml(t.ctx, id, 'ru', { inlineCss: true });
    expect(forPdf).not.toContain('document.css"');
    expect(forPdf).toContain('<style>/* The order document');
    expect(forPdf).toContain("default-src 'none'");
    const english = await renderOrderHtml(t.ctx, id, 'en');
    expect(english).toContain(`Customer order No. ${order.number}`);
  });

  it('paginates 200 lines: header repeated on every page, page numbers, no row cut in half', async () => {
    const id = await insertOrder(200);
    const file = await renderOrderPdf(t.ctx, renderer, id, 'ru');
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))?.[1]);
    expect(pages).toBeGreaterThanOrEqual(3);
    const text = pdfPages(file);
    expect(text).toHaveLength(pages);
    const page2 = plain(execFileSync('pdftotext', ['-layout', '-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' }));
    expect(page2).toMatch(/№\s+Артикул\s+Наименование\s+Кол-во\s+Ед\.\s+Цена\s+НДС\s+Сумма/);
    expect(page2).toContain(`стр. 2 из ${pages}`);
    text.forEach((page, i) => {
      if (/\bSKU-\d+\b/.test(page)) expect(page, `page ${i + 1}`).toMatch(/№\s+Артикул\s+Наименование/);
      expect(page, `page ${i + 1}`).toContain(`стр. ${i + 1} из ${pages}`);
    });
    // A row cut in half would leave the end of its name on the next page, away from its SKU.
    for (let line = 1; line <= 200; line++) {
      const skuPage = text.findIndex((page) => new RegExp(`\\bSKU-${line}\\b`).test(page));
      const tailPage = text.findIndex((page) => new RegExp(`Хвост${line}\\b`).test(page));
      expect(skuPage, `line ${line}`).toBeGreaterThanOrEqual(0);
      expect(tailPage, `line ${line}`).toBe(skuPage);
    }
    // The totals and the signature end the document together.
    expect(text.at(-1)).toMatch(/Итого:\s+[\d ]+,\d\d ₽[\s\S]*Заказ сформирован в/);
  });

  it('renders in parallel up to pdf_concurrency and queues the rest', async () => {
    const before = renderer.stats();
    const pdfs = await Promise.all(Array.from({ length: 5 }, (_, i) => renderer.render(`<!doctype html><meta charset="utf-8"><p>Документ ${i}</p>`)));
    for (const pdf of pdfs) expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(renderer.stats()).toEqual({ launches: before.launches, renders: before.renders + 5 });
  });

  it('starts a new browser when the old one was killed, and the next PDF still comes out', async () => {
    await renderer.render('<p>warm</p>');
    const before = renderer.stats();
    const pid = renderer.browserPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid as number);
    const pdf = await renderer.render('<!doctype html><meta charset="utf-8"><p>После перезапуска</p>');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(renderer.stats()).toEqual({ launches: before.launches + 1, renders: before.renders + 1 });
    expect(renderer.browserPid()).not.toBe(pid);
  });

  describe('a page that never finishes loading', () => {
    let silent: Server;
    let port: number;
    const sockets = new Set<Socket>();
    let slow: PdfRenderer;

    beforeAll(async () => {
      // Accepts connections and never answers: the image below keeps the page loading forever.
      silent = createServer((socket) => {
        sockets.add(socket);
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      port = (silent.address() as { port: number }).port;
      const documents = { pdf_timeout_ms: 1000, pdf_concurrency: 1, chromium_path: process.env.CHROMIUM_PATH ?? '' };
      slow = createPdfRenderer(configWith({ documents }), t.ctx.log);
    });
    afterAll(async () => {
      await slow?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent?.close(resolve));
    });

    it('is given up after pdf_timeout_ms with a clear error, and the renderer goes on working', async () => {
      await slow.render('<p>warm</p>'); // the launch is not what is being timed
      const started = Date.now();
      const hanging = `<!doctype html><p>Ждём картинку</p><img src="http://127.0.0.1:${port}/never.png">`;
      const events: string[] = [];
      const failing = slow.render(hanging).catch((e: unknown) => {
        events.push('timed out');
        return e;
      });
      // With pdf_concurrency 1 the next PDF waits for the hanging one's slot.
      const queued = slow.render('<p>queued</p>').then(() => events.push('queued one done'));
      const error = await failing;
      await queued;
      expect(events).toEqual(['timed out', 'queued one done']);
      expect(error).toBeInstanceOf(PdfTimeoutError);
      expect((error as Error).message).toBe('PDF rendering timed out after 1000 ms (documents.pdf_timeout_ms)');
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(sockets.size).toBeGreaterThan(0); // it really was waiting for our server
      const pdf = await slow.render('<!doctype html><meta charset="utf-8"><p>Следующий</p>');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(slow.stats()).toEqual({ launches: 1, renders: 3 });
    });
  });
});
