/**
 * Parses catalog files on a worker thread and hands the staging rows to the main thread, a few
 * batches ahead: parsing (the bigger half of reading a 1C file) runs on the second core while
 * the main thread writes the previous batch to SQLite and keeps answering buyers.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Coverage } from '../../../catalog/import/records.js';
import { type StagingCounts, type StagingRow, StagingRows } from '../../../catalog/import/staging-rows.js';
import type { CommerceMlFields } from '../../../config/types.js';
import { XmlError, XmlFileCursor } from '../xml/reader.js';
import { CatalogDictionary, catalogVisitor } from './catalog-reader.js';
import type { FieldFillReport } from './field-map.js';

export type ToReader = { type: 'read'; file: string; name: string } | { type: 'ack' };
export type FromReader =
  | { type: 'rows'; rows: StagingRow[]; warnings: string[]; bytes: number; total: number }
  | { type: 'end'; name: string; coverage: Coverage; counts: StagingCounts; fill: FieldFillReport }
  | { type: 'error'; message: string; line: number | null };

/** Batches sent and not yet written by the main thread: enough to overlap, little memory. */
const AHEAD = 8;

const port = parentPort;
if (!port) throw new Error('read-worker runs as a worker thread');
const { fields } = workerData as { fields: CommerceMlFields };
const dictionary = new CatalogDictionary(fields);
const rows = new StagingRows();
let unacknowledged = 0;
let credit: (() => void) | null = null;
const send = (message: FromReader) => port.postMessage(message);

async function read(file: string, name: string): Promise<void> {
  rows.file = name;
  const cursor = new XmlFileCursor(file, catalogVisitor(dictionary, rows));
  try {
    await cursor.run(Number.POSITIVE_INFINITY, async () => {
      const { bytes, total } = cursor.progress();
      send({ type: 'rows', ...rows.take(), bytes, total });
      unacknowledged++;
      while (unacknowledged >= AHEAD) await new Promise<void>((resolve) => (credit = resolve));
    });
    send({ type: 'end', name, coverage: { ...dictionary.coverage }, counts: { ...rows.counts }, fill: dictionary.fill.toJSON() });
  } catch (err) {
    send({
      type: 'error',
      message: err instanceof Error ? err.message : String(err),
      line: err instanceof XmlError ? err.line : null,
    });
  }
}

port.on('message', (message: ToReader) => {
  if (message.type === 'ack') {
    unacknowledged--;
    credit?.();
    credit = null;
  } else {
    void read(message.file, message.name);
  }
});
