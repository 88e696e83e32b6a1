/**
 * The MoySklad connection of one portal process (held by the AppContext when
 * integrations.moysklad.token is set): one client, so every request of the process shares one
 * budget; what config.yml names, found in MoySklad once (the directory); and the sync — one at a
 * time, each an exchange run the admin page lists with its counts, requests used and errors.
 * `serve` runs a sync every poll_seconds (and a full one once a day); the CLI and the admin's
 * "sync now" run one on demand.
 */
import type { AppContext } from '../../context.js';
import { type ClientStats, MoySkladClient } from './client.js';
import { type Directory, loadDirectory } from './directory.js';
import { pullBalances } from './pull-balances.js';
import { type CatalogWatermarks, pullCatalog } from './pull-catalog.js';
import { pullCounterparties } from './pull-counterparties.js';
import { DOCUMENT_TYPES, type MsDocumentType, pullDocuments } from './pull-documents.js';
import { copyImages } from './pull-images.js';
import { applyOrder, type OrderPullCounts, pullOrders } from './pull-orders.js';
import type { MsCustomerOrder } from './wire.js';
import { fromMsk, toMsk } from './wire.js';

/** Writes become visible in MoySklad's lists with a small delay: each incremental look starts this much earlier. */
const OVERLAP_MS = 60_000;
const DAY_MS = 24 * 3600_000;

export interface SyncOptions {
  full: boolean;
  onProgress?: (text: string) => void;
}

export interface SyncResult {
  runId: number;
  ok: boolean;
  message: string;
  counts: Record<string, number>;
}

const WATERMARK = (what: string) => `moysklad.updated.${what}`;

export class MoySklad {
  private shared: MoySkladClient | null = null;
  private cachedDirectory: Promise<Directory> | null = null;
  private running: Promise<SyncResult> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: AppContext) {}

  /** The process's one client (one budget for syncs and order pushes alike). */
  client(): MoySkladClient {
    const c = this.ctx.config.integrations.moysklad;
    this.shared ??= new MoySkladClient({
      baseUrl: c.baseUrl,
      token: c.token,
      requestBudget: c.requestBudget,
      maxParallel: c.maxParallel,
      timeoutMs: c.timeoutSeconds * 1000,
      userAgent: `optovik (${this.ctx.config.server.publicUrl})`,
      downloadHosts: c.imageHosts,
    });
    return this.shared;
  }

  /** Organization, stores, states and price types as config.yml names them; read once, again after a failure. */
  directory(): Promise<Directory> {
    if (!this.cachedDirectory) {
      const loading = loadDirectory(this.client(), this.ctx.config.integrations.moysklad);
      loading.catch(() => {
        if (this.cachedDirectory === loading) this.cachedDirectory = null;
      });
      this.cachedDirectory = loading;
    }
    return this.cachedDirectory;
  }

  /** A sync is running (it may hold the catalog staging the 1C import shares). */
  get syncing(): boolean {
    return this.running !== null;
  }

  /** One sync; a second call while one runs gets the running one's result. */
  sync(options: SyncOptions): Promise<SyncResult> {
    if (!this.running) {
      this.running = this.runSync(options).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /**
   * A webhook named these customer orders as changed: each is read back through the API (the
   * webhook's body is never trusted) and applied as a poll would.
   */
  async refreshOrders(ids: readonly string[]): Promise<OrderPullCounts> {
    const counts: OrderPullCounts = { orders_seen: 0, statuses_changed: 0, orders_from_moysklad: 0 };
    const directory = await this.directory();
    for (const id of new Set(ids)) {
      const order = await this.client().get<MsCustomerOrder>(`/entity/customerorder/${encodeURIComponent(id)}`);
      counts.orders_seen += 1;
      await applyOrder(this.ctx, this.client(), directory, order, counts);
    }
    return counts;
  }

  /** `serve`: a sync every poll_seconds, a full one when the last is a day old. */
  start(): void {
    if (this.timer) return;
    const every = this.ctx.config.integrations.moysklad.pollSeconds * 1000;
    const tick = async () => {
      const lastFull = Number((await this.setting('moysklad.last_full_at')) ?? 0);
      const result = await this.sync({ full: this.ctx.clock.now() - lastFull >= DAY_MS });
      if (!result.ok) this.ctx.log.warn({ run: result.runId }, `MoySklad sync failed: ${result.message}`);
    };
    this.timer = setInterval(() => void tick().catch((err: unknown) => this.ctx.log.error({ err }, 'MoySklad sync')), every);
    this.timer.unref();
    void tick().catch((err: unknown) => this.ctx.log.error({ err }, 'MoySklad sync'));
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private async runSync({ full, onProgress }: SyncOptions): Promise<SyncResult> {
    const { ctx } = this;
    const client = this.client();
    const before: ClientStats = { ...client.stats };
    const started = ctx.clock.now();
    const run = await ctx.db
      .insertInto('exchange_runs')
      .values({
        kind: 'catalog',
        source: 'moysklad',
        status: 'running',
        started_at: started,
        message: full ? 'full sync' : 'changes',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const counts: Record<string, number> = {};
    const finish = async (ok: boolean, message: string): Promise<SyncResult> => {
      counts.requests = client.stats.requests - before.requests;
      counts.http_429 = client.stats.http429 - before.http429;
      await ctx.db
        .updateTable('exchange_runs')
        .set({
          status: ok ? 'success' : 'failed',
          counts: JSON.stringify(counts),
          message: message.slice(0, 4000),
          finished_at: ctx.clock.now(),
        })
        .where('id', '=', run.id)
        .execute();
      return { runId: run.id, ok, message, counts };
    };
    try {
      // The catalog staging is shared by every reader (ctx.importGate): never two catalog runs at once.
      const held = ctx.importGate.refusal('moysklad');
      if (held) throw new Error(`${held}; this MoySklad sync gives way, the next one catches up`);
      if (full) this.cachedDirectory = null;
      onProgress?.('MoySklad: reading the organization, stores, states and price types');
      const directory = await this.directory();
      // Stock changes are asked for by the portal's clock (MoySklad keeps no stock `updated`), a minute early.
      const stockNow = toMsk(Date.now() - OVERLAP_MS).slice(0, 19);
      const since: CatalogWatermarks = {};
      for (const what of ['productfolder', 'product', 'variant', 'stock'] as const) {
        const mark = await this.setting(WATERMARK(what));
        if (mark !== null) since[what] = what === 'stock' ? mark : overlap(mark);
      }
      const catalog = await ctx.importGate.run('moysklad', () =>
        pullCatalog(ctx, client, directory, {
          full,
          since,
          now: stockNow,
          ...(onProgress ? { onProgress } : {}),
        }),
      );
      Object.assign(counts, catalog.counts);
      for (const [what, mark] of Object.entries(catalog.watermarks)) await this.setSetting(WATERMARK(what), mark);
      onProgress?.('MoySklad: counterparties');
      const cpSince = full ? null : await this.setting(WATERMARK('counterparty'));
      const counterparties = await pullCounterparties(ctx, client, cpSince === null ? null : overlap(cpSince));
      Object.assign(counts, counterparties.counts);
      if (counterparties.watermark) await this.setSetting(WATERMARK('counterparty'), counterparties.watermark);
      onProgress?.('MoySklad: balances and documents');
      Object.assign(counts, await pullBalances(ctx, client));
      const docsSince: Partial<Record<MsDocumentType, string>> = {};
      for (const type of DOCUMENT_TYPES) {
        const mark = full ? null : await this.setting(WATERMARK(type));
        if (mark !== null) docsSince[type] = overlap(mark);
      }
      const documents = await pullDocuments(ctx, client, docsSince);
      Object.assign(counts, documents.counts);
      for (const [type, mark] of Object.entries(documents.watermarks)) await this.setSetting(WATERMARK(type), mark);
      onProgress?.('MoySklad: orders');
      const ordersSince = full ? null : await this.setting(WATERMARK('customerorder'));
      const orders = await pullOrders(ctx, client, directory, ordersSince === null ? null : overlap(ordersSince));
      Object.assign(counts, orders.counts);
      if (orders.watermark) await this.setSetting(WATERMARK('customerorder'), orders.watermark);
      if (full) await this.setSetting('moysklad.last_full_at', String(started));
      let message = full ? 'full sync' : 'changes';
      if (catalog.warnings.length > 0)
        message += `; ${catalog.warnings.length} values not read: ${catalog.warnings.slice(0, 10).join('; ')}`;
      if (ctx.config.integrations.moysklad.images) {
        onProgress?.('MoySklad: pictures');
        const problems: string[] = [];
        Object.assign(counts, await copyImages(ctx, client, { limit: ctx.config.integrations.moysklad.imagesPerSync, problems }));
        // The catalog is in: pictures that could not be copied are reported, they do not fail the sync.
        if (problems.length > 0) message += `; pictures not copied: ${problems.join('; ')}`;
      }
      return await finish(true, message);
    } catch (error) {
      return finish(false, error instanceof Error ? error.message : String(error));
    }
  }

  private async setting(key: string): Promise<string | null> {
    const row = await this.ctx.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  private async setSetting(key: string, value: string): Promise<void> {
    await this.ctx.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}

function overlap(watermark: string): string {
  const ms = fromMsk(watermark);
  return Number.isNaN(ms) ? watermark : toMsk(ms - OVERLAP_MS).slice(0, 19);
}
