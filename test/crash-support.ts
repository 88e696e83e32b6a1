/**
 * What the crash test (test/crash-safety.test.ts) and the crash bench (bench/crash.ts) share:
 * buyers' systems with API tokens, made before the server runs, and an order client that repeats
 * a request with the same Idempotency-Key until the portal answers it; and starting `optovik`
 * processes to kill them with SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { createApiToken } from '../src/accounts/api-tokens.js';
import type { Config } from '../src/config/types.js';
import { createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import { buildCatalog } from './catalog-fixture.js';
import { makeCompany, makeUser } from './helpers.js';

/** A migrated database with the test catalog and `count` buyer companies, each with a user and an order-scoped API token. */
export async function seedApiBuyers(config: Config, count: number): Promise<string[]> {
  const setup = createContext(config);
  try {
    await prepareDatabase(setup, false);
    const catalog = await buildCatalog(setup);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) {
      const company = await makeCompany(setup, { name: `Клиент ${i}` });
      await setup.db
        .updateTable('companies')
        .set({ price_type_id: catalog.priceTypes.wholesale })
        .where('id', '=', company.id)
        .execute();
      const user = await makeUser(setup, 'buyer', { companyId: company.id, email: `buyer${i}@crash.test` });
      tokens.push((await createApiToken(setup.db, setup.clock, user, { name: 'ERP', scopes: ['read', 'order'] })).token);
    }
    return tokens;
  } finally {
    await setup.close();
  }
}

/** How the API stores a client's Idempotency-Key (a hash, docs/api.md). */
export const storedKey = (key: string) => `api-${createHash('sha256').update(key).digest('base64url')}`;

export interface OrderLoad {
  /** The server's current address (it changes with each restart). */
  url(): string;
  stopped(): boolean;
  /** Client key → the order number the portal answered with. */
  readonly acknowledged: Map<string, string>;
  retries: number;
}

/** Places orders until stopped; a request without an answer is repeated with the same key until answered. */
export async function orderClient(load: OrderLoad, token: string): Promise<void> {
  while (!load.stopped()) {
    const key = randomUUID();
    const body = JSON.stringify({
      lines: [
        { sku: 'BLT-101', quantity: '1' },
        { sku: 'BLT-102', quantity: '2' },
      ],
    });
    for (;;) {
      try {
        const res = await fetch(`${load.url()}/api/v1/orders`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(15_000),
        });
        if (res.status === 201 || res.status === 200) {
          load.acknowledged.set(key, ((await res.json()) as { number: string }).number);
          break;
        }
        // 409: the same key is still being placed (a retry overtook it); ask again.
        if (res.status < 500 && res.status !== 409) throw new Error(`order refused: ${res.status} ${await res.text()}`);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith('order refused')) throw error;
      }
      load.retries++;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const BIN = resolve(import.meta.dirname, '..', 'bin', 'optovik.js');

/** `optovik <args> --config <dir>/config.yml` in `dir`; its output (stdout and stderr together) is collected. */
export function startCli(
  dir: string,
  args: string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args, '--config', join(dir, 'config.yml')], {
    cwd: dir,
    env: { ...process.env, OPTOVIK_CONFIG: '', HOME: dir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

/** `optovik serve` in `dir`; resolves with the address it listens on. */
export function startServe(dir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((done, fail) => {
    const { child, output } = startCli(dir, ['serve'], env);
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output()}`)), 30_000);
    const onData = () => {
      const match = /Optovik is running at (http:\/\/\S+)/.exec(output());
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        done({ child, url: match[1].replace('localhost', '127.0.0.1') });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => fail(new Error(`server exited with ${code}:\n${output()}`)));
  });
}

/** SIGKILL: no handler runs, nothing is flushed — the worst stop there is. */
export function killHard(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.removeAllListeners('exit');
    child.once('exit', () => done());
    child.kill('SIGKILL');
  });
}
