/**
 * The server side of 1C's "exchange with site" (spec §1–§4, §8): sessions, the per-type lock,
 * file uploads, time-boxed imports, order download and confirmation. HTTP lives in
 * src/http/exchange; this module answers in protocol terms (lines of text or an XML document).
 * An admin's upload takes the same steps (manual-upload.ts).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AppContext } from '../../../context.js';
import { CatalogRun } from '../catalog/catalog-run.js';
import { buildInfoDocument } from '../sale/info-document.js';
import { XmlError } from '../xml/reader.js';
import { holdsSaleDocuments } from './package-files.js';
import { isXmlName, isZipName, safeRelativePath, UnsafeNameError } from './paths.js';
import { closeInterruptedRuns, type RunFile, startRun, updateRun } from './runs.js';
import { applyOrderFile, confirm, query, saleFailure } from './sale-dialogue.js';
import { type ExchangeType, failure, newSession, type Reply, type Session, text, xmlReply } from './session.js';
import { summarize } from './summary.js';
import { ArchiveError, unzipInto } from './unzip.js';

export const COOKIE_NAME = 'OPTOVIK_1C';

/** Failed logins are counted per address only: a stranger's failures must not lock the real 1C out. */
const throttleKey = (ip: string) => `1c-exchange@${ip}`;
/** A session 1C has not touched for this long is over (a run that stalled is abandoned). */
const SESSION_TTL_MS = 6 * 3600_000;
/** Another run of the same type active this recently means "already running". */
const BUSY_WINDOW_MS = 60_000;

export type { ExchangeType, Reply } from './session.js';

/** The process's one 1C exchange (ctx.exchange): the 1C endpoint and the admin's upload share its lock. */
export class Exchange {
  private readonly sessions = new Map<string, Session>();
  private ready: Promise<void> | null = null;

  constructor(private readonly ctx: AppContext) {
    // A 1C catalog session holds the import's staging across many requests: the gate asks us.
    ctx.importGate.probe('1c', () => this.catalogBusy());
  }

  get enabled(): boolean {
    return this.ctx.config.integrations.commerceml.login !== '';
  }

  private get settings() {
    return this.ctx.config.integrations.commerceml;
  }

  now(): number {
    return this.ctx.clock.now();
  }

  /** Basic credentials against config; compared in constant time. */
  authorized(authorization: string | undefined): boolean {
    if (!this.enabled || !authorization?.startsWith('Basic ')) return false;
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    const loginOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(this.settings.login));
    const passwordOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(this.settings.password));
    return loginOk && passwordOk && this.settings.password !== '';
  }

  async checkauth(type: ExchangeType, authorization: string | undefined, ip = ''): Promise<Reply> {
    if (!this.enabled) return failure('The 1C exchange is off: set integrations.commerceml.login and password in config.yml');
    if (authorization === undefined) return { kind: 'challenge' };
    const wait = this.ctx.loginThrottle.retryAfterMs(ip, throttleKey(ip));
    if (wait > 0) return failure(`Too many failed logins from this address; try again in ${Math.ceil(wait / 60_000)} min`);
    if (!this.login(authorization, ip)) return failure('Invalid login or password');
    await this.prepare();
    // The catalog staging is shared with the other readers (MoySklad, spreadsheets): one at a time.
    const busy = type === 'catalog' ? this.ctx.importGate.refusal('1c') : null;
    if (busy) return failure(busy);
    const now = this.now();
    for (const other of [...this.sessions.values()]) {
      if (now - other.lastSeen > SESSION_TTL_MS)
        await this.end(other, 'abandoned', '1C stopped talking during this run; nothing unfinished was applied');
      else if (other.type === type && !this.finished(other)) {
        if (other.busy || now - other.lastSeen < BUSY_WINDOW_MS)
          return failure('Exchange already running: another exchange of this type is in progress');
        await this.end(other, 'abandoned', '1C started a new exchange before this one finished; nothing unfinished was applied');
      } else if (other.type === type) {
        await this.end(other, null, '');
      }
    }
    const session = this.newSession(type);
    return text('success', COOKIE_NAME, session.id);
  }

  /** Checks Basic credentials, counting failures per address (as sign-in pages do). */
  private login(authorization: string | undefined, ip: string): boolean {
    if (this.ctx.loginThrottle.retryAfterMs(ip, throttleKey(ip)) > 0) return false;
    if (!this.authorized(authorization)) {
      this.ctx.loginThrottle.recordFailure(ip, throttleKey(ip));
      this.ctx.log.warn({ ip }, '1C exchange: wrong login or password');
      return false;
    }
    this.ctx.loginThrottle.recordSuccess(throttleKey(ip));
    return true;
  }

  /** The session a request belongs to: the cookie (or `sessid`), else valid Basic credentials. */
  find(type: ExchangeType, sid: string | undefined, authorization: string | undefined, ip = ''): Session | null {
    const session = sid ? this.sessions.get(sid) : undefined;
    if (session && session.type === type) return session;
    if (authorization !== undefined && this.login(authorization, ip)) {
      const latest = [...this.sessions.values()].filter((s) => s.type === type).at(-1);
      return latest ?? this.newSession(type);
    }
    return null;
  }

  async handle(session: Session, mode: string, params: { filename?: string; version?: string }, body?: Readable): Promise<Reply> {
    if (session.busy) return failure('Another request of this exchange is still being processed');
    session.busy = true;
    session.lastSeen = this.now();
    try {
      switch (mode) {
        case 'init':
          return await this.init(session, params.version);
        case 'file':
          return await this.file(session, params.filename, body);
        case 'import':
          return session.type === 'catalog'
            ? await this.importCatalog(session, params.filename)
            : await this.importSale(session, params.filename);
        case 'deactivate':
        case 'complete':
          return session.type === 'catalog' ? await this.complete(session) : failure('Unknown command');
        case 'query':
          return session.type === 'sale' ? await query(this.ctx, session) : failure('Unknown command');
        case 'success':
          return session.type === 'sale' ? await confirm(this.ctx, session) : failure('Unknown command');
        case 'info':
          return session.type === 'sale' ? xmlReply(buildInfoDocument(this.ctx)) : failure('Unknown command');
        default:
          return failure('Unknown command');
      }
    } finally {
      session.busy = false;
      session.lastSeen = this.now();
    }
  }

  /**
   * Closes what a restart cut short: `serve` calls it once at start (the admin page then shows
   * those runs as abandoned); the first checkauth or upload would otherwise.
   */
  async prepare(): Promise<void> {
    // Once per process: runs a restart cut short are closed, stale working folders removed.
    this.ready ??= (async () => {
      await closeInterruptedRuns(this.ctx.db, this.now());
      await rm(join(this.ctx.config.dataDir, 'exchange'), { recursive: true, force: true });
    })();
    await this.ready;
  }

  private newSession(type: ExchangeType): Session {
    const id = randomBytes(16).toString('hex');
    const session = newSession(id, type, join(this.ctx.config.dataDir, 'exchange', id), this.now());
    this.sessions.set(id, session);
    return session;
  }

  private finished(session: Session): boolean {
    if (session.phase === 'done' || session.phase === 'failed') return true;
    return session.runId === null && session.files.size === 0;
  }

  /** Closes a session: an unfinished run is marked (abandoned) and its staging dropped. */
  async end(session: Session, status: 'abandoned' | null, message: string): Promise<void> {
    this.sessions.delete(session.id);
    if (status && session.runId !== null && !this.finished(session)) {
      // Files 1C sent but never asked to import kept the switch waiting: name them.
      const unread = [...session.files.keys()].filter(
        (f) => isXmlName(f) && !session.catalog?.hasRead(f) && !session.saleApplied.has(f) && !session.consumed.has(f),
      );
      const waiting = unread.length > 0 ? `; not imported by 1C: ${unread.slice(0, 10).join(', ')}` : '';
      await updateRun(this.ctx.db, session.runId, { status, message: `${message}${waiting}`, finishedAt: this.now() });
    }
    await session.catalog?.close();
    await rm(session.dir, { recursive: true, force: true });
  }

  private async init(session: Session, version: string | undefined): Promise<Reply> {
    // mode=file appends: a previous attempt's files must not leak into this run.
    if (session.runId !== null && !this.finished(session)) {
      await updateRun(this.ctx.db, session.runId, {
        status: 'abandoned',
        message: '1C started this exchange over; nothing unfinished was applied',
        finishedAt: this.now(),
      });
    }
    await session.catalog?.close();
    await rm(session.dir, { recursive: true, force: true });
    await mkdir(session.dir, { recursive: true });
    Object.assign(session, {
      files: new Map(),
      consumed: new Set(),
      unpacked: new Set(),
      totalBytes: 0,
      archives: [],
      catalog: null,
      phase: 'receiving',
      failure: null,
      runId: null,
    });
    // Order files are small, and an older 1C that zips them would never call import to unpack them.
    const zip = this.settings.zip && session.type === 'catalog';
    const lines = [`zip=${zip ? 'yes' : 'no'}`, `file_limit=${this.settings.fileLimitMb * 1048576}`];
    if (session.type === 'sale' && version) {
      session.saleVersion = version;
      lines.push(`sessid=${session.id}`, 'version=2.09');
    }
    return text(...lines);
  }

  async file(session: Session, filename: string | undefined, body: Readable | undefined): Promise<Reply> {
    let name: string;
    try {
      name = safeRelativePath(filename ?? '');
    } catch (err) {
      body?.resume();
      return failure(err instanceof UnsafeNameError ? err.message : 'bad file name');
    }
    if (session.type === 'catalog' && session.phase === 'done') this.startNextCycle(session);
    if (session.phase === 'failed') {
      body?.resume();
      return failure(`This exchange failed earlier: ${session.failure}`);
    }
    // 1C cuts files at file_limit; an admin's upload arrives whole and only the package budget applies.
    const limit = session.manual ? Number.POSITIVE_INFINITY : this.settings.fileLimitMb * 1048576;
    const budget = this.settings.maxPackageMb * 1048576 - session.totalBytes;
    const target = join(session.dir, name);
    if (session.consumed.delete(name)) {
      // The same name again after it was imported: a new file, not more of the old one.
      await rm(target, { force: true });
      session.totalBytes -= session.files.get(name) ?? 0;
      session.files.delete(name);
    }
    let received = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        received += chunk.length;
        if (received > limit) done(new Error(`a piece larger than file_limit (${limit} bytes) was sent`));
        else if (received > budget) done(new Error('the exchange is larger than integrations.commerceml.max_package_mb allows'));
        else done(null, chunk);
      },
    });
    try {
      await mkdir(dirname(target), { recursive: true });
      if (body) await pipeline(body, counter, createWriteStream(target, { flags: 'a' }));
    } catch (err) {
      body?.resume();
      return failure(`Cannot write ${name}: ${(err as Error).message}`);
    }
    session.totalBytes += received;
    session.files.set(name, (session.files.get(name) ?? 0) + received);
    if (isZipName(name) && !session.archives.includes(name)) session.archives.push(name);
    if (session.type === 'sale' && session.saleVersion === null && isXmlName(name)) {
      // Older 1C: no `import` will follow, the file is applied as it arrives.
      return applyOrderFile(this.ctx, session, name);
    }
    return text('success');
  }

  private startNextCycle(session: Session): void {
    // 1C without zip may upload and import file by file: a file after the switch starts a new
    // cycle, and the files of the cycles before are done with.
    for (const name of session.files.keys()) session.consumed.add(name);
    session.phase = 'receiving';
    session.catalog = null;
  }

  /** Unpacks the archives received so far (the first import call does it). */
  async unpack(session: Session): Promise<string[]> {
    const unpacked: string[] = [];
    while (session.archives.length > 0) {
      const archive = session.archives.shift() as string;
      // max_package_mb is for the whole run: what is already on disk (uploads, archives unpacked
      // before) leaves that much less for this archive, not a fresh budget per archive.
      const budget = this.settings.maxPackageMb * 1048576 - session.totalBytes;
      const { files, bytes } = await unzipInto(join(session.dir, archive), session.dir, budget);
      session.totalBytes += bytes;
      for (const f of files) {
        session.files.set(f, (await stat(join(session.dir, f))).size);
        unpacked.push(f);
      }
      session.totalBytes -= session.files.get(archive) ?? 0;
      session.files.delete(archive);
      session.unpacked.add(archive);
      await rm(join(session.dir, archive), { force: true });
    }
    return unpacked;
  }

  private async ensureRun(session: Session, kind: 'catalog' | 'sale'): Promise<number> {
    const runKind = session.manual ? 'upload' : kind;
    session.runId ??= await startRun(
      this.ctx.db,
      runKind,
      this.now(),
      session.manual ? 'uploaded by an admin' : kind === 'catalog' ? '1C is sending the catalog' : '',
    );
    return session.runId;
  }

  runFiles(session: Session): RunFile[] {
    return [...session.files].map(([name, bytes]) => ({ name, bytes }));
  }

  private async importCatalog(session: Session, filename: string | undefined): Promise<Reply> {
    if (session.phase === 'failed') return failure(`This exchange failed earlier: ${session.failure}`);
    try {
      if (session.archives.length > 0) {
        await this.ensureRun(session, 'catalog');
        const files = await this.unpack(session);
        return text('progress', `Unpacked ${files.length} files`);
      }
      const name = safeRelativePath(filename ?? '');
      // Some 1C versions also ask to import the archive itself: it is unpacked already.
      if (isZipName(name) && session.unpacked.has(name)) return text('success', `${name} unpacked`);
      if (!session.files.has(name) || !existsSync(join(session.dir, name)))
        return failure(`${name} was not uploaded in this exchange`);
      if (!isXmlName(name)) return text('success', `${name} is not XML; nothing to import`);
      const deadline = Date.now() + this.settings.sliceSeconds * 1000;
      const runId = await this.ensureRun(session, 'catalog');
      if ((session.phase === 'done' && session.catalog?.hasRead(name)) || session.consumed.has(name)) {
        return text('success', `${name} imported`);
      }
      if (session.phase === 'done') this.startNextCycle(session);
      if (
        session.phase === 'receiving' &&
        !session.catalog?.hasRead(name) &&
        (await holdsSaleDocuments(join(session.dir, name)))
      ) {
        // Counterparties (or orders) sent along with the catalog are applied as such.
        session.catalog?.markRead(name);
        const reply = await applyOrderFile(this.ctx, session, name);
        if (reply.kind === 'text' && reply.lines[0] === 'failure') return reply;
        return this.afterFileRead(session, reply.kind === 'text' ? (reply.lines[1] ?? '') : '');
      }
      if (session.phase === 'receiving') {
        if (!session.catalog) {
          // Between checkauth and the first import another reader may have taken the staging.
          const held = this.ctx.importGate.refusal('1c');
          if (held) return failure(held);
          session.catalog = new CatalogRun(this.ctx, session.dir);
          await session.catalog.start();
        }
        const slice = await session.catalog.readSlice(name, deadline);
        await updateRun(this.ctx.db, runId, { files: this.runFiles(session), message: slice.message });
        if (!slice.done) return text('progress', slice.message);
        return this.afterFileRead(session, slice.message);
      }
      return await this.finishCatalog(session, deadline);
    } catch (err) {
      return this.fail(session, err, filename);
    }
  }

  /** After a file: the next one, or — when every XML of the run is read — the switch. */
  private afterFileRead(session: Session, message: string): Reply {
    const unread = [...session.files.keys()].filter(
      (f) => isXmlName(f) && !session.catalog?.hasRead(f) && !session.saleApplied.has(f) && !session.consumed.has(f),
    );
    if (unread.length > 0 || !session.catalog) return text('success', message);
    session.phase = 'applying';
    return text('progress', 'All files read; switching the catalog');
  }

  /** Applies the staged run, then converts pictures slice by slice. */
  async finishCatalog(session: Session, deadline: number): Promise<Reply> {
    const run = session.catalog as CatalogRun;
    const runId = session.runId as number;
    if (session.phase === 'applying') {
      const started = Date.now();
      await run.apply();
      session.phase = 'photos';
      this.ctx.log.info({ runId, ms: Date.now() - started, counts: run.counts }, '1C catalog applied');
      if (run.photosLeft > 0) return text('progress', `Catalog switched; ${run.photosLeft} pictures to convert`);
    }
    await run.attachPhotos(deadline);
    if (run.photosLeft > 0) return text('progress', `${run.photosLeft} pictures left to convert`);
    session.phase = 'done';
    const summary = summarize(run.counts);
    const warnings = run.warningCount > 0 ? ` ${run.warningCount} warnings: ${run.warnings.join('; ')}` : '';
    await updateRun(this.ctx.db, runId, {
      status: 'success',
      counts: { ...run.counts, warnings: run.warningCount },
      fields: run.fill,
      files: this.runFiles(session),
      message: `${summary}${warnings}`,
      finishedAt: this.now(),
    });
    await run.close();
    return text('success', summary);
  }

  private async complete(session: Session): Promise<Reply> {
    try {
      if (session.catalog && session.phase === 'receiving') session.phase = 'applying';
      const deadline = Date.now() + 60_000;
      while (session.catalog && (session.phase === 'applying' || session.phase === 'photos'))
        await this.finishCatalog(session, deadline);
      return text('success');
    } catch (err) {
      return this.fail(session, err, undefined);
    }
  }

  async fail(session: Session, err: unknown, filename: string | undefined): Promise<Reply> {
    const line = err instanceof XmlError ? err.line : null;
    const file = filename ?? null;
    const known = err instanceof XmlError || err instanceof ArchiveError || err instanceof UnsafeNameError;
    const message = known
      ? `${file ?? ''}${line ? ` line ${line}` : ''}${file || line ? ': ' : ''}${(err as Error).message}`
      : `internal error: ${(err as Error).message}`;
    if (!known) this.ctx.log.error({ err }, '1C exchange failed');
    session.phase = 'failed';
    session.failure = message;
    await session.catalog?.close();
    const runId = await this.ensureRun(session, session.type);
    await updateRun(this.ctx.db, runId, {
      status: 'failed',
      message: `${message}. Nothing from this run was applied; the catalog stays as it was.`,
      files: this.runFiles(session),
      errorFile: file,
      errorLine: line,
      finishedAt: this.now(),
    });
    return failure(message);
  }

  private async importSale(session: Session, filename: string | undefined): Promise<Reply> {
    try {
      if (session.archives.length > 0) await this.unpack(session);
      const name = safeRelativePath(filename ?? '');
      if (!session.files.has(name)) return failure(`${name} was not uploaded in this exchange`);
      if (!isXmlName(name)) return text('success');
      return await applyOrderFile(this.ctx, session, name);
    } catch (err) {
      return saleFailure(this.ctx, err, filename ?? '');
    }
  }

  // ---- the steps an admin's upload takes too (manual-upload.ts) ------------------------------

  /**
   * A catalog session for an admin's upload, with its run record; an error while 1C is sending a
   * catalog. A stalled 1C run gives way (marked abandoned).
   */
  async openUpload(): Promise<{ session: Session; runId: number } | { error: string }> {
    await this.prepare();
    const held = this.ctx.importGate.refusal('1c');
    if (held) return { error: `${held}.` };
    const busy = [...this.sessions.values()].find((s) => s.type === 'catalog' && !this.finished(s));
    if (busy && (busy.busy || this.now() - busy.lastSeen < BUSY_WINDOW_MS))
      return { error: 'An exchange with 1C is running right now; try again when it has finished.' };
    if (busy)
      await this.end(busy, 'abandoned', 'an admin uploaded a package while this run was stalled; nothing unfinished was applied');
    const session = this.newSession('catalog');
    session.manual = true;
    await mkdir(session.dir, { recursive: true });
    return { session, runId: await this.ensureRun(session, 'catalog') };
  }

  /** A 1C catalog run (or an admin's upload) holds the staging tables right now: other catalog readers wait. */
  catalogBusy(): boolean {
    return [...this.sessions.values()].some((s) => s.type === 'catalog' && !this.finished(s));
  }

  /** Waits for a manual upload to finish (tests, CLI). */
  async idle(): Promise<void> {
    while ([...this.sessions.values()].some((s) => s.manual)) await new Promise((r) => setTimeout(r, 20));
  }

  /** A stopping portal abandons its own runs (ctx.close()). */
  async close(): Promise<void> {
    for (const session of [...this.sessions.values()]) await this.end(session, 'abandoned', 'the portal stopped during this run');
  }
}
