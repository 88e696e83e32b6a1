import type { AddressInfo } from 'node:net';
import { type ApiScope, createApiToken } from '../src/accounts/api-tokens.js';
import type { ManualClock } from '../src/clock.js';
import type { DeepPartialRecord } from '../src/config/load.js';
import type { UserRow } from '../src/db/schema.js';
import { buildCatalog } from './catalog-fixture.js';
import { makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

export interface ApiTestApp extends TestApp {
  /** http://127.0.0.1:<port>: the API is exercised over a real socket. */
  base: string;
  catalog: Awaited<ReturnType<typeof buildCatalog>>;
}

/**
 * A test app listening on a real port, with the hand-made catalog. The rate limit is off unless
 * a test asks for it, and there is no Chromium (mails go without PDF, fast) unless asked.
 */
export async function startApiApp(overrides: { api?: DeepPartialRecord } & DeepPartialRecord = {}, opts: { clock?: ManualClock } = {}): Promise<ApiTestApp> {
  const { api, ...rest } = overrides;
  const t = await startTestApp(
    {
      documents: { chromium_path: '/nonexistent/chromium' },
      ...rest,
      api: { rate_limit: 0, ...(api ?? {}) },
    },
    opts,
  );
  try {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const catalog = await buildCatalog(t.ctx);
    return { ...t, base: `http://127.0.0.1:${port}`, catalog };
  } catch (error) {
    await t.close();
    throw error;
  }
}

export interface Buyer {
  company: { id: number; name: string };
  user: UserRow;
  token: string;
}

/** A buyer company at the wholesale price type (or another), with a user and an API token. */
export async function apiBuyer(
  t: ApiTestApp,
  opts: { scopes?: ApiScope[]; priceTypeId?: number; discountBp?: number; name?: string; managerId?: number | null } = {},
): Promise<Buyer> {
  const company = await makeCompany(t.ctx, { name: opts.name ?? 'Ромашка', managerId: opts.managerId ?? null });
  await t.ctx.db
    .updateTable('companies')
    .set({ price_type_id: opts.priceTypeId ?? t.catalog.priceTypes.wholesale, discount_bp: opts.discountBp ?? 0 })
    .where('id', '=', company.id)
    .execute();
  const user = await makeUser(t.ctx, 'buyer', { companyId: company.id });
  const { token } = await createApiToken(t.ctx.db, t.ctx.clock, user, { name: 'ERP', scopes: opts.scopes ?? ['read', 'order'] });
  return { company, user, token };
}

export async function tokenFor(t: ApiTestApp, user: UserRow, scopes: ApiScope[] = ['read', 'order']): Promise<string> {
  return (await createApiToken(t.ctx.db, t.ctx.clock, user, { name: 'ERP', scopes })).token;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON
  body: any;
}

export interface CallOptions {
  token?: string;
  method?: string;
  /** JSON-encoded unless it is a string (sent as it is). */
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request over the socket, as an integrator's client would make it. */
export async function call(t: ApiTestApp, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${t.base}${path}`, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, redirect: 'manual' });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, headers: res.headers, text, body: type.includes('json') && text ? JSON.parse(text) : undefined };
}

let keys = 0;
/** A fresh Idempotency-Key. */
export function newKey(): string {
  keys += 1;
  return `test-key-${process.pid}-${keys}-${Math.random().toString(36).slice(2)}`;
}

/** POST /api/v1/orders with a fresh (or the given) Idempotency-Key. */
export async function placeApiOrder(t: ApiTestApp, token: string, body: unknown, key = newKey(), headers: Record<string, string> = {}) {
  return call(t, '/api/v1/orders', { token, body, headers: { 'idempotency-key': key, ...headers } });
}

export function sku(t: ApiTestApp, code: string) {
  const p = t.catalog.products.find((x) => x.sku === code);
  if (!p) throw new Error(`no product ${code}`);
  return p;
}
