import { randomBytes } from 'node:crypto';
import type { DeepPartialRecord } from '../src/config/load.js';
import type { buildCatalog } from './catalog-fixture.js';
import { type Browser, startTestApp, type TestApp } from './helpers.js';

/** The test app; the quick order routes are part of it. */
export async function startQuickOrderApp(overrides: DeepPartialRecord = {}): Promise<TestApp> {
  return startTestApp(overrides);
}

export type Catalog = Awaited<ReturnType<typeof buildCatalog>>;

export { buyerAt as buyerOf } from './helpers.js';

/** The cart as { sku: quantity }. */
export async function cartOf(t: TestApp, companyId: number): Promise<Record<string, number>> {
  const rows = await t.ctx.db
    .selectFrom('cart_items as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .select(['p.sku', 'c.quantity'])
    .where('c.company_id', '=', companyId)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.sku, r.quantity]));
}

/** Spaces as a browser shows them: no-break and narrow no-break spaces become plain ones. */
export const plain = (html: string) =>
  html
    .replace(/[\u00a0\u202f]/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

/** Posts a file like the upload form does: `_csrf` and the other fields first, then the file. */
export async function uploadFile(
  t: TestApp,
  browser: Browser,
  file: { name: string; data: Buffer; type?: string },
  fields: Record<string, string> = {},
) {
  const csrf = await browser.csrf('/quick-order');
  const boundary = `----optovik${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries({ _csrf: csrf, ...fields })) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  chunks.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`,
    ),
    file.data,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await t.app.inject({
    method: 'POST',
    url: '/quick-order/upload',
    payload: Buffer.concat(chunks),
    headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
  });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

/** Downloads with the browser's cookies, as bytes. */
export async function download(t: TestApp, browser: Browser, url: string) {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await t.app.inject({ method: 'GET', url, headers: { cookie } });
  return { status: res.statusCode, headers: res.headers, data: res.rawPayload };
}

/** Text in windows-1251, as Russian Excel saves "CSV (разделители — точка с запятой)". */
export function windows1251(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0x3f;
    if (code < 0x80) bytes.push(code);
    else if (code >= 0x410 && code <= 0x44f) bytes.push(code - 0x410 + 0xc0);
    else if (code === 0x401) bytes.push(0xa8);
    else if (code === 0x451) bytes.push(0xb8);
    else if (code === 0x2116) bytes.push(0xb9);
    else if (code === 0xab) bytes.push(0xab);
    else if (code === 0xbb) bytes.push(0xbb);
    else throw new Error(`no windows-1251 byte for ${ch}`);
  }
  return Buffer.from(bytes);
}
