// npm run bench -- crash: a real `optovik serve` under order load is killed with SIGKILL at random
// moments — while 8 API clients place orders (group commits in flight) and once more while the
// follow-up jobs render PDFs and write mails — and started again each time; every client repeats
// what got no answer with the same Idempotency-Key. Afterwards every acknowledged order must exist
// exactly once, no order twice, every order's PDF and mails done (each mail once per recipient),
// and SQLite's integrity check "ok". Exits 1 when any of that fails. BENCH_SCALE=0.1: fewer kills.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { simpleParser } from 'mailparser';
import { loadConfig } from '../src/config/load.js';
import { databaseFile } from '../src/context.js';
import { type OrderLoad, orderClient, seedApiBuyers, storedKey } from '../test/crash-support.js';
import { benchDir, log, ROOT, SCALE, type Server, startProcess } from './_support.js';

const CLIENTS = 8;
const KILLS_UNDER_LOAD = Math.max(2, Math.round(5 * Math.min(SCALE, 1)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dir = benchDir('crash');
const configFile = join(dir, 'config.yml');
writeFileSync(
  configFile,
  [`data_dir: ${join(dir, 'data')}`, 'server:', '  port: 0', 'log:', '  level: warn', 'api:', '  rate_limit: 0', ''].join('\n'),
);
const config = loadConfig({ file: configFile, env: {}, cwd: dir });
const tokens = await seedApiBuyers(config, CLIENTS);

// A killed server cannot remove its PDF browser's profile folder: keep those inside the bench's own folder.
const tmp = join(dir, 'tmp');
mkdirSync(tmp, { recursive: true });
const start = () =>
  startProcess([join(ROOT, 'bin', 'optovik.js'), 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/, {
    OPTOVIK_CONFIG: '',
    TMPDIR: tmp,
  });
const killHard = (server: Server) =>
  new Promise<void>((done) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    server.child.removeAllListeners('exit');
    server.child.once('exit', () => done());
    server.child.kill('SIGKILL');
  });

let server = await start();
let stopped = false;
let kills = 0;
const load: OrderLoad = {
  url: () => server.url.replace('localhost', '127.0.0.1'),
  stopped: () => stopped,
  acknowledged: new Map(),
  retries: 0,
};
const acknowledged = load.acknowledged;
const clients = tokens.map((t) => orderClient(load, t));
for (let i = 0; i < KILLS_UNDER_LOAD; i++) {
  await sleep(1000 + Math.floor(Math.random() * 2000));
  await killHard(server);
  kills++;
  log(`kill ${kills} under load (${acknowledged.size} orders acknowledged so far)`);
  server = await start();
}
await sleep(1000);
stopped = true;
await Promise.all(clients);
// Once more while the follow-up jobs (PDFs, mails) of the last orders run.
await sleep(400);
await killHard(server);
kills++;
log(`kill ${kills} during the PDF and mail burst`);
server = await start();

const db = () => new Database(databaseFile(config), { readonly: true });
const pendingJobs = () => {
  const d = db();
  try {
    return (d.prepare('select count(*) as n from jobs where done_at is null and failed_at is null').get() as { n: number }).n;
  } finally {
    d.close();
  }
};
const waitUntil = Date.now() + 300_000;
while (pendingJobs() > 0 && Date.now() < waitUntil) await sleep(500);
await server.stop();

const d = db();
const integrity = String(d.pragma('integrity_check', { simple: true }));
const orders = d.prepare('select id, number, idempotency_key as key from orders').all() as Array<{
  id: number;
  number: string;
  key: string;
}>;
const byKey = new Map(orders.map((o) => [o.key, o.number]));
let lost = 0;
for (const [key, number] of acknowledged) if (byKey.get(storedKey(key)) !== number) lost++;
const duplicates = orders.length - new Set(orders.map((o) => o.key)).size;
const jobsLeft = (d.prepare('select count(*) as n from jobs where done_at is null').get() as { n: number }).n;
const ordersWithoutJobs = (
  d
    .prepare(
      `select count(*) as n from orders o where not exists (select 1 from jobs j where j.kind = 'send_order_mail' and json_extract(j.payload, '$.orderId') = o.id and j.done_at is not null)`,
    )
    .get() as { n: number }
).n;
d.close();

// Mails as the file mailer wrote them (no SMTP configured): one per recipient and order.
const mailDir = join(config.dataDir, 'mail');
const seen = new Map<string, number>();
if (existsSync(mailDir))
  for (const f of readdirSync(mailDir).filter((n) => n.endsWith('.eml'))) {
    const mail = await simpleParser(readFileSync(join(mailDir, f)));
    const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(',') : (mail.to?.text ?? '');
    const key = `${to}|${mail.subject ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
const mailsDuplicated = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);

const result = {
  bench: 'crash',
  kills,
  acknowledged: acknowledged.size,
  in_db: orders.length,
  lost,
  duplicates,
  retried_requests: load.retries,
  jobs_left: jobsLeft,
  orders_without_mail_done: ordersWithoutJobs,
  mails: [...seen.values()].reduce((a, b) => a + b, 0),
  mails_duplicated: mailsDuplicated,
  integrity,
};
const ok =
  lost === 0 &&
  duplicates === 0 &&
  orders.length === acknowledged.size &&
  integrity === 'ok' &&
  jobsLeft === 0 &&
  ordersWithoutJobs === 0;
if (!ok) log('FAILED: an invariant does not hold (see the JSON)');
console.log(JSON.stringify(result));
process.exit(ok ? 0 : 1);
