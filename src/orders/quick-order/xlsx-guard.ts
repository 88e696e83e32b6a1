/**
 * An uploaded XLSX is a ZIP archive: 25 MB of it can claim, or really unpack to, gigabytes (a
 * "1000:1" sharedStrings.xml fills the heap, since exceljs keeps the shared strings in memory).
 * Before exceljs reads anything, every entry is inflated once here and counted against the
 * limits below, whatever the headers claim; then the archive exceljs gets is rebuilt from exactly
 * the entries that were measured (their compressed bytes copied as they are), so an entry hidden
 * from the central directory, or a local header that disagrees with it, is never read.
 */
import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';

const MB = 1024 * 1024;
/** Everything unpacked together: a 300,000-row sheet with its parts fits. */
export const MAX_XLSX_UNPACKED_BYTES = 256 * MB;
/** The shared strings, which exceljs keeps in memory: a 100k-product price list needs ~10 MB. */
export const MAX_XLSX_SHARED_STRINGS_BYTES = 32 * MB;
/** Entries in the archive: a workbook has a few dozen. */
export const MAX_XLSX_ENTRIES = 2_000;

export class UnpackError extends Error {
  constructor(
    readonly kind: 'too_large' | 'unreadable',
    message: string,
  ) {
    super(message);
  }
}

const isSharedStrings = (name: string) => /^xl\/sharedStrings\d*\.xml$/i.test(name);

function limitFor(name: string, maxUnpacked: number): number {
  return isSharedStrings(name) ? Math.min(maxUnpacked, MAX_XLSX_SHARED_STRINGS_BYTES) : maxUnpacked;
}

function openZip(data: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.fromBuffer(data, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, autoClose: false }, (err, zip) =>
      err || !zip ? reject(new UnpackError('unreadable', `not a readable ZIP archive: ${err?.message}`)) : resolve(zip),
    ),
  );
}

function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('error', (err: Error) => reject(new UnpackError('unreadable', `broken ZIP archive: ${err.message}`)));
    zip.on('end', () => resolve(entries));
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entries.length >= MAX_XLSX_ENTRIES) {
        reject(new UnpackError('too_large', `more than ${MAX_XLSX_ENTRIES} entries`));
        return;
      }
      if (!entry.fileName.endsWith('/')) entries.push(entry);
      zip.readEntry();
    });
    zip.readEntry();
  });
}

function readStream(zip: yauzl.ZipFile, entry: yauzl.Entry, decompress: boolean): Promise<Readable> {
  const options = entry.compressionMethod === 0 ? {} : { decompress };
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, options, (err, stream) =>
      err || !stream ? reject(new UnpackError('unreadable', `${entry.fileName}: ${err?.message}`)) : resolve(stream),
    ),
  );
}

/** Inflates the entry and counts its bytes; stops at `limit` (yauzl also stops at its declared size). */
async function measure(zip: yauzl.ZipFile, entry: yauzl.Entry, limit: number): Promise<number> {
  const stream = await readStream(zip, entry, true);
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      if (bytes > limit) {
        stream.destroy();
        throw new UnpackError('too_large', `${entry.fileName} unpacks to more than ${Math.round(limit / MB)} MB`);
      }
    }
  } catch (error) {
    if (error instanceof UnpackError) throw error;
    throw new UnpackError('unreadable', `${entry.fileName}: ${(error as Error).message}`);
  }
  return bytes;
}

async function rawBytes(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await readStream(zip, entry, false)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A plain ZIP (no data descriptors, no extra fields) of the given entries, compressed bytes as they were. */
function rebuild(parts: { entry: yauzl.Entry; raw: Buffer }[]): Buffer {
  const out: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { entry, raw } of parts) {
    const name = Buffer.from(entry.fileName, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // names in UTF-8
    local.writeUInt16LE(entry.compressionMethod, 8);
    local.writeUInt32LE(entry.crc32, 14);
    local.writeUInt32LE(raw.length, 18);
    local.writeUInt32LE(entry.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x0800, 8);
    header.writeUInt16LE(entry.compressionMethod, 10);
    header.writeUInt32LE(entry.crc32, 16);
    header.writeUInt32LE(raw.length, 20);
    header.writeUInt32LE(entry.uncompressedSize, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    out.push(local, name, raw);
    central.push(header, name);
    offset += local.length + name.length + raw.length;
  }
  const centralSize = central.reduce((sum, b) => sum + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...out, ...central, end]);
}

/** Where an entry goes in the rebuilt archive: what exceljs needs before the sheets comes first. */
function rank(name: string): number {
  if (name === 'xl/_rels/workbook.xml.rels') return 0;
  if (name === 'xl/workbook.xml') return 1;
  if (isSharedStrings(name)) return 2;
  return /^xl\/worksheets\/sheet\d+\.xml$/.test(name) ? 4 : 3;
}

/**
 * exceljs's streaming reader copies every sheet that arrives before the shared strings (or all of
 * them, when a workbook has none) to a temp file, and removes it only after reading that sheet: a
 * quick order reads the first sheet only, so the others were left in the system temp dir at every
 * upload. Rebuilt with the workbook and shared strings first (an empty list when there are
 * none), every sheet is read straight from memory and nothing is written to disk.
 */
function readingOrder(parts: { entry: yauzl.Entry; raw: Buffer }[]): { entry: yauzl.Entry; raw: Buffer }[] {
  const ordered = [...parts].sort((a, b) => rank(a.entry.fileName) - rank(b.entry.fileName));
  if (parts.some((p) => isSharedStrings(p.entry.fileName))) return ordered;
  const empty = Buffer.from('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"/>');
  const entry = { fileName: 'xl/sharedStrings.xml', compressionMethod: 0, crc32: crc32(empty), uncompressedSize: empty.length } as yauzl.Entry;
  const at = ordered.findIndex((p) => rank(p.entry.fileName) > 2);
  ordered.splice(at < 0 ? ordered.length : at, 0, { entry, raw: empty });
  return ordered;
}

/**
 * The archive to give exceljs, once every entry has been inflated and found within the limits;
 * throws UnpackError ('too_large' before inflating anything when the headers already say so).
 */
export async function checkedXlsx(data: Buffer, maxUnpacked = MAX_XLSX_UNPACKED_BYTES): Promise<Buffer> {
  const zip = await openZip(data);
  try {
    const entries = await listEntries(zip);
    let declared = 0;
    for (const entry of entries) {
      declared += entry.uncompressedSize;
      if (entry.uncompressedSize > limitFor(entry.fileName, maxUnpacked) || declared > maxUnpacked) {
        throw new UnpackError('too_large', `${entry.fileName} would unpack beyond the limit`);
      }
    }
    let unpacked = 0;
    const parts: { entry: yauzl.Entry; raw: Buffer }[] = [];
    for (const entry of entries) {
      unpacked += await measure(zip, entry, Math.min(limitFor(entry.fileName, maxUnpacked), maxUnpacked - unpacked));
      parts.push({ entry, raw: await rawBytes(zip, entry) });
    }
    return rebuild(readingOrder(parts));
  } finally {
    zip.close();
  }
}
