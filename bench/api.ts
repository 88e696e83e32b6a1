// npm run bench -- api: the buyers' REST API under load — the product list at a company's prices
// (16 connections) and orders of 30 lines by SKU through POST /api/v1/orders (8 connections).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { TOKEN_PREFIX } from '../src/accounts/api-tokens.js';
import { generateToken, hashToken } from '../src/accounts/tokens.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { buildCatalogData } from './_catalog-data.js';
import { benchDir, load, log, machineBusySeconds, processCpuSeconds, SCALE, scaled, startProcess } from './_support.js';

const PRODUCT_CONNECTIONS = 16;
const ORDER_CONNECTIONS = 8;
const LINES = 30;
/** Every this many orders, a client sends an earlier order again with its key, as a retry would. */
const RETRY_EVERY = 10;
const seconds = Math.max(5, Math.round(20 * SCALE));
const orderSeconds = Math.max(5, Math.round(20 * SCALE));
const dir = benchDir('api');
const products = scaled(100_000);
const { configFile, companyIds } = await buildCatalogData(dir, { products, companies: scaled(2_000) });
// The per-token limit is on by default (20/s); one token making thousands of requests a second is
// what this bench measures, so it is off here, as config.yml allows.
writeFileSync(configFile, `${readFileSync(configFile, 'utf8')}api:\n  rate_limit: 0\n`);

// Tokens written straight into the database, as `optovik api-token create` would make them.
const ctx = createContext(loadConfig({ file: configFile, env: {} }));
const sqlite = ctx.database.sqlite;
const now = Date.now();
const insertToken = sqlite.prepare("insert into api_tokens (user_id, name, token_hash, token_prefix, scopes, created_at) values (?, 'bench', ?, ?, 'read order', ?)");
const buyers = sqlite.prepare("select id, company_id from users where role = 'buyer' order by id").all() as { id: number; company_id: number }[];
const tokens = new Map<number, string>();
sqlite.transaction(() => {
  for (const buyer of buyers) {
    const token = `${TOKEN_PREFIX}${generateToken()}`;
    insertToken.run(buyer.id, hashToken(token), token.slice(0, 10), now);
    tokens.set(buyer.company_id, token);
  }
})();
const sellable = sqlite
  .prepare(
    `select p.sku, p.min_qty, p.multiple from products p
     where p.hidden = 0 and p.has_variants = 0 and p.stock_total >= max(p.multiple, p.min_qty, 1) * 100
       and (select count(*) from prices where product_id = p.id) = 3
     order by p.id limit 5000`,
  )
  .all() as { sku: string; min_qty: number; multiple: number }[];
await ctx.close();
log(`data: ${products} products, ${companyIds.length} companies with a token each, ${sellable.length} products to order from (${dir})`);

const server = await startProcess(['bin/optovik.js', 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/);
let serverStopped = false;
try {
  const firstToken = tokens.get(companyIds[0] as number) ?? '';
  const productsUrl = `${server.url}/api/v1/products?limit=100`;
  const headers = { authorization: `Bearer ${firstToken}`, 'accept-language': 'ru' };
  const sample = await fetch(productsUrl, { headers });
  const body = await sample.text();
  const items = (JSON.parse(body) as { items: unknown[] }).items.length;
  if (sample.status !== 200 || items !== 100) throw new Error(`unexpected product page: status ${sample.status}, ${items} items`);

  await load(productsUrl, { connections: PRODUCT_CONNECTIONS, seconds: 2, headers });
  const list = await load(productsUrl, { connections: PRODUCT_CONNECTIONS, seconds, headers });
  log(`products: ${list.rps} rps, p50 ${list.p50Ms} ms, p95 ${list.p95Ms} ms, non-2xx ${list.non2xx}`);

  // Orders: each client takes the next company and sends a 30-line order with a fresh key; every
  // RETRY_EVERY-th request repeats one of its earlier orders with the same key and body.
  const agent = new Agent({ keepAlive: true, maxSockets: ORDER_CONNECTIONS });
  const post = (path: string, token: string, key: string, payload: string) =>
    new Promise<{ status: number; text: string }>((done, fail) => {
      const req = request(
        `${server.url}${path}`,
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key, 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.end(payload);
    });
  const latencies: number[] = [];
  let created = 0;
  let replayed = 0;
  let failed = 0;
  let sent = 0;
  const deadline = Date.now() + orderSeconds * 1000;
  const serverPid = server.child.pid as number;
  const cpuBefore = { server: processCpuSeconds(serverPid), bench: process.cpuUsage(), machine: machineBusySeconds() };
  const started = Date.now();
  async function client(c: number) {
    const mine: { token: string; key: string; payload: string }[] = [];
    for (let n = 0; Date.now() < deadline; n++) {
      let order: { token: string; key: string; payload: string };
      if (n % RETRY_EVERY === RETRY_EVERY - 1 && mine.length > 0) order = mine[n % mine.length] as (typeof mine)[number];
      else {
        const i = sent++;
        const companyId = companyIds[i % companyIds.length] as number;
        const lines = Array.from({ length: LINES }, (_, l) => {
          const p = sellable[(i * 7 + l * 13) % sellable.length] as (typeof sellable)[number];
          return { sku: p.sku, quantity: String(p.multiple > 0 ? p.multiple : p.min_qty > 0 ? p.min_qty : 1) };
        });
        order = { token: tokens.get(companyId) ?? '', key: `bench-${c}-${i}-${now}`, payload: JSON.stringify({ lines, po_number: `PO-${i}` }) };
        mine.push(order);
      }
      const t0 = performance.now();
      const res = await post('/api/v1/orders', order.token, order.key, order.payload);
      latencies.push(performance.now() - t0);
      if (res.status === 201) created += 1;
      else if (res.status === 200) replayed += 1;
      else {
        if (failed === 0) log(`first refusal, ${res.status}: ${res.text.slice(0, 400)}`);
        failed += 1;
      }
    }
  }
  await Promise.all(Array.from({ length: ORDER_CONNECTIONS }, (_, c) => client(c)));
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  // Who used the two cores during the orders: the server, this load generator, everyone else.
  const serverCpu = processCpuSeconds(serverPid) - cpuBefore.server;
  const benchCpuUsage = process.cpuUsage(cpuBefore.bench);
  const othersCpu = Math.max(0, machineBusySeconds() - cpuBefore.machine - serverCpu - (benchCpuUsage.user + benchCpuUsage.system) / 1e6);
  const othersPct = Math.round((othersCpu / (elapsed * 2)) * 100);
  log(`server CPU ${((serverCpu / Math.max(1, created + replayed)) * 1000).toFixed(2)} ms per order; other processes used ${othersPct} % of the machine`);
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  log(`orders: ${created} placed, ${replayed} retries answered with their order, ${failed} refused, in ${elapsed.toFixed(1)} s; p95 ${p95.toFixed(1)} ms`);
  await server.stop();
  serverStopped = true;

  const check = createContext(loadConfig({ file: configFile, env: {} }));
  const inDb = (check.database.sqlite.prepare("select count(*) as n from orders where origin = 'api'").get() as { n: number }).n;
  const duplicates = (
    check.database.sqlite.prepare('select count(*) as n from (select po_number from orders group by company_id, po_number having count(*) > 1)').get() as { n: number }
  ).n;
  await check.close();

  // The baseline: bare Fastify answering the same JSON bytes from memory.
  const jsonFile = join(dir, 'products.json');
  writeFileSync(jsonFile, body);
  const bare = await startProcess(['--import', 'tsx', 'bench/_bare-server.ts', jsonFile], /bare listening at (http:\/\/\S+)/);
  let bareRps = 0;
  try {
    await load(bare.url, { connections: PRODUCT_CONNECTIONS, seconds: 2 });
    bareRps = (await load(bare.url, { connections: PRODUCT_CONNECTIONS, seconds })).rps;
    log(`bare: ${bareRps} rps (same ${body.length}-byte answer)`);
  } finally {
    await bare.stop();
  }
  console.log(
    JSON.stringify({
      bench: 'api',
      scale: SCALE,
      products_rps: list.rps,
      products_p95_ms: list.p95Ms,
      orders_per_s: Math.round(created / elapsed),
      orders_p95_ms: Math.round(p95 * 10) / 10,
      orders_in_db: inDb,
      // Steadier than orders/s on a shared machine: what one order cost the server.
      server_cpu_ms_per_order: Math.round((serverCpu / Math.max(1, created + replayed)) * 10_000) / 10,
      others_cpu_pct: othersPct,
      ok_responses: created,
      duplicates,
      retries_answered: replayed,
      refused: failed,
      products_non_2xx: list.non2xx,
      bare_rps: bareRps,
      lines_per_order: LINES,
    }),
  );
  if (failed > 0 || duplicates > 0 || inDb !== created || list.non2xx > 0) process.exitCode = 1;
} finally {
  if (!serverStopped) await server.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
