// npm run bench -- pdf: order PDFs through the warm-browser renderer, one at a time and in a burst.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { renderOrderPdf } from '../src/documents/pdf.js';
import { SMTPServer } from 'smtp-server';
import { transaction } from '../src/db/transaction.js';
import { benchDir, log, SCALE, scaled } from './_support.js';

const LINES = 30;
const CONCURRENCY = 2;
// Orders have no catalog to grow: above 1, BENCH_SCALE runs this bench at 1.
const repeats = scaled(50, 1);
const burstOrders = scaled(200, 1);
const dir = benchDir('pdf');

// A real SMTP server on loopback receives the burst's mails, so "done" means PDF + mails delivered.
let mailsReceived = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      mailsReceived += 1;
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
const smtpPort = (smtp.server.address() as { port: number }).port;

const configFile = join(dir, 'config.yml');
writeFileSync(
  configFile,
  [
    'data_dir: ./data',
    'log:',
    '  level: warn',
    'seller:',
    '  name: ООО «Оптовик-Трейд»',
    '  inn: "7712345678"',
    '  kpp: "771201001"',
    '  address: 115088, г. Москва, ул. Складская, д. 5, стр. 2',
    '  phone: +7 495 123-45-67',
    'documents:',
    `  pdf_concurrency: ${CONCURRENCY}`,
    'smtp:',
    '  host: 127.0.0.1',
    `  port: ${smtpPort}`,
    '  security: none',
    'orders:',
    '  seller_emails: ["orders@seller.test"]',
    '',
  ].join('\n'),
);
const config = loadConfig({ file: configFile, env: {} });
const ctx = createContext(config);
await prepareDatabase(ctx, false);

// Deterministic orders of LINES lines each, names of every length a price list has.
const KINDS = ['Болт шестигранный DIN 933', 'Саморез кровельный со сверлом', 'Кабель ВВГнг(А)-LS', 'Анкер клиновой оцинкованный', 'Шуруп по дереву, жёлтый цинк'];
const EXTRA = ['', ' в коробке по 200 шт.', ', класс прочности 8.8, ГОСТ Р ИСО 4014-2013, упаковка 25 кг', ' для монтажа на бетон и кирпич'];
const now = Date.UTC(2026, 10, 1);
const company = await ctx.db
  .insertInto('companies')
  .values({ name: 'Покупатель', price_type_id: null, manager_id: null, external_1c_id: null, external_ms_id: null, disabled_at: null, created_at: now, updated_at: now })
  .returning('id')
  .executeTakeFirstOrThrow();
await ctx.db
  .insertInto('users')
  .values({ email: 'buyer@bench.test', name: 'Закупщик', role: 'buyer', company_id: company.id, password_hash: null, locale: null, disabled_at: null, last_login_at: null, created_at: now, updated_at: now })
  .execute();
const orderIds: number[] = [];
await ctx.db.transaction().execute(async (trx) => {
  for (let o = 0; o <= burstOrders; o++) {
    const lines = Array.from({ length: LINES }, (_, i) => {
      const n = o * LINES + i;
      const quantity = 1 + (n % 12) * 5;
      const unit_price = 150 + ((n * 7919) % 250_000);
      return {
        line_no: i + 1,
        product_id: null,
        sku: `ART-${String(10_000 + ((n * 37) % 90_000))}`,
        name: `${KINDS[n % KINDS.length]} М${6 + (n % 6) * 2}×${20 + (n % 9) * 5}${EXTRA[n % EXTRA.length]}`,
        unit_name: 'шт',
        product_1c_id: null,
        product_ms_id: null,
        quantity,
        list_price: null,
        unit_price,
        line_total: quantity * unit_price,
        vat_bp: 2000,
        vat_amount: Math.round((quantity * unit_price) / 6),
      };
    });
    const total = lines.reduce((sum, l) => sum + l.line_total, 0);
    const order = await trx
      .insertInto('orders')
      .values({
        number: `W-${String(o + 1).padStart(6, '0')}`,
        company_id: company.id,
        legal_entity_id: null,
        buyer_name: `ООО «Покупатель ${o + 1}»`,
        buyer_inn: String(7_700_000_000 + o),
        buyer_kpp: '770101001',
        buyer_address: 'г. Москва, Варшавское ш., д. 1',
        placed_by: null,
        manager_id: null,
        delivery_address: 'Москва, ул. Складская, 1',
        desired_date: null,
        po_number: `PO-${o + 1}`,
        price_type_id: null,
        prices_include_vat: 1,
        subtotal: total,
        discount_total: 0,
        vat_total: Math.round(total / 6),
        total,
        line_count: LINES,
        idempotency_key: `bench-${o}`,
        external_1c_id: null,
        external_number: null,
        exported_at: null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('order_lines')
      .values(lines.map((l) => ({ ...l, order_id: order.id })))
      .execute();
    orderIds.push(order.id);
  }
});
log(`data: ${orderIds.length} orders of ${LINES} lines (${dir})`);

/** VmRSS (MB) of this process and everything it started: Chromium's browser, GPU, utility and renderer processes. */
function treeRssMb(): number {
  return treeRss().totalMb;
}

function treeRss(): { totalMb: number; nodeMb: number; processes: number } {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let kb = 0;
  let nodeKb = 0;
  let processes = 0;
  const queue = [process.pid];
  while (queue.length) {
    const pid = queue.pop() as number;
    try {
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      kb += rss;
      if (pid === process.pid) nodeKb = rss;
      processes += 1;
    } catch {
      // gone meanwhile
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return { totalMb: kb / 1024, nodeMb: nodeKb / 1024, processes };
}

// The context's own renderer: the one the app's jobs and the /orders/:id/pdf route use.
const renderer = ctx.pdf;
if (!renderer.available) throw new Error(`no browser: ${renderer.reason}`);
let peakRss = treeRssMb();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, treeRssMb());
}, 100);

try {
  const one = orderIds[0] as number;
  // Warm: the first render starts Chromium (its launch is not what this measures).
  const launchStarted = performance.now();
  await renderOrderPdf(ctx, renderer, one, 'ru');
  const firstMs = performance.now() - launchStarted;
  for (let i = 0; i < 3; i++) await renderOrderPdf(ctx, renderer, one, 'ru');

  const times: number[] = [];
  let file = '';
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    file = await renderOrderPdf(ctx, renderer, one, 'ru');
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
  const pdfKb = Math.round(readFileSync(file).length / 1024);
  log(`one ${LINES}-line order × ${repeats}: median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms (first, with the launch: ${firstMs.toFixed(0)} ms), ${pdfKb} KB`);

  // The burst goes the way a placed order does: render_pdf and send_order_mail jobs run by the
  // app's job worker (jobs.concurrency) until every PDF is made and every mail delivered.
  const burst = orderIds.slice(1);
  const burstStarted = performance.now();
  await transaction(ctx.database, async (tx) => {
    for (const orderId of burst) {
      await ctx.outbox.enqueue(tx, 'render_pdf', { orderId });
      await ctx.outbox.enqueue(tx, 'send_order_mail', { orderId });
    }
  });
  while ((await ctx.worker.runDue()) > 0) {}
  const burstS = (performance.now() - burstStarted) / 1000;
  const unfinished = await ctx.db.selectFrom('jobs').select('id').where('done_at', 'is', null).execute();
  if (unfinished.length > 0) throw new Error(`burst: ${unfinished.length} jobs not done`);
  const expectedMails = burst.length * 2;
  if (mailsReceived !== expectedMails) throw new Error(`burst: ${mailsReceived} mails received, expected ${expectedMails}`);
  const after = treeRss();
  peakRss = Math.max(peakRss, after.totalMb);
  log(`after the burst: ${after.totalMb.toFixed(0)} MB in ${after.processes} processes, of which node ${after.nodeMb.toFixed(0)} MB`);
  log(`burst: ${burst.length} orders in ${burstS.toFixed(1)} s at pdf_concurrency ${CONCURRENCY}; peak RSS (node + Chromium) ${peakRss.toFixed(0)} MB`);

  console.log(
    JSON.stringify({
      bench: 'pdf',
      median_ms: Math.round(at(0.5) * 10) / 10,
      p95_ms: Math.round(at(0.95) * 10) / 10,
      burst_orders: burst.length,
      burst_done_s: Math.round(burstS * 100) / 100,
      rss_mb_total: Math.round(peakRss),
      scale: Math.min(SCALE, 1),
      lines_per_order: LINES,
      renders_timed: repeats,
      pdf_concurrency: CONCURRENCY,
      first_render_with_launch_ms: Math.round(firstMs),
      pdf_kb: pdfKb,
      launches: renderer.stats().launches,
      burst_mails: mailsReceived,
      note: 'median/p95: one order from SQLite → HTML → Chromium PDF → file; burst: render_pdf + send_order_mail jobs through the job worker until every PDF exists and every mail (buyer + seller inbox, PDF attached) reached a loopback SMTP server; rss_mb_total is the peak sum of VmRSS over this process and its Chromium processes',
    }),
  );
} finally {
  clearInterval(sampler);
  await ctx.close(); // closes the renderer too
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
}
