// npm run bench -- spreadsheet: a 100,000-row price list (SKU, name, category, 3 price columns,
// 2 stock columns) as CSV and as XLSX, each imported through `optovik import` into an empty
// portal; the CSV again unchanged (must change nothing) and with 1% of prices and stock changed.
// Times are wall clock of the whole CLI process (start-up included); RSS is the CLI's peak.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { benchDir, log, ROOT, SCALE, scaled } from './_support.js';

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);

const dir = benchDir('spreadsheet');
const rows = scaled(100_000);
const PRICE_TYPES = ['Опт', 'Розница', 'VIP'];
const WAREHOUSES = ['Москва', 'Казань'];
const HEADER = ['Артикул', 'Наименование', 'Категория', ...PRICE_TYPES.map((t) => `Цена ${t}`), ...WAREHOUSES.map((w) => `Остаток ${w}`)];
const changedRow = (i: number) => i % 100 === 37;

/** Row i of the list; `delta` changes the prices and stock of 1% of the rows. */
function row(i: number, delta: boolean): Array<string | number> {
  const bump = delta && changedRow(i) ? 1 : 0;
  const base = 100 + (i % 5000) + bump;
  return [
    `SK-${String(i).padStart(6, '0')}`,
    `Товар номер ${i} «${['Болт', 'Гайка', 'Шайба', 'Винт'][i % 4]}» ${i % 97} мм`,
    `Крепёж / Группа ${i % 40} / Подгруппа ${i % 400}`,
    base + 0.5,
    round(base * 1.3, 2),
    round(base * 0.9, 2),
    (i * 7) % 500 + bump,
    (i * 13) % 300,
  ];
}

async function writeCsv(path: string, delta: boolean): Promise<void> {
  const out = createWriteStream(path);
  const cell = (v: string | number) => (typeof v === 'number' ? String(v).replace('.', ',') : v);
  out.write(`\ufeff${HEADER.join(';')}\r\n`);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `${row(i, delta).map(cell).join(';')}\r\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((r) => out.once('close', () => r()));
}

async function writeXlsx(path: string): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: true });
  const sheet = workbook.addWorksheet('Прайс');
  sheet.addRow(HEADER).commit();
  for (let i = 0; i < rows; i++) sheet.addRow(row(i, false)).commit();
  sheet.commit();
  await workbook.commit();
}

/** A portal of its own (data dir, config, migrated database with the three price types). */
async function portal(name: string): Promise<{ config: string; db: string }> {
  const data = join(dir, name);
  const config = join(dir, `${name}.yml`);
  writeFileSync(config, `data_dir: ${JSON.stringify(data)}\nlog:\n  level: warn\n`);
  const migrated = await cli(['migrate', '--config', config]);
  if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.output}`);
  const db = new Database(join(data, 'optovik.sqlite'));
  const now = Date.now();
  for (const [i, type] of PRICE_TYPES.entries())
    db.prepare('insert into price_types (name, is_default, created_at) values (?, ?, ?)').run(type, i === 0 ? 1 : 0, now);
  db.close();
  return { config, db: join(data, 'optovik.sqlite') };
}

interface CliRun {
  code: number;
  seconds: number;
  rssMb: number;
  output: string;
}

/** The node flags `npm run optovik` runs the CLI with (package.json), so the bench measures what a user runs. */
const CLI_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.optovik
  ?.split(/\s+/)
  .filter((arg) => arg.startsWith('--')) ?? [];

/** `optovik …` as a process of its own, timed, its peak RSS read from /proc while it runs. */
function cli(args: string[]): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [...CLI_FLAGS, 'bin/optovik.js', ...args], { cwd: ROOT, env: { ...process.env, HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let peak = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {
      // gone already
    }
  };
  const timer = setInterval(sample, 50);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearInterval(timer);
      resolve({ code: code ?? 1, seconds: round((performance.now() - started) / 1000, 3), rssMb: Math.round(peak), output });
    });
  });
}

/** "created a, changed b, hidden c; prices changed d, stock changed e" → their sum. */
function changes(output: string): number {
  const m = /created (\d+), changed (\d+), hidden (\d+); prices changed (\d+), stock changed (\d+)/.exec(output);
  if (!m) throw new Error(`no counts in the output:\n${output}`);
  return m.slice(1).reduce((sum, n) => sum + Number(n), 0);
}

const problems: string[] = [];
const check = (ok: boolean, message: string) => {
  if (!ok) {
    problems.push(message);
    log(`CHECK FAILED: ${message}`);
  }
};

let started = performance.now();
const csv = join(dir, 'price.csv');
const csvDelta = join(dir, 'price-delta.csv');
const xlsx = join(dir, 'price.xlsx');
await writeCsv(csv, false);
await writeCsv(csvDelta, true);
await writeXlsx(xlsx);
log(`files: ${rows} rows in ${round((performance.now() - started) / 1000, 1)} s: CSV ${mb(statSync(csv).size)} MB, XLSX ${mb(statSync(xlsx).size)} MB (${dir})`);

const csvPortal = await portal('csv');
const xlsxPortal = await portal('xlsx');

const importCsv = await cli(['import', csv, '--config', csvPortal.config]);
log(`CSV into an empty portal: ${importCsv.seconds} s, RSS ${importCsv.rssMb} MB: ${importCsv.output.trim().split('\n').at(-1)}`);
check(importCsv.code === 0, `CSV import exited ${importCsv.code}: ${importCsv.output.slice(-2000)}`);

const importXlsx = await cli(['import', xlsx, '--config', xlsxPortal.config]);
log(`XLSX into an empty portal: ${importXlsx.seconds} s, RSS ${importXlsx.rssMb} MB: ${importXlsx.output.trim().split('\n').at(-1)}`);
check(importXlsx.code === 0, `XLSX import exited ${importXlsx.code}: ${importXlsx.output.slice(-2000)}`);

const rerun = await cli(['import', csv, '--config', csvPortal.config]);
const rerunChanged = rerun.code === 0 ? changes(rerun.output) : -1;
log(`identical CSV again: ${rerun.seconds} s, RSS ${rerun.rssMb} MB, ${rerunChanged} changes`);
check(rerunChanged === 0, `the identical rerun changed ${rerunChanged}`);

const delta = await cli(['import', csvDelta, '--config', csvPortal.config]);
log(`CSV with 1% changed: ${delta.seconds} s, RSS ${delta.rssMb} MB: ${delta.output.trim().split('\n').at(-1)}`);
check(delta.code === 0, `delta import exited ${delta.code}`);

// What the database holds: every row, its prices and stock.
started = performance.now();
const db = new Database(csvPortal.db, { readonly: true });
const count = (q: string) => (db.prepare(q).pluck().get() as number) ?? 0;
check(count('select count(*) from products') === rows, `products: ${count('select count(*) from products')}, expected ${rows}`);
check(count('select count(*) from prices') === rows * 3, `prices: ${count('select count(*) from prices')}, expected ${rows * 3}`);
check(count('select count(*) from stock where quantity > 0') >= 1, 'no stock');
const sample = db.prepare("select p.price from prices p join products x on x.id = p.product_id join price_types t on t.id = p.price_type_id where x.sku = ? and t.name = 'Опт'");
for (const i of [0, 37, Math.floor(rows / 2), rows - 1]) {
  const want = Math.round(((row(i, true)[3] as number) * 100));
  const got = (sample.get(`SK-${String(i).padStart(6, '0')}`) as { price: number } | undefined)?.price;
  check(got === want, `row ${i}: price ${got}, expected ${want}`);
}
db.close();

const result = {
  bench: 'spreadsheet',
  csv_s: importCsv.seconds,
  xlsx_s: importXlsx.seconds,
  rerun_changed: rerunChanged,
  delta_s: delta.seconds,
  rss_mb: Math.max(importCsv.rssMb, importXlsx.rssMb, rerun.rssMb, delta.rssMb),
  rows,
  scale: SCALE,
  csv_mb: mb(statSync(csv).size),
  xlsx_mb: mb(statSync(xlsx).size),
  rerun_s: rerun.seconds,
  problems: problems.length,
};
const goals = [
  [result.csv_s <= 10, `CSV ${result.csv_s} s ≤ 10 s`],
  [result.xlsx_s <= 30, `XLSX ${result.xlsx_s} s ≤ 30 s`],
  [rerunChanged === 0, `identical rerun changes ${rerunChanged} = 0`],
  [result.rss_mb <= 300, `RSS ${result.rss_mb} MB ≤ 300 MB`],
] as const;
for (const [met, text] of goals) log(`goal ${met ? 'met' : 'NOT met'}: ${text}`);
if (problems.length > 0) {
  log(`${problems.length} check(s) failed:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
console.log(JSON.stringify(result));
