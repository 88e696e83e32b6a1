// npm run bench -- catalog: category pages and search at a buyer's prices under load.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCatalogData, BENCH_EMAIL, BENCH_PASSWORD } from './_catalog-data.js';
import { benchDir, load, log, login, SCALE, scaled, startProcess } from './_support.js';

const connections = 16;
const seconds = Math.max(5, scaled(20, 1));
const dir = benchDir('catalog');
const started = Date.now();
const products = scaled(100_000);
const { configFile, catalog } = await buildCatalogData(dir, { products, companies: scaled(2_000, 1) });
log(`data: ${products} products in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);

const server = await startProcess(['bin/optovik.js', 'serve', '--config', configFile], /Optovik is running at (http:\/\/\S+)/);
try {
  const cookie = await login(server.url, BENCH_EMAIL, BENCH_PASSWORD);
  const leaf = catalog.leafCategoryIds[0];
  const categoryUrl = `${server.url}/catalog?c=${leaf}`;
  const searchUrl = `${server.url}/catalog?q=${encodeURIComponent('болт оцинк')}`;
  const page = await fetch(categoryUrl, { headers: { cookie } });
  const html = await page.text();
  const rows = (html.match(/<tr>|<tr class="exact">/g) ?? []).length - 1;
  const searchRows = ((await fetch(searchUrl, { headers: { cookie } }).then((r) => r.text())).match(/href="\/catalog\/p\/\d+"/g) ?? []).length;
  if (page.status !== 200 || rows < 50 || searchRows < 50) throw new Error(`unexpected pages: status ${page.status}, ${rows} category rows, ${searchRows} search rows`);

  // Warm up, then measure each target separately.
  await load(categoryUrl, { connections, seconds: 2, headers: { cookie } });
  const category = await load(categoryUrl, { connections, seconds, headers: { cookie } });
  log(`category: ${category.rps} rps, p50 ${category.p50Ms} ms, p95 ${category.p95Ms} ms, non-2xx ${category.non2xx}`);
  const search = await load(searchUrl, { connections, seconds, headers: { cookie } });
  log(`search: ${search.rps} rps, p50 ${search.p50Ms} ms, p95 ${search.p95Ms} ms, non-2xx ${search.non2xx}`);
  const rssMb = server.rssMb();

  const htmlFile = join(dir, 'page.html');
  writeFileSync(htmlFile, html);
  const bare = await startProcess(['--import', 'tsx', 'bench/_bare-server.ts', htmlFile], /bare listening at (http:\/\/\S+)/);
  let bareRps = 0;
  try {
    await load(bare.url, { connections, seconds: 2 });
    bareRps = (await load(bare.url, { connections, seconds })).rps;
    log(`bare: ${bareRps} rps (same ${html.length}-byte page)`);
  } finally {
    await bare.stop();
  }
  console.log(
    JSON.stringify({
      bench: 'catalog',
      scale: SCALE,
      products,
      category_rps: category.rps,
      category_p95_ms: category.p95Ms,
      search_rps: search.rps,
      search_p95_ms: search.p95Ms,
      bare_rps: bareRps,
      ratio_to_bare: bareRps ? Math.round((category.rps / bareRps) * 100) / 100 : 0,
      rss_mb: rssMb,
      non_2xx: category.non2xx + search.non2xx,
    }),
  );
} finally {
  await server.stop();
}
