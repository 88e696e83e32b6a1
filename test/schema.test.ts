import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

/*
 * src/db/schema.ts is written by hand; the migrations make the real tables. This test reads the
 * types (the TypeScript syntax tree of schema.ts, no compiler run: milliseconds) and the migrated
 * database (PRAGMA table_info) and requires them to agree on every table and column: the same
 * names, the same kind of value, null allowed on both sides or neither, and a default in the
 * database for every column the types let an insert leave out (Generated<…>).
 */

type Kind = 'number' | 'string' | 'blob';

interface TypedColumn {
  kind: Kind;
  nullable: boolean;
  /** Generated<…>: an insert may leave it out. */
  optional: boolean;
}

const SCHEMA = resolve(import.meta.dirname, '..', 'src', 'db', 'schema.ts');

/** Every table of the DB interface with its columns, as schema.ts declares them. */
function declaredTables(): Map<string, Map<string, TypedColumn>> {
  const file = ts.createSourceFile(SCHEMA, readFileSync(SCHEMA, 'utf8'), ts.ScriptTarget.Latest, true);
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  const aliases = new Map<string, ts.TypeNode>();
  for (const statement of file.statements) {
    if (ts.isInterfaceDeclaration(statement)) interfaces.set(statement.name.text, statement);
    if (ts.isTypeAliasDeclaration(statement)) aliases.set(statement.name.text, statement.type);
  }
  const where = (node: ts.Node) => `${node.getText()} (schema.ts line ${file.getLineAndCharacterOfPosition(node.getStart()).line + 1})`;

  /** The kinds and nullability of a column's type. */
  const read = (node: ts.TypeNode): { kinds: Set<Kind>; nullable: boolean; optional: boolean } => {
    if (ts.isUnionTypeNode(node)) {
      const parts = node.types.map(read);
      return { kinds: new Set(parts.flatMap((p) => [...p.kinds])), nullable: parts.some((p) => p.nullable), optional: parts.some((p) => p.optional) };
    }
    if (ts.isParenthesizedTypeNode(node)) return read(node.type);
    if (ts.isLiteralTypeNode(node)) {
      if (node.literal.kind === ts.SyntaxKind.NullKeyword) return { kinds: new Set(), nullable: true, optional: false };
      if (ts.isStringLiteral(node.literal)) return { kinds: new Set(['string']), nullable: false, optional: false };
      if (ts.isNumericLiteral(node.literal)) return { kinds: new Set(['number']), nullable: false, optional: false };
    }
    if (node.kind === ts.SyntaxKind.NumberKeyword) return { kinds: new Set(['number']), nullable: false, optional: false };
    if (node.kind === ts.SyntaxKind.StringKeyword) return { kinds: new Set(['string']), nullable: false, optional: false };
    if (node.kind === ts.SyntaxKind.UndefinedKeyword) return { kinds: new Set(), nullable: false, optional: true };
    if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName)) {
      const name = node.typeName.text;
      const args = node.typeArguments ?? [];
      if (name === 'Generated' && args[0]) return { ...read(args[0]), optional: true };
      if (name === 'ColumnType' && args[0]) return { ...read(args[0]), optional: args[1] ? read(args[1]).optional : false };
      if (name === 'Buffer' || name === 'Uint8Array') return { kinds: new Set(['blob']), nullable: false, optional: false };
      const alias = aliases.get(name);
      if (alias) return read(alias);
    }
    throw new Error(`the schema check cannot read the type ${where(node)}: teach test/schema.test.ts`);
  };

  const db = interfaces.get('DB');
  if (!db) throw new Error('schema.ts has no DB interface');
  const tables = new Map<string, Map<string, TypedColumn>>();
  for (const member of db.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isTypeReferenceNode(member.type)) throw new Error(`unexpected DB member ${where(member)}`);
    const table = interfaces.get(member.type.typeName.getText());
    if (!table) throw new Error(`no interface for ${where(member)}`);
    const columns = new Map<string, TypedColumn>();
    for (const column of table.members) {
      if (!ts.isPropertySignature(column) || !column.type) throw new Error(`unexpected column ${where(column)}`);
      const { kinds, nullable, optional } = read(column.type);
      if (kinds.size !== 1) throw new Error(`a column holds one kind of value: ${where(column)}`);
      columns.set(column.name.getText(), { kind: [...kinds][0] as Kind, nullable, optional: optional || column.questionToken !== undefined });
    }
    tables.set(member.name.getText(), columns);
  }
  return tables;
}

/** SQLite's type affinity rules (https://sqlite.org/datatype3.html §3.1), as the kind a column holds. */
function affinityKind(declared: string): Kind {
  const type = declared.toUpperCase();
  if (type.includes('INT')) return 'number';
  if (type.includes('CHAR') || type.includes('CLOB') || type.includes('TEXT')) return 'string';
  if (type.includes('BLOB') || type === '') return 'blob';
  return 'number';
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

interface TableInfo {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

/** The migrated database's own tables: not SQLite's, the migrator's, nor a virtual table (FTS) and its shadow tables. */
function migratedTables(): Map<string, TableInfo[]> {
  const sqlite = t.ctx.database.sqlite;
  const all = sqlite.prepare("select name, sql from sqlite_master where type = 'table'").all() as { name: string; sql: string }[];
  const virtual = all.filter((r) => /^create virtual table/i.test(r.sql)).map((r) => r.name);
  const own = all.filter(
    (r) => !r.name.startsWith('sqlite_') && !r.name.startsWith('kysely_migration') && !virtual.some((v) => r.name === v || r.name.startsWith(`${v}_`)),
  );
  return new Map(own.map((r) => [r.name, sqlite.prepare(`pragma table_info("${r.name}")`).all() as TableInfo[]]));
}

describe('db/schema.ts', () => {
  it('declares exactly the tables and columns the migrations make', () => {
    const declared = declaredTables();
    const migrated = migratedTables();
    expect([...declared.keys()].sort()).toEqual([...migrated.keys()].sort());
    for (const [table, info] of migrated) {
      expect({ table, columns: [...(declared.get(table)?.keys() ?? [])].sort() }).toEqual({ table, columns: info.map((c) => c.name).sort() });
    }
  });

  it('gives every column the kind of value, the nullability and the default the database has', () => {
    const declared = declaredTables();
    const problems: string[] = [];
    for (const [table, info] of migratedTables()) {
      const integerKey = info.filter((c) => c.pk > 0).length === 1 && info.some((c) => c.pk > 0 && c.type.toUpperCase() === 'INTEGER');
      // A key that is also a reference (a 1:1 extension of another table's row) is given by the writer, never made.
      const references = new Set(
        (t.ctx.database.sqlite.prepare(`pragma foreign_key_list("${table}")`).all() as { from: string }[]).map((f) => f.from),
      );
      for (const column of info) {
        const typed = declared.get(table)?.get(column.name);
        if (!typed) continue; // reported by the test above
        const at = `${table}.${column.name}`;
        const kind = affinityKind(column.type);
        if (typed.kind !== kind) problems.push(`${at}: ${typed.kind} in schema.ts, ${column.type || 'no type'} (${kind}) in the database`);
        // A primary key never holds null here (we never write one), though SQLite lets a non-INTEGER key.
        const dbNullable = column.notnull === 0 && column.pk === 0;
        if (typed.nullable !== dbNullable) {
          problems.push(`${at}: ${typed.nullable ? 'nullable' : 'not null'} in schema.ts, ${dbNullable ? 'nullable' : 'not null'} in the database`);
        }
        const rowid = integerKey && column.pk > 0 && !references.has(column.name);
        if (typed.optional && column.dflt_value === null && !rowid && !dbNullable) {
          problems.push(`${at}: Generated in schema.ts, but the database has no default (an insert leaving it out fails)`);
        }
        if (!typed.optional && rowid) problems.push(`${at}: the row id is made by SQLite: Generated<number> in schema.ts`);
      }
    }
    expect(problems).toEqual([]);
  });
});
