// npm run bench -- orders: orders placed through the real HTTP checkout by concurrent buyers.
import { generateToken, hashToken } from '../src/accounts/tokens.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { buildCatalogData } from './_catalog-data.js';
import { benchDir, log, SCALE, scaled, startProcess } from './_support.js';

const CONCURRENCY = 8;
const LINES = 30;
const seconds = Math.max(5, Math.round(30 * SCALE));
const dir = benchDir('orders');
const companies = scaled(2_000);
const { configFile, companyIds } = await buildCatalogData(dir, { products: scaled(100_000), companies });

// One filled 30-line cart per company, and a session per buyer written straight into the
// database: 2,000 password logins (scrypt on purpose) would measure logins, not orders.
const ctx = createContext(loadConfig({ file: configFile, env: {} }));
const sqlite = ctx.database.sqlite;
const now = Date.now();
const sellable = sqlite
  .prepare(
    `select p.id, p.min_qty, p.multiple, p.stock_total, p.unit_id from products p
     where p.hidden = 0 and p.stock_total >= max(p.multiple, p.min_qty, 1) and (select count(*) from prices where product_id = p.id) = 3
     order by p.id limit 5000`,
  )
  .all() as { id: number; min_qty: number; multiple: number; stock_total: number }[];
const insertCart = sqlite.prepare('insert into cart_items (company_id, product_id, quantity, price_seen, added_by, added_at, updated_at) values (?, ?, ?, null, null, ?, ?)');
const insertSession = sqlite.prepare('insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)');
const buyers = sqlite.prepare("select id, company_id from users where role = 'buyer' order by id").all() as { id: number; company_id: number }[];
const cookies = new Map<number, string>();
sqlite.transaction(() => {
  companyIds.forEach((companyId, i) => {
    for (let line = 0; line < LINES; line++) {
      const p = sellable[(i * 7 + line * 13) % sellable.length] as (typeof sellable)[number];
      const quantity = p.multiple > 0 ? p.multiple : p.min_qty > 0 ? p.min_qty : 1;
      insertCart.run(companyId, p.id, quantity, now, now);
    }
  });
  for (const buyer of buyers) {
    const token = generateToken();
    insertSession.run(hashToken(token), buyer.id, now + 86_400_000, now);
    cookies.set(buyer.company_id, `optovik_session=${token}`);
  }
})();
// Same product twice in one cart would collide on the primary key; the stride above avoids it.
await ctx.close();
log(`data: ${companies} companies with ${LINES}-line carts (${dir})`);

const server = await startProcess(['bin/optovik.js', 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/);
try {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + seconds * 1000;
  const started = Date.now();
  const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

  async function buyerLoop() {
    while (Date.now() < deadline && next < companyIds.length) {
      const companyId = companyIds[next++] as number;
      const cookie = cookies.get(companyId) ?? '';
      const t0 = performance.now();
      const page = await fetch(`${server.url}/checkout`, { headers: { cookie } });
      const html = await page.text();
      const form = new URLSearchParams({
        _csrf: field(html, '_csrf'),
        idempotency_key: field(html, 'idempotency_key'),
        confirmed_total: field(html, 'confirmed_total'),
        legal_entity_id: field(html, 'legal_entity_id'),
        address_choice: 'new',
        new_address: 'Москва, ул. Складская, 1',
        po_number: `PO-${companyId}`,
      });
      const res = await fetch(`${server.url}/checkout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        body: form.toString(),
      });
      const body = await res.text();
      if (res.status !== 303 && failed === 0) log(`first refusal, ${res.status}: ${/class="alert"[^>]*>([\s\S]{0,300})/.exec(body)?.[1]?.replace(/\s+/g, ' ')}`);
      latencies.push(performance.now() - t0);
      if (res.status === 303 && /^\/orders\/\d+/.test(res.headers.get('location') ?? '')) ok += 1;
      else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, buyerLoop));
  const elapsed = (Date.now() - started) / 1000;
  await server.stop();

  const check = createContext(loadConfig({ file: configFile, env: {} }));
  const inDb = (check.database.sqlite.prepare('select count(*) as n from orders').get() as { n: number }).n;
  const duplicates = (check.database.sqlite.prepare('select count(*) as n from (select company_id from orders group by company_id having count(*) > 1)').get() as { n: number }).n;
  const synchronous = check.database.sqlite.pragma('synchronous', { simple: true });
  await check.close();
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  log(`${ok} orders in ${elapsed.toFixed(1)} s, ${failed} failed; synchronous=${synchronous} (2 = FULL)`);
  if (next >= companyIds.length) log('ran out of filled carts before the time was up: orders/s is a lower bound');
  console.log(
    JSON.stringify({
      bench: 'orders',
      scale: SCALE,
      orders_per_s: Math.round(ok / elapsed),
      p95_ms: Math.round(p95 * 10) / 10,
      ok_responses: ok,
      failed_responses: failed,
      orders_in_db: inDb,
      duplicates,
      lines_per_order: LINES,
      concurrency: CONCURRENCY,
    }),
  );
} finally {
  await server.stop().catch(() => {});
}
