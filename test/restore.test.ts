/**
 * The backup and restore drill of docs/admin-guide.md ("Backup, restore, move to another
 * server"): a backup taken with `optovik backup` while orders flow, restored with `optovik
 * restore` into a fresh data folder, holds every order acknowledged before the backup began and
 * passes SQLite's integrity check. A file that is not an Optovik backup, one from a newer
 * version, and a restore under a running portal are refused with a message that says why.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTestApp, apiBuyer, startApiApp } from './api-helpers.js';
import { tempDir } from './helpers.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');

function optovik(args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, OPTOVIK_CONFIG: '', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => done({ code, out }));
  });
}

let t: ApiTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('backup and restore', () => {
  it('a backup taken while orders flow restores into a fresh folder with every order acknowledged before it', async () => {
    t = await startApiApp();
    const app = t;
    const { token } = await apiBuyer(app);
    // The running portal's own config, for `optovik backup` from a second process as an admin would run it.
    const live = tempDir('optovik-live-');
    writeFileSync(join(live, 'config.yml'), `data_dir: ${app.dataDir}\nlog:\n  level: warn\n`);
    const acknowledged: string[] = [];
    let flowing = true;
    const place = async () => {
      while (flowing) {
        const res = await fetch(`${app.base}/api/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ lines: [{ sku: 'BLT-101', quantity: '1' }] }),
        });
        expect(res.status).toBe(201);
        acknowledged.push(((await res.json()) as { number: string }).number);
      }
    };
    const flow = [place(), place()];
    while (acknowledged.length < 20) await new Promise((r) => setTimeout(r, 20));
    const beforeBackup = [...acknowledged];
    const file = join(live, 'nightly.sqlite');
    const backup = await optovik(['backup', file, '--config', join(live, 'config.yml')], live);
    expect(backup.code, backup.out).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    flowing = false;
    await Promise.all(flow);
    expect(acknowledged.length).toBeGreaterThan(beforeBackup.length);

    // Another server: a fresh folder with its own config.yml.
    const fresh = tempDir('optovik-restored-');
    writeFileSync(join(fresh, 'config.yml'), 'data_dir: ./data\nlog:\n  level: warn\n');
    const restored = await optovik(['restore', file, '--config', join(fresh, 'config.yml')], fresh);
    expect(restored.code, restored.out).toBe(0);
    expect(restored.out).toMatch(/Restored .*nightly\.sqlite to .*optovik\.sqlite: \d+ order\(s\)\./);
    const db = new Database(join(fresh, 'data', 'optovik.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const numbers = new Set((db.prepare('select number from orders').all() as Array<{ number: string }>).map((r) => r.number));
      for (const number of beforeBackup) expect(numbers.has(number), number).toBe(true);
    } finally {
      db.close();
    }

    // Restoring again keeps the database it replaces.
    const again = await optovik(['restore', file, '--config', join(fresh, 'config.yml')], fresh);
    expect(again.code, again.out).toBe(0);
    expect(again.out).toMatch(/the database it replaced is kept as .*optovik\.sqlite\.before-restore-\d{8}-\d{6}/);
    expect(readdirSync(join(fresh, 'data')).some((f) => f.startsWith('optovik.sqlite.before-restore-'))).toBe(true);
  }, 120_000);

  it('refuses what is not an Optovik backup, one from a newer version, and a running portal — changing nothing', async () => {
    t = await startApiApp();
    const dir = tempDir('optovik-refuse-');
    writeFileSync(join(dir, 'config.yml'), 'data_dir: ./data\nlog:\n  level: warn\n');
    const config = join(dir, 'config.yml');
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'not a database');
    const text = await optovik(['restore', notes, '--config', config], dir);
    expect(text.code).not.toBe(0);
    expect(text.out).toContain('is not an Optovik backup (not an SQLite database)');

    const newer = join(dir, 'newer.sqlite');
    await t.ctx.database.sqlite.backup(newer);
    const edit = new Database(newer);
    edit.prepare(`insert into kysely_migration (name, timestamp) values ('0999_future', '2030-01-01T00:00:00.000Z')`).run();
    edit.close();
    const future = await optovik(['restore', newer, '--config', config], dir);
    expect(future.code).not.toBe(0);
    expect(future.out).toContain('comes from a newer Optovik (it has migration 0999_future');

    const good = join(dir, 'good.sqlite');
    await t.ctx.database.sqlite.backup(good);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data', 'optovik.pid'), String(process.pid));
    const busy = await optovik(['restore', good, '--config', config], dir);
    expect(busy.code).not.toBe(0);
    expect(busy.out).toContain(`the portal is running on`);
    expect(existsSync(join(dir, 'data', 'optovik.sqlite'))).toBe(false);
    // A portal that was killed leaves its pid behind: a dead process does not block the restore.
    writeFileSync(join(dir, 'data', 'optovik.pid'), '999999');
    copyFileSync(good, join(dir, 'copy.sqlite'));
    expect((await optovik(['restore', join(dir, 'copy.sqlite'), '--config', config], dir)).code).toBe(0);
  }, 120_000);
});
