/**
 * An admin's upload of a CommerceML package (XML files or a ZIP, as 1C would send them): imported
 * in the background like a 1C run, through the exchange's own steps — same checks, same atomic
 * switch, same run record — and refused while 1C is sending a catalog (they share its lock).
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AppContext } from '../../../context.js';
import { CatalogRun } from '../catalog/catalog-run.js';
import { filePriority, holdsSaleDocuments } from './package-files.js';
import { isXmlName, UnsafeNameError } from './paths.js';
import { updateRun } from './runs.js';
import { applyOrderFile } from './sale-dialogue.js';
import type { Session } from './session.js';

/** Takes the files and starts the import; the run's id, or why it was refused. */
export async function uploadPackage(
  ctx: AppContext,
  files: AsyncIterable<{ filename: string; file: Readable }>,
): Promise<{ runId: number } | { error: string }> {
  const exchange = ctx.exchange;
  const opened = await exchange.openUpload();
  if ('error' in opened) return opened;
  const { session, runId } = opened;
  for await (const { filename, file } of files) {
    const answer = await exchange.file(session, filename.split(/[\\/]/).pop() ?? filename, file);
    if (answer.kind === 'text' && answer.lines[0] === 'failure') {
      await exchange.fail(session, new UnsafeNameError(answer.lines[1] ?? 'upload refused'), filename);
      await exchange.end(session, null, '');
      return { runId };
    }
  }
  if (session.files.size === 0) {
    await exchange.fail(session, new UnsafeNameError('no file was uploaded'), undefined);
    await exchange.end(session, null, '');
    return { runId };
  }
  void importUpload(ctx, session);
  return { runId };
}

/** Catalog files first (read whole, then one switch), then order and counterparty files. */
async function importUpload(ctx: AppContext, session: Session): Promise<void> {
  const exchange = ctx.exchange;
  session.busy = true;
  let current: string | undefined;
  try {
    await exchange.unpack(session);
    const xml = [...session.files.keys()].filter(isXmlName).sort((a, b) => filePriority(a) - filePriority(b) || a.localeCompare(b));
    const saleFiles: string[] = [];
    const catalogFiles: string[] = [];
    for (const name of xml) ((await holdsSaleDocuments(join(session.dir, name))) ? saleFiles : catalogFiles).push(name);
    if (catalogFiles.length > 0) {
      const run = new CatalogRun(ctx, session.dir);
      session.catalog = run;
      await run.start();
      for (const name of catalogFiles) {
        current = name;
        while (!(await run.readSlice(name, Date.now() + 1000)).done) session.lastSeen = exchange.now();
      }
      current = undefined;
      session.phase = 'applying';
      while (session.phase === 'applying' || session.phase === 'photos') await exchange.finishCatalog(session, Date.now() + 1000);
    }
    for (const name of saleFiles) await applyOrderFile(ctx, session, name);
    if (catalogFiles.length === 0) {
      await updateRun(ctx.db, session.runId as number, {
        status: saleFiles.length > 0 ? 'success' : 'failed',
        files: exchange.runFiles(session),
        message:
          saleFiles.length > 0 ? `order and counterparty files applied: ${saleFiles.join(', ')}` : 'the upload holds no CommerceML XML file',
        finishedAt: exchange.now(),
      });
    }
  } catch (err) {
    await exchange.fail(session, err, current);
  } finally {
    session.busy = false;
    await exchange.end(session, null, '');
  }
}
