import { createWriteStream } from 'node:fs';
import { extname, resolve } from 'node:path';
import { exportCatalog } from '../integrations/spreadsheet/export.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

const USAGE = 'usage: optovik export catalog <file.xlsx|file.csv>';

/** `optovik export catalog <file>`: the catalog in the shape `optovik import` reads. */
export async function exportFile(args: ParsedArgs): Promise<number> {
  const [, what, file] = args.positional;
  if (what !== 'catalog' || !file) throw new CliError(USAGE);
  const ext = extname(file).toLowerCase();
  if (ext !== '.xlsx' && ext !== '.csv') throw new CliError(`${file}: the name must end in .xlsx or .csv\n${USAGE}`);
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    const out = createWriteStream(resolve(file));
    const done = new Promise<void>((ok, fail) => {
      out.on('close', ok);
      out.on('error', fail);
    });
    const rows = await exportCatalog(ctx, ext === '.xlsx' ? 'xlsx' : 'csv', out);
    await done;
    console.log(`${file}: ${rows} product row(s)`);
    return 0;
  } finally {
    await ctx.close();
  }
}
