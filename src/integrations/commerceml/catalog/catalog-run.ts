/**
 * One catalog run: the files of one 1C exchange (or one manual upload) read slice by slice into
 * staging, then applied at once. The run owns the staging tables while it lives; only one
 * catalog run may exist at a time (the exchange keeps a lock per type).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PhotoError, storePhoto } from '../../../catalog/photos.js';
import type { AppContext } from '../../../context.js';
import { XmlFileCursor } from '../xml/reader.js';
import { type ApplyCounts, applyStaged } from './apply.js';
import { CatalogDictionary, catalogVisitor } from './catalog-reader.js';
import { Staging } from './staging.js';

export interface SliceResult {
  readonly done: boolean;
  readonly message: string;
}

export class CatalogRun {
  private readonly staging: Staging;
  private readonly dictionary: CatalogDictionary;
  private cursor: XmlFileCursor | null = null;
  private readonly read = new Set<string>();
  private pendingPhotos: Array<[number, string]> = [];
  private photoProblems = 0;
  counts: Partial<ApplyCounts> & { photos_added?: number; photo_problems?: number } = {};
  applied = false;

  constructor(
    private readonly ctx: AppContext,
    /** The run's files live here; names are relative to it. */
    readonly dir: string,
  ) {
    this.staging = new Staging(ctx.db, ctx.database.sqlite);
    this.dictionary = new CatalogDictionary(ctx.config.integrations.commerceml.brandProperties);
  }

  async start(): Promise<void> {
    await this.staging.reset();
  }

  get warnings(): readonly string[] {
    return this.staging.warnings;
  }

  get warningCount(): number {
    return this.staging.warningCount;
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
    if (this.cursor?.file !== join(this.dir, name)) {
      await this.cursor?.close();
      this.staging.file = name;
      this.cursor = new XmlFileCursor(join(this.dir, name), catalogVisitor(this.dictionary, this.staging));
    }
    const cursor = this.cursor;
    const done = await cursor.run(deadline, () => this.staging.flush());
    if (!done) {
      const { bytes, total } = cursor.progress();
      return { done: false, message: `${name}: read ${mb(bytes)} of ${mb(total)} MB` };
    }
    this.cursor = null;
    this.read.add(name);
    const c = this.staging.counts;
    return { done: true, message: `${name} read: ${c.groups} groups, ${c.products} products, ${c.prices} prices, ${c.stock} stock rows so far` };
  }

  /** Switches the catalog to the staged state in one transaction. */
  async apply(): Promise<ApplyCounts> {
    const { config, clock } = this.ctx;
    const settings = { ...config.integrations.commerceml, stockWarehouses: config.catalog.stockWarehouses };
    const result = await applyStaged(this.ctx.db, settings, this.dictionary.coverage, clock.now());
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
        const data = await readFile(join(this.dir, path));
        await storePhoto(this.ctx, productId, { filename: path, data }, `1c:${path}`);
        this.counts.photos_added = (this.counts.photos_added ?? 0) + 1;
      } catch (err) {
        if (err instanceof PhotoError && err.code === 'duplicate') continue;
        this.photoProblems++;
        this.counts.photo_problems = this.photoProblems;
        const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'named in the catalog but not sent by 1C' : (err as Error).message;
        this.staging.note(`picture ${path}: ${reason}`);
      }
    }
  }

  async close(): Promise<void> {
    await this.cursor?.close();
    this.cursor = null;
    await this.staging.drop();
  }
}

function mb(bytes: number): string {
  return (bytes / 1048576).toFixed(1);
}
