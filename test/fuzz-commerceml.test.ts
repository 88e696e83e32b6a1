/**
 * The 1C catalog reader against mutated real files (test/fixtures/commerceml): cut anywhere, a
 * byte changed, a wrong encoding declared, elements nested thousands deep, huge attributes and
 * texts. Each either reads or is refused with the reader's own XmlError naming a line — never
 * another exception, never a hang — and what it read is bounded.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StagingRows } from '../src/catalog/import/staging-rows.js';
import { CatalogDictionary, catalogVisitor } from '../src/integrations/commerceml/catalog/catalog-reader.js';
import { XmlError, XmlFileCursor } from '../src/integrations/commerceml/xml/reader.js';
import { COMMERCEML_FIXTURES } from './fixture-files.js';
import { tempDir } from './helpers.js';

const SOURCES = ['official-2.04', 'ut11-demo-2.07', 'grid-2.07', 'cml-3.1-bitrix-module'].flatMap((set) =>
  readdirSync(join(COMMERCEML_FIXTURES, set), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => readFileSync(join(COMMERCEML_FIXTURES, set, f))),
);

const dir = tempDir('optovik-fuzz-cml-');
let n = 0;

/** Reads `bytes` as a catalog file; 'ok', or the XmlError's message. Anything else fails the test. */
async function read(bytes: Buffer): Promise<string> {
  const file = join(dir, `f${n++}.xml`);
  writeFileSync(file, bytes);
  const rows = new StagingRows();
  const cursor = new XmlFileCursor(file, catalogVisitor(new CatalogDictionary(), rows));
  const started = performance.now();
  try {
    await cursor.run(Number.POSITIVE_INFINITY, async () => {
      rows.take();
    });
    return 'ok';
  } catch (error) {
    if (error instanceof XmlError) {
      expect(error.line).toBeGreaterThanOrEqual(0);
      return error.message;
    }
    throw error;
  } finally {
    expect(performance.now() - started, 'one file read').toBeLessThan(5_000);
  }
}

const source = fc.constantFrom(...SOURCES);
const mutated = fc.oneof(
  // Cut at any byte (a truncated upload).
  fc.tuple(source, fc.double({ min: 0, max: 1, noNaN: true })).map(([b, at]) => b.subarray(0, Math.floor(b.length * at))),
  // One byte changed anywhere.
  fc.tuple(source, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
    const copy = Buffer.from(b);
    copy[Math.min(copy.length - 1, Math.floor(copy.length * at))] = v;
    return copy;
  }),
  // Declared windows-1251 while the bytes are UTF-8 (and the other way round).
  source.map((b) => Buffer.from(b.toString('utf8').replace(/encoding="[^"]*"/i, 'encoding="windows-1251"'))),
  source.map((b) => Buffer.from(b.toString('latin1').replace(/encoding="[^"]*"/i, 'encoding="UTF-8"'), 'latin1')),
  // Thousands of nested elements inside a product.
  fc
    .tuple(source, fc.integer({ min: 1_000, max: 20_000 }))
    .map(([b, depth]) =>
      Buffer.from(b.toString('utf8').replace('<Наименование>', `${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}<Наименование>`)),
    ),
  // A huge attribute and a huge text.
  fc
    .tuple(source, fc.integer({ min: 100_000, max: 3_000_000 }))
    .map(([b, size]) => Buffer.from(b.toString('utf8').replace('<Товар>', `<Товар Статус="${'я'.repeat(size)}">`))),
  fc
    .tuple(source, fc.integer({ min: 100_000, max: 6_000_000 }))
    .map(([b, size]) => Buffer.from(b.toString('utf8').replace('<Наименование>', `<Наименование>${'a'.repeat(size)}`))),
);

describe('the 1C catalog reader on mutated real files', () => {
  it('reads or refuses with its own error, within the time limit', async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(mutated, async (bytes) => {
        const outcome = await read(bytes);
        const key = outcome === 'ok' ? 'ok' : 'refused';
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }),
      { numRuns: 120, seed: 20261204 },
    );
    // Both kinds of outcome happen: the mutations do break files, and many still read.
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('refused') ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it('the unchanged files all read', async () => {
    for (const bytes of SOURCES) expect(await read(bytes)).toBe('ok');
  });
});
