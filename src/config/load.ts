/**
 * Reads config.yml (or runs on defaults in demo mode), substitutes ${ENV} references,
 * validates every option against schema.ts and returns a frozen Config. All problems are
 * collected and thrown together as one ConfigError, so a sysadmin fixes the file in one go.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Document, LineCounter, parseDocument } from 'yaml';
import { checkCorrespondentAccount, checkSettlementAccount } from '../accounts/requisites.js';
import { imageProblem } from './images.js';
import {
  type ConfigKey,
  camelCase,
  expectation,
  findOption,
  INVOICE_REQUIRES,
  type LeafValue,
  OPTIONS,
  type Option,
  SECTIONS,
} from './schema.js';
import type { Config } from './types.js';

/** A nested object with snake_case YAML keys, e.g. `{ server: { port: 0 }, data_dir: '/tmp/x' }`. */
export type DeepPartialRecord = {
  readonly [key: string]: DeepPartialRecord | LeafValue | null | undefined;
};

export interface LoadOptions {
  /** Config file path; relative paths resolve against cwd. Overrides OPTOVIK_CONFIG. */
  file?: string;
  /** Environment for OPTOVIK_CONFIG and ${NAME} references; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where ./config.yml is looked for; defaults to process.cwd(). */
  cwd?: string;
  /** Merged over the file's values before validation (tests, benchmarks, CLI flags). */
  overrides?: DeepPartialRecord;
}

/** Thrown for anything wrong with the configuration; `message` has one problem per line. */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

const DEFAULT_FILE = 'config.yml';
/** Prefix for problems when there is no file: then only overrides can be wrong. */
const NO_FILE_LABEL = 'overrides';

type Tree = Record<string, unknown>;

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = locateFile(opts.file ?? nonEmpty(env.OPTOVIK_CONFIG), cwd);
  const label = file ? basename(file.given) : NO_FILE_LABEL;
  const fromFile = file ? readTree(file.path, label) : {};
  const tree = mergeDeep(fromFile, opts.overrides ?? {});

  const problems: string[] = [];
  const report = (where: string, what: string) => problems.push(`${label}: ${where}: ${shortened(what)}`);
  checkKeys(tree, report);
  const values = resolveValues(tree, { env, hasFile: file !== null, report });
  checkCrossRules(values, report);
  const baseDir = file ? dirname(file.path) : cwd;
  checkImages(values, baseDir, report);
  if (problems.length > 0) throw new ConfigError(problems);

  return buildConfig(values, file?.path ?? null, baseDir);
}

/** A message stays readable when the value in it is a pasted page: long quoted values are cut. */
function shortened(text: string): string {
  const cut = text.replace(/"([^"]{61,})"/g, (_match, inner: string) => `"${inner.slice(0, 57)}..."`);
  return cut.length <= 500 ? cut : `${cut.slice(0, 497)}...`;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

// ---------------------------------------------------------------------------------------------
// Finding and parsing the file

interface FoundFile {
  /** As the user wrote it; its base name prefixes every problem. */
  readonly given: string;
  readonly path: string;
}

/** An explicitly named file must exist; a missing default ./config.yml means demo mode. */
function locateFile(explicit: string | undefined, cwd: string): FoundFile | null {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!exists(path)) throw new ConfigError([`config file not found: ${path}`]);
    return { given: explicit, path };
  }
  const path = resolve(cwd, DEFAULT_FILE);
  return exists(path) ? { given: DEFAULT_FILE, path } : null;
}

function exists(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false }) !== undefined;
}

function readTree(path: string, label: string): Tree {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError([`${label}: cannot read the file: ${(err as Error).message}`]);
  }
  const top = parseYaml(text, label);
  if (top === null || top === undefined) return {}; // an empty or all-comments file: defaults
  if (!isTree(top)) {
    throw new ConfigError([`${label}: the top level must be a mapping of keys (like "server:"), got ${describe(top)}`]);
  }
  return top;
}

function parseYaml(text: string, label: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, lineCounter });
  // One syntax error usually sets off a cascade of follow-ups on the same line; keep the first.
  const seenLines = new Set<number>();
  const problems: string[] = [];
  for (const err of doc.errors) {
    const { line, col } = lineCounter.linePos(err.pos[0]);
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    problems.push(`${label}: line ${line}, column ${col}: ${shortReason(err.message)}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  try {
    return doc.toJS();
  } catch (err) {
    // e.g. an alias bomb: the yaml package refuses to expand it
    throw new ConfigError([`${label}: ${shortReason((err as Error).message)}`]);
  }
}

function shortReason(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.charAt(0).toLowerCase() + first.slice(1);
}

function mergeDeep(base: Tree, over: DeepPartialRecord): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isTree(value) && isTree(current) ? mergeDeep(current, value) : value;
  }
  return out;
}

function isTree(v: unknown): v is Tree {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Validation

type Report = (where: string, what: string) => void;

const TOP_LEVEL_NAMES = [...new Set(OPTIONS.map((o) => o.key.split('.')[0] as string))];

/** Unknown keys and sections that are not mappings; leaf values are checked by resolveValues. */
function checkKeys(tree: Tree, report: Report): void {
  for (const [key, value] of Object.entries(tree)) {
    if (SECTIONS.includes(key)) checkSection(key, value, report);
    else if (!TOP_LEVEL_NAMES.includes(key)) report(key, misplacedKey(key) ?? unknownKey(key, TOP_LEVEL_NAMES));
  }
}

/** A section may hold options and further sections (integrations.commerceml.login). */
function checkSection(prefix: string, value: unknown, report: Report): void {
  if (value === null) return; // a section with every key commented out
  if (!isTree(value)) {
    report(prefix, `must be a mapping, got ${describe(value)}`);
    return;
  }
  const below = OPTIONS.filter((o) => o.key.startsWith(`${prefix}.`)).map((o) => o.key.slice(prefix.length + 1).split('.'));
  const names = [...new Set(below.map((parts) => parts[0] as string))];
  for (const [sub, subValue] of Object.entries(value)) {
    if (!names.includes(sub)) report(`${prefix}.${sub}`, unknownKey(sub, names));
    else if (below.some((parts) => parts[0] === sub && parts.length > 1)) checkSection(`${prefix}.${sub}`, subValue, report);
  }
}

/** A section's key written at the top level, e.g. `port: 3000` without `server:` above it. */
function misplacedKey(key: string): string | undefined {
  const homes = OPTIONS.filter((o) => o.key.endsWith(`.${key}`)).map((o) => `"${o.key}"`);
  return homes.length > 0 ? `unknown key (did you mean ${homes.join(' or ')}?)` : undefined;
}

function unknownKey(key: string, known: readonly string[]): string {
  const guess = nearest(key, known);
  return guess === undefined ? 'unknown key' : `unknown key (did you mean "${guess}"?)`;
}

/** The known name closest to `key`, if it is close enough to be a plausible typo. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const snake = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/-/g, '_');
  if (known.includes(snake)) return snake; // publicUrl or public-url for public_url
  const budget = key.length <= 3 ? 1 : key.length <= 6 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const name of known) {
    const d = editDistance(key.toLowerCase(), name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return best;
}

/** Optimal string alignment distance: Levenshtein plus swapping two neighbours ("prot" → "port"). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

interface ResolveContext {
  readonly env: NodeJS.ProcessEnv;
  readonly hasFile: boolean;
  readonly report: Report;
}

/**
 * Every option's final value, in table order so derived defaults can read earlier ones.
 * An invalid value is reported and replaced by its default, so later checks still run.
 */
function resolveValues(tree: Tree, ctx: ResolveContext): Map<ConfigKey, LeafValue> {
  const values = new Map<ConfigKey, LeafValue>();
  const get = (key: ConfigKey): LeafValue => values.get(key) ?? (findOption(key)?.default as LeafValue);
  for (const option of OPTIONS) {
    const parsed = parseOption(option, rawValue(tree, option.key), ctx);
    const absent = parsed === undefined || (option.kind === 'url' && parsed === '');
    const value = absent ? (option.derive?.({ hasFile: ctx.hasFile, get }) ?? option.default) : parsed;
    values.set(option.key, value);
  }
  return values;
}

/** The value at a dotted path, or undefined when absent, null, or under a broken section. */
function rawValue(tree: Tree, key: ConfigKey): unknown {
  let node: unknown = tree;
  for (const segment of key.split('.')) {
    if (!isTree(node)) return undefined;
    node = node[segment];
  }
  return node ?? undefined; // `port:` with nothing after it means "use the default"
}

/** The validated value, or undefined for "use the default" (absent or invalid, already reported). */
function parseOption(option: Option, raw: unknown, ctx: ResolveContext): LeafValue | undefined {
  if (raw === undefined) return undefined;
  if (option.kind === 'list') return parseList(option, raw, ctx);
  let value: unknown = raw;
  let fromEnv = false;
  if (typeof raw === 'string') {
    const sub = substituteEnv(raw, ctx.env);
    if ('errors' in sub) {
      for (const e of sub.errors) ctx.report(option.key, e);
      return undefined;
    }
    value = sub.value;
    fromEnv = sub.substituted;
  }
  // An env var is always text; let "${SMTP_PORT}" fill an integer. Literal "3000" stays an error.
  if (fromEnv && typeof value === 'string') value = coerceEnvText(option, value);

  const result = checkValue(option, value);
  if (typeof result === 'string') {
    ctx.report(option.key, result);
    return undefined;
  }
  return result.value;
}

/**
 * A list of non-empty strings; ${NAME} is substituted in each item. Problems with an item name
 * its index (`catalog.stock_warehouses[1]`); any problem makes the whole list fall back to its default.
 */
function parseList(option: Option, raw: unknown, ctx: ResolveContext): readonly string[] | undefined {
  if (!Array.isArray(raw)) {
    ctx.report(option.key, `${expectation(option)}, got ${describe(raw, option.secret)}`);
    return undefined;
  }
  const items: string[] = [];
  let ok = true;
  for (const [index, item] of raw.entries()) {
    const where = `${option.key}[${index}]`;
    if (typeof item !== 'string') {
      ctx.report(where, `must be a string, got ${describe(item, option.secret)}`);
      ok = false;
      continue;
    }
    const sub = substituteEnv(item, ctx.env);
    if ('errors' in sub) {
      for (const e of sub.errors) ctx.report(where, e);
      ok = false;
    } else if (sub.value === '') {
      ctx.report(where, 'must not be empty');
      ok = false;
    } else {
      const problem = option.kind === 'list' ? (option.checkItem?.(sub.value) ?? null) : null;
      if (problem) {
        ctx.report(where, problem);
        ok = false;
      } else {
        items.push(sub.value);
      }
    }
  }
  return ok ? items : undefined;
}

function coerceEnvText(option: Option, text: string): unknown {
  if (option.kind === 'integer' && /^[+-]?\d+$/.test(text)) return Number(text);
  if (option.kind === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** `{ value }` when acceptable, else the problem text. */
function checkValue(option: Option, value: unknown): { value: LeafValue } | string {
  const got = describe(value, option.secret);
  switch (option.kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= option.min && value <= option.max
        ? { value }
        : `${expectation(option)}, got ${got}`;
    case 'boolean':
      return typeof value === 'boolean' ? { value } : `${expectation(option)}, got ${got}`;
    case 'enum':
      return typeof value === 'string' && option.values.includes(value) ? { value } : `${expectation(option)}; got ${got}`;
    case 'url':
      return typeof value === 'string' && (value === '' || isHttpUrl(value))
        ? { value: withoutTrailingSlashes(value) }
        : `${expectation(option)}, got ${got}`;
    case 'list':
      // parseList handles lists item by item; this only guards direct callers.
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && v !== '')
        ? { value: [...value] }
        : `${expectation(option)}, got ${got}`;
    case 'string':
    case 'path':
      if (typeof value !== 'string') {
        const hint = typeof value === 'number' || typeof value === 'boolean' ? ' (put it in quotes)' : '';
        return `${expectation(option)}, got ${got}${hint}`;
      }
      if (value === '') {
        const required = option.kind === 'path' ? !option.optional : option.nonEmpty === true;
        return required ? 'must not be empty' : { value };
      }
      if (option.kind === 'string' && option.check) {
        const problem = option.check(value);
        if (problem) return problem;
      }
      return { value };
  }
}

/** Absolute http(s) with a host; no query or fragment, since paths are appended to it. */
function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[^/?#\s]/i.test(text) || text.trim() !== text) return false;
  try {
    const url = new URL(text);
    return url.search === '' && url.hash === '' && !text.includes('#');
  } catch {
    return false;
  }
}

/** Rules that involve more than one key; an invalid value has already fallen back to its default. */
function checkCrossRules(values: Map<ConfigKey, LeafValue>, report: Report): void {
  if (values.get('smtp.host') !== '' && values.get('smtp.from') === '') {
    report('smtp.from', 'must not be empty when smtp.host is set');
  }
  checkSellerRequisites(values, report);
  checkMoySklad(values, report);
}

/** MoySklad's price types: the default must be one of those mapped, and no portal name twice from one MoySklad name. */
function checkMoySklad(values: Map<ConfigKey, LeafValue>, report: Report): void {
  const mapped = (values.get('integrations.moysklad.price_types') as readonly string[]).map((item) =>
    item.slice(0, item.lastIndexOf('=')).trim(),
  );
  const seen = new Set<string>();
  for (const [index, name] of mapped.entries()) {
    if (seen.has(name)) report(`integrations.moysklad.price_types[${index}]`, `"${name}" is mapped twice`);
    seen.add(name);
  }
  const fallback = String(values.get('integrations.moysklad.default_price_type') ?? '');
  if (fallback !== '' && mapped.length > 0 && !seen.has(fallback)) {
    report('integrations.moysklad.default_price_type', `"${fallback}" is not among integrations.moysklad.price_types`);
  }
}

/**
 * What needs two of the seller's keys: the accounts' key digits (computed with the BIK), a KPP or
 * an OGRN of the wrong kind for the INN; and the bank details an invoice cannot go without.
 * Each problem names the key to fix.
 */
function checkSellerRequisites(values: Map<ConfigKey, LeafValue>, report: Report): void {
  const text = (key: ConfigKey) => String(values.get(key) ?? '');
  // A value that failed its own check is already reported and empty here, so nothing is reported twice.
  const [inn, kpp, ogrn, bik] = [text('seller.inn'), text('seller.kpp'), text('seller.ogrn'), text('seller.bik')];
  const account = text('seller.settlement_account');
  const corr = text('seller.correspondent_account');
  if (bik && corr) {
    const problem = checkCorrespondentAccount(corr, bik);
    if (problem) report('seller.correspondent_account', problem.message);
  }
  if (bik && account) {
    const problem = checkSettlementAccount(account, bik);
    if (problem) report('seller.settlement_account', problem.message);
  }
  if (inn.length === 12 && kpp) report('seller.kpp', 'a sole proprietor (12-digit INN) has no KPP: leave it empty');
  if (inn && ogrn && (inn.length === 10) !== (ogrn.length === 13)) {
    report(
      'seller.ogrn',
      inn.length === 10
        ? 'an organisation (10-digit INN) has a 13-digit OGRN'
        : 'a sole proprietor (12-digit INN) has a 15-digit OGRNIP',
    );
  }
  if (values.get('documents.invoice') === true) {
    const missing = INVOICE_REQUIRES.filter((key) => text(key) === '');
    if (missing.length > 0)
      report('documents.invoice', `the invoice needs the seller's requisites: fill in ${missing.join(', ')}`);
  }
}

/** A seller image must be there when the portal starts, not fail the first invoice a buyer asks for. */
function checkImages(values: Map<ConfigKey, LeafValue>, baseDir: string, report: Report): void {
  for (const option of OPTIONS) {
    if (option.kind !== 'path' || !option.image) continue;
    const value = values.get(option.key);
    if (typeof value !== 'string' || value === '') continue;
    const path = resolve(baseDir, value);
    const problem = imageProblem(path);
    if (problem) report(option.key, problem);
  }
}

// ---------------------------------------------------------------------------------------------
// ${NAME} references

type Substitution = { value: string; substituted: boolean } | { errors: string[] };

/** Replaces ${NAME} with the environment variable NAME; `$${` stands for a literal `${`. */
function substituteEnv(text: string, env: NodeJS.ProcessEnv): Substitution {
  const errors: string[] = [];
  let substituted = false;
  const value = text.replace(/\$\$\{|\$\{([^}]*)(\}?)/g, (match, name?: string, close?: string) => {
    if (match === '$${') return '${';
    substituted = true;
    if (close !== '}') {
      errors.push('unclosed "${" (write $${ for a literal ${)');
    } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name ?? '')) {
      errors.push(`"\${${name}}" is not a valid environment variable reference (use letters, digits and _)`);
    } else {
      const found = env[name as string];
      if (found !== undefined) return found;
      errors.push(`environment variable ${name} is not set`);
    }
    return match;
  });
  return errors.length > 0 ? { errors } : { value, substituted };
}

// ---------------------------------------------------------------------------------------------
// Building and printing

function buildConfig(values: Map<ConfigKey, LeafValue>, file: string | null, baseDir: string): Config {
  const out: Tree = { file };
  for (const option of OPTIONS) {
    let value = values.get(option.key) as LeafValue;
    if (option.kind === 'path' && value !== '') value = resolve(baseDir, value as string);
    if (option.kind === 'list') value = [...(value as readonly string[])]; // own copy, frozen below
    setPath(out, option.key.split('.').map(camelCase), value);
  }
  return deepFreeze(out) as unknown as Config;
}

function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    tree[head] = value;
    return;
  }
  const existing = tree[head];
  const child: Tree = isTree(existing) ? existing : {};
  tree[head] = child;
  setPath(child, rest, value);
}

function getPath(tree: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((node, seg) => (isTree(node) ? node[seg] : undefined), tree);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The effective config as YAML with snake_case keys; non-empty secrets appear as "***". */
export function redactedConfig(config: Config): string {
  const out: Tree = {};
  for (const option of OPTIONS) {
    const value = getPath(config, option.key.split('.').map(camelCase));
    // A list stays an array, so the yaml package prints it as a sequence.
    const shown = option.secret && value !== '' ? '***' : Array.isArray(value) ? [...value] : value;
    setPath(out, option.key.split('.'), shown);
  }
  const doc = new Document(out);
  doc.commentBefore = config.file
    ? ` Effective configuration from ${config.file}; secrets are shown as "***".`
    : ' Effective configuration: no config file, demo mode on built-in defaults.';
  return doc.toString();
}

/** For messages: strings quoted, collections named, secrets never echoed. */
function describe(value: unknown, secret = false): string {
  if (Array.isArray(value)) return 'a list';
  if (isTree(value)) return 'a mapping';
  if (value === null || value === undefined) return 'nothing';
  if (secret) return typeof value === 'string' ? 'a hidden value' : `a ${typeof value}`;
  if (typeof value === 'string') {
    const short = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(short);
  }
  return String(value);
}

/** "https://x.ru/portal//" → "https://x.ru/portal"; a loop, since `/\/+$/` is quadratic on long runs of slashes. */
function withoutTrailingSlashes(url: string): string {
  let end = url.length;
  while (end > 0 && url[end - 1] === '/') end -= 1;
  return url.slice(0, end);
}
