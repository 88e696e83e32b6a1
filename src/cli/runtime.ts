import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { type AppContext, createContext, databaseFile } from '../context.js';
import { prepareDatabase, type PrepareReport } from '../db/prepare.js';
import { applyStockSelection } from '../catalog/stock.js';
import { seedDemoOnce } from '../demo/seed.js';
import type { ParsedArgs } from './args.js';

/** A problem the operator must fix; printed as it is, without a stack trace. */
export class CliError extends Error {}

export function configFromArgs(args: ParsedArgs): Config {
  try {
    return loadConfig({ file: args.flags.config });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
}

export interface Opened {
  ctx: AppContext;
  report: PrepareReport;
  seeded: boolean;
}

/** Opens the database, migrates it (with a backup first) and seeds demo data when in demo mode. */
export async function openPrepared(config: Config, opts: { seedDemo: boolean } = { seedDemo: true }): Promise<Opened> {
  const existed = existsSync(databaseFile(config));
  const ctx = createContext(config);
  try {
    const report = await prepareDatabase(ctx, existed);
    const seeded = config.demo && opts.seedDemo ? await seedDemoOnce(ctx) : false;
    const unknownWarehouses = await applyStockSelection(ctx.db, config.catalog.stockWarehouses);
    if (unknownWarehouses.length > 0) {
      ctx.log.warn({ unknownWarehouses }, 'catalog.stock_warehouses names warehouses that do not exist; their stock is not counted');
    }
    return { ctx, report, seeded };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}
