/**
 * Every configuration option, described once. The loader, the validator, the redacting
 * printer and the test that checks config.example.yml all walk this one table, so adding an
 * option means adding one row here (and a field in types.ts; the compiler insists on both).
 */
import { isIP } from 'node:net';
import { checkBik, checkInn, checkKpp, checkOgrn } from '../accounts/requisites.js';
import { parseRateItem } from '../catalog/currency.js';
import { PLAIN_FIELDS } from '../integrations/spreadsheet/import/sheet.js';
import type { Config } from './types.js';

/** `busyTimeoutMs` → `busy_timeout_ms`, at the type level. */
type Snake<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${Snake<T>}`
  : S;

/**
 * Dotted snake_case paths of the leaves of T, e.g. `server.public_url`. A list of strings is a
 * leaf (one option), not a section to recurse into.
 */
type LeafPaths<T, Prefix extends string = ''> = {
  [K in keyof T & string]: T[K] extends readonly string[]
    ? `${Prefix}${Snake<K>}`
    : T[K] extends object
      ? LeafPaths<T[K], `${Prefix}${Snake<K>}.`>
      : `${Prefix}${Snake<K>}`;
}[keyof T & string];

/** Every YAML key path that config.yml accepts (`file` is not an option, it is where we read from). */
export type ConfigKey = LeafPaths<Omit<Config, 'file'>>;

export type LeafValue = string | number | boolean | readonly string[];

/** What a derived default may look at: the values already resolved, in table order. */
export interface DeriveContext {
  /** Whether a config file exists (false = demo mode). */
  readonly hasFile: boolean;
  readonly get: (key: ConfigKey) => LeafValue;
}

interface BaseSpec {
  /** One plain sentence, shown in config.example.yml and usable by `optovik config check`. */
  readonly description: string;
  /** Hidden by redactedConfig() and never echoed in error messages. */
  readonly secret?: boolean;
  /**
   * Computes the default when the key is absent (or, for url, empty) from options that come
   * earlier in the table. Used where a static default would be wrong, e.g. secure cookies.
   */
  readonly derive?: (ctx: DeriveContext) => LeafValue;
}

export interface StringSpec extends BaseSpec {
  readonly kind: 'string';
  readonly default: string;
  /** The empty string is rejected (it would only ever be a mistake). */
  readonly nonEmpty?: boolean;
  /** Checks a non-empty value (e.g. an INN's control digit); returns the problem in words, or null. */
  readonly check?: (value: string) => string | null;
}
/** A filesystem path; a relative one resolves against the config file's directory. */
export interface PathSpec extends BaseSpec {
  readonly kind: 'path';
  readonly default: string;
  /** Empty is allowed and means "none" (it stays empty instead of becoming the config's directory). */
  readonly optional?: boolean;
  /** The file must exist when the config is loaded and be a PNG, JPEG, GIF, WebP or SVG image. */
  readonly image?: boolean;
}
export interface IntegerSpec extends BaseSpec {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
}
export interface BooleanSpec extends BaseSpec {
  readonly kind: 'boolean';
  readonly default: boolean;
}
export interface EnumSpec extends BaseSpec {
  readonly kind: 'enum';
  readonly default: string;
  readonly values: readonly string[];
}
/** An absolute http(s) URL, stored without a trailing slash; empty means "derive it". */
export interface UrlSpec extends BaseSpec {
  readonly kind: 'url';
  readonly default: string;
}

/** A YAML sequence of non-empty strings; `[]` (the usual default) is allowed. */
export interface ListSpec extends BaseSpec {
  readonly kind: 'list';
  readonly default: readonly string[];
  /** Checks one item; returns the problem in words, or null when the item is fine. */
  readonly checkItem?: (item: string) => string | null;
}

const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** An IP address, a CIDR range ("10.0.0.0/8") or one of proxy-addr's names; the problem in words otherwise. */
export function proxyAddressProblem(item: string): string | null {
  if (PROXY_RANGE_NAMES.includes(item)) return null;
  const [address = '', prefix, ...rest] = item.split('/');
  const version = isIP(address);
  const bits = version === 4 ? 32 : 128;
  const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
  return version !== 0 && prefixOk && rest.length === 0
    ? null
    : `must be an IP address, a CIDR range like 10.0.0.0/8, or one of ${PROXY_RANGE_NAMES.join(', ')}; got "${item}"`;
}

/** `1C name = portal value` items; the value must be one of `values` when given. */
export function mappingItem(values?: readonly string[], system = '1C'): (item: string) => string | null {
  return (item) => {
    const eq = item.lastIndexOf('=');
    if (eq <= 0 || item.slice(0, eq).trim() === '' || item.slice(eq + 1).trim() === '') {
      return `must look like "name in ${system} = ${values ? values[0] : 'value'}", got "${item}"`;
    }
    const value = item.slice(eq + 1).trim();
    if (values && !values.includes(value)) return `"${value}" is not one of ${values.join(', ')}`;
    return null;
  };
}

/** What a spreadsheet column may hold besides price:<type> and stock:<warehouse>; - leaves it out. */
const SPREADSHEET_FIELDS: readonly string[] = [...PLAIN_FIELDS, '-'];

/** A spreadsheet column item: "header or letter = sku | name | category | unit | visible | id | price:<type> | stock:<warehouse> | -". */
export function spreadsheetColumnItem(item: string): string | null {
  const eq = item.lastIndexOf('=');
  if (eq <= 0 || item.slice(0, eq).trim() === '' || item.slice(eq + 1).trim() === '') {
    return `must look like "header text = field" or "B = field", got "${item}"`;
  }
  const field = item.slice(eq + 1).trim();
  if (!SPREADSHEET_FIELDS.includes(field) && !/^(price|stock|characteristic):/.test(field)) {
    return `"${field}" is not a field: use ${SPREADSHEET_FIELDS.join(', ')}, price:<price type>, stock:<warehouse>, characteristic:<name>`;
  }
  return null;
}

/** A list of names where config.yml says an accounting system keeps a field. */
function field(defaults: readonly string[], description: string): ListSpec {
  return { kind: 'list', default: Object.freeze([...defaults]), description };
}

/** What a demo installation prints as the seller: plausible, valid check digits, and plainly not a real company. */
const DEMO_SELLER = {
  name: 'ООО «Демо-Оптовик» (ДЕМО, реквизиты вымышлены)',
  inn: '7716123454',
  kpp: '771601001',
  ogrn: '1237700123451',
  address: '129000, г. Москва, ул. Демонстрационная, д. 1 (ДЕМО)',
  postalAddress: '',
  phone: '+7 495 000-00-00',
  email: 'sales@demo.optovik.local',
  // BIK region 00 exists nowhere: a scanned demo QR code cannot pay a real account.
  bankName: 'ДЕМО-БАНК (вымышленный), г. Москва',
  bik: '040000123',
  correspondentAccount: '30101810800000000123',
  settlementAccount: '40702810000000000042',
  director: 'Демонстрационный Д. Д.',
  chiefAccountant: 'Примерова П. П.',
  footer: 'Демонстрационный режим: реквизиты вымышлены, оплачивать этот счёт не нужно.',
} as const;

function demoSeller(field: keyof typeof DEMO_SELLER): (ctx: DeriveContext) => string {
  return (ctx) => (ctx.get('demo') === true ? DEMO_SELLER[field] : '');
}

const PORTAL_ORDER_STATUSES = ['new', 'confirmed', 'in_progress', 'shipped', 'completed', 'cancelled'] as const;

export type OptionSpec = StringSpec | PathSpec | IntegerSpec | BooleanSpec | EnumSpec | UrlSpec | ListSpec;
export type Option = OptionSpec & { readonly key: ConfigKey };

/**
 * Keyed by path so the compiler rejects a missing or misspelt option. Insertion order is the
 * order of config.example.yml and of `optovik config check` output.
 */
const TABLE: { readonly [K in ConfigKey]: OptionSpec } = {
  data_dir: {
    kind: 'path',
    default: './data',
    // The demo (no config file) keeps its sample data and published logins in a folder of its
    // own: copying config.example.yml to config.yml must not open the demo's database.
    derive: (ctx) => (ctx.hasFile ? './data' : './demo-data'),
    description:
      'Directory for the SQLite database, backups, uploads and outgoing mail; relative paths are taken from the config file’s directory.',
  },
  demo: {
    kind: 'boolean',
    default: false,
    derive: (ctx) => !ctx.hasFile,
    description: 'Seed demo data and show the demo logins on the sign-in page; on by default only when there is no config file.',
  },

  'server.host': {
    kind: 'string',
    default: '127.0.0.1',
    nonEmpty: true,
    description: 'Address to listen on; use 0.0.0.0 to accept connections from other machines.',
  },
  'server.port': {
    kind: 'integer',
    default: 3000,
    min: 0,
    max: 65535,
    description: 'TCP port to listen on; 0 picks any free port.',
  },
  'server.public_url': {
    kind: 'url',
    default: '',
    derive: (ctx) => `http://localhost:${ctx.get('server.port')}`,
    description: 'The address buyers type into the browser, used for links in e-mails; empty means http://localhost:<port>.',
  },
  'server.trust_proxy': {
    kind: 'boolean',
    default: false,
    description:
      'Read the client address from X-Forwarded-For (and the scheme from X-Forwarded-Proto), as set by the proxies in trusted_proxies; turn on only behind a reverse proxy such as nginx.',
  },
  'server.trusted_proxies': {
    kind: 'list',
    default: Object.freeze(['127.0.0.1', '::1']) as readonly string[],
    checkItem: proxyAddressProblem,
    description:
      'With trust_proxy: addresses or CIDR ranges of your reverse proxies; X-Forwarded-For is believed only as far as it was written by them (a client cannot pick its own address). Also "loopback", "linklocal", "uniquelocal".',
  },
  'server.proxy_hops': {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 10,
    description:
      'With trust_proxy: believe exactly this many proxies in front of the portal, whatever their addresses (for load balancers whose address changes); 0 uses trusted_proxies.',
  },
  'server.secure_cookies': {
    kind: 'boolean',
    default: false,
    derive: (ctx) => String(ctx.get('server.public_url')).startsWith('https:'),
    description: 'Send session cookies only over HTTPS; on by default when public_url starts with https.',
  },

  'site.name': {
    kind: 'string',
    default: 'Optovik',
    nonEmpty: true,
    description: 'Shop name shown in page titles and e-mails.',
  },
  'site.default_locale': {
    kind: 'enum',
    default: 'ru',
    values: ['ru', 'en'],
    description: 'Interface language for visitors who have not chosen one.',
  },

  'database.busy_timeout_ms': {
    kind: 'integer',
    default: 5000,
    min: 0,
    max: 60000,
    description: 'How long a write waits for a locked database before giving up, in milliseconds.',
  },
  'database.backup_before_migrate': {
    kind: 'boolean',
    default: true,
    description: 'Copy the database file into the backups directory before applying schema upgrades.',
  },
  'database.keep_backups': {
    kind: 'integer',
    default: 10,
    min: 0,
    max: 1000,
    description: 'How many automatic backups to keep; older ones are deleted, 0 keeps none.',
  },

  'auth.session_days': {
    kind: 'integer',
    default: 30,
    min: 1,
    max: 365,
    description: 'Days a login stays valid without signing in again.',
  },
  'auth.password_min_length': {
    kind: 'integer',
    default: 10,
    min: 8,
    max: 128,
    description: 'Minimum number of characters in a new password.',
  },
  'auth.max_failures_per_account': {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 1000,
    description: 'Failed sign-ins to one account before it is locked for lockout_minutes.',
  },
  'auth.max_failures_per_ip': {
    kind: 'integer',
    default: 30,
    min: 1,
    max: 100000,
    description: 'Failed sign-ins from one IP address before it is blocked for lockout_minutes.',
  },
  'auth.lockout_minutes': {
    kind: 'integer',
    default: 15,
    min: 1,
    max: 1440,
    description: 'Minutes an account or IP address stays locked after too many failures.',
  },
  'auth.reset_link_hours': {
    kind: 'integer',
    default: 2,
    min: 1,
    max: 168,
    description: 'Hours a password reset link stays valid.',
  },
  'auth.invite_link_days': {
    kind: 'integer',
    default: 7,
    min: 1,
    max: 90,
    description: 'Days an invitation link for a new buyer stays valid.',
  },

  'smtp.host': {
    kind: 'string',
    default: '',
    description: 'Mail server to send through; empty means no sending, each mail is saved as an .eml file in <data_dir>/mail.',
  },
  'smtp.port': {
    kind: 'integer',
    default: 587,
    min: 1,
    max: 65535,
    description: 'Mail server port: usually 587 with starttls, 465 with tls.',
  },
  'smtp.security': {
    kind: 'enum',
    default: 'starttls',
    values: ['starttls', 'tls', 'none'],
    description: 'starttls upgrades a plain connection, tls encrypts from the start, none sends in the clear.',
  },
  'smtp.username': {
    kind: 'string',
    default: '',
    description: 'Login for the mail server; empty means no authentication.',
  },
  'smtp.password': {
    kind: 'string',
    default: '',
    secret: true,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
    description: 'Password for the mail server; best given as "${SMTP_PASSWORD}" from the environment.',
  },
  'smtp.from': {
    kind: 'string',
    default: 'Optovik <noreply@localhost>',
    description: 'Sender shown on outgoing mail, as "Name <address>".',
  },
  'smtp.reply_to': {
    kind: 'string',
    default: '',
    description: 'Address that replies go to; empty means replies go to the sender.',
  },

  'catalog.stock_display': {
    kind: 'enum',
    default: 'exact',
    values: ['exact', 'ranges', 'yes_no'],
    description:
      'How buyers see stock: exact shows the quantity, ranges shows many / few / none, yes_no shows only whether it is in stock.',
  },
  'catalog.stock_few_below': {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 1000000,
    description: 'With stock_display: ranges, a quantity above zero but below this shows as "few".',
  },
  'catalog.stock_warehouses': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    description: 'Names or external ids of the warehouses whose stock buyers see; an empty list counts all warehouses.',
  },
  'catalog.allow_backorder': {
    kind: 'boolean',
    default: false,
    description: 'Let buyers order more than is in stock.',
  },
  'catalog.prices_include_vat': {
    kind: 'boolean',
    default: true,
    description: 'Prices from accounting already include VAT, as is usual in Russia.',
  },
  'catalog.currency_rates': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: (item) => {
      const rate = parseRateItem(item);
      return typeof rate === 'string' ? rate : null;
    },
    description:
      'Fixed rates for prices in other currencies, as "USD = 92.50" (roubles for one unit), applied at start; a currency without a rate shows "price on request", never dollars as roubles.',
  },
  'catalog.show_original_currency': {
    kind: 'boolean',
    default: false,
    description:
      'Next to a rouble price that comes from another currency, show the original amount too ("461,73 ₽ (5,00 $)"), with the buyer’s discount applied.',
  },
  'catalog.hand_edits': {
    kind: 'enum',
    default: 'auto',
    values: ['auto', 'always', 'never'],
    description:
      'Whether admins change the catalog by hand (products, prices, stock, categories, price types, warehouses) on the admin pages: auto allows it for what no accounting system owns (made on the portal or by a spreadsheet) and not for what 1C or MoySklad sends, always allows it everywhere (the next exchange may overwrite such an edit), never makes the pages read-only.',
  },
  'catalog.page_size': {
    kind: 'integer',
    default: 50,
    min: 10,
    max: 500,
    description: 'Products per catalog page.',
  },

  'photos.max_upload_mb': {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 200,
    description: 'Largest photo file accepted for upload, in megabytes.',
  },
  'photos.max_per_product': {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 100,
    description: 'Most photos one product may have.',
  },
  'photos.quota_mb': {
    kind: 'integer',
    default: 2048,
    min: 10,
    max: 1000000,
    description: 'Total disk space all stored photos may take, in megabytes; uploads are refused beyond it.',
  },
  'photos.max_px': {
    kind: 'integer',
    default: 1600,
    min: 200,
    max: 8000,
    description: 'Longest side of a stored photo in pixels; larger uploads are scaled down.',
  },
  'photos.thumb_px': {
    kind: 'integer',
    default: 240,
    min: 50,
    max: 1000,
    description: 'Longest side of the thumbnails shown in catalog lists, in pixels.',
  },
  'photos.keep_originals': {
    kind: 'boolean',
    default: false,
    description: 'Keep each uploaded original file next to its resized copies (uses more disk space).',
  },

  'orders.number_prefix': {
    kind: 'string',
    default: 'W-',
    description: 'Text before every order number, e.g. W- gives W-000123.',
  },
  'orders.allow_cancel': {
    kind: 'boolean',
    default: true,
    description: 'Let buyers cancel an order themselves while it is still new (not yet taken by accounting).',
  },
  'orders.seller_emails': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    description: 'Addresses of the seller’s order inbox(es); each new order is mailed there with its PDF.',
  },
  'orders.credit_control': {
    kind: 'enum',
    default: 'off',
    values: ['off', 'warn', 'block'],
    description:
      'Credit control at checkout: off; warn shows the buyer the amount over the credit limit or overdue and places the order; block refuses it unless a manager allows it with a reason.',
  },
  'orders.staff_status_changes': {
    kind: 'enum',
    default: 'auto',
    values: ['auto', 'always', 'never'],
    description:
      'Whether managers and admins change orders on the order desk (status with a comment to the buyer, paid and shipped marks, lines of a new order): auto allows it only when no accounting exchange (1C, MoySklad) is configured, always allows it anyway, never forbids it.',
  },

  'seller.name': {
    kind: 'string',
    default: '',
    derive: demoSeller('name'),
    description:
      'The seller’s full legal name as on order documents and invoices, e.g. ООО «Оптовик»; empty uses site.name (and there is no invoice).',
  },
  'seller.inn': {
    kind: 'string',
    default: '',
    derive: demoSeller('inn'),
    check: (v) => checkInn(v)?.message ?? null,
    description: 'The seller’s INN: 10 digits for an organisation, 12 for a sole proprietor; its control digits are checked.',
  },
  'seller.kpp': {
    kind: 'string',
    default: '',
    derive: demoSeller('kpp'),
    check: (v) => checkKpp(v)?.message ?? null,
    description: 'The seller’s KPP (9 characters); empty for a sole proprietor.',
  },
  'seller.ogrn': {
    kind: 'string',
    default: '',
    derive: demoSeller('ogrn'),
    check: (v) => checkOgrn(v)?.message ?? null,
    description: 'The seller’s OGRN (13 digits) or a sole proprietor’s OGRNIP (15 digits); its control digit is checked.',
  },
  'seller.address': {
    kind: 'string',
    default: '',
    derive: demoSeller('address'),
    description: 'The seller’s legal address, printed on order documents and invoices.',
  },
  'seller.postal_address': {
    kind: 'string',
    default: '',
    derive: demoSeller('postalAddress'),
    description: 'The seller’s postal address when it differs from the legal one; empty prints none.',
  },
  'seller.phone': {
    kind: 'string',
    default: '',
    derive: demoSeller('phone'),
    description: 'The seller’s phone for order documents and mails.',
  },
  'seller.email': {
    kind: 'string',
    default: '',
    derive: demoSeller('email'),
    description: 'The seller’s e-mail printed on order documents and invoices.',
  },
  'seller.bank_name': {
    kind: 'string',
    default: '',
    derive: demoSeller('bankName'),
    description: 'The seller’s bank as on its statements, e.g. ПАО Сбербанк, г. Москва.',
  },
  'seller.bik': {
    kind: 'string',
    default: '',
    derive: demoSeller('bik'),
    check: (v) => checkBik(v)?.message ?? null,
    description: 'The BIK of the seller’s bank: 9 digits starting with 04.',
  },
  'seller.correspondent_account': {
    kind: 'string',
    default: '',
    derive: demoSeller('correspondentAccount'),
    // The key digit needs the BIK: checked with it in load.ts (checkCrossRules).
    check: (v) => (/^301\d{17}$/.test(v) ? null : `correspondent account "${v}" must be 20 digits starting with 301`),
    description: 'The bank’s correspondent account (20 digits, 301…); its key digit is checked together with the BIK.',
  },
  'seller.settlement_account': {
    kind: 'string',
    default: '',
    derive: demoSeller('settlementAccount'),
    check: (v) => (/^\d{20}$/.test(v) ? null : `account "${v}" must be 20 digits`),
    description: 'The seller’s settlement account (20 digits); its key digit is checked together with the BIK.',
  },
  'seller.director': {
    kind: 'string',
    default: '',
    derive: demoSeller('director'),
    description: 'Who signs invoices as head of the company (or the sole proprietor), e.g. Иванов И. И.',
  },
  'seller.chief_accountant': {
    kind: 'string',
    default: '',
    derive: demoSeller('chiefAccountant'),
    description: 'Who signs invoices as chief accountant; empty means the director signs for the accountant too.',
  },
  'seller.payment_days': {
    kind: 'integer',
    default: 5,
    min: 0,
    max: 365,
    description: 'Days the buyer has to pay an invoice ("Оплатить не позднее …"); 0 prints no deadline.',
  },
  'seller.logo': {
    kind: 'path',
    default: '',
    optional: true,
    image: true,
    description: 'Logo image (PNG, JPEG, GIF, WebP or SVG) at the top of order documents and invoices; empty for none.',
  },
  'seller.stamp': {
    kind: 'path',
    default: '',
    optional: true,
    image: true,
    description: 'Image of the company stamp, printed over the signatures of the invoice; empty for none.',
  },
  'seller.signature': {
    kind: 'path',
    default: '',
    optional: true,
    image: true,
    description: 'Image of the director’s signature on the invoice; empty leaves the line to sign by hand.',
  },
  'seller.accountant_signature': {
    kind: 'path',
    default: '',
    optional: true,
    image: true,
    description:
      'Image of the chief accountant’s signature on the invoice; empty uses the director’s when the director signs for both.',
  },
  'seller.footer': {
    kind: 'string',
    default: '',
    derive: demoSeller('footer'),
    description: 'A line of text at the end of order documents and invoices, e.g. the terms of delivery.',
  },

  'documents.chromium_path': {
    kind: 'string',
    default: '',
    description:
      'Chromium for order PDFs; empty finds /usr/bin/chromium-headless-shell or /usr/bin/chromium. Without one, mails go without PDF.',
  },
  'documents.pdf_timeout_ms': {
    kind: 'integer',
    default: 20000,
    min: 1000,
    max: 300000,
    description: 'Longest time one PDF may take to render, in milliseconds.',
  },
  'documents.pdf_concurrency': {
    kind: 'integer',
    default: 2,
    min: 1,
    max: 16,
    description: 'PDFs rendered at the same time (one browser tab each).',
  },
  'documents.invoice': {
    kind: 'boolean',
    default: false,
    derive: (ctx) => ctx.get('demo') === true,
    description:
      'Attach the invoice for payment (Счёт на оплату, with the bank payment QR code) to every new order’s mail; needs the seller’s bank details.',
  },

  'jobs.max_attempts': {
    kind: 'integer',
    default: 8,
    min: 1,
    max: 100,
    description: 'Tries of a follow-up job (PDF, mail, export) before it is marked failed; waits grow between tries.',
  },
  'jobs.concurrency': {
    kind: 'integer',
    default: 2,
    min: 1,
    max: 32,
    description: 'Follow-up jobs run at the same time.',
  },

  'api.rate_limit': {
    kind: 'integer',
    default: 20,
    min: 0,
    max: 100000,
    description: 'Requests per second one API token may make before it is answered 429; 0 turns the limit off.',
  },
  'api.max_body_kb': {
    kind: 'integer',
    default: 1024,
    min: 16,
    max: 65536,
    description: 'Largest request body the API accepts, in KiB; a larger one is refused with 413.',
  },
  'api.webhooks.allow_private': {
    kind: 'boolean',
    default: false,
    description:
      'Let webhooks go to private and loopback addresses (10.x, 192.168.x, 127.0.0.1, …); off, so buyers cannot make the portal probe your own network.',
  },
  'api.webhooks.timeout_seconds': {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 60,
    description: 'How long a webhook receiver may take to answer before the delivery counts as failed and is retried.',
  },

  'integrations.commerceml.login': {
    kind: 'string',
    default: '',
    description: 'User name 1C sends to /1c_exchange ("exchange with site" settings); empty turns the 1C exchange off.',
  },
  'integrations.commerceml.password': {
    kind: 'string',
    default: '',
    secret: true,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
    description: 'Password for the 1C exchange; use ${ENV_NAME} to keep it out of this file.',
  },
  'integrations.commerceml.price_types': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: (item) =>
      item.includes('=') ? mappingItem(undefined, '1C')(item) : item.trim() === '' ? 'must not be empty' : null,
    description:
      'The 1C price types (name or Ид) that become portal price types, each as it is or as "1C name = portal name" (renamed; a portal price type of that name is taken over, not doubled); empty takes every price type 1C sends under its own name.',
  },
  'integrations.commerceml.default_price_type': {
    kind: 'string',
    default: '',
    description: 'The 1C price type (name or Ид) a new company gets; empty keeps the current default.',
  },
  'integrations.commerceml.fractional_units': {
    kind: 'list',
    default: Object.freeze([
      'кг',
      'г',
      'т',
      'м',
      'м2',
      'м3',
      'л',
      'пог. м',
      '166',
      '163',
      '168',
      '006',
      '055',
      '113',
      '112',
    ]) as readonly string[],
    description:
      'Units (short name or OKEI code) that may be ordered in fractions, e.g. 0.5 m; the default of fields.fractional.unit, which wins when both are set.',
  },
  'integrations.commerceml.brand_properties': {
    kind: 'list',
    default: Object.freeze(['Бренд', 'Производитель', 'Марка', 'Brand']) as readonly string[],
    description:
      'Names of 1C properties whose value is shown and filtered as the brand; the default of fields.brand.property, which wins when both are set.',
  },
  'integrations.commerceml.fields.multiple.property': field(
    ['Кратность', 'Кратность отгрузки'],
    'Names of the 1C properties (ЗначенияСвойств) that hold the order multiple (pack size); the first one a product has wins. A comma or a dot in the number.',
  ),
  'integrations.commerceml.fields.multiple.requisite': field(
    ['Кратность', 'Кратность отгрузки'],
    'Names of the 1C requisites (ЗначенияРеквизитов) that hold the order multiple, when no property gives it.',
  ),
  'integrations.commerceml.fields.multiple.unit': field(
    [],
    'Packing units (short name or OKEI code, e.g. "упак" or "778") whose ratio to the base unit (БазоваяЕдиница/Пересчет/Коэффициент) is the order multiple, when no property or requisite gives it.',
  ),
  'integrations.commerceml.fields.min_qty.property': field(
    ['Минимальная партия', 'Минимальный заказ'],
    'Names of the 1C properties that hold the minimum order quantity; the first one a product has wins.',
  ),
  'integrations.commerceml.fields.min_qty.requisite': field(
    ['Минимальная партия', 'Минимальный заказ'],
    'Names of the 1C requisites that hold the minimum order quantity, when no property gives it.',
  ),
  'integrations.commerceml.fields.min_qty.unit': field(
    [],
    'Packing units whose ratio to the base unit is the minimum order quantity, when no property or requisite gives it.',
  ),
  'integrations.commerceml.fields.brand.property': {
    ...field([], 'Properties that hold the brand (shown and filtered as such, and no longer listed among the properties).'),
    derive: (ctx) => ctx.get('integrations.commerceml.brand_properties'),
  },
  'integrations.commerceml.fields.brand.requisite': field([], 'Requisites that hold the brand, when no property gives it.'),
  'integrations.commerceml.fields.description.property': field(
    [],
    'Properties whose text replaces the product description (Описание) when a product has one.',
  ),
  'integrations.commerceml.fields.description.requisite': field(
    [],
    'Requisites whose text replaces the product description, e.g. "Описание для сайта".',
  ),
  'integrations.commerceml.fields.country.property': field(
    ['Страна происхождения', 'Страна'],
    'Properties that hold the country of origin, shown on the product page.',
  ),
  'integrations.commerceml.fields.country.requisite': field(
    ['Страна происхождения', 'Страна'],
    'Requisites that hold the country of origin.',
  ),
  'integrations.commerceml.fields.weight.property': field(
    ['Вес', 'Вес брутто'],
    'Properties that hold the weight of one unit in kilograms (a comma or a dot), shown on the product page.',
  ),
  'integrations.commerceml.fields.weight.requisite': field(
    ['Вес', 'Вес брутто'],
    'Requisites that hold the weight of one unit in kilograms.',
  ),
  'integrations.commerceml.fields.volume.property': field(
    ['Объем', 'Объём'],
    'Properties that hold the volume of one unit in cubic metres, shown on the product page.',
  ),
  'integrations.commerceml.fields.volume.requisite': field(
    ['Объем', 'Объём'],
    'Requisites that hold the volume of one unit in cubic metres.',
  ),
  'integrations.commerceml.fields.vat.property': field(
    [],
    'Properties that hold the VAT rate ("20", "20%", "10 %", "Без НДС"); when none is found, СтавкиНалогов gives it.',
  ),
  'integrations.commerceml.fields.vat.requisite': field(['Ставка НДС'], 'Requisites that hold the VAT rate.'),
  'integrations.commerceml.fields.new.property': field(
    ['Новинка'],
    'Properties that mark a product as new (да/нет, true/false, 1/0): it gets the "new" badge in the catalog.',
  ),
  'integrations.commerceml.fields.new.requisite': field(['Новинка'], 'Requisites that mark a product as new.'),
  'integrations.commerceml.fields.sale.property': field(
    ['Распродажа'],
    'Properties that mark a product as on sale (да/нет): it gets the "sale" badge in the catalog.',
  ),
  'integrations.commerceml.fields.sale.requisite': field(['Распродажа'], 'Requisites that mark a product as on sale.'),
  'integrations.commerceml.fields.visible.property': field(
    [],
    'Properties that say whether buyers see a product (да/нет), e.g. "Выгружать на сайт"; "нет" hides it.',
  ),
  'integrations.commerceml.fields.visible.requisite': field([], 'Requisites that say whether buyers see a product.'),
  'integrations.commerceml.fields.fractional.unit': {
    ...field(
      [],
      'Units (short name or OKEI code) that may be ordered in fractions, e.g. 0.5 m; every other unit is ordered in whole numbers.',
    ),
    derive: (ctx) => ctx.get('integrations.commerceml.fractional_units'),
  },
  'integrations.commerceml.hidden_price_types': field(
    [],
    'Price types (1C name or Ид, or the portal name) that are imported with their prices but never shown to buyers, e.g. purchase prices; no company can buy at them.',
  ),
  'integrations.commerceml.counterparty_fields.price_type': field(
    ['Тип цен', 'Вид цен'],
    'Requisites of a 1C counterparty that name its price type (1C name or Ид, or the portal name).',
  ),
  'integrations.commerceml.counterparty_fields.discount': field(
    ['Скидка', 'Процент скидки'],
    'Requisites of a 1C counterparty that hold its discount in percent ("5", "2,5%").',
  ),
  'integrations.commerceml.counterparty_fields.manager': field(
    ['Основной менеджер', 'Менеджер'],
    'Requisites of a 1C counterparty that name its manager, by e-mail or by the name of a portal manager.',
  ),
  'integrations.commerceml.counterparty_fields.credit_limit': field(
    ['Кредитный лимит', 'Лимит задолженности', 'Допустимая сумма задолженности', 'Лимит кредита'],
    'Requisites of a 1C counterparty that hold its credit limit in roubles (empty: no limit).',
  ),
  'integrations.commerceml.counterparty_fields.payment_days': field(
    ['Отсрочка платежа', 'Отсрочка платежа (дней)', 'Допустимое число дней задолженности', 'Срок оплаты (дней)', 'Дней отсрочки'],
    'Requisites of a 1C counterparty that hold its payment terms in days.',
  ),
  'integrations.commerceml.warehouses': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: mappingItem(undefined, '1C'),
    description:
      'Names buyers see for 1C warehouses, as "1C name or Ид = portal name" (e.g. "Основной склад = Москва, Складская 1"); warehouses not listed keep 1C\'s name. Which warehouses count toward stock is catalog.stock_warehouses (portal names or 1C Ид).',
  },

  'integrations.commerceml.file_limit_mb': {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 1024,
    description:
      'Largest piece of a file 1C sends in one request, in MiB; keep it below the reverse proxy’s client_max_body_size.',
  },
  'integrations.commerceml.zip': {
    kind: 'boolean',
    default: true,
    description: 'Let 1C send its files as one ZIP archive (smaller, faster uploads).',
  },
  'integrations.commerceml.max_package_mb': {
    kind: 'integer',
    default: 4096,
    min: 1,
    max: 1048576,
    description:
      'Largest total size of one exchange run, uploaded or unpacked, in MiB; protects the disk from runaway or hostile archives.',
  },
  'integrations.commerceml.slice_seconds': {
    kind: 'integer',
    default: 5,
    min: 1,
    max: 60,
    description: 'Longest time one import request works before answering "progress" so 1C asks again.',
  },
  'integrations.commerceml.order_schema': {
    kind: 'enum',
    default: '2.05',
    values: ['2.05', '3.1'],
    description:
      'Shape of the orders 1C downloads: 2.05 for the standard "exchange with site", 3.1 for the 1C-Bitrix exchange module (Контейнер).',
  },
  'integrations.commerceml.order_encoding': {
    kind: 'enum',
    default: 'windows-1251',
    values: ['windows-1251', 'utf-8'],
    description: 'Encoding of the orders 1C downloads; windows-1251 is what stock 1C configurations read reliably.',
  },
  'integrations.commerceml.status_map': {
    kind: 'list',
    default: Object.freeze([
      'Принят = confirmed',
      'Согласован = confirmed',
      'В работе = in_progress',
      'В сборке = in_progress',
      'Собран = in_progress',
      'Отгружен = shipped',
      'Доставлен = completed',
      'Выполнен = completed',
      'Закрыт = completed',
      'Отменен = cancelled',
    ]) as readonly string[],
    checkItem: mappingItem(PORTAL_ORDER_STATUSES),
    description:
      'How the order status text from 1C maps to portal statuses (new, confirmed, in_progress, shipped, completed, cancelled), as "1C status = portal status".',
  },
  'integrations.commerceml.outgoing_statuses': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: (item) => {
      const eq = item.indexOf('=');
      const status = item.slice(0, eq).trim();
      if (eq <= 0 || item.slice(eq + 1).trim() === '') return `must look like "shipped = Отгружен", got "${item}"`;
      return (PORTAL_ORDER_STATUSES as readonly string[]).includes(status)
        ? null
        : `"${status}" is not one of ${PORTAL_ORDER_STATUSES.join(', ')}`;
    },
    description:
      'What the orders document tells 1C in "Статус заказа", as "portal status = 1C status name" (e.g. "confirmed = Согласован"); statuses not listed are sent as the portal names them.',
  },

  'integrations.moysklad.token': {
    kind: 'string',
    default: '',
    secret: true,
    description:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${NAME} syntax of config.yml
      'MoySklad access token of the portal’s own MoySklad user (sent as Bearer); use ${ENV_NAME} to keep it out of this file. Empty turns MoySklad off.',
  },
  'integrations.moysklad.base_url': {
    kind: 'url',
    default: 'https://api.moysklad.ru/api/remap/1.2',
    description: 'Address of the MoySklad JSON API 1.2; change it only for a test server.',
  },
  'integrations.moysklad.poll_seconds': {
    kind: 'integer',
    default: 60,
    min: 5,
    max: 86400,
    description:
      'How often the running portal asks MoySklad for what changed (catalog, stock, buyers, order states), in seconds.',
  },
  'integrations.moysklad.timeout_seconds': {
    kind: 'integer',
    default: 300,
    min: 1,
    max: 3600,
    description: 'Longest wait for one answer from MoySklad, in seconds (MoySklad may take up to 300 s on big requests).',
  },
  'integrations.moysklad.request_budget': {
    kind: 'integer',
    default: 11,
    min: 1,
    max: 45,
    description:
      'Requests the portal sends MoySklad in any 3 seconds; 11 fits a user token from December 2026 (45 units, 4 per request).',
  },
  'integrations.moysklad.max_parallel': {
    kind: 'integer',
    default: 4,
    min: 1,
    max: 5,
    description:
      'Requests to MoySklad at the same time; MoySklad allows 5 per user, so 4 leaves room for a person in the web interface.',
  },
  'integrations.moysklad.price_types': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: mappingItem(undefined, 'MoySklad'),
    description:
      'Which MoySklad price types become which portal price types, as "MoySklad name = portal name"; empty takes every MoySklad price type under its own name.',
  },
  'integrations.moysklad.default_price_type': {
    kind: 'string',
    default: '',
    description:
      'The MoySklad price type (name) for buyers whose counterparty has none; empty takes MoySklad’s default (the first).',
  },
  'integrations.moysklad.stores': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    description: 'Names (or ids) of the MoySklad stores whose stock counts on the portal; empty counts every store.',
  },
  'integrations.moysklad.organization': {
    kind: 'string',
    default: '',
    description:
      'The seller’s legal entity in MoySklad (name, INN or id) that orders are placed for; empty takes the only one (several: name it here).',
  },
  'integrations.moysklad.order_store': {
    kind: 'string',
    default: '',
    description: 'The MoySklad store (name or id) a new order reserves from; empty takes the first of stores, or none.',
  },
  'integrations.moysklad.new_order_state': {
    kind: 'string',
    default: 'Новый',
    description:
      'The MoySklad order state (name or id) a portal order gets when it is created in MoySklad; empty leaves MoySklad’s default.',
  },
  'integrations.moysklad.order_state_map': {
    kind: 'list',
    default: Object.freeze([
      'Новый = new',
      'Подтвержден = confirmed',
      'Собран = in_progress',
      'Отгружен = shipped',
      'Доставлен = completed',
      'Возврат = cancelled',
      'Отменен = cancelled',
    ]) as readonly string[],
    checkItem: mappingItem(PORTAL_ORDER_STATUSES, 'MoySklad'),
    description:
      'How MoySklad order states (name or id) map to portal statuses (new, confirmed, in_progress, shipped, completed, cancelled), as "state = status"; unmapped states leave the status as it is.',
  },
  'integrations.moysklad.webhook_secret': {
    kind: 'string',
    default: '',
    secret: true,
    description:
      'A secret of your choosing for MoySklad webhooks on customer orders (URL <public_url>/hooks/moysklad?k=<secret>); empty: no webhooks, states come by polling only.',
  },
  'integrations.moysklad.brand_attribute': {
    kind: 'string',
    default: 'Бренд',
    description: 'Name of the MoySklad custom product attribute that is the brand; empty: no brands.',
  },
  'integrations.moysklad.fields.multiple.attribute': field(
    ['Кратность'],
    'Custom product attributes in MoySklad that hold the order multiple (pack size); the first one a product has wins.',
  ),
  'integrations.moysklad.fields.multiple.unit': field(
    [],
    'Pack units (e.g. "упак") whose quantity in the product’s packs is the order multiple, when no attribute gives it.',
  ),
  'integrations.moysklad.fields.min_qty.attribute': field(
    ['Минимальная партия'],
    'Custom product attributes that hold the minimum order quantity.',
  ),
  'integrations.moysklad.fields.min_qty.unit': field([], 'Pack units whose quantity is the minimum order quantity.'),
  'integrations.moysklad.fields.country.attribute': field(
    ['Страна происхождения', 'Страна'],
    'Custom product attributes that hold the country of origin.',
  ),
  'integrations.moysklad.fields.new.attribute': field(
    ['Новинка'],
    'Custom product attributes that mark a product as new (a flag, or да/нет).',
  ),
  'integrations.moysklad.fields.sale.attribute': field(
    ['Распродажа'],
    'Custom product attributes that mark a product as on sale.',
  ),
  'integrations.moysklad.fields.visible.attribute': field(
    [],
    'Custom product attributes that say whether buyers see a product (a flag, or да/нет); "нет" hides it.',
  ),
  'integrations.moysklad.vat_included': {
    kind: 'boolean',
    default: true,
    description: 'Prices in MoySklad include VAT; sent with every order as vatIncluded.',
  },
  'integrations.moysklad.images': {
    kind: 'boolean',
    default: true,
    description:
      'Copy the pictures of MoySklad products and variants to the portal (through the photo rules: checked, resized, stored as WebP); MoySklad’s own links expire within a minute and must not be published.',
  },
  'integrations.moysklad.images_per_sync': {
    kind: 'integer',
    default: 100,
    min: 1,
    max: 5000,
    description:
      'Most pictures copied after one sync (each is a request from the same budget); the rest follow with the next syncs, so a sync never waits for thousands of pictures.',
  },
  'integrations.moysklad.image_hosts': {
    kind: 'list',
    default: Object.freeze(['moysklad.ru', '*.moysklad.ru']) as readonly string[],
    description:
      'Hosts MoySklad’s picture downloads may redirect to ("*.example.ru" for every subdomain); the portal fetches pictures from nowhere else. The host of base_url is always allowed.',
  },

  'integrations.spreadsheet.columns.catalog': {
    kind: 'list',
    default: Object.freeze([]) as readonly string[],
    checkItem: spreadsheetColumnItem,
    description:
      'Columns of catalog spreadsheets the portal would not recognise by their header, as "header text = field" or "column letter = field"; fields: sku, name, category, unit, visible, id (the portal’s product ID), price:<price type> (price: for the default one), stock:<warehouse> (stock: for a total), - to leave a column out.',
  },
  'integrations.spreadsheet.watch_dir': {
    kind: 'path',
    default: '',
    optional: true,
    description:
      'A folder whose CSV/XLSX files are imported as they arrive (then moved to done/ or failed/ with a report next to them); empty: none.',
  },
  'integrations.spreadsheet.watch_seconds': {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 3600,
    description:
      'How often the running portal looks into watch_dir, in seconds; a file is taken once its size stays the same between two looks.',
  },
  'integrations.spreadsheet.watch_hide_absent': {
    kind: 'boolean',
    default: false,
    description:
      'Files from watch_dir are whole price lists: products of earlier spreadsheets missing from them are hidden (false: a partial update).',
  },

  'log.level': {
    kind: 'enum',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    description: 'How much to log: from fatal (least) to trace (most), or silent.',
  },
};

/** The seller's keys an invoice for payment cannot do without (documents.invoice refuses to start without them). */
export const INVOICE_REQUIRES: readonly ConfigKey[] = Object.freeze([
  'seller.name',
  'seller.inn',
  'seller.bank_name',
  'seller.bik',
  'seller.settlement_account',
] as const);

/** All options in documentation order. */
export const OPTIONS: readonly Option[] = Object.freeze(
  Object.entries(TABLE).map(([key, spec]) => Object.freeze({ ...spec, key: key as ConfigKey })),
);

/** Section names (`server`, `smtp`, …) in table order. Top-level leaves are not sections. */
export const SECTIONS: readonly string[] = Object.freeze([
  ...new Set(OPTIONS.filter((o) => o.key.includes('.')).map((o) => o.key.split('.')[0] as string)),
]);

export function findOption(key: string): Option | undefined {
  return OPTIONS.find((o) => o.key === key);
}

/** `busy_timeout_ms` → `busyTimeoutMs`: the Config field for a YAML key segment. */
export function camelCase(segment: string): string {
  return segment.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Human wording of what a key accepts, shared by error messages and docs. */
export function expectation(option: Option): string {
  switch (option.kind) {
    case 'integer':
      return `must be an integer ${option.min}–${option.max}`;
    case 'boolean':
      return 'must be true or false';
    case 'enum':
      return `must be one of: ${option.values.join(', ')}`;
    case 'url':
      return 'must be an http:// or https:// URL';
    case 'list':
      return 'must be a list of strings';
    case 'string':
    case 'path':
      return 'must be a string';
  }
}
