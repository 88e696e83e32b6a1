/**
 * Every regular expression in src/ is checked for catastrophic backtracking (ReDoS) by recheck,
 * which proves a pattern linear or finds an attack string for it. A pattern built at run time
 * (new RegExp with a non-literal source) cannot be checked statically: each must be listed
 * below with why it is safe, and a new one fails this test until it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { checkSync } from 'recheck';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

/** Patterns built at run time, reviewed by hand: file, the source text, and why it is safe. */
const REVIEWED_DYNAMIC: Record<string, string> = {
  'src/catalog/search/terms.ts: new RegExp(`[${OTHER_DASHES}]`, \'gu\')': 'one character class of constant dashes: no quantifier',
  "src/http/web/admin/jobs.ts: new RegExp(`^${h}: (.*)$`, 'im')":
    'h is a constant header name; the input is the first 8 KB of a mail file the portal wrote itself',
};

interface Found {
  where: string;
  source: string;
  flags: string;
  text: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function regexesIn(file: string): { literals: Found[]; dynamic: Found[] } {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const literals: Found[] = [];
  const dynamic: Found[] = [];
  const at = (node: ts.Node) => `${relative(ROOT, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const text = node.getText();
      const end = text.lastIndexOf('/');
      literals.push({ where: at(node), source: text.slice(1, end), flags: text.slice(end + 1), text });
    } else if (
      (ts.isNewExpression(node) || ts.isCallExpression(node)) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'RegExp'
    ) {
      const [pattern, flags] = node.arguments ?? [];
      if (pattern && ts.isStringLiteral(pattern) && (!flags || ts.isStringLiteral(flags))) {
        literals.push({ where: at(node), source: pattern.text, flags: flags && ts.isStringLiteral(flags) ? flags.text : '', text: node.getText() });
      } else {
        dynamic.push({ where: at(node), source: '', flags: '', text: `${relative(ROOT, file)}: ${node.getText()}` });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { literals, dynamic };
}

const found = sourceFiles(join(ROOT, 'src')).map(regexesIn);
const literals = found.flatMap((f) => f.literals);
const dynamic = found.flatMap((f) => f.dynamic);

describe('regular expressions in src/ (ReDoS audit)', () => {
  it('finds the patterns to check', () => {
    expect(literals.length).toBeGreaterThan(100);
  });

  it('none of them backtracks catastrophically', { timeout: 120_000 }, () => {
    const problems: string[] = [];
    for (const r of literals) {
      const result = checkSync(r.source, r.flags, { timeout: 20_000 });
      if (result.status === 'safe') continue;
      const attack = result.status === 'vulnerable' ? ` (${result.complexity.type}; attack: ${result.attack.pattern.slice(0, 80)})` : ` (${result.status})`;
      problems.push(`${r.where} ${r.text}${attack}`);
    }
    expect(problems).toEqual([]);
  });

  it('every pattern built at run time has been reviewed', () => {
    expect(dynamic.map((d) => d.text).filter((text) => !(text in REVIEWED_DYNAMIC))).toEqual([]);
  });
});
