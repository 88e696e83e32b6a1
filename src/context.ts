import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { LoginThrottle } from './accounts/login-throttle.js';
import { type Clock, MINUTE, systemClock } from './clock.js';
import type { Config } from './config/types.js';
import { createMailer, type Mailer } from './documents/mailer.js';
import { createPdfRenderer, type PdfRenderer } from './documents/pdf.js';
import { JobWorker } from './jobs/worker.js';
import { Outbox } from './jobs/outbox.js';
import type { OrderExporter } from './orders/export.js';
import { GroupCommit } from './db/group-commit.js';
import { type Database, openDatabase } from './db/open.js';
import type { DB } from './db/schema.js';

/** Every long-lived dependency, built once from the config and passed down explicitly. */
export interface AppContext {
  readonly config: Config;
  readonly database: Database;
  readonly db: Kysely<DB>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly mailer: Mailer;
  readonly loginThrottle: LoginThrottle;
  /** Order PDFs through one warm Chromium; `available` is false when no browser is installed. */
  readonly pdf: PdfRenderer;
  /** Jobs queued inside business transactions; after each commit the worker hears of them. */
  readonly outbox: Outbox;
  /** Where placed and cancelled orders are pushed (none: 1C collects them itself); one export job each. */
  readonly orderExporters: readonly OrderExporter[];
  /** Orders submitted at the same moment share one transaction and its commit. */
  readonly groupCommit: GroupCommit;
  /** Runs queued jobs; `serve` starts it, tests call runDue(). */
  readonly worker: JobWorker;
  close(): Promise<void>;
}

export function databaseFile(config: Config): string {
  return join(config.dataDir, 'optovik.sqlite');
}

export function createLogger(config: Config): Logger {
  // Secrets never reach the log, whatever a handler logs by mistake.
  return pino({
    level: config.log.level,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'password', '*.password', 'token', '*.token'],
      censor: '***',
    },
  });
}

export function createContext(
  config: Config,
  overrides: { clock?: Clock; log?: Logger; mailer?: Mailer; orderExporters?: readonly OrderExporter[] } = {},
): AppContext {
  const clock = overrides.clock ?? systemClock;
  const mailer = overrides.mailer ?? createMailer(config);
  const log = overrides.log ?? createLogger(config);
  const database = openDatabase(databaseFile(config), config.database.busyTimeoutMs, {
    hookFailed: (err) => log.error({ err }, 'after-commit hook failed'),
  });
  const pdf = createPdfRenderer(config, log);
  // The worker needs the finished context (its handlers use it): filled in right below.
  const ctx: { -readonly [K in keyof AppContext]: AppContext[K] } = {
    config,
    database,
    db: database.db,
    clock,
    log,
    mailer,
    pdf,
    outbox: new Outbox(clock),
    // A push integration (MoySklad) adds its exporter here when config turns it on.
    orderExporters: overrides.orderExporters ?? [],
    groupCommit: new GroupCommit(database),
    worker: undefined as unknown as JobWorker,
    loginThrottle: new LoginThrottle(clock, {
      maxFailuresPerAccount: config.auth.maxFailuresPerAccount,
      maxFailuresPerIp: config.auth.maxFailuresPerIp,
      windowMs: config.auth.lockoutMinutes * MINUTE,
    }),
    async close() {
      await ctx.worker.stop();
      await pdf.close();
      mailer.close();
      await database.close();
    },
  };
  ctx.worker = new JobWorker(ctx);
  return ctx;
}

/** A per-installation secret for signing cookies; made on first start and kept in the database. */
export async function installationSecret(db: Kysely<DB>): Promise<string> {
  const existing = await db.selectFrom('settings').select('value').where('key', '=', 'secret').executeTakeFirst();
  if (existing) return existing.value;
  const secret = randomBytes(32).toString('base64url');
  await db.insertInto('settings').values({ key: 'secret', value: secret }).onConflict((oc) => oc.doNothing()).execute();
  return (await db.selectFrom('settings').select('value').where('key', '=', 'secret').executeTakeFirstOrThrow()).value;
}
