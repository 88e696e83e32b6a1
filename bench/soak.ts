// npm run bench -- soak: ten minutes (BENCH_SCALE=0.1: one) of mixed load on one real `serve` —
// buyers browsing catalog pages and searching, pasting quick orders and checking out on the web,
// buyers' systems ordering through the API and downloading order PDFs (real Chromium) — while
// 1C sends a delta of 1% of the offers every minute (every 6 s at 0.1), alternately changing
// prices and stock and changing them back. The catalog comes in first through the real exchange
// (100,000 products at scale 1).
//
// What it checks (goals of issue 16): the server's RSS at the end within 10% of its RSS after the
// first tenth of the run (the first minute at scale 1); no error answer (every request gets the
// status a person would expect); catalog pages as fast at the end as at the start — the p95 of
// the last tenth at most 1.5 × the p95 of the first tenth (a leak or a growing cache shows as a
// slope; the machine is shared, so a small wobble is noise). The bare-server baseline in the same
// run gives the machine's speed. Last line: one JSON object; exit 0 unless the bench itself broke.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { TOKEN_PREFIX } from '../src/accounts/api-tokens.js';
import { generateToken, hashToken } from '../src/accounts/tokens.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { OneCClient } from './_cml-exchange.js';
import { writeCmlPackage, writeUndoDelta } from './_cml-package.js';
import { benchDir, load, log, SCALE, scaled, startProcess } from './_support.js';

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const LOGIN = 'onec';
const PASSWORD = 'soak-1c-password';
const seconds = Math.max(60, Math.round(600 * SCALE));
const deltaEveryS = Math.max(6, Math.round(60 * SCALE));
const products = scaled(100_000);
const buyers = 40;
const dir = benchDir('soak');
const configFile = join(dir, 'config.yml');
writeFileSync(
  configFile,
  [
    'data_dir: ./data',
    'server:',
    '  port: 0',
    'log:',
    '  level: warn',
    'catalog:',
    '  allow_backorder: true',
    'api:',
    '  rate_limit: 0',
    'integrations:',
    '  commerceml:',
    `    login: ${LOGIN}`,
    `    password: ${PASSWORD}`,
    '    zip: false',
    '    default_price_type: Оптовая',
    '',
  ].join('\n'),
);
const pkg = writeCmlPackage(dir, products);
const undoFile = writeUndoDelta(dir, products);

// Buyers (companies, users, a web session and an API token each), written before the server starts.
const setup = createContext(loadConfig({ file: configFile, env: {}, cwd: dir }));
await prepareDatabase(setup, false);
const sqlite = setup.database.sqlite;
const now = Date.now();
const sessions: string[] = [];
const tokens: string[] = [];
sqlite.transaction(() => {
  for (let i = 0; i < buyers; i++) {
    const company = Number(
      sqlite
        .prepare('insert into companies (name, discount_bp, created_at, updated_at) values (?, ?, ?, ?)')
        .run(`Покупатель ${i + 1}`, (i % 4) * 100, now, now).lastInsertRowid,
    );
    sqlite
      .prepare('insert into legal_entities (company_id, name, inn, is_primary, created_at, updated_at) values (?, ?, ?, 1, ?, ?)')
      .run(company, `ООО «Покупатель ${i + 1}»`, String(7700000000 + i), now, now);
    const user = Number(
      sqlite
        .prepare("insert into users (email, name, role, company_id, created_at, updated_at) values (?, ?, 'buyer', ?, ?, ?)")
        .run(`soak${i}@bench.test`, `Закупщик ${i + 1}`, company, now, now).lastInsertRowid,
    );
    const session = generateToken();
    sqlite
      .prepare('insert into sessions (id, user_id, expires_at, created_at) values (?, ?, ?, ?)')
      .run(hashToken(session), user, now + 30 * 86_400_000, now);
    sessions.push(`optovik_session=${session}`);
    const token = `${TOKEN_PREFIX}${generateToken()}`;
    sqlite
      .prepare(
        "insert into api_tokens (user_id, name, token_hash, token_prefix, scopes, created_at) values (?, 'soak', ?, ?, 'read order', ?)",
      )
      .run(user, hashToken(token), token.slice(0, 10), now);
    tokens.push(token);
  }
})();
await setup.close();

// BENCH_SERVER_FLAGS="--trace-gc" (with BENCH_SERVER_LOG=<file>) shows how the server's heap moves.
const serverFlags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
// As `npm start` and the systemd unit of docs/admin-guide.md run it; BENCH_MALLOC_ARENA_MAX= (empty) measures glibc's default.
const arenas = process.env.BENCH_MALLOC_ARENA_MAX ?? '2';
const server = await startProcess(
  [...serverFlags, 'bin/optovik.js', 'serve', '--config', configFile],
  /Optovik is running at (http:\/\/\S+)/,
  arenas === '' ? {} : { MALLOC_ARENA_MAX: arenas },
);
const pid = server.child.pid as number;
const rss = () => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
};
try {
  const onec = new OneCClient(server.url, LOGIN, PASSWORD);
  const first = await onec.run([
    { name: 'import.xml', path: pkg.importFile },
    { name: 'offers.xml', path: pkg.offersFile },
  ]);
  log(
    `catalog in through the exchange: ${products} products in ${round(first.uploadS + first.importS)} s; server RSS ${Math.round(rss())} MB`,
  );

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const send = (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) =>
    new Promise<{ status: number; location: string; text: string }>((done, fail) => {
      const req = request(
        `${server.url}${path}`,
        { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            done({
              status: res.statusCode ?? 0,
              location: res.headers.location ?? '',
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', fail);
        },
      );
      req.on('error', fail);
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.end(body);
    });
  const BROWSER = { accept: 'text/html', 'accept-language': 'ru-RU,ru;q=0.9', 'user-agent': 'Mozilla/5.0 (optovik soak)' };
  const field = (html: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? '';

  // SKUs to order: read from a catalog page as a buyer would see them.
  const page = await send('GET', '/api/v1/products?limit=100', { authorization: `Bearer ${tokens[0]}` });
  const skus = (JSON.parse(page.text) as { items: { sku: string }[] }).items.map((p) => p.sku).filter(Boolean);
  if (skus.length < 10) throw new Error(`too few products to order: ${page.status} ${page.text.slice(0, 200)}`);
  const words = ['болт', 'гайка', 'кабель', 'шуруп', 'саморез', 'дюбель', 'анкер', 'шайба', 'винт', 'хомут'];

  const started = Date.now();
  const deadline = started + seconds * 1000;
  const catalogTimes: Array<[number, number]> = [];
  let samplePage = '';
  const counts = { requests: 0, errors: 0, orders: 0, web_orders: 0, pdfs: 0, deltas: 0 };
  const errors: string[] = [];
  const expect = (what: string, got: number, ok: number[], text = '') => {
    counts.requests += 1;
    if (ok.includes(got)) return true;
    counts.errors += 1;
    if (errors.length < 10) errors.push(`${what}: ${got} ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
    return false;
  };
  const rssSamples: Array<[number, number]> = [];
  const sampler = setInterval(() => rssSamples.push([Date.now() - started, rss()]), 1000);

  async function browse(i: number) {
    const cookie = sessions[i % sessions.length] as string;
    for (let n = 0; Date.now() < deadline; n++) {
      const path =
        n % 2 === 0
          ? `/catalog?page=${1 + ((i * 7 + n) % 40)}`
          : `/catalog?q=${encodeURIComponent(words[(i + n) % words.length] as string)}`;
      const t0 = performance.now();
      const res = await send('GET', path, { ...BROWSER, cookie });
      catalogTimes.push([Date.now() - started, performance.now() - t0]);
      if (samplePage === '' && res.status === 200 && n % 2 === 0) samplePage = res.text;
      expect(`GET ${path}`, res.status, [200], res.text);
    }
  }

  async function webOrders(i: number) {
    const cookie = sessions[(i + 10) % sessions.length] as string;
    for (let n = 0; Date.now() < deadline; n++) {
      const form = await send('GET', '/quick-order', { ...BROWSER, cookie });
      if (!expect('GET /quick-order', form.status, [200], form.text)) continue;
      const lines = Array.from({ length: 5 }, (_, k) => `${skus[(i * 13 + n * 5 + k) % skus.length]} ${1 + k}`).join('\n');
      const paste = await send(
        'POST',
        '/quick-order/paste',
        { ...BROWSER, cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        new URLSearchParams({ _csrf: field(form.text, '_csrf'), lines, replace: '1' }).toString(),
      );
      if (!expect('POST /quick-order/paste', paste.status, [200, 303], paste.text)) continue;
      const checkout = await send('GET', '/checkout', { ...BROWSER, cookie });
      if (!expect('GET /checkout', checkout.status, [200], checkout.text)) continue;
      const placed = await send(
        'POST',
        '/checkout',
        { ...BROWSER, cookie, 'content-type': 'application/x-www-form-urlencoded', origin: server.url },
        new URLSearchParams({
          _csrf: field(checkout.text, '_csrf'),
          idempotency_key: field(checkout.text, 'idempotency_key'),
          confirmed_total: field(checkout.text, 'confirmed_total'),
          legal_entity_id: field(checkout.text, 'legal_entity_id'),
          address_choice: 'new',
          new_address: 'Москва, ул. Складская, 1',
        }).toString(),
      );
      // A delta may change a price between the checkout page and the submit: the buyer is shown the new total (409), as intended.
      if (expect('POST /checkout', placed.status, [303, 409], placed.text) && placed.status === 303) counts.web_orders += 1;
    }
  }

  async function apiOrders(i: number) {
    const headers = { authorization: `Bearer ${tokens[(i + 20) % tokens.length]}`, 'content-type': 'application/json' };
    for (let n = 0; Date.now() < deadline; n++) {
      const body = JSON.stringify({
        lines: Array.from({ length: 10 }, (_, k) => ({
          sku: skus[(i * 31 + n * 3 + k) % skus.length],
          quantity: String(1 + (k % 3)),
        })),
      });
      const res = await send('POST', '/api/v1/orders', { ...headers, 'idempotency-key': `soak-${i}-${n}` }, body);
      if (!expect('POST /api/v1/orders', res.status, [201], res.text)) continue;
      counts.orders += 1;
      if (n % 5 === 0) {
        const number = (JSON.parse(res.text) as { number: string }).number;
        // The PDF is made by the jobs worker after the order; until then the API says 202 or 404 with Retry-After.
        const pdf = await send('GET', `/api/v1/orders/${encodeURIComponent(number)}/pdf`, headers);
        if (expect(`GET /api/v1/orders/${number}/pdf`, pdf.status, [200, 202, 503], pdf.text) && pdf.status === 200)
          counts.pdfs += 1;
      }
    }
  }

  async function deltas() {
    for (let n = 0; Date.now() + deltaEveryS * 1000 < deadline; n++) {
      await new Promise((r) => setTimeout(r, deltaEveryS * 1000));
      const file = n % 2 === 0 ? pkg.deltaFile : undoFile;
      try {
        await onec.run([{ name: 'offers.xml', path: file }]);
        counts.deltas += 1;
      } catch (error) {
        counts.errors += 1;
        if (errors.length < 10) errors.push(`1C delta ${n + 1}: ${(error as Error).message}`);
      }
    }
  }

  await Promise.all([...[0, 1, 2, 3].map(browse), ...[0, 1].map(webOrders), ...[0, 1].map(apiOrders), deltas()]);
  clearInterval(sampler);
  agent.destroy();
  await server.stop();

  // The machine's own speed at the end: bare Fastify sending the same catalog page bytes.
  const pageFile = join(dir, 'page.html');
  writeFileSync(pageFile, samplePage);
  const bare = await startProcess(['--import', 'tsx', 'bench/_bare-server.ts', pageFile], /bare listening at (http:\/\/\S+)/);
  let baseline: Awaited<ReturnType<typeof load>>;
  try {
    baseline = await load(bare.url, { connections: 4, seconds: 5 });
  } finally {
    await bare.stop();
  }

  const tenth = (seconds * 1000) / 10;
  const p95 = (times: number[]) => {
    const sorted = [...times].sort((a, b) => a - b);
    return round(sorted[Math.floor(sorted.length * 0.95)] ?? 0);
  };
  const firstP95 = p95(catalogTimes.filter(([at]) => at <= tenth).map(([, ms]) => ms));
  const lastP95 = p95(catalogTimes.filter(([at]) => at >= seconds * 1000 - tenth).map(([, ms]) => ms));
  const rssFirst = Math.round(rssSamples.find(([at]) => at >= tenth)?.[1] ?? 0);
  const rssEnd = Math.round(rssSamples.at(-1)?.[1] ?? 0);
  const rssMax = Math.round(Math.max(...rssSamples.map(([, mb]) => mb)));
  const growth = round(((rssEnd - rssFirst) / Math.max(1, rssFirst)) * 100);
  for (const e of errors) log(`error: ${e}`);
  const goals: Array<[boolean, string]> = [
    [counts.errors === 0, `${counts.errors} error answers = 0`],
    [growth <= 10, `RSS ${rssFirst} → ${rssEnd} MB (${growth} %) ≤ +10 %`],
    [lastP95 <= firstP95 * 1.5, `catalog p95 ${firstP95} → ${lastP95} ms ≤ 1.5 ×`],
  ];
  for (const [met, text] of goals) log(`goal ${met ? 'met' : 'NOT met'}: ${text}`);
  log(
    `RSS every minute: ${rssSamples
      .filter((_, k) => k % 60 === 0)
      .map(([, mb]) => Math.round(mb))
      .join(', ')} MB (max ${rssMax})`,
  );
  console.log(
    JSON.stringify({
      bench: 'soak',
      scale: SCALE,
      products,
      seconds,
      requests: counts.requests,
      errors: counts.errors,
      api_orders: counts.orders,
      web_orders: counts.web_orders,
      pdfs: counts.pdfs,
      deltas: counts.deltas,
      rss_first_mb: rssFirst,
      rss_end_mb: rssEnd,
      rss_max_mb: rssMax,
      rss_growth_pct: growth,
      catalog_p95_first_ms: firstP95,
      catalog_p95_last_ms: lastP95,
      catalog_requests: catalogTimes.length,
      bare_p95_ms: baseline.p95Ms,
      malloc_arena_max: arenas === '' ? 'default' : arenas,
      goal_met: goals.every(([met]) => met),
    }),
  );
} finally {
  await server.stop().catch(() => {});
}
