import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load.js';
import { createContext } from '../src/context.js';
import { tempDir } from './helpers.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', configFile], { cwd: dir, env: { ...process.env, OPTOVIK_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let dir: string;
let configFile: string;
beforeAll(async () => {
  dir = tempDir('optovik-api-cli-');
  configFile = join(dir, 'config.yml');
  writeFileSync(configFile, ['data_dir: ./data', 'log:', '  level: warn', ''].join('\n'));
  expect((await run(['migrate'])).code).toBe(0);
  const db = new SQLite(join(dir, 'data', 'optovik.sqlite'));
  const now = Date.now();
  const company = db.prepare("insert into companies (name, created_at, updated_at) values ('Ромашка', ?, ?)").run(now, now).lastInsertRowid;
  db.prepare("insert into legal_entities (company_id, name, inn, is_primary, created_at, updated_at) values (?, 'ООО «Ромашка»', '7701234567', 1, ?, ?)").run(company, now, now);
  db.close();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each command is a process of its own (tsx compiles on start): seconds apiece on a busy machine.
describe('CLI for scripted API setups', () => {
  it('creates a buyer by company INN and a manager, and says what is wrong otherwise', async () => {
    const buyer = await run(['create-user', '--role', 'buyer', '--company-inn', '7701234567', '--email', 'Zakup@Romashka.test', '--name', 'Иван', '--password', 'long enough password']);
    expect(buyer).toMatchObject({ code: 0 });
    expect(buyer.stdout).toContain('Buyer zakup@romashka.test created.');
    const manager = await run(['create-user', '--role', 'manager', '--email', 'manager@seller.test']);
    expect(manager.code).toBe(0);
    expect(manager.stdout).toMatch(/\/reset-password\/[a-z2-7]+/);
    const unknown = await run(['create-user', '--role', 'buyer', '--company-inn', '7700000000', '--email', 'x@y.test']);
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('no company has a legal entity with INN 7700000000');
  }, 180_000);

  it('makes a token printed alone on the last line, which the API accepts until it is revoked from the CLI', async () => {
    const made = await run(['api-token', 'create', '--email', 'zakup@romashka.test', '--name', 'ERP', '--scopes', 'read,order']);
    expect(made.code).toBe(0);
    const token = made.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^opk_[a-z2-7]{32}$/);
    const bad = await run(['api-token', 'create', '--email', 'zakup@romashka.test', '--scopes', 'write']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--scopes takes read, order or read,order');

    const ctx = createContext(loadConfig({ file: configFile, env: {} }));
    const app = await buildApp(ctx);
    try {
      const res = await app.inject({ url: '/api/v1/companies', headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(200);
      expect(res.json().items[0]).toMatchObject({ name: 'Ромашка', legal_entities: [{ inn: '7701234567' }] });
      const list = await run(['api-token', 'list', '--email', 'zakup@romashka.test']);
      const id = /^(\d+)\tzakup@romashka\.test\tERP\t/m.exec(list.stdout)?.[1];
      expect(id).toBeDefined();
      // Another process revokes it: the running portal refuses it on the next request.
      expect((await run(['api-token', 'revoke', String(id)])).code).toBe(0);
      expect((await app.inject({ url: '/api/v1/companies', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    } finally {
      await app.close();
      await ctx.close();
    }
  }, 180_000);
});
