import { resolve } from 'node:path';
import { IMPORT_KINDS, type ImportKind, importSpreadsheet, reportLines } from '../integrations/spreadsheet/import/run.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

/** `optovik import <file> [--kind …] [--dry-run] [--hide-absent]`: prints the report; exit 1 on problems. */
export async function importFile(args: ParsedArgs): Promise<number> {
  const file = args.positional[1];
  if (!file)
    throw new CliError(
      'usage: optovik import <file.csv|file.xlsx> [--kind catalog|companies|special-prices|balances|documents|rates] [--dry-run] [--hide-absent]',
    );
  const kind = args.flags.kind;
  if (kind !== undefined && !(IMPORT_KINDS as readonly string[]).includes(kind))
    throw new CliError(`--kind must be one of ${IMPORT_KINDS.join(', ')}; got "${kind}"`);
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const report = await importSpreadsheet(ctx, resolve(file), {
      dryRun: args.flags['dry-run'] === true,
      hideAbsent: args.flags['hide-absent'] === true,
      onProgress: (text) => process.stderr.write(`${text}…\n`),
      ...(kind ? { kind: kind as ImportKind } : {}),
    });
    for (const line of reportLines(report)) console.log(line);
    return report.problems.length > 0 ? 1 : 0;
  } finally {
    await ctx.close();
  }
}
