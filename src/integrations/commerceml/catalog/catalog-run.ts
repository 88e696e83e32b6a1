/**
 * One catalog run: the files of one 1C exchange (or one manual upload) read slice by slice into
 * staging, then applied at once. The run owns the staging tables while it lives; only one
 * catalog run may exist at a time (the exchange keeps a lock per type).
 *
 * Files are parsed on a worker thread (read-worker.ts) that stays a few batches ahead of the
 * main thread, which writes them to the staging tables.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Coverage } from '../../../catalog/import/records.js';
import { Staging } from '../../../catalog/import/staging.js';
import type { StagingCounts } from '../../../catalog/import/staging-rows.js';
import { type ApplyCounts, applyStaged } from '../../../catalog/import/switch.js';
import { PhotoError, storePhoto } from '../../../catalog/photos.js';
import type { AppContext } from '../../../context.js';
import { safeRelativePath } from '../exchange/paths.js';
import { XmlError } from '../xml/reader.js';
import type { FieldFillReport } from './field-map.js';
import type { FromReader, ToReader } from './read-worker.js';

export interface SliceResult {
  readonly done: boolean;
  readonly message: string;
}

const KEPT_WARNINGS = 20;

export class CatalogRun {
  private readonly staging: Staging;
  private worker: Worker | null = null;
  private readonly inbox: FromReader[] = [];
  private wake: (() => void) | null = null;
  /** The file the worker is reading, and how far it got. */
  private reading: { name: string; bytes: number; total: number } | null = null;
  private readonly read = new Set<string>();
  private readonly coverage: Coverage = { groups: false, products: false, offers: false };
  private staged: StagingCounts = { groups: 0, products: 0, prices: 0, stock: 0 };
  private pendingPhotos: Array<[number, string]> = [];
  readonly warnings: string[] = [];
  warningCount = 0;
  /** What the map of fields found so far in the run's products; null until a file is read. */
  fill: FieldFillReport | null = null;
  counts: Partial<ApplyCounts> & { photos_added?: number; photo_problems?: number } = {};
  applied = false;

  constructor(
    private readonly ctx: AppContext,
    /** The run's files live here; names are relative to it. */
    readonly dir: string,
  ) {
    this.staging = new Staging(ctx.db, ctx.database.sqlite);
  }

  async start(): Promise<void> {
    await this.staging.reset();
    const worker = new Worker(new URL('./read-worker.mjs', import.meta.url), {
      workerData: { fields: this.ctx.config.integrations.commerceml.fields },
      // Parsing makes short-lived garbage only: a small young generation keeps memory low.
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    worker.on('message', (message: FromReader) => this.deliver(message));
    worker.on('error', (err) => this.deliver({ type: 'error', message: `reader stopped: ${err.message}`, line: null }));
    worker.on('exit', (code) => {
      if (this.worker === worker && code !== 0)
        this.deliver({ type: 'error', message: `reader stopped (exit ${code})`, line: null });
    });
    this.worker = worker;
  }

  /** A problem worth telling the admin; the first few are kept word for word. */
  note(message: string): void {
    this.warningCount++;
    if (this.warnings.length < KEPT_WARNINGS) this.warnings.push(message);
  }

  /** A file of the run that is not catalog content (counterparties applied elsewhere). */
  markRead(name: string): void {
    this.read.add(name);
  }

  hasRead(name: string): boolean {
    return this.read.has(name);
  }

  /** Reads `name` until it ends or the deadline passes. Errors carry the line (XmlError). */
  async readSlice(name: string, deadline: number): Promise<SliceResult> {
    if (this.read.has(name)) return { done: true, message: `${name} already read` };
    const worker = this.worker;
    if (!worker) throw new Error('the catalog run was not started');
    if (this.reading && this.reading.name !== name)
      throw new Error(`${name} was asked for while ${this.reading.name} was still being read`);
    if (!this.reading) {
      this.reading = { name, bytes: 0, total: 0 };
      worker.postMessage({ type: 'read', file: join(this.dir, name), name } satisfies ToReader);
    }
    const reading = this.reading;
    for (;;) {
      const message = this.inbox.shift() ?? (await this.next(deadline));
      if (!message) return { done: false, message: `${name}: read ${mb(reading.bytes)} of ${mb(reading.total)} MB` };
      if (message.type === 'error') {
        this.reading = null;
        throw new XmlError(message.message, message.line ?? 0);
      }
      if (message.type === 'end') {
        this.reading = null;
        this.read.add(name);
        for (const part of ['groups', 'products', 'offers'] as const) this.coverage[part] ||= message.coverage[part];
        this.staged = message.counts;
        this.fill = message.fill;
        const c = this.staged;
        return {
          done: true,
          message: `${name} read: ${c.groups} groups, ${c.products} products, ${c.prices} prices, ${c.stock} stock rows so far`,
        };
      }
      // Whatever else has arrived meanwhile goes into the same transaction.
      const batch = [message];
      while (this.inbox[0]?.type === 'rows') batch.push(this.inbox.shift() as typeof message);
      await this.staging.write(batch.length === 1 ? message.rows : batch.flatMap((m) => m.rows));
      for (const m of batch) {
        for (const w of m.warnings) this.note(w);
        reading.bytes = m.bytes;
        reading.total = m.total;
        worker.postMessage({ type: 'ack' } satisfies ToReader);
      }
      if (Date.now() >= deadline)
        return { done: false, message: `${name}: read ${mb(reading.bytes)} of ${mb(reading.total)} MB` };
    }
  }

  private deliver(message: FromReader): void {
    this.inbox.push(message);
    this.wake?.();
  }

  /** The next message from the reader, or undefined when the deadline comes first. */
  private async next(deadline: number): Promise<FromReader | undefined> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = null;
    return this.inbox.shift();
  }

  /** Switches the catalog to the staged state in one transaction. */
  async apply(): Promise<ApplyCounts> {
    // Everything is read: the reader's memory goes back before the big transaction.
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
    const { config, clock } = this.ctx;
    const c = config.integrations.commerceml;
    const settings = { ...c, fractionalUnits: c.fields.fractional.unit, stockWarehouses: config.catalog.stockWarehouses };
    const result = await applyStaged(this.ctx.db, this.ctx.searchIndex, settings, this.coverage, clock.now());
    this.applied = true;
    this.pendingPhotos = result.photos.flatMap(([id, paths]) => paths.map((p): [number, string] => [id, p]));
    this.counts = { ...result.counts };
    return result.counts;
  }

  get photosLeft(): number {
    return this.pendingPhotos.length;
  }

  /**
   * Converts the pictures named in the files (they were uploaded with them), until done or the
   * deadline. A missing or broken picture is counted, never fatal: the catalog is already in.
   */
  async attachPhotos(deadline: number): Promise<void> {
    while (this.pendingPhotos.length > 0 && Date.now() < deadline) {
      const [productId, path] = this.pendingPhotos.shift() as [number, string];
      try {
        // The same check as the names 1C uploads under: `<Картинка>../../etc/x</Картинка>` must not
        // turn any file the portal can read into a public photo.
        const data = await readFile(join(this.dir, safeRelativePath(path)));
        await storePhoto(this.ctx, productId, { filename: path, data }, `1c:${path}`);
        this.counts.photos_added = (this.counts.photos_added ?? 0) + 1;
      } catch (err) {
        if (err instanceof PhotoError && err.code === 'duplicate') continue;
        this.counts.photo_problems = (this.counts.photo_problems ?? 0) + 1;
        const reason =
          (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'named in the catalog but not sent by 1C' : (err as Error).message;
        this.note(`picture ${path}: ${reason}`);
      }
    }
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.reading = null;
    await worker?.terminate();
    await this.staging.drop();
  }
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
