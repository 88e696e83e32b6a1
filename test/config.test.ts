// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${NAME} is config.yml syntax under test, not a JS template
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type Document, isMap, isScalar, parse, parseDocument, type YAMLMap } from 'yaml';
import { ConfigError, loadConfig, redactedConfig } from '../src/config/load.js';
import { OPTIONS } from '../src/config/schema.js';

const EXAMPLE = fileURLToPath(new URL('../config.example.yml', import.meta.url));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'optovik-config-'));
  dirs.push(dir);
  return dir;
}

/** Writes `text` as config.yml in a fresh directory and returns its path. */
function writeConfig(text: string, name = 'config.yml'): string {
  const file = join(tempDir(), name);
  writeFileSync(file, text);
  return file;
}

/** Loads `text` as a config file with an empty environment unless one is given. */
function load(text: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ file: writeConfig(text), env });
}

/** The ConfigError message for `text`; fails the test if it loads. */
function problems(text: string, env: NodeJS.ProcessEnv = {}): string {
  return errorOf(() => load(text, env));
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('expected a ConfigError, but the config loaded');
}

describe('finding the config file', () => {
  it('runs in demo mode on defaults when there is no ./config.yml', () => {
    const cwd = tempDir();
    const config = loadConfig({ cwd, env: {} });
    expect(config.demo).toBe(true);
    expect(config.file).toBeNull();
    // The demo keeps its sample data apart from a real portal's ./data.
    expect(config.dataDir).toBe(join(cwd, 'demo-data'));
    expect(config.server).toEqual({
      host: '127.0.0.1',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      trustProxy: false,
      trustedProxies: ['127.0.0.1', '::1'],
      proxyHops: 0,
      secureCookies: false,
    });
    expect(config.site).toEqual({ name: 'Optovik', defaultLocale: 'ru' });
    expect(config.database).toEqual({ busyTimeoutMs: 5000, backupBeforeMigrate: true, keepBackups: 10 });
    expect(config.auth).toEqual({
      sessionDays: 30,
      passwordMinLength: 10,
      maxFailuresPerAccount: 5,
      maxFailuresPerIp: 30,
      lockoutMinutes: 15,
      resetLinkHours: 2,
      inviteLinkDays: 7,
    });
    expect(config.smtp).toEqual({
      host: '',
      port: 587,
      security: 'starttls',
      username: '',
      password: '',
      from: 'Optovik <noreply@localhost>',
      replyTo: '',
    });
    expect(config.catalog).toEqual({
      stockDisplay: 'exact',
      stockFewBelow: 10,
      stockWarehouses: [],
      allowBackorder: false,
      pricesIncludeVat: true,
      currencyRates: [],
      showOriginalCurrency: false,
      pageSize: 50,
      handEdits: 'auto',
    });
    expect(config.photos).toEqual({
      maxUploadMb: 10,
      maxPerProduct: 10,
      quotaMb: 2048,
      maxPx: 1600,
      thumbPx: 240,
      keepOriginals: false,
    });
    expect(config.log).toEqual({ level: 'info' });
  });

  it('reads ./config.yml from cwd and is not in demo mode then', () => {
    const file = writeConfig('site:\n  name: Склад\n');
    const cwd = resolve(file, '..');
    const config = loadConfig({ cwd, env: {} });
    expect(config.file).toBe(file);
    expect(config.demo).toBe(false);
    expect(config.site.name).toBe('Склад');
  });

  it('treats an empty file as all defaults, without demo', () => {
    const config = load('# nothing here yet\n');
    expect(config.demo).toBe(false);
    expect(config.server.port).toBe(3000);
  });

  it('fails when an explicitly named file is missing', () => {
    const cwd = tempDir();
    expect(errorOf(() => loadConfig({ file: 'prod.yml', cwd, env: {} }))).toBe(`config file not found: ${join(cwd, 'prod.yml')}`);
    expect(errorOf(() => loadConfig({ cwd, env: { OPTOVIK_CONFIG: '/nowhere/optovik.yml' } }))).toBe(
      'config file not found: /nowhere/optovik.yml',
    );
  });

  it('uses OPTOVIK_CONFIG, and opts.file over it', () => {
    const fromEnv = writeConfig('server:\n  port: 4001\n', 'env.yml');
    const fromOpts = writeConfig('server:\n  port: 4002\n', 'opts.yml');
    expect(loadConfig({ env: { OPTOVIK_CONFIG: fromEnv } }).server.port).toBe(4001);
    expect(loadConfig({ file: fromOpts, env: { OPTOVIK_CONFIG: fromEnv } }).server.port).toBe(4002);
  });

  it('names the file as given in every message', () => {
    const file = writeConfig('server: 1\n', 'optovik.prod.yml');
    expect(errorOf(() => loadConfig({ file, env: {} }))).toBe('optovik.prod.yml: server: must be a mapping, got 1');
  });
});

describe('config.example.yml', () => {
  it('loads without errors and does not enable demo', () => {
    const config = loadConfig({ file: EXAMPLE, env: {} });
    expect(config.demo).toBe(false);
    expect(config.file).toBe(EXAMPLE);
  });

  it('documents every key of the schema, with a comment giving its default', () => {
    const doc = parseDocument(readExample());
    const undocumented = OPTIONS.filter((o) => !doc.hasIn(o.key.split('.'))).map((o) => o.key);
    expect(undocumented).toEqual([]);
    const uncommented = OPTIONS.filter((o) => !/Default:/.test(commentFor(doc, o.key) ?? '')).map((o) => o.key);
    expect(uncommented).toEqual([]);
  });

  it('shows the real default for every key that has a value', () => {
    const example = parse(readExample()) as Record<string, unknown>;
    for (const option of OPTIONS) {
      const value = option.key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], example);
      if (value === null || option.key === 'demo') continue; // null = derived default; demo is off in files
      expect({ key: option.key, value }).toEqual({ key: option.key, value: option.default });
    }
  });

  it('has no keys the schema does not know', () => {
    const example = parse(readExample()) as Record<string, Record<string, unknown> | unknown>;
    const leaves = (node: unknown, prefix: string): string[] =>
      node !== null && typeof node === 'object' && !Array.isArray(node)
        ? Object.entries(node).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
        : [prefix];
    const keys = leaves(example, '');
    expect(keys.sort()).toEqual(OPTIONS.map((o) => o.key).sort());
  });
});

function readExample(): string {
  return readFileSync(EXAMPLE, 'utf8');
}

/**
 * The comment above a key (or at the end of its line). The yaml package attaches the comment
 * of a mapping's first key to the mapping itself, and of the document's first key to the document.
 */
function commentFor(doc: Document, key: string): string | undefined {
  let map = doc.contents as YAMLMap;
  let parentComment = doc.commentBefore ?? map.commentBefore ?? undefined;
  const path = key.split('.');
  for (const [depth, segment] of path.entries()) {
    const index = map.items.findIndex((p) => isScalar(p.key) && p.key.value === segment);
    const pair = map.items[index];
    if (!pair || !isScalar(pair.key)) return undefined;
    if (depth === path.length - 1) {
      const trailing = isScalar(pair.value) ? pair.value.comment : undefined;
      const before = pair.key.commentBefore ?? (index === 0 ? parentComment : undefined);
      return [before, trailing].filter(Boolean).join('\n') || undefined;
    }
    if (!isMap(pair.value)) return undefined;
    map = pair.value;
    parentComment = map.commentBefore ?? undefined;
  }
  return undefined;
}

describe('${NAME} environment references', () => {
  const text = [
    'smtp:',
    '  host: mail.example.com',
    '  port: "${SMTP_PORT}"',
    '  password: "${SMTP_PASSWORD}"',
    '  username: "shop-${SHOP}@example.com"',
    'site:',
    '  name: "Price $${PRICE}"',
    '',
  ].join('\n');

  it('substitutes variables, including into integers, and keeps $${ as a literal ${', () => {
    const config = load(text, { SMTP_PORT: '465', SMTP_PASSWORD: 'hunter2', SHOP: 'north' });
    expect(config.smtp.port).toBe(465);
    expect(config.smtp.password).toBe('hunter2');
    expect(config.smtp.username).toBe('shop-north@example.com');
    expect(config.site.name).toBe('Price ${PRICE}');
  });

  it('names the key and the variable when one is not set', () => {
    expect(problems(text, { SMTP_PORT: '465', SHOP: 'north' })).toBe(
      'config.yml: smtp.password: environment variable SMTP_PASSWORD is not set',
    );
  });

  it('validates the substituted text like any other value', () => {
    expect(problems(text, { SMTP_PORT: 'abc', SMTP_PASSWORD: '', SHOP: 'x' })).toBe(
      'config.yml: smtp.port: must be an integer 1–65535, got "abc"',
    );
  });

  it('rejects a malformed reference', () => {
    expect(problems('site:\n  name: "${SHOP"\n')).toBe('config.yml: site.name: unclosed "${" (write $${ for a literal ${)');
  });
});

describe('bad input', () => {
  it('YAML syntax error: line and column', () => {
    expect(problems('server:\n\tport: 3000\n')).toBe('config.yml: line 2, column 1: tabs are not allowed as indentation');
    expect(problems('site:\n  name: "Optovik\nlog:\n  level: info\n')).toMatch(
      /^config\.yml: line \d+, column \d+: missing closing "quote$/,
    );
  });

  it('top level is not a mapping', () => {
    expect(problems('- server\n- site\n')).toBe(
      'config.yml: the top level must be a mapping of keys (like "server:"), got a list',
    );
    expect(problems('hello\n')).toBe('config.yml: the top level must be a mapping of keys (like "server:"), got "hello"');
  });

  it('unknown key, with a suggestion when one is close', () => {
    expect(problems('smtp:\n  prot: 25\n')).toBe('config.yml: smtp.prot: unknown key (did you mean "port"?)');
    expect(problems('smpt:\n  port: 25\n')).toBe('config.yml: smpt: unknown key (did you mean "smtp"?)');
    expect(problems('server:\n  publicUrl: https://x.ru\n')).toBe(
      'config.yml: server.publicUrl: unknown key (did you mean "public_url"?)',
    );
    expect(problems('colour: red\n')).toBe('config.yml: colour: unknown key');
    expect(problems('port: 3000\n')).toBe('config.yml: port: unknown key (did you mean "server.port" or "smtp.port"?)');
  });

  it('a string where an integer belongs, even if it looks like a number', () => {
    expect(problems('smtp:\n  port: abc\n')).toBe('config.yml: smtp.port: must be an integer 1–65535, got "abc"');
    expect(problems('server:\n  port: "3000"\n')).toBe('config.yml: server.port: must be an integer 0–65535, got "3000"');
    expect(problems('auth:\n  session_days: 1.5\n')).toBe('config.yml: auth.session_days: must be an integer 1–365, got 1.5');
  });

  it('integer out of range', () => {
    expect(problems('server:\n  port: 70000\n')).toBe('config.yml: server.port: must be an integer 0–65535, got 70000');
    expect(problems('auth:\n  password_min_length: 4\n')).toBe(
      'config.yml: auth.password_min_length: must be an integer 8–128, got 4',
    );
  });

  it('enum value not allowed', () => {
    expect(problems('smtp:\n  security: ssl\n')).toBe(
      'config.yml: smtp.security: must be one of: starttls, tls, none; got "ssl"',
    );
    expect(problems('site:\n  default_locale: de\n')).toBe('config.yml: site.default_locale: must be one of: ru, en; got "de"');
    expect(problems('catalog:\n  stock_display: approximate\n')).toBe(
      'config.yml: catalog.stock_display: must be one of: exact, ranges, yes_no; got "approximate"',
    );
    expect(problems('catalog:\n  stock_display: yes-no\n')).toBe(
      'config.yml: catalog.stock_display: must be one of: exact, ranges, yes_no; got "yes-no"',
    );
  });

  it('section given as a scalar or a list', () => {
    expect(problems('server: 8080\n')).toBe('config.yml: server: must be a mapping, got 8080');
    expect(problems('log:\n  - info\n')).toBe('config.yml: log: must be a mapping, got a list');
  });

  it('bad boolean (YAML 1.2: yes/no are strings)', () => {
    expect(problems('server:\n  trust_proxy: yes please\n')).toBe(
      'config.yml: server.trust_proxy: must be true or false, got "yes please"',
    );
    expect(problems('database:\n  backup_before_migrate: yes\n')).toBe(
      'config.yml: database.backup_before_migrate: must be true or false, got "yes"',
    );
  });

  it('bad public URL', () => {
    expect(problems('server:\n  public_url: ftp://example.com\n')).toBe(
      'config.yml: server.public_url: must be an http:// or https:// URL, got "ftp://example.com"',
    );
    expect(problems('server:\n  public_url: opt.example.ru\n')).toBe(
      'config.yml: server.public_url: must be an http:// or https:// URL, got "opt.example.ru"',
    );
  });

  it('MoySklad: the token from the environment, each mistake named by its key', () => {
    const ms = (body: string) => `integrations:\n  moysklad:\n${body}`;
    const config = load(ms('    token: ${MS_TOKEN}\n    price_types: [Оптовая = Опт]\n'), { MS_TOKEN: 'abc123' });
    expect(config.integrations.moysklad.token).toBe('abc123');
    expect(config.integrations.moysklad.baseUrl).toBe('https://api.moysklad.ru/api/remap/1.2');
    expect(problems(ms('    order_state_map: [Новый = brand_new]\n'))).toBe(
      'config.yml: integrations.moysklad.order_state_map[0]: "brand_new" is not one of new, confirmed, in_progress, shipped, completed, cancelled',
    );
    expect(problems(ms('    price_types: [Оптовая]\n'))).toBe(
      'config.yml: integrations.moysklad.price_types[0]: must look like "name in MoySklad = value", got "Оптовая"',
    );
    expect(problems(ms('    price_types: [Оптовая = Опт]\n    default_price_type: Розница\n'))).toBe(
      'config.yml: integrations.moysklad.default_price_type: "Розница" is not among integrations.moysklad.price_types',
    );
    expect(problems(ms('    poll_seconds: 1\n'))).toBe(
      'config.yml: integrations.moysklad.poll_seconds: must be an integer 5–86400, got 1',
    );
    expect(problems(ms('    tokn: x\n'))).toMatch(/integrations\.moysklad\.tokn: unknown key/);
  });

  it('smtp.from empty while smtp.host is set', () => {
    expect(problems('smtp:\n  host: mail.example.com\n  from: ""\n')).toBe(
      'config.yml: smtp.from: must not be empty when smtp.host is set',
    );
    expect(load('smtp:\n  from: ""\n').smtp.from).toBe(''); // no host: nothing is sent
  });

  it('a number where text belongs, without echoing a secret', () => {
    expect(problems('smtp:\n  password: 123456\n')).toBe(
      'config.yml: smtp.password: must be a string, got a number (put it in quotes)',
    );
    expect(problems('site:\n  name: 1984\n')).toBe('config.yml: site.name: must be a string, got 1984 (put it in quotes)');
  });

  it('empty values that can never be right', () => {
    expect(problems('data_dir: ""\nsite:\n  name: ""\n')).toBe(
      ['config.yml: data_dir: must not be empty', 'config.yml: site.name: must not be empty'].join('\n'),
    );
  });

  it('reports all problems at once, one per line', () => {
    const text = [
      'server:',
      '  port: 70000',
      '  trust_proxy: maybe',
      'smtp:',
      '  prot: 25',
      '  security: ssl',
      'log: loud',
      '',
    ].join('\n');
    expect(problems(text)).toBe(
      [
        'config.yml: smtp.prot: unknown key (did you mean "port"?)',
        'config.yml: log: must be a mapping, got "loud"',
        'config.yml: server.port: must be an integer 0–65535, got 70000',
        'config.yml: server.trust_proxy: must be true or false, got "maybe"',
        'config.yml: smtp.security: must be one of: starttls, tls, none; got "ssl"',
      ].join('\n'),
    );
  });
});

describe('values', () => {
  it('lets overrides win over the file, port 0 included', () => {
    const file = writeConfig('server:\n  port: 4000\n  host: 0.0.0.0\ndata_dir: ./store\n');
    const dataDir = join(tmpdir(), 'optovik-override');
    const config = loadConfig({ file, env: {}, overrides: { server: { port: 0 }, data_dir: dataDir } });
    expect(config.server.port).toBe(0);
    expect(config.server.host).toBe('0.0.0.0'); // untouched keys of the section survive
    expect(config.dataDir).toBe(dataDir);
  });

  it('validates overrides too', () => {
    expect(errorOf(() => loadConfig({ cwd: tempDir(), env: {}, overrides: { server: { port: -1 } } }))).toBe(
      'overrides: server.port: must be an integer 0–65535, got -1',
    );
  });

  it('resolves a relative data_dir against the config file’s directory, not cwd', () => {
    const root = tempDir();
    mkdirSync(join(root, 'etc'));
    const file = join(root, 'etc', 'optovik.yml');
    writeFileSync(file, 'data_dir: ../var/optovik\n');
    const config = loadConfig({ file, cwd: tempDir(), env: {} });
    expect(config.dataDir).toBe(join(root, 'var', 'optovik'));
  });

  it('strips the trailing slash of public_url and turns secure cookies on for https', () => {
    const config = load('server:\n  public_url: https://opt.example.ru/\n');
    expect(config.server.publicUrl).toBe('https://opt.example.ru');
    expect(config.server.secureCookies).toBe(true);
    expect(load('server:\n  public_url: https://opt.example.ru\n  secure_cookies: false\n').server.secureCookies).toBe(false);
  });

  it('derives public_url from the port', () => {
    expect(load('server:\n  port: 8080\n').server.publicUrl).toBe('http://localhost:8080');
  });

  it('lets a config file turn demo on explicitly', () => {
    expect(load('demo: true\n').demo).toBe(true);
  });

  it('returns a deeply frozen object', () => {
    const config = load('');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.smtp)).toBe(true);
    expect(() => {
      (config.server as { port: number }).port = 1;
    }).toThrow(TypeError);
  });
});

describe('list options (catalog.stock_warehouses)', () => {
  it('reads a block or flow sequence of strings', () => {
    expect(load('catalog:\n  stock_warehouses:\n    - Main\n    - "Склад Север"\n').catalog.stockWarehouses).toEqual([
      'Main',
      'Склад Север',
    ]);
    expect(load('catalog:\n  stock_warehouses: [Main, "000123"]\n').catalog.stockWarehouses).toEqual(['Main', '000123']);
  });

  it('accepts an empty list, and an empty key means the default (all warehouses)', () => {
    expect(load('catalog:\n  stock_warehouses: []\n').catalog.stockWarehouses).toEqual([]);
    expect(load('catalog:\n  stock_warehouses:\n').catalog.stockWarehouses).toEqual([]);
  });

  it('rejects a scalar where a list belongs', () => {
    expect(problems('catalog:\n  stock_warehouses: Main\n')).toBe(
      'config.yml: catalog.stock_warehouses: must be a list of strings, got "Main"',
    );
    expect(problems('catalog:\n  stock_warehouses:\n    main: true\n')).toBe(
      'config.yml: catalog.stock_warehouses: must be a list of strings, got a mapping',
    );
  });

  it('names the index of each bad item', () => {
    expect(problems('catalog:\n  stock_warehouses: [Main, 5]\n')).toBe(
      'config.yml: catalog.stock_warehouses[1]: must be a string, got 5',
    );
    expect(problems('catalog:\n  stock_warehouses:\n    - [a, b]\n    - Main\n    - ""\n    -\n')).toBe(
      [
        'config.yml: catalog.stock_warehouses[0]: must be a string, got a list',
        'config.yml: catalog.stock_warehouses[2]: must not be empty',
        'config.yml: catalog.stock_warehouses[3]: must be a string, got nothing',
      ].join('\n'),
    );
  });

  it('substitutes ${NAME} inside items, and reports a missing variable by index', () => {
    const text = 'catalog:\n  stock_warehouses: ["${MAIN_WH}", "Склад ${CITY}", "$${literal}"]\n';
    expect(load(text, { MAIN_WH: 'Main', CITY: 'Казань' }).catalog.stockWarehouses).toEqual([
      'Main',
      'Склад Казань',
      '${literal}',
    ]);
    expect(problems(text, { MAIN_WH: 'Main' })).toBe(
      'config.yml: catalog.stock_warehouses[1]: environment variable CITY is not set',
    );
    expect(problems(text, { MAIN_WH: '', CITY: 'Казань' })).toBe('config.yml: catalog.stock_warehouses[0]: must not be empty');
  });

  it('takes lists from overrides and freezes them', () => {
    const config = loadConfig({ cwd: tempDir(), env: {}, overrides: { catalog: { stock_warehouses: ['North'] } } });
    expect(config.catalog.stockWarehouses).toEqual(['North']);
    expect(Object.isFrozen(config.catalog.stockWarehouses)).toBe(true);
    expect(errorOf(() => loadConfig({ cwd: tempDir(), env: {}, overrides: { catalog: { stock_warehouses: 'North' } } }))).toBe(
      'overrides: catalog.stock_warehouses: must be a list of strings, got "North"',
    );
  });

  it('prints lists as YAML sequences in the redacted config', () => {
    const text = redactedConfig(load('catalog:\n  stock_warehouses: [Main, North]\n'));
    expect(text).toMatch(/\n {2}stock_warehouses:\n {4}- Main\n {4}- North\n/);
    expect((parse(text) as { catalog: Record<string, unknown> }).catalog.stock_warehouses).toEqual(['Main', 'North']);
    expect(redactedConfig(load(''))).toContain('\n  stock_warehouses: []\n');
  });
});

describe('redactedConfig', () => {
  it('hides a set smtp.password and shows everything else with snake_case keys', () => {
    const config = load('smtp:\n  host: mail.example.com\n  password: "${PW}"\n', { PW: 'hunter2' });
    const text = redactedConfig(config);
    expect(text).not.toContain('hunter2');
    const shown = parse(text) as Record<string, Record<string, unknown>>;
    expect(shown.smtp).toMatchObject({ host: 'mail.example.com', password: '***', port: 587, reply_to: '' });
    expect(shown.server).toMatchObject({ port: 3000, public_url: 'http://localhost:3000', secure_cookies: false });
    expect(shown.data_dir).toBe(config.dataDir);
    expect(shown.demo).toBe(false);
    expect(text.startsWith(`# Effective configuration from ${config.file}`)).toBe(true);
  });

  it('shows an empty secret as empty, so "not set" is visible', () => {
    const shown = parse(redactedConfig(load(''))) as Record<string, Record<string, unknown>>;
    expect(shown.smtp?.password).toBe('');
  });

  it('prints every option exactly once', () => {
    const shown = parse(redactedConfig(load(''))) as Record<string, unknown>;
    for (const option of OPTIONS) {
      const value = option.key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], shown);
      expect(value, option.key).not.toBeUndefined();
    }
  });
});
