// npm run bench -- orders: orders placed through the real HTTP checkout by concurrent buyers.
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { generateToken, hashToken } from '../src/accounts/tokens.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { buildCatalogData } from './_catalog-data.js';
import { benchDir, log, SCALE, scaled, startProcess } from './_support.js';

const CONCURRENCY = 8;
const LINES = 30;
const seconds = Math.max(5, scaled(30, 1));
const dir = benchDir('orders');
const companies = scaled(2_000, 1);
const products = scaled(100_000);
const { configFile, companyIds } = await buildCatalogData(dir, { products, companies });

// One filled 30-line cart per company, and a session per buyer written straight into the
// database: 2,000 password logins (scrypt on purpose) would measure logins, not orders. The
// sessions are as fresh as after a login: one expiring within a day would be renewed (one more
// durable write) on the buyer's first request, which measures session renewal, not orders.
const ctx = createContext(loadConfig({ file: configFile, env: {} }));
const sessionLifetimeMs = ctx.config.auth.sessionDays * 86_400_000;
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
    insertSession.run(hashToken(token), buyer.id, now + sessionLifetimeMs, now);
    cookies.set(buyer.company_id, `optovik_session=${token}`);
  }
})();
// Same product twice in one cart would collide on the primary key; the stride above avoids it.
await ctx.close();
log(`data: ${products} products, ${companies} companies with ${LINES}-line carts (${dir})`);

/** CPU seconds (user + system) of a process and, separately, of all its descendants (Chromium). */
function cpuSeconds(rootPid: number): { own: number; descendants: number } {
  const ticks = new Map<number, number>();
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let descendants = 0;
  const queue = [...(children.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    descendants += ticks.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  // Linux reports 100 ticks a second (CLK_TCK) on every platform Node supports.
  return { own: (ticks.get(rootPid) ?? 0) / 100, descendants: descendants / 100 };
}

/** Busy and total CPU time of the whole machine, from /proc/stat (the machine is shared). */
function machineCpu(): { busy: number; total: number } {
  const fields = (/^cpu\s+(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').split(' ').map(Number);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

const server = await startProcess(['bin/optovik.js', 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/);
try {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let next = 0;
  const deadline = Date.now() + seconds * 1000;
  const serverPid = server.child.pid as number;
  const serverCpuBefore = cpuSeconds(serverPid);
  const benchCpuBefore = process.cpuUsage();
  const machineBefore = machineCpu();
  const started = Date.now();
  const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

  // Plain node:http with kept-alive connections: fetch() cost the load generator about twice
  // the CPU per order, and it shares the two cores with the server.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const send = (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; location: string; text: string }>((done, fail) => {
      const req = request(`${server.url}${path}`, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, location: res.headers.location ?? '', text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', fail);
      });
      req.on('error', fail);
      req.end(body);
    });

  // What a browser sends besides the cookie (the server reads the language from it).
  const BROWSER_HEADERS = { accept: 'text/html,application/xhtml+xml', 'accept-language': 'ru-RU,ru;q=0.9,en;q=0.8', 'user-agent': 'Mozilla/5.0 (optovik bench)' };

  async function buyerLoop() {
    while (Date.now() < deadline && next < companyIds.length) {
      const companyId = companyIds[next++] as number;
      const cookie = cookies.get(companyId) ?? '';
      const t0 = performance.now();
      const html = (await send('GET', '/checkout', { ...BROWSER_HEADERS, cookie })).text;
      const form = new URLSearchParams({
        _csrf: field(html, '_csrf'),
        idempotency_key: field(html, 'idempotency_key'),
        confirmed_total: field(html, 'confirmed_total'),
        legal_entity_id: field(html, 'legal_entity_id'),
        address_choice: 'new',
        new_address: 'Москва, ул. Складская, 1',
        po_number: `PO-${companyId}`,
      });
      const res = await send('POST', '/checkout', { ...BROWSER_HEADERS, cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url }, form.toString());
      if (res.status !== 303 && failed === 0) log(`first refusal, ${res.status}: ${/class="alert"[^>]*>([\s\S]{0,300})/.exec(res.text)?.[1]?.replace(/\s+/g, ' ')}`);
      latencies.push(performance.now() - t0);
      if (res.status === 303 && /^\/orders\/\d+/.test(res.location)) ok += 1;
      else failed += 1;
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, buyerLoop));
  agent.destroy();
  const elapsed = (Date.now() - started) / 1000;
  const serverCpuAfter = cpuSeconds(serverPid);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  const machineAfter = machineCpu();
  await server.stop();
  // Two cores = 2 CPU-seconds per second: the shares show who used them during the load.
  const percentOfMachine = (cpu: number) => Math.round((cpu / (elapsed * 2)) * 100);
  const share = (cpu: number) => `${cpu.toFixed(1)} s (${percentOfMachine(cpu)} %)`;
  const serverCpu = serverCpuAfter.own - serverCpuBefore.own;
  const childrenCpu = serverCpuAfter.descendants - serverCpuBefore.descendants;
  const generatorCpu = (benchCpu.user + benchCpu.system) / 1e6;
  const othersCpu = Math.max(0, machineAfter.busy - machineBefore.busy - serverCpu - childrenCpu - generatorCpu);
  log(
    `CPU during the load, of 2 × ${elapsed.toFixed(1)} s: server ${share(serverCpu)}, its children (Chromium) ${share(childrenCpu)}, ` +
      `load generator ${share(generatorCpu)}, other processes on the machine ${share(othersCpu)}`,
  );

  const check = createContext(loadConfig({ file: configFile, env: {} }));
  const inDb = (check.database.sqlite.prepare('select count(*) as n from orders').get() as { n: number }).n;
  const duplicates = (check.database.sqlite.prepare('select count(*) as n from (select company_id from orders group by company_id having count(*) > 1)').get() as { n: number }).n;
  const synchronous = check.database.sqlite.pragma('synchronous', { simple: true });
  const jobsDone = check.database.sqlite.prepare('select kind, count(*) as queued, count(done_at) as done from jobs group by kind order by kind').all() as {
    kind: string;
    queued: number;
    done: number;
  }[];
  await check.close();
  latencies.sort((a, b) => a - b);
  const p95 = latencies[Math.floor(latencies.length * 0.95)] ?? 0;
  log(`${ok} orders in ${elapsed.toFixed(1)} s, ${failed} failed; synchronous=${synchronous} (2 = FULL)`);
  // The worker runs as in production; follow-up jobs give way to checkouts (src/jobs/worker.ts).
  log(`follow-up jobs done by the end of the load: ${jobsDone.map((j) => `${j.kind} ${j.done}/${j.queued}`).join(', ')}`);
  if (next >= companyIds.length) log('ran out of filled carts before the time was up: orders/s is a lower bound');
  console.log(
    JSON.stringify({
      bench: 'orders',
      scale: SCALE,
      products,
      orders_per_s: Math.round(ok / elapsed),
      p95_ms: Math.round(p95 * 10) / 10,
      ok_responses: ok,
      failed_responses: failed,
      orders_in_db: inDb,
      duplicates,
      lines_per_order: LINES,
      // CPU the server spent per order: steadier than orders_per_s when the machine is shared.
      server_cpu_ms_per_order: Math.round((serverCpu / Math.max(1, ok)) * 10_000) / 10,
      // Other work on the shared machine during the load lowers orders_per_s: compare with this.
      others_cpu_pct: percentOfMachine(othersCpu),
      concurrency: CONCURRENCY,
    }),
  );
} finally {
  await server.stop().catch(() => {});
}
