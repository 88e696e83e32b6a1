import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type { Logger } from 'pino';
import { hashPassword } from '../src/accounts/passwords.js';
import { normalizeSku } from '../src/catalog/sku.js';
import { buildApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { type DeepPartialRecord, loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { type AppContext, createContext } from '../src/context.js';
import { prepareDatabase } from '../src/db/prepare.js';
import type { Role } from '../src/db/schema.js';
import { tempDir } from './temp-dirs.js';
import type { JobWorker } from '../src/jobs/worker.js';
import type { OrderExporter } from '../src/orders/export.js';

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  /** Not started: a test runs due jobs with runDue(). */
  worker: JobWorker;
  clock: ManualClock;
  config: Config;
  dataDir: string;
  close(): Promise<void>;
}

export { tempDir } from './temp-dirs.js';

/** A real app on a real SQLite file in a temp dir, with a clock the test can move. */
export async function startTestApp(
  overrides: DeepPartialRecord = {},
  opts: { log?: Logger; clock?: ManualClock; orderExporters?: readonly OrderExporter[] } = {},
): Promise<TestApp> {
  const dataDir = tempDir();
  const config = loadConfig({
    cwd: dataDir,
    env: {},
    overrides: { demo: false, data_dir: dataDir, log: { level: 'silent' }, ...overrides },
  });
  const clock = opts.clock ?? new ManualClock();
  const ctx = createContext(config, {
    clock,
    ...(opts.log ? { log: opts.log } : {}),
    ...(opts.orderExporters ? { orderExporters: opts.orderExporters } : {}),
  });
  await prepareDatabase(ctx, false);
  const app = await buildApp(ctx);
  await app.ready();
  return {
    app,
    ctx,
    worker: ctx.worker,
    clock,
    config,
    dataDir,
    async close() {
      await app.close();
      await ctx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;

export async function makeCompany(ctx: AppContext, fields: { name?: string; managerId?: number | null } = {}) {
  counter += 1;
  const now = ctx.clock.now();
  const company = await ctx.db
    .insertInto('companies')
    .values({
      name: fields.name ?? `Компания ${counter}`,
      price_type_id: null,
      manager_id: fields.managerId ?? null,
      external_1c_id: null,
      external_ms_id: null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await ctx.db
    .insertInto('legal_entities')
    .values({
      company_id: company.id,
      name: `ООО «${company.name}»`,
      inn: '7701234567',
      is_primary: 1,
      external_1c_id: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return company;
}

/** A product as search and catalog tests need one; everything not given is empty or zero. */
export interface NewProduct {
  sku?: string;
  name: string;
  variantName?: string;
  brand?: string;
  barcodes?: string[];
  hidden?: boolean;
  hasVariants?: boolean;
  parentId?: number;
  categoryId?: number;
  stock?: number;
}

export async function makeProduct(ctx: AppContext, p: NewProduct): Promise<number> {
  const now = ctx.clock.now();
  const sku = p.sku ?? '';
  const { id } = await ctx.db
    .insertInto('products')
    .values({
      sku,
      sku_norm: normalizeSku(sku),
      name: p.name,
      variant_name: p.variantName ?? '',
      brand: p.brand ?? '',
      hidden: p.hidden ? 1 : 0,
      has_variants: p.hasVariants ? 1 : 0,
      parent_id: p.parentId ?? null,
      category_id: p.categoryId ?? null,
      stock_total: p.stock ?? 0,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const barcode of p.barcodes ?? []) await ctx.db.insertInto('product_barcodes').values({ barcode, product_id: id }).execute();
  return id;
}

export const TEST_PASSWORD = 'correct horse battery';

export async function makeUser(
  ctx: AppContext,
  role: Role,
  fields: { email?: string; name?: string; companyId?: number; password?: string | null; locale?: string } = {},
) {
  counter += 1;
  const now = ctx.clock.now();
  const companyId = role === 'buyer' ? (fields.companyId ?? (await makeCompany(ctx)).id) : null;
  const password = fields.password === undefined ? TEST_PASSWORD : fields.password;
  return ctx.db
    .insertInto('users')
    .values({
      email: fields.email ?? `${role}${counter}@example.test`,
      name: fields.name ?? `${role} ${counter}`,
      role,
      company_id: companyId,
      password_hash: password === null ? null : await hashPassword(password),
      locale: fields.locale ?? null,
      disabled_at: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface Response {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  location?: string;
}

/** A cookie-keeping client over app.inject that fills in the CSRF token like a browser form would. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly app: FastifyInstance) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request('GET', url, undefined, headers);
  }

  /** Posts a form; `_csrf` is taken from `csrfFrom` (a page the form lives on) unless given. */
  async post(
    url: string,
    form: Record<string, string>,
    opts: { csrfFrom?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const body = { ...form };
    if (!('_csrf' in body)) body._csrf = await this.csrf(opts.csrfFrom);
    return this.request('POST', url, new URLSearchParams(body).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...opts.headers,
    });
  }

  async csrf(page?: string): Promise<string> {
    const res = await this.get(page ?? (this.cookies.has('optovik_session') ? '/account' : '/login'));
    const match = /name="_csrf" value="([^"]+)"/.exec(res.body);
    if (!match?.[1]) throw new Error(`no CSRF token on ${page ?? 'the page'} (status ${res.status})`);
    return match[1];
  }

  async login(email: string, password = TEST_PASSWORD): Promise<Response> {
    return this.post('/login', { email, password });
  }

  private async request(
    method: 'GET' | 'POST',
    url: string,
    payload: string | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.app.inject({ method, url, payload, headers: { ...(cookie ? { cookie } : {}), ...headers } });
    for (const c of res.cookies) {
      const expired = c.expires !== undefined && c.expires.getTime() <= Date.now() && c.value === '';
      if (expired || c.maxAge === 0) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const location = res.headers.location;
    return {
      status: res.statusCode,
      body: res.body,
      headers: res.headers,
      ...(typeof location === 'string' ? { location } : {}),
    };
  }
}

export interface SavedMail {
  to: string;
  subject: string;
  text: string;
}

/** The .eml files the file mailer wrote, oldest first, parsed. */
export async function savedMails(dataDir: string): Promise<SavedMail[]> {
  let files: string[];
  try {
    files = readdirSync(join(dataDir, 'mail'))
      .filter((f) => f.endsWith('.eml'))
      .sort();
  } catch {
    return [];
  }
  return Promise.all(files.map((f) => parseEml(readFileSync(join(dataDir, 'mail', f)))));
}

/** A message as a mail client reads it (mailparser, by the author of nodemailer): recipients, subject, plain text. */
export async function parseEml(raw: string | Buffer): Promise<SavedMail> {
  const mail = await simpleParser(raw);
  const to = Array.isArray(mail.to) ? mail.to.map((a) => a.text).join(', ') : (mail.to?.text ?? '');
  return { to, subject: mail.subject ?? '', text: mail.text ?? '' };
}

export function linkIn(text: string, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>]*(${path}/[a-z2-7]+)`).exec(text);
  if (!match?.[1]) throw new Error(`no ${path} link in:\n${text}`);
  return match[1];
}

export interface FilePart {
  filename: string;
  data: Buffer;
  type?: string;
  field?: string;
}

/** A multipart/form-data body as a browser would send it: fields first, then the files. */
export async function multipartBody(fields: Record<string, string>, files: FilePart[]) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const f of files)
    form.append(
      f.field ?? 'photo',
      new Blob([new Uint8Array(f.data)], { type: f.type ?? 'application/octet-stream' }),
      f.filename,
    );
  const request = new Request('http://localhost/', { method: 'POST', body: form });
  return { payload: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type') ?? '' };
}

/** A buyer of a new company at this price type (and discount), signed in. */
export async function buyerAt(t: TestApp, priceTypeId: number, discountBp = 0) {
  const company = await makeCompany(t.ctx, { name: 'Ромашка' });
  await t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: priceTypeId, discount_bp: discountBp })
    .where('id', '=', company.id)
    .execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId: company.id });
  const browser = new Browser(t.app);
  await browser.login(user.email);
  return { company, user, browser };
}

/** The checkout page's form as rendered: the CSRF token, the idempotency key, the total shown and the legal entity. */
export async function checkoutForm(browser: Browser) {
  const page = await browser.get('/checkout');
  const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page.body)?.[1] ?? '';
  return { page, csrf: field('_csrf'), key: field('idempotency_key'), total: field('confirmed_total'), entity: field('legal_entity_id') };
}

/**
 * Submits the checkout form as a buyer does, with the hidden fields the page gave (a new
 * delivery address unless `fields` says otherwise); `orderId` is where it redirected, or NaN.
 */
export async function checkout(browser: Browser, fields: Record<string, string> = {}) {
  const form = await checkoutForm(browser);
  const res = await browser.post('/checkout', {
    _csrf: form.csrf,
    idempotency_key: form.key,
    confirmed_total: form.total,
    ...(form.entity ? { legal_entity_id: form.entity } : {}),
    address_choice: 'new',
    new_address: 'Москва, Складская 1',
    ...fields,
  });
  return { res, orderId: Number(/\/orders\/(\d+)/.exec(res.location ?? '')?.[1]) };
}
