import { type ParsedArgs, parseArgs } from './args.js';
import { CliError } from './runtime.js';

const HELP = `Usage: optovik <command> [--config <file>]

Commands:
  serve                     start the portal (the default)
  config check              validate the config and print it with secrets hidden
                            [--against <1C package folder, .zip or .xml>]: try the
                            map of fields on it and say what it fills
  migrate                   apply pending database migrations (a backup is taken first)
  backup <file>             write an online copy of the database to <file>
  restore <file>            put a backup in place of the database (portal stopped;
                            the current database is kept aside)
  create-admin --email <e>  create an administrator [--name <n>] [--password <p>]
  create-user --role buyer --company-inn <INN> --email <e>
                            create a buyer of that company (or --role manager, no INN)
                            [--name <n>] [--password <p>]
  api-token create --email <e> [--name <n>] [--scopes read,order]
                            make an API token; it is printed alone on the last line
  api-token list [--email <e>] | api-token revoke <id>
  reset-password <email>    print a one-time link to set a new password
  flush-sessions            sign everyone out
  mail test <address>       send a test message through the configured mail settings
  import <file.csv|xlsx>    import a catalog/price/stock, companies, special prices, balances,
                            accounting documents or currency rates spreadsheet
                            [--kind catalog|companies|special-prices|balances|documents|rates]
                            [--dry-run] [--hide-absent]
  export catalog <file.xlsx|csv>
                            write the catalog in the shape import reads (prices, stock)
  moysklad check            check the MoySklad token and list its price types, stores, states
  moysklad sync [--full]    one MoySklad sync now (--full: everything, not only changes)
  rates [set <CUR> <rate>]  currencies prices come in and their rates; set one
                            (roubles for one unit) [--date YYYY-MM-DD]

The config file is ./config.yml, or --config <file>, or OPTOVIK_CONFIG=<file>.
Without a config file Optovik runs in demo mode.`;

type Command = (args: ParsedArgs) => Promise<number>;

/**
 * Each command's module is loaded when it runs: `import` or `migrate` never load the web server,
 * its templates and routes (~60 MB of the CLI's memory).
 */
const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serve,
  migrate: async () => (await import('./commands.js')).migrate,
  backup: async () => (await import('./commands.js')).backup,
  'create-admin': async () => (await import('./commands.js')).createAdmin,
  'create-user': async () => (await import('./api-commands.js')).createUserCommand,
  'api-token': async () => (await import('./api-commands.js')).apiTokenCommand,
  'reset-password': async () => (await import('./commands.js')).resetPassword,
  'flush-sessions': async () => (await import('./commands.js')).flushAllSessions,
  mail: async () => (await import('./commands.js')).mailTest,
  import: async () => (await import('./import.js')).importFile,
  export: async () => (await import('./export.js')).exportFile,
  moysklad: async () => (await import('./moysklad.js')).moysklad,
  rates: async () => (await import('./rates.js')).rates,
  restore: async () => (await import('./restore.js')).restore,
  config: async () => async (args) => {
    if (args.positional[1] !== 'check') throw new CliError('usage: optovik config check [--against <package>]');
    return (await import('./commands.js')).configCheck(args);
  },
};

export async function main(argv: readonly string[]): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    console.error(`optovik: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const name = args.positional[0] ?? 'serve';
  if (name === 'help' || args.flags.help) {
    console.log(HELP);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    console.error(`optovik: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    const command = await load();
    return await command(args);
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return 1;
    }
    console.error('optovik: unexpected error:', error);
    return 1;
  }
}
