/**
 * `optovik config check --against <package>`: reads a real 1C package (a folder, a ZIP or one
 * XML file) with config.yml's map of fields, without touching the database, and says per mapped
 * field how many products it filled and which names written in config.yml the package never has.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { RecordSink } from '../../../catalog/import/records.js';
import type { CommerceMlFields } from '../../../config/types.js';
import { unzipInto } from '../exchange/unzip.js';
import { XmlFileCursor } from '../xml/reader.js';
import { CatalogDictionary, catalogVisitor } from './catalog-reader.js';
import { type FieldFillReport, MAPPED_FIELDS, type MappedField, unseenNames, YAML_NAME } from './field-map.js';

export interface PackageCheck {
  files: string[];
  products: number;
  filled: Array<{ field: string; products: number }>;
  /** [field, "property «Name»"] written in config.yml and absent from every product. */
  unseen: Array<[string, string]>;
  warnings: string[];
  warningCount: number;
}

const KEPT_WARNINGS = 20;

/** Files of a package in the order 1C sends them: the classifier and catalog before offers, prices and rests. */
function exchangeOrder(a: string, b: string): number {
  const rank = (name: string) => (/(^|\/)import[^/]*$/i.test(name) ? 0 : 1);
  return rank(a) - rank(b) || a.localeCompare(b);
}

async function xmlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.xml'))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort(exchangeOrder);
}

export async function checkPackage(path: string, fields: CommerceMlFields, budgetBytes: number): Promise<PackageCheck> {
  const info = await stat(path);
  let unpacked: string | null = null;
  try {
    let dir = path;
    let names: string[];
    if (info.isDirectory()) names = await xmlFiles(dir);
    else if (path.toLowerCase().endsWith('.zip')) {
      unpacked = await mkdtemp(join(tmpdir(), 'optovik-check-'));
      await unzipInto(path, unpacked, budgetBytes);
      dir = unpacked;
      names = await xmlFiles(dir);
    } else {
      dir = join(path, '..');
      names = [relative(dir, path)];
    }
    return await readAll(dir, names, fields);
  } finally {
    if (unpacked) await rm(unpacked, { recursive: true, force: true });
  }
}

async function readAll(dir: string, names: string[], fields: CommerceMlFields): Promise<PackageCheck> {
  const dictionary = new CatalogDictionary(fields);
  const warnings: string[] = [];
  let warningCount = 0;
  let file = '';
  const sink: RecordSink = {
    group() {},
    priceType() {},
    warehouse() {},
    product() {},
    price() {},
    stock() {},
    warning(line, message) {
      warningCount++;
      if (warnings.length < KEPT_WARNINGS) warnings.push(`${file}:${line}: ${message}`);
    },
  };
  for (const name of names) {
    file = name;
    await new XmlFileCursor(join(dir, name), catalogVisitor(dictionary, sink)).run(Number.POSITIVE_INFINITY);
  }
  const report: FieldFillReport = dictionary.fill.toJSON();
  return {
    files: names,
    products: report.products,
    filled: MAPPED_FIELDS.map((f: MappedField) => ({ field: YAML_NAME[f], products: report.filled[f] ?? 0 })),
    unseen: unseenNames(fields, report),
    warnings,
    warningCount,
  };
}
