/**
 * Unpacks the archive 1C sends when we announce `zip=yes`. Every entry name goes through
 * safeRelativePath (no zip-slip), and the bytes actually written are counted against a budget,
 * so a zip bomb stops at the limit whatever its headers claim.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { safeRelativePath } from './paths.js';

export class ArchiveError extends Error {}

export async function unzipInto(archive: string, dir: string, budgetBytes: number): Promise<{ files: string[]; bytes: number }> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(archive, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true }, (err, z) =>
      err
        ? reject(
            new ArchiveError(
              `${archive.split('/').at(-1)} is not a readable ZIP archive (${err.message}); was a piece of it lost?`,
            ),
          )
        : resolve(z as yauzl.ZipFile),
    ),
  );
  const files: string[] = [];
  let written = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => reject(new ArchiveError(`broken ZIP archive: ${err.message}`)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        let name: string;
        try {
          name = safeRelativePath(entry.fileName);
        } catch (err) {
          reject(new ArchiveError(`in the archive: ${(err as Error).message}`));
          return;
        }
        if (written + entry.uncompressedSize > budgetBytes) {
          reject(
            new ArchiveError(
              `the archive unpacks to more than the ${Math.max(0, Math.round(budgetBytes / 1048576))} MB left of this exchange's integrations.commerceml.max_package_mb`,
            ),
          );
          return;
        }
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) {
            reject(new ArchiveError(`cannot read ${entry.fileName} from the archive: ${err?.message}`));
            return;
          }
          const counter = new Transform({
            transform(chunk: Buffer, _enc, done) {
              written += chunk.length;
              if (written > budgetBytes)
                done(new ArchiveError('the archive unpacks to more than allowed (integrations.commerceml.max_package_mb)'));
              else done(null, chunk);
            },
          });
          const target = join(dir, name);
          mkdir(dirname(target), { recursive: true })
            .then(() => pipeline(stream, counter, createWriteStream(target)))
            .then(() => {
              files.push(name);
              zip.readEntry();
            })
            .catch((e: unknown) =>
              reject(
                e instanceof ArchiveError ? e : new ArchiveError(`cannot unpack ${entry.fileName}: ${(e as Error).message}`),
              ),
            );
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return { files, bytes: written };
}
