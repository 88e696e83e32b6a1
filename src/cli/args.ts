import { parseArgs as parseNodeArgs } from 'node:util';

/** Every option any command takes; `--name value` and `--name=value` alike. A command's own go here too. */
const OPTIONS = {
  config: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  'company-inn': { type: 'string' },
  scopes: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  'dry-run': { type: 'boolean' },
  'hide-absent': { type: 'boolean' },
  /** import: catalog, companies, special-prices, balances, documents or rates (else found by the file's headers). */
  kind: { type: 'string' },
  /** moysklad sync: everything, not only what changed. */
  full: { type: 'boolean' },
  /** rates set: the day a rate is for. */
  date: { type: 'string' },
  /** config check: a 1C package (folder, ZIP or XML) to try the map of fields on. */
  against: { type: 'string' },
} as const;

/** `serve --config x.yml a b` → { positional: ['serve', 'a', 'b'], flags: { config: 'x.yml' } } */
export interface ParsedArgs {
  positional: string[];
  flags: {
    config?: string;
    email?: string;
    name?: string;
    password?: string;
    role?: string;
    'company-inn'?: string;
    scopes?: string;
    help?: boolean;
    'dry-run'?: boolean;
    'hide-absent'?: boolean;
    kind?: string;
    full?: boolean;
    date?: string;
    against?: string;
  };
}

/** The command line, by node:util's parseArgs; an unknown option or a missing value throws (say it, show the help). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const { values, positionals } = parseNodeArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  return { positional: positionals, flags: values };
}
