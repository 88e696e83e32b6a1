/**
 * The authorization matrix: every route Fastify has registered (read from Fastify itself, so a
 * new route without a row fails this test) × nine people — nobody, two buyers of company A, a
 * buyer of company B, A's manager, another manager, an admin, a disabled user and a signed-out
 * (revoked) session. Pages and downloads are asked for with company A's ids: another company's
 * id answers 404 and nothing of A shows in the body. Every state-changing route refuses those
 * who may not use it and changes nothing; with the right person it still refuses a request
 * without the CSRF token or from another site. The REST API and the 1C exchange are checked with
 * their own credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/accounts/api-tokens.js';
import { buildCatalog } from './catalog-fixture.js';
import { Browser, checkout, makeCompany, makeUser, startTestApp, type TestApp } from './helpers.js';

const PEOPLE = ['anon', 'A1', 'A2', 'B', 'mA', 'mX', 'admin', 'disabled', 'revoked'] as const;
type Person = (typeof PEOPLE)[number];

/** `/ (GET, HEAD)` trees from printRoutes → [method, path] pairs (HEAD and the wildcard not-found left out). */
function routesOf(tree: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)(?:[├└]── )?(\S+) \(([A-Z, ]+)\)$/.exec(line.replace(/\u00a0/g, ' '));
    if (!m) continue;
    const depth = Math.round((m[1] ?? '').length / 4);
    stack.length = depth;
    const parent = stack[depth - 1] ?? '';
    const path = `${parent}${m[2]}`;
    stack[depth] = path;
    for (const method of (m[3] ?? '').split(', ')) if (method !== 'HEAD' && !path.endsWith('*')) out.push([method, path]);
  }
  return out;
}

describe('authorization matrix', () => {
  let t: TestApp;
  const people = {} as Record<Person, Browser>;
  const ids = { orderA: 0, orderB: 0, companyA: 0, userA1: 0, product: 0, tokenA1: 0, webhookA: 0 };
  const tokens = { A1: '', B: '', mA: '', mX: '', disabled: '', revokedToken: '' };

  beforeAll(async () => {
    t = await startTestApp({ catalog: { allow_backorder: true } });
    const catalog = await buildCatalog(t.ctx);
    const mA = await makeUser(t.ctx, 'manager', { name: 'Менеджер А' });
    const mX = await makeUser(t.ctx, 'manager', { name: 'Менеджер Икс' });
    const admin = await makeUser(t.ctx, 'admin');
    const companyA = await makeCompany(t.ctx, { name: 'Альфа', managerId: mA.id });
    const companyB = await makeCompany(t.ctx, { name: 'Бета', managerId: mX.id });
    for (const c of [companyA, companyB])
      await t.ctx.db
        .updateTable('companies')
        .set({ price_type_id: catalog.priceTypes.wholesale })
        .where('id', '=', c.id)
        .execute();
    const A1 = await makeUser(t.ctx, 'buyer', { companyId: companyA.id, name: 'Покупатель А1' });
    const A2 = await makeUser(t.ctx, 'buyer', { companyId: companyA.id });
    const B = await makeUser(t.ctx, 'buyer', { companyId: companyB.id, name: 'Покупатель Б' });
    const disabled = await makeUser(t.ctx, 'buyer', { companyId: companyA.id });
    const revoked = await makeUser(t.ctx, 'buyer', { companyId: companyA.id });
    ids.companyA = companyA.id;
    ids.userA1 = A1.id;
    ids.product = (await t.ctx.db.selectFrom('products').select('id').where('sku', '=', 'BLT-101').executeTakeFirstOrThrow()).id;
    const users: Record<Exclude<Person, 'anon'>, string> = {
      A1: A1.email,
      A2: A2.email,
      B: B.email,
      mA: mA.email,
      mX: mX.email,
      admin: admin.email,
      disabled: disabled.email,
      revoked: revoked.email,
    };
    people.anon = new Browser(t.app);
    for (const [who, email] of Object.entries(users) as Array<[Exclude<Person, 'anon'>, string]>) {
      people[who] = new Browser(t.app);
      expect((await people[who].login(email)).status).toBe(303);
    }
    for (const [who, key] of [
      ['A1', 'orderA'],
      ['B', 'orderB'],
    ] as const) {
      const add = await people[who].post(
        '/cart/add',
        { next: '/catalog', [`qty[${ids.product}]`]: '2' },
        { csrfFrom: '/catalog' },
      );
      expect(add.status).toBe(303);
      ids[key] = (await checkout(people[who])).orderId;
    }
    // API tokens (made before the disabled user is disabled), one revoked; a webhook of company A.
    const token = async (user: typeof A1) =>
      createApiToken(t.ctx.db, t.ctx.clock, user, { name: 'ERP', scopes: ['read', 'order'] });
    const a1Token = await token(A1);
    ids.tokenA1 = a1Token.row.id;
    tokens.A1 = a1Token.token;
    tokens.B = (await token(B)).token;
    tokens.mA = (await token(mA)).token;
    tokens.mX = (await token(mX)).token;
    tokens.disabled = (await token(disabled)).token;
    const gone = await token(A2);
    tokens.revokedToken = gone.token;
    await t.ctx.db.updateTable('api_tokens').set({ revoked_at: t.ctx.clock.now() }).where('id', '=', gone.row.id).execute();
    ids.webhookA = (
      await t.ctx.db
        .insertInto('webhook_endpoints')
        .values({
          company_id: companyA.id,
          url: 'https://erp.example.com/hook',
          secret: 'whsec_AAAA',
          events: 'order.created',
          created_by: A1.id,
          created_at: 0,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await t.ctx.db.updateTable('users').set({ disabled_at: t.ctx.clock.now() }).where('id', '=', disabled.id).execute();
    await t.ctx.db.deleteFrom('sessions').where('user_id', '=', revoked.id).execute();
  });
  afterAll(async () => {
    await t?.close();
  });

  const fill = (path: string) =>
    path
      .replace('/tokens/:id', `/tokens/${ids.tokenA1}`)
      .replace('/webhooks/:id', `/webhooks/${ids.webhookA}`)
      .replace('/orders/:id', `/orders/${ids.orderA}`)
      .replace('/companies/:id', `/companies/${ids.companyA}`)
      .replace('/users/:id', `/users/${ids.userA1}`)
      .replace('/products/:id', `/products/${ids.product}`)
      .replace(':number', 'X')
      .replace(':sku', 'BLT-101')
      .replace(':type', 'credit-limit')
      .replace(':token', 'aaaaaaaaaaaaaaaa')
      .replace(/:[a-zA-Z]+/g, '1');

  /** What each person gets for a GET, by kind of page. `>x` = a redirect to x. */
  const KINDS = {
    public: { anon: 200, A1: 200, A2: 200, B: 200, mA: 200, mX: 200, admin: 200, disabled: 200, revoked: 200 },
    signedIn: {
      anon: '>/login',
      A1: 200,
      A2: 200,
      B: 200,
      mA: 200,
      mX: 200,
      admin: 200,
      disabled: '>/login',
      revoked: '>/login',
    },
    /** Buying pages: staff first choose the company they act for. */
    buying: {
      anon: '>/login',
      A1: 200,
      A2: 200,
      B: 200,
      mA: '>/catalog/view-as',
      mX: '>/catalog/view-as',
      admin: '>/catalog/view-as',
      disabled: '>/login',
      revoked: '>/login',
    },
    staff: { anon: '>/login', A1: 403, A2: 403, B: 403, mA: 200, mX: 200, admin: 200, disabled: '>/login', revoked: '>/login' },
    admin: { anon: '>/login', A1: 403, A2: 403, B: 403, mA: 403, mX: 403, admin: 200, disabled: '>/login', revoked: '>/login' },
    /** Company A's order: its buyers, its manager and the admin; for B and the other manager it does not exist. */
    orderOfA: {
      anon: '>/login',
      A1: 200,
      A2: 200,
      B: 404,
      mA: 200,
      mX: 404,
      admin: 200,
      disabled: '>/login',
      revoked: '>/login',
    },
    /** Company A seen by staff. */
    staffOfA: {
      anon: '>/login',
      A1: 403,
      A2: 403,
      B: 403,
      mA: 200,
      mX: 404,
      admin: 200,
      disabled: '>/login',
      revoked: '>/login',
    },
    /** Nothing there for anybody signed in (no such document, invoice off without seller requisites). */
    absent: { anon: '>/login', A1: 404, A2: 404, B: 404, mA: 404, mX: 404, admin: 404, disabled: '>/login', revoked: '>/login' },
    /** The REST API takes its tokens only: a browser session is nobody there. */
    api: { anon: 401, A1: 401, A2: 401, B: 401, mA: 401, mX: 401, admin: 401, disabled: 401, revoked: 401 },
  } satisfies Record<string, Record<Person, number | string>>;
  type Expect = keyof typeof KINDS | Record<Person, number | string>;
  const same = (value: number | string): Record<Person, number | string> =>
    Object.fromEntries(PEOPLE.map((p) => [p, value])) as Record<Person, number | string>;

  const GET: Record<string, Expect> = {
    '/': 'signedIn',
    '/api/problems/:type': 'public',
    '/api/v1/products': 'api',
    '/api/v1/products/:sku': 'api',
    '/api/v1/categories': 'api',
    '/api/v1/companies': 'api',
    '/api/v1/orders': 'api',
    '/api/v1/orders/:number': 'api',
    '/api/v1/orders/:number/pdf': 'api',
    '/api/v1/orders/:number/invoice.pdf': 'api',
    '/api/v1/openapi.json': 'public',
    '/api/docs': 'public',
    '/api/docs/': 'public',
    '/api/docs/static/index.html': same('>/api/docs/'),
    '/api/docs/static/swagger-initializer.js': 'public',
    '/api/docs/json': 'public',
    '/api/docs/yaml': 'public',
    '/apply': 'public',
    '/account': 'signedIn',
    '/account/api': 'signedIn',
    '/admin/companies': 'staff',
    '/admin/companies/new': 'admin',
    '/admin/companies/:id': 'staffOfA',
    '/admin/users': 'admin',
    '/admin/users/new': 'admin',
    '/admin/users/:id': 'admin',
    '/admin/access-requests': 'admin',
    '/admin/api-tokens': 'admin',
    '/admin/jobs': 'admin',
    '/admin/mail': 'admin',
    '/admin/mail/:name': { ...KINDS.admin, admin: 404 },
    '/admin/exchange': 'admin',
    '/admin/spreadsheet': 'admin',
    '/admin/spreadsheet/export.xlsx': 'admin',
    '/admin/spreadsheet/export.csv': 'admin',
    '/admin/products/:id/photos': 'admin',
    '/admin/catalog': 'admin',
    '/admin/catalog/lists': 'admin',
    '/admin/catalog/products/new': 'admin',
    '/admin/catalog/products/:id': 'admin',
    '/photos/:name': same(404),
    '/price-list.xlsx': 'buying',
    '/price-list.csv': 'buying',
    // The 1C exchange answers in its own protocol (a "failure" line without 1C's login), never by session.
    '/1c_exchange': 'public',
    '/1c_exchange.php': 'public',
    '/login': { ...KINDS.public, A1: '>/', A2: '>/', B: '>/', mA: '>/', mX: '>/', admin: '>/' },
    '/forgot-password': 'public',
    '/finance': { ...KINDS.buying, mA: '>/catalog/view-as', mX: '>/catalog/view-as', admin: '>/catalog/view-as' },
    '/finance/documents/:id/file': 'absent',
    '/finance/statement': 'absent',
    '/finance/statement.pdf': 'absent',
    '/reset-password/:token': same(410),
    '/invite/:token': same(410),
    '/catalog': 'signedIn',
    '/catalog/p/:id': 'signedIn',
    '/catalog/view-as': 'staff',
    '/cart': 'buying',
    '/checkout': { ...KINDS.buying, A1: '>/cart', A2: '>/cart', B: '>/cart' },
    '/orders': 'signedIn',
    '/orders/:id': 'orderOfA',
    '/orders/:id/print': 'orderOfA',
    '/orders/:id/pdf': 'orderOfA',
    '/orders/:id/invoice': 'absent',
    '/orders/:id/invoice.pdf': 'absent',
    '/manager': 'staff',
    '/desk': 'staff',
    '/desk/orders.xlsx': 'staff',
    '/desk/orders/:id': 'staffOfA',
    '/quick-order': 'buying',
  };

  /**
   * Who may use each state-changing route. Everybody else is refused (sent to sign in, 403 or
   * 404) and nothing stored changes. `null`: anybody may (sign-in, applying, the language).
   */
  const SIGNED: Person[] = ['A1', 'A2', 'B', 'mA', 'mX', 'admin'];
  const BUYING: Person[] = ['A1', 'A2', 'B', 'mA', 'mX', 'admin'];
  const ADMIN: Person[] = ['admin'];
  const POST: Record<string, Person[] | null> = {
    '/apply': null,
    '/login': null,
    '/locale': null,
    '/forgot-password': null,
    '/reset-password/:token': null,
    '/invite/:token': null,
    '/logout': SIGNED,
    '/account/password': SIGNED,
    '/account/api/tokens': SIGNED,
    '/account/api/tokens/:id/revoke': ['A1', 'admin'],
    '/account/api/webhooks': SIGNED,
    '/account/api/webhooks/:id/remove': ['A1', 'A2'],
    '/admin/companies': ADMIN,
    '/admin/companies/:id': ['mA', 'admin'],
    '/admin/companies/:id/disable': ADMIN,
    '/admin/companies/:id/enable': ADMIN,
    '/admin/companies/:id/legal-entities': ['mA', 'admin'],
    '/admin/companies/:id/legal-entities/:eid': ['mA', 'admin'],
    '/admin/companies/:id/addresses': ['mA', 'admin'],
    '/admin/companies/:id/addresses/:aid/delete': ['mA', 'admin'],
    '/admin/companies/:id/users': ['mA', 'admin'],
    '/admin/users': ADMIN,
    '/admin/users/:id': ADMIN,
    '/admin/users/:id/disable': ADMIN,
    '/admin/users/:id/enable': ADMIN,
    '/admin/users/:id/invite': ADMIN,
    '/admin/access-requests/:id/approve': ADMIN,
    '/admin/access-requests/:id/decline': ADMIN,
    '/admin/api-tokens/:id/revoke': ADMIN,
    '/admin/jobs/:id/retry': ADMIN,
    '/admin/exchange/moysklad-sync': ADMIN,
    '/admin/exchange/default-price-type': ADMIN,
    '/admin/exchange/upload': ADMIN,
    '/admin/exchange/resend': ADMIN,
    '/admin/spreadsheet/upload': ADMIN,
    '/admin/spreadsheet/check': ADMIN,
    '/admin/spreadsheet/apply': ADMIN,
    '/admin/products/:id/photos': ADMIN,
    '/admin/products/:id/photos/:photoId/delete': ADMIN,
    '/admin/catalog/products/new': ADMIN,
    '/admin/catalog/products/:id': ADMIN,
    '/admin/catalog/categories': ADMIN,
    '/admin/catalog/categories/:id': ADMIN,
    '/admin/catalog/price-types': ADMIN,
    '/admin/catalog/price-types/:id': ADMIN,
    '/admin/catalog/warehouses': ADMIN,
    '/admin/catalog/warehouses/:id': ADMIN,
    '/catalog/view-as': ['mA', 'mX', 'admin'],
    '/cart/add': BUYING,
    '/cart/update': BUYING,
    '/cart/remove': BUYING,
    '/cart/clear': BUYING,
    '/checkout': BUYING,
    '/orders/:id/cancel': ['A1', 'A2', 'mA', 'admin'],
    '/orders/:id/repeat': ['A1', 'A2', 'mA', 'admin'],
    '/desk/orders/:id/status': ['mA', 'admin'],
    '/desk/orders/:id/mark': ['mA', 'admin'],
    '/desk/orders/:id/lines': ['mA', 'admin'],
    '/quick-order/paste': BUYING,
    '/quick-order/upload': BUYING,
    '/quick-order/columns': BUYING,
  };
  /** Not web forms: their own credentials, checked in the API and exchange rows below. */
  const OWN_CREDENTIALS = new Set(['/api/v1/orders', '/1c_exchange', '/1c_exchange.php', '/hooks/moysklad']);

  /** Everything stored, but sessions and sign-in bookkeeping (which a refused request may touch). */
  function fingerprint(): string {
    const sqlite = t.ctx.database.sqlite;
    const tables = (
      sqlite.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as Array<{
        name: string;
      }>
    )
      .map((r) => r.name)
      .filter((n) => !/session|throttle|attempt|login|rate/.test(n))
      .sort();
    return tables.map((n) => `${n}:${JSON.stringify(sqlite.prepare(`select * from "${n}"`).all())}`).join('\n');
  }

  const shown = (res: { status: number; location?: string }) =>
    res.location !== undefined && res.status >= 300 && res.status < 400 ? `>${res.location.split('?')[0]}` : res.status;

  it('has a row for every route Fastify serves', () => {
    const routes = routesOf(t.app.printRoutes({ commonPrefix: false }));
    expect(routes.length).toBeGreaterThan(100);
    const missing = routes
      .filter(([method, path]) => (method === 'GET' ? !(path in GET) : !(path in POST) && !OWN_CREDENTIALS.has(path)))
      .map(([m, p]) => `${m} ${p}`);
    expect(missing).toEqual([]);
  });

  it('every page and download answers each person as its row says, and leaks nothing of company A', async () => {
    const orderA = await t.ctx.db.selectFrom('orders').select('number').where('id', '=', ids.orderA).executeTakeFirstOrThrow();
    const wrong: string[] = [];
    for (const [path, kind] of Object.entries(GET)) {
      const expected = typeof kind === 'string' ? KINDS[kind] : kind;
      for (const who of PEOPLE) {
        const res = await people[who].get(fill(path));
        const got = shown(res);
        const want = expected[who];
        // Pages answer 302 or 303 to a redirect alike; the target is what matters.
        if (String(got) !== String(want)) wrong.push(`GET ${path} as ${who}: ${got}, expected ${want}`);
        if ((who === 'B' || who === 'mX') && (res.status === 403 || res.status === 404))
          for (const secret of ['Альфа', 'Покупатель А1', orderA.number])
            if (res.body.includes(secret)) wrong.push(`GET ${path} as ${who}: the ${res.status} page shows «${secret}»`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('every state-changing route refuses whoever may not use it, and nothing changes', async () => {
    const wrong: string[] = [];
    for (const [path, allowed] of Object.entries(POST)) {
      if (allowed === null) continue;
      for (const who of PEOPLE) {
        if (allowed.includes(who)) continue;
        const before = fingerprint();
        const res = await people[who].post(
          fill(path),
          {},
          { csrfFrom: who === 'anon' || who === 'disabled' || who === 'revoked' ? '/login' : '/account' },
        );
        const got = shown(res);
        if (!['>/login', 403, 404].includes(got as never)) wrong.push(`POST ${path} as ${who}: ${got}`);
        if (fingerprint() !== before) wrong.push(`POST ${path} as ${who}: something stored changed`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('every state-changing web route refuses a request without its CSRF token or from another site', async () => {
    const wrong: string[] = [];
    for (const [path, allowed] of Object.entries(POST)) {
      const who: Person = allowed === null ? 'anon' : (allowed.find((p) => p === 'admin') ?? allowed[0] ?? 'admin');
      const before = fingerprint();
      const none = await people[who].post(fill(path), { _csrf: '' });
      const token = await people[who].csrf(who === 'anon' ? '/login' : '/account');
      const foreign = await people[who].post(fill(path), { _csrf: token }, { headers: { origin: 'https://evil.example' } });
      for (const [how, res] of [
        ['without a token', none],
        ['from another site', foreign],
      ] as const)
        if (res.status !== 403) wrong.push(`POST ${path} as ${who} ${how}: ${res.status}`);
      if (fingerprint() !== before) wrong.push(`POST ${path} as ${who}: something stored changed`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('the REST API: tokens only, a revoked or disabled one is nobody, another company’s order is 404', async () => {
    const orderA = await t.ctx.db.selectFrom('orders').select('number').where('id', '=', ids.orderA).executeTakeFirstOrThrow();
    const api = async (path: string, token: string, headers: Record<string, string> = {}) => {
      const res = await t.app.inject({
        method: 'GET',
        url: path,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      });
      return { status: res.statusCode, body: res.body };
    };
    const wrong: string[] = [];
    const check = (what: string, got: { status: number; body: string }, want: number) => {
      if (got.status !== want) wrong.push(`${what}: ${got.status}, expected ${want}`);
      if (want === 404 && (got.body.includes('Альфа') || got.body.includes(orderA.number)))
        wrong.push(`${what}: the 404 shows company A`);
    };
    for (const [who, token] of [
      ['nobody', ''],
      ['a revoked token', tokens.revokedToken],
      ["a disabled user's token", tokens.disabled],
      ['a made-up token', 'opt_live_0000000000000000000000000000'],
    ] as const)
      for (const path of ['/api/v1/products', '/api/v1/orders', `/api/v1/orders/${orderA.number}`])
        check(`GET ${path} with ${who}`, await api(path, token), 401);
    check("A1 reads its company's order", await api(`/api/v1/orders/${orderA.number}`, tokens.A1), 200);
    check("B reads A's order", await api(`/api/v1/orders/${orderA.number}`, tokens.B), 404);
    check("B downloads A's order PDF", await api(`/api/v1/orders/${orderA.number}/pdf`, tokens.B), 404);
    check(
      "A's manager reads it for A",
      await api(`/api/v1/orders/${orderA.number}`, tokens.mA, { 'optovik-company': String(ids.companyA) }),
      200,
    );
    check(
      'the other manager names company A',
      await api('/api/v1/orders', tokens.mX, { 'optovik-company': String(ids.companyA) }),
      404,
    );
    check('B names company A', await api('/api/v1/orders', tokens.B, { 'optovik-company': String(ids.companyA) }), 404);
    expect(wrong).toEqual([]);
    // And the refusal names nothing of A.
    const own = await api('/api/v1/orders', tokens.B, { 'optovik-company': String(ids.companyA) });
    expect(own.body).not.toContain(orderA.number);
  });

  it('the 1C exchange takes its own login only: a signed-in session or a wrong password gets nothing', async () => {
    const before = fingerprint();
    for (const who of ['admin', 'A1'] as const) {
      const res = await people[who].get('/1c_exchange?type=catalog&mode=checkauth');
      expect(res.body.split('\n')[0], who).toBe('failure');
    }
    const wrongPassword = await t.app.inject({
      method: 'GET',
      url: '/1c_exchange?type=sale&mode=checkauth',
      headers: { authorization: `Basic ${Buffer.from('someone:guess').toString('base64')}` },
    });
    expect(wrongPassword.body.split('\n')[0]).toBe('failure');
    const query = await t.app.inject({ method: 'GET', url: '/1c_exchange?type=sale&mode=query' });
    expect(query.body).not.toContain('Альфа');
    expect(fingerprint()).toBe(before);
  });
});
