/**
 * The watched folder (`integrations.spreadsheet.watch_dir`): files dropped there — by a script,
 * an FTP upload, an accounting system's scheduled export — are imported as they arrive, as a
 * partial update (or a full price list with watch_hide_absent), and moved to done/ or failed/
 * with `<name>.report.txt` next to them. The folder is looked into every watch_seconds; a file
 * is taken once its size and time stayed the same between two looks (a copy still being written
 * is left alone). A file found while another reader holds the import gate waits for the next look.
 * Held by the AppContext (ctx.sheetsWatcher) while watch_dir is set; `serve` starts it.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AppContext } from '../../context.js';
import { checkedXlsx, UnpackError } from '../../orders/quick-order/xlsx-guard.js';
import { type ImportReport, importSpreadsheet, reportLines } from './import/run.js';

const ACCEPTED = new Set(['.csv', '.txt', '.tsv', '.xlsx']);
/** Files still being written by common tools, and Office's lock files. */
const TRANSIENT = /^(~\$|\.)|\.(part|tmp|crdownload|filepart)$/i;

export interface WatchOutcome {
  file: string;
  moved: 'done' | 'failed';
}

export class SpreadsheetWatcher {
  /** Size and time of each file at the last look. */
  private readonly seen = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private scanning: Promise<WatchOutcome[]> | null = null;

  constructor(private readonly ctx: AppContext) {}

  get dir(): string {
    return this.ctx.config.integrations.spreadsheet.watchDir;
  }

  start(): void {
    if (this.timer || this.dir === '') return;
    const every = this.ctx.config.integrations.spreadsheet.watchSeconds * 1000;
    const tick = () => void this.scan().catch((err: unknown) => this.ctx.log.error({ err }, 'watched spreadsheet folder'));
    this.timer = setInterval(tick, every);
    this.timer.unref();
    tick();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.scanning?.catch(() => undefined);
  }

  /** One look into the folder: imports the files that stopped growing since the last look. */
  scan(): Promise<WatchOutcome[]> {
    this.scanning ??= this.look().finally(() => {
      this.scanning = null;
    });
    return this.scanning;
  }

  private async look(): Promise<WatchOutcome[]> {
    const dir = this.dir;
    if (dir === '') return [];
    await mkdir(dir, { recursive: true });
    const names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && !TRANSIENT.test(e.name)).map((e) => e.name);
    const outcomes: WatchOutcome[] = [];
    const present = new Set(names);
    for (const name of [...this.seen.keys()]) if (!present.has(name)) this.seen.delete(name);
    for (const name of names.sort()) {
      const info = await stat(join(dir, name)).catch(() => null);
      if (!info) continue;
      const mark = `${info.size}:${info.mtimeMs}`;
      const stable = this.seen.get(name) === mark && info.size > 0;
      this.seen.set(name, mark);
      if (!stable) continue;
      // Another reader has the catalog import: this file waits for the next look.
      if (this.ctx.importGate.holder() !== null) break;
      const outcome = await this.take(name);
      if (outcome) outcomes.push(outcome);
    }
    return outcomes;
  }

  private async take(name: string): Promise<WatchOutcome | null> {
    const dir = this.dir;
    const path = join(dir, name);
    let report: ImportReport | null = null;
    let lines: string[];
    if (!ACCEPTED.has(extname(name).toLowerCase())) {
      lines = [`${name}: not a CSV or XLSX file (the folder takes .csv, .txt, .tsv and .xlsx); nothing was changed.`];
    } else {
      let source = path;
      let checked: string | null = null;
      try {
        if (extname(name).toLowerCase() === '.xlsx') {
          // The same unpacked-size guard as uploads: a dropped file is no more trusted than an uploaded one.
          const tmp = join(this.ctx.config.dataDir, 'tmp', 'spreadsheet-watch');
          await mkdir(tmp, { recursive: true });
          checked = join(tmp, `${process.pid}-${Date.now()}.xlsx`);
          await writeFile(checked, await checkedXlsx(await readFile(path)));
          source = checked;
        }
        report = await importSpreadsheet(this.ctx, source, {
          dryRun: false,
          hideAbsent: this.ctx.config.integrations.spreadsheet.watchHideAbsent,
          name,
          by: 'watched folder',
        });
        lines = reportLines(report);
      } catch (error) {
        if (!(error instanceof UnpackError)) throw error;
        lines = [`${name}: ${error.kind === 'too_large' ? 'the workbook unpacks too large' : 'not a readable XLSX workbook'} (${error.message}); nothing was changed.`];
      } finally {
        if (checked) await rm(checked, { force: true });
      }
      // Refused at the gate after all (a reader started in between): try again at the next look.
      if (report && !report.applied && report.problems.length === 1 && report.problems[0]?.row === 0 && this.ctx.importGate.holder() !== null) {
        this.seen.delete(name);
        return null;
      }
    }
    const moved = report?.applied ? 'done' : 'failed';
    const target = await freeName(join(dir, moved), name);
    await rename(path, join(dir, moved, target));
    await writeFile(join(dir, moved, `${target}.report.txt`), `${lines.join('\n')}\n`);
    this.seen.delete(name);
    this.ctx.log.info({ file: name, moved }, 'watched spreadsheet folder');
    return { file: name, moved };
  }
}

/** `name`, or `name (2)`, `name (3)`… when done/ or failed/ already has one. */
async function freeName(dir: string, name: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const taken = new Set(await readdir(dir));
  if (!taken.has(name)) return name;
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 2; ; n++) {
    const candidate = `${stem} (${n})${ext}`;
    if (!taken.has(candidate)) return candidate;
  }
}
