import { resolve } from 'node:path';
import { formatProblem } from '../integrations/spreadsheet/import/sheet.js';
import { importSpreadsheet } from '../integrations/spreadsheet/import/run.js';
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
    console.log(`${report.file}: ${report.rows} product row(s)${report.dryRun ? ' (dry run: nothing changed)' : ''}`);
    for (const m of report.mapping) console.log(`  column ${m.column} «${m.header}» → ${m.field}`);
    for (const p of report.problems) console.log(formatProblem(p));
    if (report.problems.length > 0) {
      console.log(`${report.problems.length} problem(s): nothing was changed.`);
      return 1;
    }
    const c = report.counts;
    if (c) {
      console.log(
        `created ${c.products_created}, changed ${c.products_updated}, hidden ${c.products_hidden}; prices changed ${c.prices_changed}, stock changed ${c.stock_changed}; categories created ${c.categories_created}`,
      );
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
