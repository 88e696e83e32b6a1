/**
 * When the server cannot store anything: the database reaches its size limit, the disk holding
 * the data folder is full, or the volume turns read-only. Orders (web checkout and the API) are
 * refused with a clear 503 that says nothing was saved, nothing is half-written (no order without
 * its lines, the cart stays), and the portal goes on by itself once space returns. The disk part
 * runs on a real small tmpfs volume mounted for the test (root only; skipped elsewhere, saying so).
 * (A read-only remount cannot be had while the database is open for writing: the kernel refuses
 * it as busy. A volume the kernel turns read-only after disk errors gives SQLite's READONLY / IOERR
 * codes, which take the same path as a full disk: src/db/storage-errors.ts.)
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApiTestApp, apiBuyer, startApiApp } from './api-helpers.js';
import { Browser, checkout, makeUser } from './helpers.js';

let t: ApiTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const plain = (html: string) => html.replace(/[\u00a0\u202f]/g, ' ');

async function apiOrder(app: ApiTestApp, token: string, key: string) {
  const res = await fetch(`${app.base}/api/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ lines: [{ sku: 'BLT-101', quantity: '10' }] }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}

/** Orders and lines as stored: every order has its lines, none is half there. */
async function stored(app: ApiTestApp) {
  const orders = await app.ctx.db.selectFrom('orders').select(['id']).execute();
  const withoutLines = app.ctx.database.sqlite
    .prepare('select count(*) as n from orders o where not exists (select 1 from order_lines l where l.order_id = o.id)')
    .get() as { n: number };
  return { orders: orders.length, withoutLines: withoutLines.n };
}

/** A buyer signed in on the web with two lines in the cart. */
async function webBuyer(app: ApiTestApp) {
  const { company } = await apiBuyer(app, { name: 'Ромашка' });
  const user = await makeUser(app.ctx, 'buyer', { companyId: company.id });
  const browser = new Browser(app.app);
  await browser.login(user.email);
  const form: Record<string, string> = { next: '/catalog' };
  for (const sku of ['BLT-101', 'BLT-102']) {
    const product = app.catalog.products.find((p) => p.sku === sku);
    form[`qty[${product?.id}]`] = '10';
  }
  expect((await browser.post('/cart/add', form, { csrfFrom: '/catalog' })).status).toBe(303);
  return browser;
}

/** Writes until the database refuses: the limit is the pages it has now (free pages inside are used first). */
function capDatabase(app: ApiTestApp): void {
  const sqlite = app.ctx.database.sqlite;
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const pages = Number(sqlite.pragma('page_count', { simple: true }));
  sqlite.pragma(`max_page_count = ${pages}`);
}

describe('when the database cannot grow', () => {
  it('an order is refused with a clear 503 on the web and in the API, nothing is half-written, and it goes through once there is room', async () => {
    t = await startApiApp();
    const app = t;
    const { token } = await apiBuyer(app);
    const browser = await webBuyer(app);
    expect((await apiOrder(app, token, 'before-full-1')).status).toBe(201);

    capDatabase(app);
    // Free pages inside the file may take a few orders more; then the limit bites.
    let refused: Awaited<ReturnType<typeof apiOrder>> | undefined;
    let refusedKey = '';
    for (let i = 0; i < 200 && !refused; i++) {
      refusedKey = `while-full-${i}`;
      const answer = await apiOrder(app, token, refusedKey);
      if (answer.status !== 201) refused = answer;
    }
    expect(refused?.status).toBe(503);
    expect(refused?.retryAfter).toBe('60');
    expect(refused?.body).toMatchObject({ type: '/api/problems/storage-unavailable', status: 503 });
    expect(String(refused?.body.title)).toMatch(/не может сохранить/);
    const during = await stored(app);
    expect(during.withoutLines).toBe(0);

    // The buyer on the web: a page that says what happened, and the cart is still there.
    const page = (await checkout(browser)).res;
    expect(page.status).toBe(503);
    expect(plain(page.body)).toContain('Портал не может сейчас ничего сохранить');
    expect(plain(page.body)).toContain('корзина и введённые данные на месте');
    expect(plain((await browser.get('/cart')).body)).toContain('BLT-102');
    expect(await stored(app)).toEqual(during);

    // Space returns: the same request with the same key goes through, once.
    app.ctx.database.sqlite.pragma('max_page_count = 1073741823');
    const again = await apiOrder(app, token, refusedKey);
    expect(again.status).toBe(201);
    expect((await apiOrder(app, token, refusedKey)).status).toBe(200);
    expect((await checkout(browser)).res.status).toBe(303);
    const after = await stored(app);
    expect(after.orders).toBe(during.orders + 2);
    expect(after.withoutLines).toBe(0);
    expect(app.ctx.database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
  });
});

/** A tmpfs of `size` mounted on a new folder, or null where this process may not mount (not root, a container without the right). */
function mountTmpfs(size: string): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'optovik-test-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status === 0) return dir;
  rmSync(dir, { recursive: true, force: true });
  return null;
}

function unmount(dir: string): void {
  spawnSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Fills the volume with one file until the disk says it is full. */
function fill(dir: string): string {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  // The last bytes: smaller writes until nothing fits.
  const small = openSync(path, 'a');
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
  return path;
}

const probe = mountTmpfs('1m');
if (probe) unmount(probe);
else console.log('disk-full: tmpfs cannot be mounted here (not root, or no CAP_SYS_ADMIN); the real-disk cases are skipped');

describe.skipIf(!probe)('on a real volume (a 64 MB tmpfs holds the data folder)', () => {
  it('a full disk refuses orders with the same clear 503 and loses nothing; freeing space is enough to go on', async () => {
    const volume = mountTmpfs('64m');
    if (!volume) throw new Error('tmpfs mounted a moment ago, not now');
    try {
      t = await startApiApp({ data_dir: volume });
      const app = t;
      const { token } = await apiBuyer(app);
      expect((await apiOrder(app, token, 'disk-1')).status).toBe(201);
      const filler = fill(volume);

      let refused: Awaited<ReturnType<typeof apiOrder>> | undefined;
      let placed = 0;
      for (let i = 0; i < 500 && !refused; i++) {
        const answer = await apiOrder(app, token, `disk-full-${i}`);
        if (answer.status === 201) placed += 1;
        else refused = { ...answer, body: { ...answer.body, key: `disk-full-${i}` } };
      }
      expect(refused?.status).toBe(503);
      expect(refused?.body).toMatchObject({ type: '/api/problems/storage-unavailable' });
      const during = await stored(app);
      expect(during).toEqual({ orders: 1 + placed, withoutLines: 0 });

      rmSync(filler);
      const again = await apiOrder(app, token, String(refused?.body.key));
      expect(again.status).toBe(201);
      const after = await stored(app);
      expect(after).toEqual({ orders: during.orders + 1, withoutLines: 0 });
      expect(app.ctx.database.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      await t?.close();
      t = undefined;
      unmount(volume);
    }
  });
});
