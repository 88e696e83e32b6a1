import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { findChromium } from '../src/documents/chromium.js';
import { documentTotals } from '../src/documents/document-lines.js';
import { renderInvoiceHtml } from '../src/documents/invoice.js';
import { renderOrderPdf } from '../src/documents/pdf.js';
import { paymentQrText } from '../src/documents/payment-qr.js';
import { amountInWords } from '../src/i18n/amount-in-words.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, buyerAt, makeCompany, makeUser, startTestApp, type TestApp, tempDir } from './helpers.js';

// Real Chromium for the PDF, poppler to read it back (text, and the page as an image), jsQR to scan
// the QR code off that image as a phone would: our own encoder never checks itself.
const chromium = findChromium(process.env.CHROMIUM_PATH ?? '');
const poppler = ['pdftotext', 'pdftoppm'].every((tool) => existsSync(`/usr/bin/${tool}`));
if ((!chromium || !poppler) && process.env.CI === 'true') {
  throw new Error('CI=true but no Chromium or poppler-utils found: apt-get install chromium-headless-shell poppler-utils');
}
if (!chromium || !poppler) console.warn('SKIPPED part of test/invoice.test.ts (invoice PDFs): apt-get install chromium-headless-shell poppler-utils');

// jsqr is CommonJS with a default export; TypeScript's NodeNext view and the runtime's differ on where it is.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { binaryData: number[]; chunks: { type: string }[]; location: { topLeftCorner: { x: number }; topRightCorner: { x: number } } } | null;

const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('amount in words', () => {
  // The declensions a hand-written rule gets wrong: 1 рубль / 2 рубля / 5 рублей, 11–14, 21, 101 тысяча (feminine).
  const table: [number, string][] = [
    [0, 'Ноль рублей 00 копеек'],
    [1, 'Ноль рублей 01 копейка'],
    [2, 'Ноль рублей 02 копейки'],
    [11, 'Ноль рублей 11 копеек'],
    [21, 'Ноль рублей 21 копейка'],
    [100, 'Один рубль 00 копеек'],
    [200, 'Два рубля 00 копеек'],
    [500, 'Пять рублей 00 копеек'],
    [1_100, 'Одиннадцать рублей 00 копеек'],
    [1_400, 'Четырнадцать рублей 00 копеек'],
    [2_100, 'Двадцать один рубль 00 копеек'],
    [2_254, 'Двадцать два рубля 54 копейки'],
    [11_100, 'Сто одиннадцать рублей 00 копеек'],
    [100_100, 'Одна тысяча один рубль 00 копеек'],
    [200_000, 'Две тысячи рублей 00 копеек'],
    [500_000, 'Пять тысяч рублей 00 копеек'],
    [1_100_000, 'Одиннадцать тысяч рублей 00 копеек'],
    [10_100_000, 'Сто одна тысяча рублей 00 копеек'],
    [7_688_122, 'Семьдесят шесть тысяч восемьсот восемьдесят один рубль 22 копейки'],
    [100_000_099, 'Один миллион рублей 99 копеек'],
    [1_234_567_890, 'Двенадцать миллионов триста сорок пять тысяч шестьсот семьдесят восемь рублей 90 копеек'],
    [200_000_000_000, 'Два миллиарда рублей 00 копеек'],
    [500_000_000_000, 'Пять миллиардов рублей 00 копеек'],
    [2_103_004_000_012, 'Двадцать один миллиард тридцать миллионов сорок тысяч рублей 12 копеек'],
    [100_000_000_000_000, 'Один триллион рублей 00 копеек'],
  ];
  it.each(table)('%i kopecks: %s', (kopecks, words) => {
    expect(amountInWords(kopecks, 'ru')).toBe(words);
  });

  it('in English, and refuses what is not whole kopecks', () => {
    expect(amountInWords(7_688_122, 'en')).toBe('Seventy-six thousand eight hundred eighty-one roubles 22 kopecks');
    expect(amountInWords(101, 'en')).toBe('One rouble 01 kopeck');
    expect(() => amountInWords(1.5, 'ru')).toThrow(RangeError);
    expect(() => amountInWords(-100, 'ru')).toThrow(RangeError);
  });
});

describe('the payment QR text (ГОСТ Р 56042-2014)', () => {
  const base = {
    name: 'ООО «Оптовик-Трейд»',
    personalAcc: '40702810938000000001',
    bankName: 'ПАО Сбербанк, г. Москва',
    bic: '044525225',
    correspAcc: '30101810400000000225',
    payeeInn: '7707083893',
    kpp: '773601001',
    sum: 7_688_122,
    purpose: 'Оплата по счёту № W-000001 от 15.01.2026, в т. ч. НДС 12813,54 руб.',
  };

  it('is ST00012 and the fields in the standard’s order, the sum in kopecks', () => {
    expect(paymentQrText(base)).toBe(
      'ST00012|Name=ООО «Оптовик-Трейд»|PersonalAcc=40702810938000000001|BankName=ПАО Сбербанк, г. Москва|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|Sum=7688122|Purpose=Оплата по счёту № W-000001 от 15.01.2026, в т. ч. НДС 12813,54 руб.',
    );
  });

  it('keeps the separator out of values, one line each, within the standard’s lengths; no KPP for a sole proprietor', () => {
    const text = paymentQrText({ ...base, name: 'ИП Петров | опт\nи розница', kpp: '', correspAcc: '', bankName: 'Б'.repeat(60) });
    expect(text).toBe(
      `ST00012|Name=ИП Петров / опт и розница|PersonalAcc=40702810938000000001|BankName=${'Б'.repeat(45)}|BIC=044525225|CorrespAcc=0|PayeeINN=7707083893|Sum=7688122|Purpose=${base.purpose}`,
    );
  });
});

describe('discounts on documents add up', () => {
  it('list price × quantity − discount = sum on each line, and the totals the same way, VAT on top', () => {
    const line = (no: number, list: number | null, unit: number, quantity: number, discountBp: number) => ({
      line_no: no,
      sku: `S${no}`,
      name: `Товар ${no}`,
      quantity,
      unit_name: 'шт',
      list_price: list,
      unit_price: unit,
      discount_bp: discountBp,
      line_total: Math.round(unit * quantity),
      vat_bp: 2000,
      vat_amount: Math.round(unit * quantity * 0.2),
    });
    // 3 % off 1 000,22 ₽ is 970,21 ₽ a unit; a special price (no discount) shows just what was paid.
    const rows = [line(1, 100_022, 97_021, 7, 300), line(2, 50_000, 45_000, 2, 0), line(3, 1_999, 1_939, 2.5, 300)];
    const totals = documentTotals({ prices_include_vat: 0, total: 0, vat_total: 0 }, rows);
    expect(totals.hasDiscount).toBe(true);
    expect(totals.lines.map((l) => [l.price, l.discount, l.sum])).toEqual([
      [100_022, 700_154 - 679_147, 679_147],
      [45_000, 0, 90_000],
      [1_999, 4_998 - 4_848, 4_848], // 2,5 × 19,99 = 49,975 → 49,98
    ]);
    for (const l of totals.lines) expect(Math.round(l.price * l.quantity) - l.discount).toBe(l.sum);
    expect(totals.beforeDiscount - totals.discount).toBe(totals.subtotal);
    expect(totals.subtotal).toBe(679_147 + 90_000 + 4_848);
  });
});

describe.skipIf(!chromium || !poppler)('the invoice in a real Chromium', () => {
  const SELLER = {
    name: 'ООО «Оптовик-Трейд»',
    inn: '7707083893',
    kpp: '773601001',
    ogrn: '1027700132195',
    address: '117997, г. Москва, ул. Вавилова, д. 19',
    postal_address: '117312, г. Москва, а/я 7',
    phone: '+7 495 123-45-67',
    email: 'buh@optovik-trade.test',
    bank_name: 'ПАО Сбербанк, г. Москва',
    bik: '044525225',
    correspondent_account: '30101810400000000225',
    settlement_account: '40702810938000000001',
    director: 'Иванов И. И.',
    chief_accountant: 'Петрова А. А.',
    payment_days: 5,
    footer: 'Товар отпускается по факту прихода денег на р/с поставщика.',
  };
  let t: TestApp;
  let catalog: Awaited<ReturnType<typeof buildCatalog>>;
  const work = tempDir('optovik-invoice-');

  beforeAll(async () => {
    t = await startTestApp({ seller: SELLER, documents: { invoice: true, chromium_path: process.env.CHROMIUM_PATH ?? '' } });
    catalog = await buildCatalog(t.ctx);
  });
  afterAll(async () => {
    await t?.close();
    execFileSync('rm', ['-rf', work]);
  });

  /** A buyer (3 % discount) orders 7 bolts and 2,5 m of cable through the real checkout. */
  async function placeOrder(managerId: number | null = null) {
    const buyer = await buyerAt(t, catalog.priceTypes.wholesale, 300);
    await t.ctx.db.updateTable('companies').set({ manager_id: managerId }).where('id', '=', buyer.company.id).execute();
    await t.ctx.db.updateTable('legal_entities').set({ inn: '7701234560', kpp: '770101001', legal_address: 'г. Москва, ул. Примерная, д. 1' }).where('company_id', '=', buyer.company.id).execute();
    const qty: Record<string, string> = { next: '/catalog' };
    for (const [sku, n] of [['BLT-101', '7'], ['ВВГ-3×2.5', '2,5']] as const) qty[`qty[${catalog.products.find((p) => p.sku === sku)?.id}]`] = n;
    expect((await buyer.browser.post('/cart/add', qty, { csrfFrom: '/catalog' })).status).toBe(303);
    const page = (await buyer.browser.get('/checkout')).body;
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
    const res = await buyer.browser.post('/checkout', {
      _csrf: field('_csrf'),
      idempotency_key: field('idempotency_key'),
      confirmed_total: field('confirmed_total'),
      legal_entity_id: field('legal_entity_id'),
      address_choice: 'new',
      new_address: 'Москва, Складская 1',
      po_number: 'PO-77',
    });
    const id = Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]);
    expect(id, `checkout answered ${res.status}`).toBeGreaterThan(0);
    const order = await t.ctx.db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return { ...buyer, order };
  }

  /** A GET as the signed-in browser, with the body as bytes (a PDF is no text). */
  const download = (browser: Browser, url: string) =>
    t.app.inject({ method: 'GET', url, headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });

  function save(name: string, body: Buffer): string {
    const file = join(work, name);
    writeFileSync(file, body);
    return file;
  }
  const pdfText = (file: string) => plain(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }));
  /** The text with every run of white space as one space: a long requisite line wraps in the layout. */
  const flat = (text: string) => text.replace(/\s+/g, ' ');
  /** Kopecks as the purpose of a payment writes them: 12813,54. */
  const plainMoney = (k: number) => `${Math.floor(k / 100)},${String(k % 100).padStart(2, '0')}`;

  /** Page 1 as a 200 dpi image, scanned by jsQR. */
  async function scanQr(file: string) {
    execFileSync('pdftoppm', ['-r', '200', '-f', '1', '-l', '1', '-png', file, join(work, 'page')]);
    const png = readdirSync(work).find((f) => f.startsWith('page') && f.endsWith('.png'));
    if (!png) throw new Error('pdftoppm wrote no image');
    const { data, info } = await sharp(join(work, png)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const code = jsQR(new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength), info.width, info.height);
    return { code, dpi: 200 };
  }

  it('is a PDF with every requisite, the lines, the totals in figures and in words, and the deadline', async () => {
    const { order, browser } = await placeOrder();
    const res = await download(browser, `/orders/${order.id}/invoice.pdf`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`inline; filename="invoice-${order.number}.pdf"`);
    const layout = pdfText(save('invoice.pdf', res.rawPayload));
    const text = flat(layout);
    expect(text).toContain(`Счёт на оплату № ${order.number} от 15 января 2026 г.`);
    for (const value of [SELLER.name, SELLER.inn, SELLER.kpp, SELLER.ogrn, SELLER.address, SELLER.postal_address, SELLER.phone, SELLER.email, SELLER.bank_name, SELLER.bik, SELLER.correspondent_account, SELLER.settlement_account, SELLER.director, SELLER.chief_accountant, SELLER.footer]) {
      expect(text, value).toContain(value);
    }
    for (const label of ['Банк получателя', 'БИК', 'Сч. №', 'Получатель', 'Поставщик', 'Покупатель', 'Руководитель', 'Бухгалтер']) expect(text).toContain(label);
    expect(text).toContain(`${order.buyer_name}, ИНН 7701234560, КПП 770101001`);
    expect(text).toContain(`Заказ покупателя № ${order.number} от 15 января 2026 г., заказ покупателя № PO-77`);
    expect(text).toContain('Болт шестигранный');
    expect(text).toContain('Кабель ВВГнг-LS');
    const money = (k: number) => plain(new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' }).format(k / 100));
    expect(text).toMatch(new RegExp(`Итого:\\s+${money(order.total)}`));
    expect(text).toMatch(new RegExp(`В том числе НДС 20 %:\\s+${money(order.vat_total)}`));
    expect(text).toContain(`Всего наименований 2, на сумму ${money(order.total)}`);
    expect(text).toContain(amountInWords(order.total, 'ru'));
    expect(text).toContain('Оплатить не позднее 20 января 2026 г.');
    // The 3 % discount: list price, discount and sum per line, and rows that add up to the total.
    expect(order.discount_total).toBeGreaterThan(0);
    expect(text).toMatch(new RegExp(`Сумма без скидки:\\s+${money(order.total + order.discount_total)}`));
    expect(text).toMatch(new RegExp(`Скидка:\\s+${money(order.discount_total)}`));
    expect(text).not.toContain('−');
    const lines = await t.ctx.db.selectFrom('order_lines').selectAll().where('order_id', '=', order.id).orderBy('line_no').execute();
    const bolts = lines[0];
    if (!bolts?.list_price) throw new Error('no list price on the bolts line');
    expect(layout).toMatch(new RegExp(`${money(bolts.list_price)}\\s+${money(bolts.list_price * 7 - bolts.line_total)}\\s+20 %\\s+${money(bolts.line_total)}`));
  });

  it('carries the ГОСТ Р 56042-2014 QR code a phone reads off the page: byte mode, UTF-8, big enough', async () => {
    const { order, browser } = await placeOrder();
    const res = await download(browser, `/orders/${order.id}/invoice.pdf`);
    const { code, dpi } = await scanQr(save('qr.pdf', res.rawPayload));
    if (!code) throw new Error('no QR code found on the rendered page');
    const expected =
      'ST00012|Name=ООО «Оптовик-Трейд»|PersonalAcc=40702810938000000001|BankName=ПАО Сбербанк, г. Москва|BIC=044525225' +
      `|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|Sum=${order.total}` +
      `|Purpose=Оплата по счёту № ${order.number} от 15.01.2026, в т. ч. НДС ${plainMoney(order.vat_total)} руб.`;
    expect(Buffer.from(code.binaryData).toString('utf8')).toBe(expected);
    expect(code.chunks.map((c) => c.type)).toEqual(['byte']); // one byte-mode segment, no ECI header
    // At least 35 mm wide on paper: about half a millimetre a module, what phone cameras read well.
    const widthMm = ((code.location.topRightCorner.x - code.location.topLeftCorner.x) / dpi) * 25.4;
    expect(widthMm).toBeGreaterThan(35);
  });

  it('is the invoice of the buyer’s own company only: another company’s buyer and another manager get a 404', async () => {
    const manager = await makeUser(t.ctx, 'manager');
    const { order } = await placeOrder(manager.id);
    const as = async (user: { email: string }) => {
      const browser = new Browser(t.app);
      await browser.login(user.email);
      return browser;
    };
    const stranger = await makeUser(t.ctx, 'buyer', { companyId: (await makeCompany(t.ctx)).id });
    const otherManager = await makeUser(t.ctx, 'manager');
    for (const user of [stranger, otherManager]) {
      const browser = await as(user);
      expect((await browser.get(`/orders/${order.id}/invoice.pdf`)).status, user.email).toBe(404);
      expect((await browser.get(`/orders/${order.id}/invoice`)).status, user.email).toBe(404);
    }
    const anonymous = await new Browser(t.app).get(`/orders/${order.id}/invoice.pdf`);
    expect(anonymous.location).toMatch(/^\/login/);
    const own = await as(manager);
    expect((await own.get(`/orders/${order.id}/invoice.pdf`)).status).toBe(200);
    const admin = await as(await makeUser(t.ctx, 'admin'));
    expect((await admin.get(`/orders/${order.id}/invoice.pdf`)).status).toBe(200);
    expect((await admin.get(`/orders/${order.id}`)).body).toContain(`href="/orders/${order.id}/invoice.pdf"`);
  });

  it('a cancelled order has no invoice: the order page says so instead', async () => {
    const { order, browser } = await placeOrder();
    await t.ctx.db.updateTable('orders').set({ status: 'cancelled' }).where('id', '=', order.id).execute();
    const res = await browser.get(`/orders/${order.id}/invoice.pdf`);
    expect(res.status).toBe(303);
    expect(res.location).toBe(`/orders/${order.id}?notice=invoice.cancelledOrder`);
    const page = await browser.get(res.location ?? '');
    expect(page.body).toContain('Заказ отменён: счёт на оплату по нему не выставляется.');
    expect(page.body).not.toContain('/invoice.pdf');
  });

  it('the printable invoice in English', async () => {
    const { order } = await placeOrder();
    const html = plain(await renderInvoiceHtml(t.ctx, order.id, 'en'));
    expect(html).toContain(`Invoice for payment No. ${order.number} of 15 January 2026`);
    expect(html).toContain(amountInWords(order.total, 'en'));
    expect(html).toContain('Pay by 20 January 2026');
  });

  it('prints the logo, the stamp and the signatures from config.yml', async () => {
    const { order } = await placeOrder();
    const dir = tempDir('optovik-images-');
    try {
      const png = await sharp({ create: { width: 40, height: 40, channels: 4, background: { r: 0, g: 0, b: 200, alpha: 0.5 } } }).png().toBuffer();
      for (const name of ['logo.png', 'stamp.png', 'director.png']) writeFileSync(join(dir, name), png);
      writeFileSync(join(dir, 'config.yml'), `seller:\n${Object.entries(SELLER).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`).join('\n')}\n  logo: logo.png\n  stamp: stamp.png\n  signature: director.png\n`);
      const config = loadConfig({ file: join(dir, 'config.yml'), env: {} });
      const html = await renderInvoiceHtml({ db: t.ctx.db, config }, order.id, 'ru');
      const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
      expect(html).toContain(`<img class="logo" src="${dataUrl}"`);
      expect(html).toContain(`<img class="stamp" src="${dataUrl}"`);
      // The director signs; the chief accountant has no signature image, so that line stays for a pen.
      expect(html.split(`<img class="signature" src="${dataUrl}"`)).toHaveLength(2);
      expect(html).not.toContain('М. П.'); // the stamp takes its place
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  });

  it('the order PDF names the seller with its bank details and shows the discount the same way', async () => {
    const { order } = await placeOrder();
    const layout = pdfText(await renderOrderPdf(t.ctx, t.ctx.pdf, order.id, 'ru'));
    const text = flat(layout);
    expect(text).toContain(`${SELLER.name}, ИНН ${SELLER.inn}, КПП ${SELLER.kpp}, ОГРН ${SELLER.ogrn}`);
    expect(text).toContain(`р/с ${SELLER.settlement_account} в ${SELLER.bank_name}, БИК ${SELLER.bik}`);
    expect(text).toContain(SELLER.footer);
    expect(layout).toMatch(/Цена\s+Скидка\s+НДС\s+Сумма/);
    expect(text).toMatch(/Сумма без скидки:[\s\S]*Скидка:[\s\S]*Итого:/);
    expect(text).not.toContain('−');
  });

  it('is attached to the order mail when documents.invoice is on', async () => {
    const { order, user } = await placeOrder();
    await t.ctx.worker.runDue();
    const mails = readdirSync(join(t.dataDir, 'mail')).map((f) => readFileSync(join(t.dataDir, 'mail', f), 'utf8'));
    const mail = mails.find((m) => m.includes(`To: ${user.email}`));
    if (!mail) throw new Error(`no mail to ${user.email}`);
    expect(mail).toMatch(new RegExp(`filename="?invoice-${order.number}\\.pdf`));
    expect(mail).toMatch(new RegExp(`filename="?${order.number}\\.pdf`));
    // The attachment is the invoice itself: decode it and read it.
    const part = mail.split(/\r?\n--/).find((p) => p.includes(`invoice-${order.number}.pdf`)) ?? '';
    const base64 = part.split(/\r?\n\r?\n/).slice(1).join('').replace(/\s+/g, '');
    const text = flat(pdfText(save('attached.pdf', Buffer.from(base64, 'base64'))));
    expect(text).toContain(`Счёт на оплату № ${order.number}`);
    expect(text).toContain(amountInWords(order.total, 'ru'));
  });
});
