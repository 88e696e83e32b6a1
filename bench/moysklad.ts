// npm run bench -- moysklad: the fake MoySklad of the tests (test/moysklad-fake.ts, run by
// bench/_moysklad-server.ts in a process of its own) serves 100,000 products (20% with 3 variants
// each), 3 price types, 3 stores and 1,000 counterparties, limited like a user token from
// December 2026 (45 units per 3 s, 4 per request, 5 per stock report; 5 in parallel). The portal
// (this process) runs a full sync, then 1% of the products change price and stock and it runs an
// incremental one. BENCH_SCALE=0.05 for a small run. rss_mb is the portal's peak alone.
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { TOKEN } from '../test/moysklad-fake.js';
import { benchDir, log, startProcess } from './_support.js';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

let started = performance.now();
const server = await startProcess(['--import', 'tsx', 'bench/_moysklad-server.ts'], /fake MoySklad at (\S+)/);
log(`fake MoySklad ready in ${round((performance.now() - started) / 1000, 1)} s at ${server.url} (its RSS ${server.rssMb()} MB)`);

const dir = benchDir('moysklad');
const config = loadConfig({
  cwd: dir,
  env: {},
  overrides: { demo: false, data_dir: dir, log: { level: 'silent' }, integrations: { moysklad: { token: TOKEN, base_url: server.url, request_budget: 11, max_parallel: 4 } } },
});
const ctx = createContext(config);
await prepareDatabase(ctx, false);
const service = ctx.moysklad;
if (!service) throw new Error('MoySklad is off');

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

try {
  started = performance.now();
  const full = await service.sync({ full: true, onProgress: (text) => log(text) });
  const fullS = round((performance.now() - started) / 1000, 1);
  if (!full.ok) throw new Error(`full sync failed: ${full.message}`);
  log(`full sync: ${fullS} s, ${JSON.stringify(full.counts)}`);

  const changed = await fetch(`${server.url}/__control/change`, { method: 'POST', headers: { 'Accept-Encoding': 'gzip' } }).then((r) => r.json());
  log(`changed in MoySklad: ${JSON.stringify(changed)}`);
  // In `serve` the next sync comes poll_seconds (60 s) later, when the 3 s request budget is full
  // again; right after the full sync it is empty. Wait out one budget window, not a whole poll.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  started = performance.now();
  const incremental = await service.sync({ full: false });
  const incrementalS = round((performance.now() - started) / 1000, 2);
  if (!incremental.ok) throw new Error(`incremental sync failed: ${incremental.message}`);
  log(`incremental sync: ${incrementalS} s, ${JSON.stringify(incremental.counts)}`);
  clearInterval(sampler);
  console.log(
    JSON.stringify({
      bench: 'moysklad',
      full_sync_s: fullS,
      requests: full.counts.requests,
      http_429: full.counts.http_429,
      incremental_s: incrementalS,
      incremental_requests: incremental.counts.requests,
      rss_mb: Math.round(peakRss / 1024 / 1024),
    }),
  );
} finally {
  clearInterval(sampler);
  await ctx.close();
  await server.stop();
}
