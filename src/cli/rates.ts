import { parseRateItem } from '../catalog/currency.js';
import { listRates, setRates } from '../catalog/currency-rates.js';
import { isIsoDate } from '../finance/dates.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

const USAGE = 'usage: optovik rates | optovik rates set <USD|EUR|CNY|…> <roubles for one unit> [--date YYYY-MM-DD]';

/** `optovik rates`: the currencies prices come in and their rates; `rates set USD 92.50` sets one and re-prices. */
export async function rates(args: ParsedArgs): Promise<number> {
  const action = args.positional[1];
  if (action !== undefined && action !== 'set' && action !== 'list') throw new CliError(USAGE);
  let input: ReturnType<typeof parseRateItem> | null = null;
  if (action === 'set') {
    const [currency, rate] = [args.positional[2], args.positional[3]];
    if (!currency || !rate) throw new CliError(USAGE);
    input = parseRateItem(`${currency} = ${rate}`);
    if (typeof input === 'string') throw new CliError(`rates set: ${input}`);
    const date = args.flags.date;
    if (date !== undefined && !isIsoDate(date))
      throw new CliError(`rates set: --date must be a day as YYYY-MM-DD, got "${date.slice(0, 30)}"`);
    if (date !== undefined) input = { ...input, date };
  }
  const { ctx } = await openPrepared(configFromArgs(args), { seedDemo: false });
  try {
    if (input && typeof input !== 'string') {
      const changed = await setRates(ctx.db, [input], 'cli', ctx.clock.now());
      console.log(`${input.currency}: rate set; ${changed} rouble price(s) changed`);
    }
    const rows = await listRates(ctx.db);
    if (rows.length === 0) console.log('All prices are in roubles; no rates are needed.');
    for (const r of rows) {
      const rate = r.rate ? `${r.rate} ₽ (${r.date}, ${r.source})` : 'NO RATE: these prices show as "price on request"';
      console.log(`${r.currency}  ${rate}  ${r.prices} price(s)`);
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
