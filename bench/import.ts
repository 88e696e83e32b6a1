// npm run bench -- import: a 1C-style CommerceML 2.07 package of 100,000 products (import.xml +
// offers.xml, 3 price types, 2 warehouses) uploaded and imported through /1c_exchange exactly as
// 1C does it, compared with a bare streaming parse of the same files; then an identical second
// run (must change nothing) and a delta package with 1% of prices and stock changed.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseXmlFile } from '../src/integrations/commerceml/xml/reader.js';
import { type ExchangeFile, type ExchangeRun, OneCClient } from './_cml-exchange.js';
import { isDeltaProduct, offerValues, PRICE_TYPES, productGuid, WAREHOUSES, writeCmlPackage } from './_cml-package.js';
import { benchDir, log, SCALE, scaled, startProcess } from './_support.js';

const LOGIN = 'bench-1c';
const PASSWORD = 'bench-secret';
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

const dir = benchDir('import');
const products = scaled(100_000);
let started = performance.now();
const pkg = writeCmlPackage(dir, products);
const packageBytes = pkg.bytes.import + pkg.bytes.offers;
log(
  `package: ${products} products in ${round((performance.now() - started) / 1000, 1)} s (${dir}): import.xml ${mb(pkg.bytes.import)} MB, ` +
    `offers.xml ${mb(pkg.bytes.offers)} MB, together ${mb(packageBytes)} MB; delta offers ${mb(pkg.bytes.delta)} MB (${pkg.deltaOffers} offers)`,
);

// The bare baseline: the project's own streaming reader walking every element, nothing else.
started = performance.now();
let elements = 0;
for (const file of [pkg.importFile, pkg.offersFile]) {
  await parseXmlFile(file, {
    open() {
      elements++;
      return undefined;
    },
  });
}
const bareParseS = round((performance.now() - started) / 1000, 3);
log(`bare parse: ${bareParseS} s for ${elements} elements (${round(mb(packageBytes) / bareParseS, 1)} MB/s)`);

const configFile = join(dir, 'config.yml');
writeFileSync(
  configFile,
  [
    'data_dir: ./data',
    'server:',
    '  port: 0',
    'log:',
    '  level: warn',
    'integrations:',
    '  commerceml:',
    `    login: ${LOGIN}`,
    `    password: ${PASSWORD}`,
    '    zip: false',
    '',
  ].join('\n'),
);

const server = await startProcess(['bin/optovik.js', 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/);
const pid = server.child.pid as number;
let serverOutput = '';
const keepOutput = (d: Buffer) => {
  serverOutput = (serverOutput + d.toString()).slice(-20_000);
};
server.child.stdout?.on('data', keepOutput);
server.child.stderr?.on('data', keepOutput);

const procStatus = (field: 'VmRSS' | 'VmHWM') => {
  try {
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
let sampledPeak = 0;
const sampler = setInterval(() => {
  sampledPeak = Math.max(sampledPeak, procStatus('VmRSS'));
}, 100);
log(`server: ${server.url}, pid ${pid}, RSS at start ${Math.round(procStatus('VmRSS'))} MB`);

const problems: string[] = [];
const check = (ok: boolean, message: string) => {
  if (!ok) {
    problems.push(message);
    log(`CHECK FAILED: ${message}`);
  }
};

const client = new OneCClient(server.url, LOGIN, PASSWORD);
const fullPackage: ExchangeFile[] = [
  { name: 'import.xml', path: pkg.importFile },
  { name: 'offers.xml', path: pkg.offersFile },
];

async function exchange(label: string, files: ExchangeFile[]): Promise<ExchangeRun> {
  sampledPeak = 0;
  const load = loadavg()[0]?.toFixed(2);
  const run = await client.run(files);
  log(
    `${label}: upload ${run.uploadS} s (${run.chunks} chunks of ≤ ${mb(run.fileLimit)} MB, zip=${run.zip}), import ${run.importS} s ` +
      `(${run.importCalls} import calls), ${run.requests} requests, slowest ${run.maxRequestS} s: ${run.slowestRequest}; ` +
      `RSS peak sampled ${Math.round(sampledPeak)} MB; load average ${load} before, ${loadavg()[0]?.toFixed(2)} after (2 cores)`,
  );
  return run;
}

// --- the database, read-only, as the server left it ------------------------------------------

const db = new Database(join(dir, 'data', 'optovik.sqlite'), { readonly: true, fileMustExist: true });
const count = (query: string) => (db.prepare(query).pluck().get() as number | null) ?? 0;
const productByGuid = db.prepare<[string], { id: number; updated_at: number; hidden: number }>(
  'select id, updated_at, hidden from products where external_1c_id = ?',
);
const pricesOf = db.prepare<[number], { price_type_id: number; price: number }>(
  'select price_type_id, price from prices where product_id = ?',
);
const stockOf = db.prepare<[number], { warehouse_id: number; quantity: number }>(
  'select warehouse_id, quantity from stock where product_id = ?',
);

function idsByExternal(
  table: 'price_types' | 'warehouses',
  wanted: readonly { id: string; name: string }[],
): (number | undefined)[] {
  const rows = db.prepare(`select id, external_1c_id, name from ${table}`).all() as {
    id: number;
    external_1c_id: string | null;
    name: string;
  }[];
  return wanted.map((w) => (rows.find((r) => r.external_1c_id === w.id) ?? rows.find((r) => r.name === w.name))?.id);
}

/** Counts of what the package must have produced, and exact values for a sample of products. */
function verify(label: string, delta: boolean): void {
  const n = count('select count(*) from products where external_1c_id is not null');
  const prices = count(
    'select count(*) from prices where product_id in (select id from products where external_1c_id is not null)',
  );
  const stock = count(
    'select count(*) from stock where product_id in (select id from products where external_1c_id is not null)',
  );
  const hidden = count('select count(*) from products where external_1c_id is not null and hidden <> 0');
  log(`${label}: db has ${n} 1C products (${hidden} hidden), ${prices} price rows, ${stock} stock rows`);
  check(n === products, `${label}: ${n} products with external_1c_id, expected ${products}`);
  check(prices === 3 * products, `${label}: ${prices} price rows, expected ${3 * products}`);
  check(stock === 2 * products, `${label}: ${stock} stock rows, expected ${2 * products}`);
  check(hidden === 0, `${label}: ${hidden} products hidden, expected 0`);
  const typeIds = idsByExternal('price_types', PRICE_TYPES);
  const warehouseIds = idsByExternal('warehouses', WAREHOUSES);
  check(
    typeIds.every((id) => id !== undefined),
    `${label}: price types in db ${JSON.stringify(typeIds)} (by 1C Ид or name)`,
  );
  check(
    warehouseIds.every((id) => id !== undefined),
    `${label}: warehouses in db ${JSON.stringify(warehouseIds)} (by 1C Ид or name)`,
  );
  const step = Math.max(1, Math.floor(products / 500));
  let wrong = 0;
  let checked = 0;
  for (let i = 0; i < products; i++) {
    if (i % step !== 0 && !(delta && isDeltaProduct(i))) continue;
    checked++;
    const product = productByGuid.get(productGuid(i));
    const want = offerValues(i, delta);
    const price = new Map(product ? pricesOf.all(product.id).map((r) => [r.price_type_id, r.price]) : []);
    const qty = new Map(product ? stockOf.all(product.id).map((r) => [r.warehouse_id, r.quantity]) : []);
    const bad =
      !product ||
      want.prices.some((kop, k) => price.get(typeIds[k] ?? -1) !== kop) ||
      want.stock.some((q, k) => (qty.get(warehouseIds[k] ?? -1) ?? 0) !== q);
    if (bad && wrong++ < 3) {
      log(
        `  product #${i} ${productGuid(i)}: want prices ${want.prices} stock ${want.stock}, db ${JSON.stringify({ product, price: [...price], qty: [...qty] })}`,
      );
    }
  }
  check(wrong === 0, `${label}: ${wrong} of ${checked} sampled products have other prices or stock than the package`);
}

const snapshot = () =>
  new Map(
    (
      db.prepare('select external_1c_id, updated_at from products where external_1c_id is not null').all() as {
        external_1c_id: string;
        updated_at: number;
      }[]
    ).map((r) => [r.external_1c_id, r.updated_at]),
  );
const totals = () =>
  JSON.stringify(db.prepare('select (select total(price) from prices) prices, (select total(quantity) from stock) stock').get());

let first: ExchangeRun;
let rerun: ExchangeRun;
let delta: ExchangeRun;
let rerunChanged = 0;
try {
  first = await exchange('first run', fullPackage);
  verify('first run', false);
  const before = snapshot();
  const totalsBefore = totals();

  rerun = await exchange('identical rerun', fullPackage);
  verify('rerun', false);
  const after = snapshot();
  for (const [guid, updatedAt] of before) if (after.get(guid) !== updatedAt) rerunChanged++;
  check(after.size === before.size, `rerun: ${after.size} products after, ${before.size} before`);
  check(rerunChanged === 0, `rerun: ${rerunChanged} products got a new updated_at`);
  check(totals() === totalsBefore, `rerun: price/stock totals changed from ${totalsBefore} to ${totals()}`);

  delta = await exchange('delta (1% of offers)', [{ name: 'offers.xml', path: pkg.deltaFile }]);
  verify('delta', true);
  let deltaTouched = 0;
  for (const [guid, updatedAt] of snapshot()) if (after.get(guid) !== updatedAt) deltaTouched++;
  log(`delta: ${deltaTouched} products got a new updated_at (${pkg.deltaOffers} offers changed)`);
} catch (err) {
  log(`ABORTED: ${err instanceof Error ? err.message : String(err)}`);
  log(`server output (last lines):\n${serverOutput.split('\n').slice(-30).join('\n')}`);
  clearInterval(sampler);
  db.close();
  await server.stop();
  process.exit(1);
}
const rssMb = Math.round(Math.max(procStatus('VmHWM'), sampledPeak));
clearInterval(sampler);
try {
  const runs = db
    .prepare('select kind, status, counts, message, finished_at - started_at as ms from exchange_runs order by id')
    .all();
  for (const run of runs) log(`exchange_runs: ${JSON.stringify(run)}`);
} catch {
  // no exchange_runs table in this version
}
db.close();
await server.stop();

const maxRequestS = Math.max(first.maxRequestS, rerun.maxRequestS, delta.maxRequestS);
const result = {
  bench: 'import',
  products,
  upload_s: first.uploadS,
  import_s: first.importS,
  max_request_s: maxRequestS,
  rss_mb: rssMb,
  bare_parse_s: bareParseS,
  ratio_to_parse: round(first.importS / bareParseS),
  rerun_s: round(rerun.uploadS + rerun.importS, 3),
  rerun_changed: rerunChanged,
  delta_s: round(delta.uploadS + delta.importS, 3),
  scale: SCALE,
  package_mb: mb(packageBytes),
  file_limit: first.fileLimit,
  zip: first.zip,
  import_calls: first.importCalls,
  requests: first.requests,
  problems: problems.length,
};
const goals = [
  [first.uploadS + first.importS <= 30, `upload + import ${round(first.uploadS + first.importS)} s ≤ 30 s`],
  [maxRequestS <= 10, `slowest request ${maxRequestS} s ≤ 10 s`],
  [rssMb <= 300, `server RSS ${rssMb} MB ≤ 300 MB`],
  [result.ratio_to_parse <= 3, `ratio_to_parse ${result.ratio_to_parse} ≤ 3`],
  [result.delta_s <= 3, `delta ${result.delta_s} s ≤ 3 s`],
] as const;
for (const [met, text] of goals) log(`goal ${met ? 'met' : 'NOT met'}: ${text}`);
if (problems.length > 0) {
  log(`${problems.length} check(s) failed:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
console.log(JSON.stringify(result));
