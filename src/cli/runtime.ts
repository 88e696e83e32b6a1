import { existsSync } from 'node:fs';
import { parseRateItem, type RateInput } from '../catalog/currency.js';
import { setRates } from '../catalog/currency-rates.js';
import { applyStockSelection } from '../catalog/stock.js';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { type AppContext, createContext, databaseFile } from '../context.js';
import { type PrepareReport, prepareDatabase } from '../db/prepare.js';
import { demoSeededAt, seedDemoOnce } from '../demo/seed.js';
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

/**
 * A database the demo seeded holds sample companies and the demo logins, whose passwords are
 * published: a real portal refuses to start on it (an admin would rather move it away than find
 * out later that admin@demo.optovik.local still signs in). The other way round, the demo does not
 * seed into a database that already has real users.
 */
async function refuseMixedUp(ctx: AppContext, config: Config, willSeed: boolean): Promise<void> {
  const seededAt = await demoSeededAt(ctx.db);
  const file = databaseFile(config);
  if (!config.demo && seededAt !== null) {
    throw new CliError(
      [
        `${file} is the demo's database: it holds sample data and the demo logins, whose passwords are published.`,
        'A real portal does not start on it. Give data_dir in the config a new folder (or move this one away)',
        'to start with an empty database, or set demo: true to keep running the demo on it.',
      ].join('\n'),
    );
  }
  if (config.demo && willSeed && seededAt === null) {
    const users = await ctx.db.selectFrom('users').select('id').limit(1).execute();
    if (users.length > 0) {
      throw new CliError(
        `${file} holds a real portal's users: demo mode does not seed its sample data and published logins into it. Set demo: false, or give the demo its own data_dir.`,
      );
    }
  }
}

/** Opens the database, migrates it (with a backup first) and seeds demo data when in demo mode. */
export async function openPrepared(
  config: Config,
  opts: { seedDemo: boolean; anyDatabase?: boolean } = { seedDemo: true },
): Promise<Opened> {
  const existed = existsSync(databaseFile(config));
  const ctx = createContext(config);
  try {
    const report = await prepareDatabase(ctx, existed);
    if (!opts.anyDatabase) await refuseMixedUp(ctx, config, opts.seedDemo);
    const seeded = config.demo && opts.seedDemo ? await seedDemoOnce(ctx) : false;
    const unknownWarehouses = await applyStockSelection(ctx.db, config.catalog.stockWarehouses);
    if (unknownWarehouses.length > 0) {
      ctx.log.warn(
        { unknownWarehouses },
        'catalog.stock_warehouses names warehouses that do not exist; their stock is not counted',
      );
    }
    // Checked by the config loader; a fixed rate from config.yml wins over one set earlier.
    const fixedRates = config.catalog.currencyRates.map(parseRateItem).filter((r): r is RateInput => typeof r !== 'string');
    if (fixedRates.length > 0) await setRates(ctx.db, fixedRates, 'config', ctx.clock.now());
    return { ctx, report, seeded };
  } catch (error) {
    await ctx.close();
    throw error;
  }
}
