import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { openPrepared } from '../src/cli/runtime.js';
import { parseEml, tempDir } from './helpers.js';

const BIN = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, OPTOVIK_CONFIG: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** Starts `optovik serve` and resolves with the URL it prints once it listens. */
function startServer(cwd: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const match = /Optovik is running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        done({ child, url: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`server exited with ${code}:\n${output}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    child.removeAllListeners('exit');
    child.on('exit', () => done());
    child.kill('SIGTERM');
  });
}

let dir: string;
let configFile: string;
beforeAll(() => {
  dir = tempDir('optovik-cli-');
  configFile = join(dir, 'portal.yml');
  writeFileSync(
    configFile,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file itself holds the ${VAR} reference
    ['demo: true', 'data_dir: ./state', 'server:', '  port: 0', 'log:', '  level: warn', 'smtp:', '  password: "${TEST_SMTP_PASSWORD}"', ''].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('optovik serve in demo mode', () => {
  it('creates, migrates and seeds the database once, prints the demo logins and shows them on the login page', async () => {
    const env = { OPTOVIK_CONFIG: configFile, TEST_SMTP_PASSWORD: 'x' };
    const first = await startServer(dir, env);
    try {
      expect(first.output()).toContain('admin@demo.optovik.local');
      expect(first.output()).toContain('database migrated: 0001_foundation');
      const page = await fetch(`${first.url}/login`).then((r) => r.text());
      expect(page).toContain('class="demo-ribbon"');
      expect(page).toContain('demo-buyer-2026');
    } finally {
      await stop(first.child);
    }
    const second = await startServer(dir, env);
    try {
      expect(second.output()).not.toContain('database migrated');
      const db = new SQLite(join(dir, 'state', 'optovik.sqlite'), { readonly: true });
      const admins = db.prepare("select count(*) as n from users where email = 'admin@demo.optovik.local'").get() as { n: number };
      db.close();
      expect(admins.n).toBe(1);
    } finally {
      await stop(second.child);
    }
  });
});

describe('CLI commands', () => {
  const env = () => ({ OPTOVIK_CONFIG: configFile, TEST_SMTP_PASSWORD: 'hunter2-secret' });

  it('config check prints the effective config with secrets hidden', async () => {
    const res = await run(['config', 'check'], { cwd: dir, env: env() });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`${configFile}: OK`);
    expect(res.stdout).toContain('port: 0');
    expect(res.stdout).not.toContain('hunter2-secret');
    expect(res.stdout).toContain('***');
  });

  it('a broken config stops with the key path and no stack trace', async () => {
    const bad = join(dir, 'bad.yml');
    writeFileSync(bad, 'smtp:\n  port: abc\n');
    const res = await run(['serve', '--config', bad], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('bad.yml: smtp.port: must be an integer 1–65535, got "abc"');
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('create-admin, reset-password, backup and flush-sessions work on the database', async () => {
    const created = await run(['create-admin', '--email', 'root@portal.test', '--name', 'Root'], { cwd: dir, env: env() });
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/\/reset-password\/[a-z2-7]{32}/);

    const dup = await run(['create-admin', '--email', 'root@portal.test'], { cwd: dir, env: env() });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');

    const reset = await run(['reset-password', 'root@portal.test'], { cwd: dir, env: env() });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/valid 2 h, single use/);

    const unknown = await run(['reset-password', 'nobody@portal.test'], { cwd: dir, env: env() });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user with the email nobody@portal.test');

    const target = join(dir, 'copy.sqlite');
    const backup = await run(['backup', target], { cwd: dir, env: env() });
    expect(backup.code).toBe(0);
    const copy = new SQLite(target, { readonly: true });
    const row = copy.prepare("select name from users where email = 'root@portal.test'").get() as { name: string } | undefined;
    copy.close();
    expect(row?.name).toBe('Root');

    const flushed = await run(['flush-sessions'], { cwd: dir, env: env() });
    expect(flushed.code).toBe(0);
    expect(flushed.stdout).toMatch(/Signed out everyone: \d+ session\(s\) removed\./);
  });

  it('a port already in use is a one-line message, not a stack trace', async () => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const busy = join(dir, 'busy.yml');
    writeFileSync(busy, `data_dir: ./busy\nserver:\n  port: ${port}\nlog:\n  level: warn\n`);
    try {
      const res = await run(['serve', '--config', busy], { cwd: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(res.stderr).not.toMatch(/at .*node:net/);
    } finally {
      blocker.close();
    }
  });

  it('mail test writes a message through the configured mailer', async () => {
    const res = await run(['mail', 'test', 'ops@example.test'], { cwd: dir, env: env() });
    expect(res.code).toBe(0);
    const file = /written to (\S+\.eml)/.exec(res.stdout)?.[1] ?? '';
    expect(file).toContain(join(dir, 'state', 'mail'));
    const mail = await parseEml(readFileSync(file));
    expect(mail.to).toBe('ops@example.test');
    expect(mail.subject).toBe('Проверка почты Optovik');
    const bad = await run(['mail', 'test'], { cwd: dir, env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('usage: optovik mail test <address>');
  });

  it('an unknown command prints the help and fails', async () => {
    const res = await run(['frobnicate'], { cwd: dir, env: env() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('unknown command "frobnicate"');
    expect(res.stderr).toContain('create-admin');
  });
});

describe('migrate', () => {
  it('backs up an existing database before applying migrations, and is a no-op the second time', async () => {
    const work = tempDir('optovik-migrate-');
    try {
      const cfg = join(work, 'config.yml');
      writeFileSync(cfg, 'data_dir: ./d\nlog:\n  level: warn\n');
      // An "old" database: exists, has data, no migrations applied yet.
      mkdirSync(join(work, 'd'));
      const old = new SQLite(join(work, 'd', 'optovik.sqlite'));
      old.exec("create table legacy (x text); insert into legacy values ('keep me')");
      old.close();

      const first = await run(['migrate'], { cwd: work });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('Applied: 0001_foundation');
      const backups = readdirSync(join(work, 'd', 'backups'));
      expect(backups).toHaveLength(1);
      expect(backups[0]).toMatch(/^optovik-\d{8}-\d{6}-before-0001_foundation\.sqlite$/);
      const copy = new SQLite(join(work, 'd', 'backups', backups[0] ?? ''), { readonly: true });
      expect(copy.prepare('select x from legacy').get()).toEqual({ x: 'keep me' });
      copy.close();

      const second = await run(['migrate'], { cwd: work });
      expect(second.stdout).toContain('The database is up to date.');
      expect(readdirSync(join(work, 'd', 'backups'))).toHaveLength(1);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

// Each test starts the CLI a few times: a few seconds each on a busy machine.
describe('the demo and a real portal never share a database', { timeout: 120_000 }, () => {
  const EXAMPLE = resolve(import.meta.dirname, '..', 'config.example.yml');

  /** `npm start` without a config.yml, as the README says first: seeds the demo. */
  async function runDemo(work: string) {
    const config = loadConfig({ cwd: work, env: {} });
    expect(config.demo).toBe(true);
    const { ctx, seeded } = await openPrepared(config);
    await ctx.close();
    expect(seeded).toBe(true);
    return config.dataDir;
  }

  it('the demo lives in ./demo-data: after cp config.example.yml config.yml the real portal starts empty', async () => {
    const work = tempDir('optovik-readme-');
    expect(await runDemo(work)).toBe(join(work, 'demo-data'));
    copyFileSync(EXAMPLE, join(work, 'config.yml'));
    const migrated = await run(['migrate'], { cwd: work });
    expect(migrated.code, migrated.stderr).toBe(0);
    const db = new SQLite(join(work, 'data', 'optovik.sqlite'), { readonly: true });
    const users = db.prepare('select count(*) as n from users').get() as { n: number };
    db.close();
    expect(users.n).toBe(0);
    const admin = await run(['create-admin', '--email', 'boss@portal.test', '--password', 'a-long-real-password'], { cwd: work });
    expect(admin.code, admin.stderr).toBe(0);
  });

  it("a real portal refuses a database the demo seeded (an older version's ./data), saying why and what to do", async () => {
    const work = tempDir('optovik-readme-');
    const demoDir = await runDemo(work);
    cpSync(demoDir, join(work, 'data'), { recursive: true });
    copyFileSync(EXAMPLE, join(work, 'config.yml'));
    for (const args of [['serve'], ['create-admin', '--email', 'boss@portal.test'], ['reset-password', 'admin@demo.optovik.local']]) {
      const res = await run(args, { cwd: work });
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toContain("is the demo's database: it holds sample data and the demo logins, whose passwords are published.");
      expect(res.stderr).toContain('Give data_dir in the config a new folder');
      expect(res.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
    // Taking a copy before moving it away still works.
    const backup = await run(['backup', join(work, 'demo-copy.sqlite')], { cwd: work });
    expect(backup.code, backup.stderr).toBe(0);
  });

  it('demo mode does not seed its published logins into a database with real users', async () => {
    const work = tempDir('optovik-readme-');
    writeFileSync(join(work, 'config.yml'), 'data_dir: ./data\nlog:\n  level: warn\n');
    expect((await run(['create-admin', '--email', 'boss@portal.test', '--password', 'a-long-real-password'], { cwd: work })).code).toBe(0);
    writeFileSync(join(work, 'config.yml'), 'demo: true\ndata_dir: ./data\nlog:\n  level: warn\n');
    const res = await run(['serve'], { cwd: work });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("holds a real portal's users: demo mode does not seed");
  });
});
