import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { ApiTokenCache } from './accounts/api-tokens.js';
import { accountsChangeCounter } from './accounts/generation.js';
import { LoginThrottle } from './accounts/login-throttle.js';
import type { CachedSession } from './accounts/sessions.js';
import { CategoryTreeCache } from './catalog/categories.js';
import { ProductChanges } from './catalog/changes.js';
import { catalogChangeCounter } from './catalog/generation.js';
import { ImportGate } from './catalog/import/gate.js';
import { ListingCache } from './catalog/listing.js';
import { LiveIndex } from './catalog/search/live.js';
import type { PriceViewer } from './catalog/viewer.js';
import { type Clock, MINUTE, systemClock } from './clock.js';
import type { Config } from './config/types.js';
import type { ChangeCounter } from './db/change-counter.js';
import { GenerationCache } from './db/generation-cache.js';
import { GroupCommit } from './db/group-commit.js';
import { type Database, openDatabase } from './db/open.js';
import type { DB } from './db/schema.js';
import { createMailer, type Mailer } from './documents/mailer.js';
import { OrderPdfs } from './documents/order-pdfs.js';
import { createPdfRenderer, type PdfRenderer } from './documents/pdf.js';
import { Exchange } from './integrations/commerceml/exchange/service.js';
import { MoySkladExporter } from './integrations/moysklad/push-order.js';
import { MoySklad } from './integrations/moysklad/service.js';
import { SpreadsheetWatcher } from './integrations/spreadsheet/watch.js';
import { Outbox } from './jobs/outbox.js';
import { JobWorker } from './jobs/worker.js';
import type { OrderExporter } from './orders/export.js';

/** What a test (or a bench) may put in place of the real thing. */
export interface ContextOverrides {
  clock?: Clock;
  log?: Logger;
  mailer?: Mailer;
  orderExporters?: readonly OrderExporter[];
}

/**
 * The composition root: every long-lived thing the process holds, built once from the config
 * and passed down explicitly. No module keeps state across requests in variables of its own
 * (beyond memos of pure functions, such as i18n's number formats); the HTTP layer only keeps what
 * is its own (rendered catalog fragments, signed CSRF tokens; see
 * http/web/catalog.ts and http/plugins/request-context.ts), and the seller's images named in the
 * config are read once (documents/seller.ts). close() releases it all, in order.
 */
export class AppContext {
  // ---- configuration and the basics
  readonly config: Config;
  readonly clock: Clock;
  readonly log: Logger;

  // ---- the database
  /** The one SQLite connection, with its Kysely and its prepared-statement cache. */
  readonly database: Database;
  readonly db: Kysely<DB>;
  /** Orders submitted at the same moment share one transaction and its commit. */
  readonly groupCommit: GroupCommit;
  /** Jobs queued inside business transactions; each commit tells the worker about its jobs. */
  readonly outbox: Outbox;

  // ---- caches that follow the data: valid for one generation of their tables (db/change-counter.ts)
  /** Moves on every write to products, prices, stock, categories, photos, units, barcodes. */
  readonly catalogGeneration: ChangeCounter;
  /** Moves on every write to sessions, users, companies, price types. */
  readonly accountsGeneration: ChangeCounter;
  /** Signed-in sessions, by token hash (accounts generation). */
  readonly sessionCache: GenerationCache<CachedSession>;
  /** Whose prices a user sees (accounts generation). */
  readonly viewerCache: GenerationCache<Readonly<PriceViewer>>;
  /** The visible category tree (catalog generation). */
  readonly categoryCache: CategoryTreeCache;
  /** Product counts, brand lists, special-price flags and units of catalog pages (catalog generation). */
  readonly listingCache: ListingCache;
  /** Product search in memory, kept current with the products table (catalog/search/live.ts). */
  readonly searchIndex: LiveIndex;
  /** Whether a company is disabled, for the API's company checks (accounts generation). */
  readonly companyDisabledCache: GenerationCache<boolean>;
  /** Working API tokens by hash (their own generation: tokens, users, companies) and when each was last noted. */
  readonly apiTokens: ApiTokenCache;
  /** When the API last compared the catalog for "changed since" syncs (catalog/changes.ts). */
  readonly productChanges: ProductChanges;

  // ---- the outside world
  readonly mailer: Mailer;
  /** Order PDFs through one warm Chromium; `available` is false when no browser is installed. */
  readonly pdf: PdfRenderer;
  /** Each order's PDF on disk, made once. */
  readonly orderPdfs: OrderPdfs;
  /** Failed sign-ins per account and per address (also the 1C exchange's). */
  readonly loginThrottle: LoginThrottle;
  /** Where placed and cancelled orders are pushed (none: 1C collects them itself); one export job each. */
  readonly orderExporters: readonly OrderExporter[];
  /** The one door to the catalog import's staging tables: one reader (1C, MoySklad, spreadsheet) at a time. */
  readonly importGate: ImportGate;
  /** The 1C exchange: its sessions, the per-type lock and the catalog run in progress. */
  readonly exchange: Exchange;
  /** MoySklad (client, its budget, the sync in progress); null while integrations.moysklad.token is empty. */
  readonly moysklad: MoySklad | null;
  /** The watched spreadsheet folder; null while integrations.spreadsheet.watch_dir is empty. `serve` starts it. */
  readonly sheetsWatcher: SpreadsheetWatcher | null;

  /** Runs queued jobs; `serve` starts it, tests call runDue(). Built last: its jobs use all of the above. */
  readonly worker: JobWorker;

  constructor(config: Config, overrides: ContextOverrides = {}) {
    this.config = config;
    this.clock = overrides.clock ?? systemClock;
    const log = overrides.log ?? createLogger(config);
    this.log = log;

    this.database = openDatabase(databaseFile(config), config.database.busyTimeoutMs, {
      hookFailed: (err) => log.error({ err }, 'after-commit hook failed'),
    });
    this.db = this.database.db;
    this.groupCommit = new GroupCommit(this.database);
    this.outbox = new Outbox(this.clock);

    this.catalogGeneration = catalogChangeCounter(this.database);
    this.accountsGeneration = accountsChangeCounter(this.database);
    this.sessionCache = new GenerationCache();
    this.viewerCache = new GenerationCache();
    this.categoryCache = new CategoryTreeCache();
    this.listingCache = new ListingCache();
    this.searchIndex = new LiveIndex(this.db);
    this.companyDisabledCache = new GenerationCache();
    this.apiTokens = new ApiTokenCache(this.database);
    this.productChanges = new ProductChanges();

    this.mailer = overrides.mailer ?? createMailer(config);
    this.pdf = createPdfRenderer(config, log);
    this.orderPdfs = new OrderPdfs(this);
    this.loginThrottle = new LoginThrottle(this.clock, {
      maxFailuresPerAccount: config.auth.maxFailuresPerAccount,
      maxFailuresPerIp: config.auth.maxFailuresPerIp,
      windowMs: config.auth.lockoutMinutes * MINUTE,
    });
    this.importGate = new ImportGate();
    // A push integration (MoySklad) adds its exporter here when config turns it on.
    this.moysklad = config.integrations.moysklad.token === '' ? null : new MoySklad(this);
    this.orderExporters = overrides.orderExporters ?? (this.moysklad ? [new MoySkladExporter(this.moysklad)] : []);
    this.exchange = new Exchange(this);
    this.sheetsWatcher = config.integrations.spreadsheet.watchDir === '' ? null : new SpreadsheetWatcher(this);

    this.worker = new JobWorker(this);
  }

  /** Stops the worker and MoySklad's schedule, abandons unfinished 1C runs, closes the browser, the mailer and the database. */
  async close(): Promise<void> {
    await this.worker.stop();
    await this.moysklad?.close();
    await this.sheetsWatcher?.close();
    await this.exchange.close();
    await this.pdf.close();
    this.mailer.close();
    await this.database.close();
  }
}

export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  return new AppContext(config, overrides);
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

/** A per-installation secret for signing cookies; made on first start and kept in the database. */
export async function installationSecret(db: Kysely<DB>): Promise<string> {
  const existing = await db.selectFrom('settings').select('value').where('key', '=', 'secret').executeTakeFirst();
  if (existing) return existing.value;
  const secret = randomBytes(32).toString('base64url');
  await db.insertInto('settings').values({ key: 'secret', value: secret }).onConflict((oc) => oc.doNothing()).execute();
  return (await db.selectFrom('settings').select('value').where('key', '=', 'secret').executeTakeFirstOrThrow()).value;
}
