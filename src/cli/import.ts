import { resolve } from 'node:path';
import { importSpreadsheet, reportLines } from '../integrations/spreadsheet/import/run.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

/** `optovik import <file> [--dry-run] [--hide-absent]`: prints the report; exit 1 on problems. */
export async function importFile(args: ParsedArgs): Promise<number> {
  const file = args.positional[1];
  if (!file) throw new CliError('usage: optovik import <file.csv|file.xlsx> [--dry-run] [--hide-absent]');
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const report = await importSpreadsheet(ctx, resolve(file), {
      dryRun: args.flags['dry-run'] === true,
      hideAbsent: args.flags['hide-absent'] === true,
    });
    for (const line of reportLines(report)) console.log(line);
    return report.problems.length > 0 ? 1 : 0;
  } finally {
    await ctx.close();
  }
}
