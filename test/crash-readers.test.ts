/**
 * Crash safety of the other catalog readers (the 1C import's is in crash-safety.test.ts): an
 * `optovik import` of a spreadsheet (20,000 rows) and an `optovik moysklad sync --full` are killed with SIGKILL
 * while reading and while switching. Each time the catalog is wholly the old one or wholly the new
 * one (they share the one importer's staging and one-transaction switch), the database is intact,
 * the next start closes the run the kill cut short as abandoned, and the next run succeeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { killHard, startCli, startServe } from './crash-support.js';
import { tempDir } from './helpers.js';
import { FakeMoySklad, TOKEN } from './moysklad-fake.js';

const PRICE_TYPES = ['Опт', 'Розница'];

function configFile(dir: string, extra: string[] = []): void {
  writeFileSync(
    join(dir, 'config.yml'),
    ['data_dir: ./data', 'server:', '  port: 0', 'log:', '  level: warn', ...extra, ''].join('\n'),
  );
}

/** Products, prices and their sum: two catalogs that differ in every price never give the same figures. */
function catalogState(dir: string): string {
  const db = new Database(join(dir, 'data', 'optovik.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare(
        'select (select count(*) from products where hidden = 0) as products, (select count(*) from prices) as prices, (select total(price) from prices) as total',
      )
      .get() as Record<string, number>;
    return `${row.products}/${row.prices}/${row.total}`;
  } finally {
    db.close();
  }
}

/** The last run's status once a restarted portal has closed what the kill cut short; the database's integrity. */
async function afterRestart(dir: string, env: Record<string, string> = {}): Promise<{ status: string; integrity: unknown }> {
  const server = await startServe(dir, env);
  await killHard(server.child);
  const db = new Database(join(dir, 'data', 'optovik.sqlite'), { readonly: true });
  try {
    const run = db.prepare('select status from exchange_runs order by id desc limit 1').get() as { status: string };
    return { status: run.status, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

/** Runs `optovik <args>` and kills it when `when` resolves (or lets it finish first). */
async function killDuring(
  dir: string,
  args: string[],
  when: (output: () => string) => Promise<void>,
  env: Record<string, string> = {},
) {
  const run = startCli(dir, args, env);
  await Promise.race([when(run.output), run.exited]);
  await killHard(run.child);
  return run.output();
}

const waitFor = (output: () => string, marker: string) =>
  new Promise<void>((done) => {
    const timer = setInterval(() => {
      if (output().includes(marker)) {
        clearInterval(timer);
        done();
      }
    }, 5);
  });

describe('other catalog readers through a SIGKILL', () => {
  it('a spreadsheet import killed at any moment leaves the whole old catalog or the whole new one; the next run succeeds', async () => {
    const dir = tempDir('optovik-crash-sheet-');
    configFile(dir);
    const rows = 20_000;
    const csv = (bump: number) =>
      `\ufeffАртикул;Наименование;Категория;${PRICE_TYPES.map((t) => `Цена ${t}`).join(';')};Остаток\r\n${Array.from(
        { length: rows },
        (_, i) => `SK-${i};Товар ${i};Крепёж / Группа ${i % 30};${100 + (i % 700) + bump},50;${130 + (i % 900) + bump};${i % 50}`,
      ).join('\r\n')}\r\n`;
    writeFileSync(join(dir, 'v1.csv'), csv(0));
    writeFileSync(join(dir, 'v2.csv'), csv(1));

    expect(await startCli(dir, ['migrate']).exited).toBe(0);
    const db = new Database(join(dir, 'data', 'optovik.sqlite'));
    for (const [i, name] of PRICE_TYPES.entries())
      db.prepare('insert into price_types (name, is_default, created_at) values (?, ?, ?)').run(
        name,
        i === 0 ? 1 : 0,
        Date.now(),
      );
    db.close();

    const first = startCli(dir, ['import', 'v1.csv']);
    expect(await first.exited, first.output()).toBe(0);
    const v1 = catalogState(dir);

    const seen: string[] = [];
    const statuses: string[] = [];
    const moments: Array<(output: () => string) => Promise<void>> = [
      // Reading: a moment after the rows began to be staged.
      (output) => waitFor(output, 'reading').then(() => new Promise((r) => setTimeout(r, 150))),
      // The switch: the one transaction has begun.
      (output) => waitFor(output, 'switching the catalog'),
      (output) => waitFor(output, 'switching the catalog').then(() => new Promise((r) => setTimeout(r, 60))),
    ];
    for (const moment of moments) {
      await killDuring(dir, ['import', 'v2.csv'], moment);
      seen.push(catalogState(dir));
      const after = await afterRestart(dir);
      expect(after.integrity).toBe('ok');
      statuses.push(after.status);
    }
    const last = startCli(dir, ['import', 'v2.csv']);
    expect(await last.exited, last.output()).toBe(0);
    const v2 = catalogState(dir);
    expect(v2).not.toBe(v1);
    for (const state of seen) expect([v1, v2]).toContain(state);
    for (const status of statuses) expect(['abandoned', 'success']).toContain(status);
    console.log(
      `crash-safety (spreadsheet): kills left ${seen.map((s) => (s === v1 ? 'old' : 'new')).join(', ')}; runs ${statuses.join(', ')}`,
    );
  }, 180_000);

  it('a MoySklad sync killed while reading or switching leaves the whole old catalog or the whole new one; the next sync succeeds', async () => {
    const fake = new FakeMoySklad({ latencyMs: 40 });
    await fake.start();
    try {
      fake.put('organization', { name: 'ООО «Оптовик-Юг»', inn: '6164000000' });
      const store = fake.put('store', { name: 'Основной склад' });
      fake.addState('Новый');
      const opt = String(fake.addPriceType('Опт').id);
      const goods = Array.from({ length: 2500 }, (_, i) =>
        fake.put('product', {
          name: `Товар ${i}`,
          article: `MS-${i}`,
          salePrices: [{ value: 10_000 + i * 10, priceType: { id: opt } }],
        }),
      );
      for (const g of goods) fake.setStock(g.id, store.id, 5);
      const dir = tempDir('optovik-crash-ms-');
      const moysklad = [
        'integrations:',
        '  moysklad:',
        `    base_url: ${fake.url}`,
        '    request_budget: 40',
        '    timeout_seconds: 10',
      ];
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
      configFile(dir, [...moysklad, '    token: ${MS_TOKEN}']);

      const withToken = { MS_TOKEN: TOKEN };
      // The restarted portal runs without MoySklad: its own scheduled sync must not be the run looked at.
      const withoutToken = { MS_TOKEN: '' };
      const first = startCli(dir, ['moysklad', 'sync', '--full'], withToken);
      expect(await first.exited, first.output()).toBe(0);
      const v1 = catalogState(dir);
      // Version 2: every price one rouble up.
      for (const g of goods) {
        const [price] = g.salePrices as { value: number }[];
        fake.change('product', g.id, { salePrices: [{ value: (price?.value ?? 0) + 100, priceType: { id: opt } }] });
      }

      const seen: string[] = [];
      const statuses: string[] = [];
      for (const marker of ['MoySklad: products', 'MoySklad: stock', 'MoySklad: switching the catalog']) {
        await killDuring(dir, ['moysklad', 'sync', '--full'], (output) => waitFor(output, marker), withToken);
        seen.push(catalogState(dir));
        const after = await afterRestart(dir, withoutToken);
        expect(after.integrity).toBe('ok');
        statuses.push(after.status);
      }
      const last = startCli(dir, ['moysklad', 'sync', '--full'], withToken);
      expect(await last.exited, last.output()).toBe(0);
      const v2 = catalogState(dir);
      expect(v2).not.toBe(v1);
      for (const state of seen) expect([v1, v2]).toContain(state);
      // Killed before the switch committed: nothing of version 2 is in.
      expect(seen.slice(0, 2)).toEqual([v1, v1]);
      for (const status of statuses) expect(['abandoned', 'success']).toContain(status);
      console.log(
        `crash-safety (MoySklad): kills left ${seen.map((s) => (s === v1 ? 'old' : 'new')).join(', ')}; runs ${statuses.join(', ')}`,
      );
    } finally {
      await fake.stop();
    }
  }, 180_000);
});
