/**
 * X-Forwarded-For rotated from outside, over a real port: a client that writes a new address into
 * every request must not get new login or 1C exchange attempts. Requests come from 127.0.0.1 (the
 * proxy, as nginx on the same machine) or, for a client talking to the portal directly, from
 * 127.0.0.2 (Linux answers on all of 127/8).
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeepPartialRecord } from '../src/config/load.js';
import { proxyAddressProblem } from '../src/config/schema.js';
import { loadConfig } from '../src/config/load.js';
import { makeUser, startTestApp, type TestApp, TEST_PASSWORD } from './helpers.js';

const LOGIN = 'onec';
const PASSWORD = 'right-1c-secret';

interface Sent {
  status: number;
  body: string;
  cookies: string[];
}

function send(
  base: string,
  path: string,
  opts: { method?: string; from: string; headers?: Record<string, string>; body?: string },
): Promise<Sent> {
  return new Promise((done, fail) => {
    const body = opts.body ?? '';
    const req = request(
      `${base}${path}`,
      {
        method: opts.method ?? 'GET',
        localAddress: opts.from,
        headers: { ...opts.headers, ...(opts.body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () =>
          done({ status: res.statusCode ?? 0, body: text, cookies: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0] ?? '') }),
        );
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(server: DeepPartialRecord) {
  t = await startTestApp({
    server,
    auth: { max_failures_per_ip: 3, max_failures_per_account: 100 },
    integrations: { commerceml: { login: LOGIN, password: PASSWORD } },
  } as DeepPartialRecord);
  return t.app.listen({ host: '127.0.0.1', port: 0 });
}

/** A wrong password for a new email each time (so only the per-address limit can stop it). */
async function failedLogin(base: string, from: string, xff: string, n: number): Promise<number> {
  const form = await send(base, '/login', { from, headers: { 'x-forwarded-for': xff } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const res = await send(base, '/login', {
    method: 'POST',
    from,
    headers: { 'x-forwarded-for': xff, cookie: form.cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: `guess${n}@portal.test`, password: 'wrong' }).toString(),
  });
  return res.status;
}

async function checkauth(base: string, from: string, xff: string, password: string): Promise<string> {
  const auth = `Basic ${Buffer.from(`${LOGIN}:${password}`).toString('base64')}`;
  const res = await send(base, '/1c_exchange?type=catalog&mode=checkauth', { from, headers: { 'x-forwarded-for': xff, authorization: auth } });
  return res.body;
}

describe('X-Forwarded-For rotated by the client', () => {
  it('behind a trusted proxy: the address the proxy saw counts, not what the client wrote', async () => {
    const base = await start({ trust_proxy: true, trusted_proxies: ['127.0.0.1'] });
    // nginx appends the address it saw ($proxy_add_x_forwarded_for) after whatever the client sent.
    const viaNginx = (i: number) => `10.${i}.0.1, 203.0.113.7`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await failedLogin(base, '127.0.0.1', viaNginx(i), i));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);

    const answers: string[] = [];
    for (let i = 0; i < 4; i++) answers.push((await checkauth(base, '127.0.0.1', `10.9.${i}.1, 198.51.100.4`, 'wrong')).split('\n')[1] ?? '');
    // Even the right password: this address used up its attempts.
    answers.push((await checkauth(base, '127.0.0.1', '10.9.99.1, 198.51.100.4', PASSWORD)).split('\n')[1] ?? '');
    expect(answers.slice(0, 3)).toEqual(['Invalid login or password', 'Invalid login or password', 'Invalid login or password']);
    for (const answer of answers.slice(3)) expect(answer).toMatch(/^Too many failed logins from this address/);
    // Another client behind the same proxy is not locked out with it.
    expect(await checkauth(base, '127.0.0.1', '198.51.100.5', PASSWORD)).toMatch(/^success/);
  });

  it('a client talking to the portal directly is not believed at all', async () => {
    const base = await start({ trust_proxy: true, trusted_proxies: ['127.0.0.1'] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push(await failedLogin(base, '127.0.0.2', `10.${i}.0.1`, i));
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    for (let i = 0; i < 3; i++) await checkauth(base, '127.0.0.2', `10.8.${i}.1`, 'wrong');
    expect(await checkauth(base, '127.0.0.2', '10.8.99.1', PASSWORD)).toMatch(/^failure\nToo many failed logins/);
  });

  it('records the real client address of a session, and proxy_hops counts hops whatever their address', async () => {
    const base = await start({ trust_proxy: true, proxy_hops: 2 });
    const user = await makeUser((t as TestApp).ctx, 'buyer');
    const from = '127.0.0.2';
    // Two proxies: a load balancer (wrote 192.0.2.10 as the client) and nginx (wrote the balancer).
    const xff = '10.66.0.1, 192.0.2.10, 172.16.0.3';
    const form = await send(base, '/login', { from, headers: { 'x-forwarded-for': xff } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
    const res = await send(base, '/login', {
      method: 'POST',
      from,
      headers: { 'x-forwarded-for': xff, cookie: form.cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, email: user.email, password: TEST_PASSWORD }).toString(),
    });
    expect(res.status).toBe(303);
    const session = await (t as TestApp).ctx.db.selectFrom('sessions').select('ip').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(session.ip).toBe('192.0.2.10');
  });

  it('without trust_proxy the header is ignored', async () => {
    const base = await start({ trust_proxy: false });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await failedLogin(base, '127.0.0.1', `10.${i}.0.1`, i));
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('server.trusted_proxies in config.yml', () => {
  it('takes addresses, CIDR ranges and proxy-addr names, and refuses anything else with the key', () => {
    for (const ok of ['127.0.0.1', '::1', '10.0.0.0/8', 'fd00::/8', 'loopback', 'uniquelocal']) expect(proxyAddressProblem(ok), ok).toBeNull();
    for (const bad of ['*', 'true', '10.0.0.0/33', 'nginx.local', '10.0.0.1/8/1', '']) expect(proxyAddressProblem(bad), bad).not.toBeNull();
    expect(() => loadConfig({ env: {}, overrides: { server: { trusted_proxies: ['0.0.0.0/0x'] } } })).toThrow(
      /server\.trusted_proxies.*must be an IP address, a CIDR range like 10\.0\.0\.0\/8/,
    );
  });
});
