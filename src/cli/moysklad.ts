import type { Config } from '../config/types.js';
import type { MoySkladClient } from '../integrations/moysklad/client.js';
import { loadDirectory } from '../integrations/moysklad/directory.js';
import type { MsOrganization, MsPriceType, MsState, MsStore } from '../integrations/moysklad/wire.js';
import type { ParsedArgs } from './args.js';
import { CliError, configFromArgs, openPrepared } from './runtime.js';

const USAGE = 'usage: optovik moysklad check | optovik moysklad sync [--full]';

/** `optovik moysklad check` / `optovik moysklad sync [--full]`. */
export async function moysklad(args: ParsedArgs): Promise<number> {
  const sub = args.positional[1];
  if (sub !== 'check' && sub !== 'sync') throw new CliError(USAGE);
  const config = configFromArgs(args);
  if (config.integrations.moysklad.token === '') {
    throw new CliError('MoySklad is off: set integrations.moysklad.token in config.yml (see docs/moysklad.md)');
  }
  const { ctx } = await openPrepared(config, { seedDemo: false });
  try {
    const service = ctx.moysklad;
    if (!service) throw new CliError('MoySklad is off');
    if (sub === 'check') return await check(service.client(), config.integrations.moysklad);

    const progress = process.stderr.isTTY
      ? (text: string) => process.stderr.write(`\r\x1b[K${text}`)
      : (text: string) => process.stderr.write(`${text}\n`);
    const started = Date.now();
    const result = await service.sync({ full: args.flags.full === true, onProgress: progress });
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    const counts = Object.entries(result.counts)
      .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`)
      .join(', ');
    if (!result.ok) throw new CliError(`MoySklad sync failed: ${result.message}${counts ? ` (${counts})` : ''}`);
    console.log(
      `MoySklad ${args.flags.full ? 'full sync' : 'sync'} done in ${((Date.now() - started) / 1000).toFixed(1)} s: ${counts}`,
    );
    return 0;
  } finally {
    await ctx.close();
  }
}

async function check(client: MoySkladClient, config: Config['integrations']['moysklad']): Promise<number> {
  let priceTypes: MsPriceType[];
  try {
    priceTypes = await client.get<MsPriceType[]>('/context/companysettings/pricetype');
  } catch (error) {
    throw new CliError(`MoySklad check failed: ${(error as Error).message}`);
  }
  const [organizations, stores, metadata] = await Promise.all([
    client.all<MsOrganization>('/entity/organization'),
    client.all<MsStore>('/entity/store'),
    client.get<{ states?: MsState[] }>('/entity/customerorder/metadata'),
  ]);
  const list = (rows: { name: string; inn?: string }[]) =>
    rows.map((r) => `    ${r.name}${r.inn ? ` (INN ${r.inn})` : ''}`).join('\n') || '    (none)';
  console.log(`The token works (${config.baseUrl}).`);
  console.log(`  price types (integrations.moysklad.price_types, default_price_type):\n${list(priceTypes)}`);
  console.log(`  stores (integrations.moysklad.stores, order_store):\n${list(stores)}`);
  console.log(`  organizations (integrations.moysklad.organization):\n${list(organizations)}`);
  console.log(`  order states (integrations.moysklad.order_state_map, new_order_state):\n${list(metadata.states ?? [])}`);
  try {
    await loadDirectory(client, config);
  } catch (error) {
    throw new CliError(`config.yml does not match MoySklad: ${(error as Error).message}`);
  }
  console.log('config.yml matches what MoySklad has.');
  return 0;
}
