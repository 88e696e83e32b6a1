/**
 * Crash safety. Orders: a real `optovik serve` is killed with SIGKILL while buyers' systems
 * place orders through the REST API with idempotency keys; it is started again and every client
 * repeats what got no answer with the same key. Afterwards every order that was acknowledged
 * exists exactly once, no key made two orders, every order's follow-up jobs (PDF, mails) are
 * stored, and SQLite's integrity check passes. (The bench `npm run bench -- orders` measures
 * speed; this proves the promise "no order lost, none twice" under the worst stop there is.)
 * Catalog: a 1C import (8,000 products, every price changed) is killed at three moments of its
 * run; each time the catalog is wholly the old one or wholly the new one, the run the kill cut
 * short is marked abandoned at the next start, and a full run afterwards succeeds.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeCmlPackage } from '../bench/_cml-package.js';
import { loadConfig } from '../src/config/load.js';
import { databaseFile } from '../src/context.js';
import { OneCClient } from './commerceml-client.js';
import { killHard, type OrderLoad, orderClient, seedApiBuyers, startServe as start, storedKey } from './crash-support.js';
import { tempDir } from './helpers.js';

const CLIENTS = 4;
const KILLS = 3;

describe('through a SIGKILL', () => {
  it('every acknowledged order exists once, no key orders twice, no follow-up job is lost, the database is intact', async () => {
    const dir = tempDir('optovik-crash-');
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'data_dir: ./data',
        'server:',
        '  port: 0',
        'log:',
        '  level: warn',
        'api:',
        '  rate_limit: 0',
        'documents:',
        '  chromium_path: /nonexistent/chromium',
        '',
      ].join('\n'),
    );
    // The portal's data, made the way the app makes it, before the server runs.
    const config = loadConfig({ file: join(dir, 'config.yml'), env: {}, cwd: dir });
    const tokens = await seedApiBuyers(config, CLIENTS);

    let server = await start(dir);
    let stopped = false;
    const load: OrderLoad = { url: () => server.url, stopped: () => stopped, acknowledged: new Map(), retries: 0 };
    const acknowledged = load.acknowledged;
    const clients = tokens.map((token) => orderClient(load, token));
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((r) => setTimeout(r, 700 + Math.floor(Math.random() * 800)));
      await killHard(server.child);
      server = await start(dir);
    }
    await new Promise((r) => setTimeout(r, 700));
    stopped = true;
    await Promise.all(clients);
    await killHard(server.child);

    const db = new Database(databaseFile(config), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const orders = db.prepare('select number, idempotency_key as key from orders').all() as Array<{
        number: string;
        key: string;
      }>;
      expect(acknowledged.size).toBeGreaterThan(KILLS);
      // Every acknowledged order is there, under the number the client was told.
      const byKey = new Map(orders.map((o) => [o.key, o.number]));
      for (const [key, number] of acknowledged) expect(byKey.get(storedKey(key)), key).toBe(number);
      // No key made two orders (the unique index would refuse it; this says so in numbers).
      expect(new Set(orders.map((o) => o.key)).size).toBe(orders.length);
      // Orders the server committed just before a kill, whose answer was lost, were found by their key on retry.
      expect(orders.length).toBe(acknowledged.size);
      // Each order's PDF and mail jobs were stored in its own transaction: none is lost.
      const withoutJobs = db
        .prepare(
          `select count(*) as n from orders o where not exists (select 1 from jobs j where j.kind = 'render_pdf' and json_extract(j.payload, '$.orderId') = o.id)
             or not exists (select 1 from jobs j where j.kind = 'send_order_mail' and json_extract(j.payload, '$.orderId') = o.id)`,
        )
        .get() as { n: number };
      expect(withoutJobs.n).toBe(0);
      // Retried requests prove the kills landed while orders were in flight.
      expect(load.retries).toBeGreaterThan(0);
      console.log(
        `crash-safety: ${KILLS} kills, ${acknowledged.size} orders acknowledged = ${orders.length} in the database, ${load.retries} retried requests`,
      );
    } finally {
      db.close();
    }
  }, 180_000);

  it('a 1C catalog import killed while reading or switching leaves the whole old catalog or the whole new one; the next run succeeds', async () => {
    const dir = tempDir('optovik-crash-import-');
    writeFileSync(
      join(dir, 'config.yml'),
      [
        'data_dir: ./data',
        'server:',
        '  port: 0',
        'log:',
        '  level: warn',
        'integrations:',
        '  commerceml:',
        '    login: onec',
        '    password: s3cret-1c',
        '    zip: false',
        '    slice_seconds: 1',
        '',
      ].join('\n'),
    );
    const files = writeCmlPackage(dir, 8000);
    const importXml = readFileSync(files.importFile);
    const offersV1 = readFileSync(files.offersFile);
    // Version 2: every price one rouble up.
    const offersV2 = Buffer.from(
      offersV1.toString('utf8').replace(/<ЦенаЗаЕдиницу>(\d+)/g, (_m, d: string) => `<ЦенаЗаЕдиницу>${Number(d) + 1}`),
    );
    const config = loadConfig({ file: join(dir, 'config.yml'), env: {}, cwd: dir });
    const catalogState = () => {
      const db = new Database(databaseFile(config), { readonly: true });
      try {
        const row = db
          .prepare(
            'select (select count(*) from products) as products, (select count(*) from prices) as prices, (select total(price) from prices) as total',
          )
          .get() as Record<string, number>;
        return `${row.products}/${row.prices}/${row.total}`;
      } finally {
        db.close();
      }
    };
    const exchange = async (url: string, parts: Array<[string, Buffer]>) => {
      const client = new OneCClient(url, 'onec', 's3cret-1c');
      expect((await client.checkauth('catalog'))[0]).toBe('success');
      await client.init('catalog');
      for (const [name, data] of parts) expect(await client.upload('catalog', name, data)).toMatch(/^success/);
      const finals: string[] = [];
      for (const [name] of parts) finals.push((await client.importUntilDone('catalog', name)).final);
      return finals;
    };

    let server = await start(dir);
    const began = performance.now();
    expect(
      (
        await exchange(server.url, [
          ['import.xml', importXml],
          ['offers.xml', offersV1],
        ])
      ).every((f) => f.startsWith('success')),
    ).toBe(true);
    const fullRunMs = performance.now() - began;
    await killHard(server.child);
    const v1 = catalogState();

    const seen: string[] = [];
    const runs: string[] = [];
    for (const share of [0.35, 0.7, 0.95]) {
      server = await start(dir);
      const run = exchange(server.url, [['offers.xml', offersV2]]).catch(() => ['killed']);
      await new Promise((r) => setTimeout(r, Math.round(fullRunMs * share * 0.6)));
      await killHard(server.child);
      await run;
      seen.push(catalogState());
      // The next start closes the run the kill cut short.
      server = await start(dir);
      await killHard(server.child);
      const db = new Database(databaseFile(config), { readonly: true });
      runs.push((db.prepare('select status from exchange_runs order by id desc limit 1').get() as { status: string }).status);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    server = await start(dir);
    expect((await exchange(server.url, [['offers.xml', offersV2]])).every((f) => f.startsWith('success'))).toBe(true);
    await killHard(server.child);
    const v2 = catalogState();
    expect(v2).not.toBe(v1);
    // Each kill left one whole catalog: never a mixture of old and new prices.
    for (const state of seen) expect([v1, v2]).toContain(state);
    for (const status of runs) expect(['abandoned', 'success']).toContain(status);
    console.log(
      `crash-safety (1C import): kills left ${seen.map((s) => (s === v1 ? 'old' : 'new')).join(', ')}; runs ${runs.join(', ')}`,
    );
  }, 240_000);
});
