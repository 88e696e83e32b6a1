/**
 * config.yml is typed by a sysadmin: every mistake must come back as a ConfigError whose lines
 * name the file and the key (or the line of a YAML syntax error), never as a TypeError, a stack
 * or a hang. Property tests: random YAML documents, the example config with one value replaced by
 * something of the wrong kind, YAML alias bombs, odd `${ENV}` values.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { tempDir } from './helpers.js';

const EXAMPLE = readFileSync(new URL('../config.example.yml', import.meta.url), 'utf8');
const dir = tempDir('optovik-fuzz-config-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LIMIT_MS = 1000;
let n = 0;

/** Loads `text` as config.yml: the config, or the ConfigError's lines. Anything else fails the test. */
function attempt(
  text: string | Buffer,
  env: Record<string, string> = {},
): { ok: true } | { ok: false; lines: readonly string[] } {
  n += 1;
  const file = join(dir, `c${n}.yml`);
  writeFileSync(file, text);
  const started = performance.now();
  let outcome: { ok: true } | { ok: false; lines: readonly string[] };
  try {
    loadConfig({ file, env, cwd: dir });
    outcome = { ok: true };
  } catch (error) {
    if (!(error instanceof ConfigError))
      throw new Error(`not a ConfigError: ${(error as Error).stack}\n--- input:\n${String(text).slice(0, 400)}`);
    outcome = { ok: false, lines: error.problems };
  }
  const ms = performance.now() - started;
  if (ms > LIMIT_MS) throw new Error(`loading took ${ms.toFixed(0)} ms:\n${String(text).slice(0, 200)}`);
  return outcome;
}

/** Every line names the file, then a key path or a line number, then what is wrong. */
function assertActionable(lines: readonly string[], file = /^c\d+\.yml: /) {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).toMatch(file);
    const rest = line.replace(file, '');
    expect(rest, line).toMatch(/^(line \d+|[a-z_][a-z0-9_]*(\.[a-z0-9_]+|\[\d+\])*|file)\b/);
    expect(rest.length, line).toBeLessThan(600);
  }
}

/** The leaf keys of the example (indentation-based: the example is plain block YAML). */
function exampleLeaves(): Array<{ line: number; indent: string; key: string }> {
  return EXAMPLE.split('\n')
    .map((text, line) => ({ line, m: /^(\s*)([a-z_0-9]+):\s*(\S.*)$/.exec(text) }))
    .filter((x): x is { line: number; m: RegExpExecArray } => x.m !== null && !x.m[3]?.startsWith('#'))
    .map(({ line, m }) => ({ line, indent: m[1] ?? '', key: m[2] ?? '' }));
}

const wrongValues = fc.oneof(
  fc.constantFrom(
    '-1',
    '0',
    '99999999999999999999',
    '1e309',
    '.nan',
    'yes',
    'null',
    '[]',
    '{}',
    '[1, [2, [3]]]',
    '"\\u0000"',
    '~',
    '!!binary aGVsbG8=',
  ),
  fc.string({ maxLength: 40 }).map((s) => JSON.stringify(s)),
  fc.integer().map(String),
  fc.double({ noNaN: true }).map(String),
  fc.constant(`"${'x'.repeat(100_000)}"`),
);

describe('config.yml fuzzed', () => {
  it('one value of the example replaced by anything: it loads, or every problem names the key', () => {
    const leaves = exampleLeaves();
    expect(leaves.length).toBeGreaterThan(50);
    const lines = EXAMPLE.split('\n');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: leaves.length - 1 }), wrongValues, (index, value) => {
        const leaf = leaves[index];
        if (!leaf) return;
        const changed = [...lines];
        changed[leaf.line] = `${leaf.indent}${leaf.key}: ${value}`;
        const result = attempt(changed.join('\n'), { OPTOVIK_SMTP_PASSWORD: 'x', MS_TOKEN: 'x' });
        if (!result.ok) assertActionable(result.lines);
      }),
      { numRuns: 150, seed: 20261204 },
    );
  });

  it('random YAML-ish documents and random bytes: refused with the line or the key, never a crash', () => {
    const yamlish = fc.array(
      fc.oneof(
        fc.constantFrom(
          'server:',
          '  port: 3000',
          'catalog:',
          '  page_size: x',
          '- a',
          '  - b',
          ': :',
          '? x',
          '&a [*a]',
          '!!python/object:os.system',
          '\t',
          '"',
          "'",
          '{',
          '[',
          '%YAML 1.2',
          '---',
          '...',
        ),
        fc.string({ maxLength: 30 }),
      ),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(yamlish, (parts) => {
        const result = attempt(parts.join('\n'));
        if (!result.ok) assertActionable(result.lines);
      }),
      { numRuns: 200, seed: 20261205 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = attempt(Buffer.from(bytes));
        if (!result.ok) assertActionable(result.lines);
      }),
      { numRuns: 100, seed: 20261206 },
    );
  });

  it('an alias bomb ("billion laughs") is refused quickly, not expanded', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`);
    }
    const result = attempt(`${levels.join('\n')}\nserver:\n  port: 3000\n`);
    expect(result.ok).toBe(false);
    if (!result.ok) assertActionable(result.lines);
  });

  it('duplicate keys, tabs and deep nesting are named', () => {
    for (const text of [
      'server:\n  port: 3000\n  port: 3001\n',
      'server:\n\tport: 3000\n',
      `${'a:\n'.repeat(1)}${Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} 1\n`,
    ]) {
      const result = attempt(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) assertActionable(result.lines);
    }
  });

  it('environment variable values of any content are taken as they are, or refused naming the key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), (a, b) => {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
        const text = 'server:\n  port: ${PORT}\nsmtp:\n  password: ${SMTP_PW}\nsite:\n  name: ${NAME}\n';
        const result = attempt(text, { PORT: a, SMTP_PW: b, NAME: a + b });
        if (!result.ok) assertActionable(result.lines);
      }),
      { numRuns: 100, seed: 20261206 },
    );
  });
});
