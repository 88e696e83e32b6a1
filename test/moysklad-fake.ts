/**
 * A fake MoySklad JSON API 1.2 on a real port, built from the documented formats (restated in
 * the project's MoySklad spec from moysklad/api-remap-1.2-doc: md/_general.md, _restrictions.md,
 * _errors.md, dictionaries/*, documents/_customerOrder.md, reports/_report_stock.md). No code or
 * recorded reply is copied. What it copies:
 *  - 401 code 1056 without a known Bearer token; 415 with an empty body without Accept-Encoding gzip;
 *    gzip bodies with Content-Encoding: gzip;
 *  - X-RateLimit-Limit/Remaining, X-Lognex-Retry-TimeInterval/Reset/Retry-After on every answer;
 *    a bucket of `units` per 3 s (stock reports cost 5) and at most `parallel` requests at once:
 *    over it 429 with code 1049 / 1073;
 *  - lists: limit 1..1000 (else 412 code 1040), offset, meta.size, nextHref/previousHref only when
 *    they apply; filter terms joined by `;` with = != >= <= > <; archived lists only non-archived
 *    unless asked; unknown entity type 412 code 1005; unknown id 404 code 1021;
 *  - POST customerorder: 412 code 3000 naming a missing agent/organization, 404 code 1021 for
 *    an unknown reference, a reused syncId returns the order made before;
 *  - dates as "YYYY-MM-DD HH:mm:ss.SSS" in Moscow time, optional fields left out, not null.
 *  - pictures: `images` on products and variants (a MetaArray with its size; rows only with
 *    expand=images and limit ≤ 100), /entity/<type>/<id>/images, and /download/<image id>
 *    answering 302 to a temporary address that needs no token (here /__files/<id> on the same port);
 *  - a filter repeating `=` on one field means OR (`id=a;id=b`).
 *  - /report/counterparty (reports/_report_counterparty.md): rows of {meta, counterparty {meta, id,
 *    name, externalCode, companyType}, balance (kopecks, negative while the buyer owes), …}, paged
 *    like lists; 403 when the account has no CRM (`noCrm`).
 *  - currencies (dictionaries/_currency.md) and the sales documents demand, paymentin, invoiceout,
 *    salesreturn (documents/*.md) as plain entities: {id, name (the number), moment, sum (kopecks),
 *    agent (meta), applicable, customerOrder/demand meta where they have one}.
 * Test hooks: fail the next N requests (any status), fail one page of a list, delay answers to POSTs.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export const TOKEN = 'f3a9c0de5b7e41d28c6a0b1e9d7f2a4c5e6b8d01';
const HOST = 'https://api.moysklad.ru/api/remap/1.2';

type Json = Record<string, unknown>;
export interface Entity extends Json {
  id: string;
  updated: string;
}

export interface FakeOptions {
  /** Rate units per 3 s; a request costs `unitCost` (stock reports 5). */
  units?: number;
  unitCost?: number;
  parallel?: number;
  /** Added to every answer, to make the concurrency limit bite. */
  latencyMs?: number;
}

export interface FakeImage {
  id: string;
  filename: string;
  data: Buffer;
  updated: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  status: number;
}

interface Failure {
  count: number;
  status: number;
  path?: string;
  offset?: number;
}

/** Moscow time (UTC+3, no DST) as MoySklad writes it. */
export function mskDate(ms: number): string {
  return new Date(ms + 3 * 3600_000).toISOString().replace('T', ' ').replace('Z', '');
}

function meta(type: string, id: string, path = `entity/${type}`): Json {
  return { meta: { href: `${HOST}/${path}/${id}`, type, mediaType: 'application/json' } };
}

export class FakeMoySklad {
  readonly log: LoggedRequest[] = [];
  readonly entities = new Map<string, Map<string, Entity>>();
  /** assortment id → store id → stock. */
  readonly stock = new Map<string, Map<string, number>>();
  /** assortment id → when its stock last changed (Moscow time, real clock, as changedSince compares). */
  private readonly stockChanged = new Map<string, string>();
  /** The stock report's rows, built once per stock change (a bench asks for 160 pages of them). */
  private stockCache: Json[] | null = null;
  readonly priceTypes: Json[] = [];
  readonly states: Json[] = [];
  url = '';
  /** product/variant id → its pictures, in MoySklad's order. */
  readonly images = new Map<string, FakeImage[]>();
  /** Where /download/<id> redirects to; default this server's /__files/<id>. */
  downloadLocation: ((imageId: string) => string) | null = null;
  /** Bench hook: `/__control/<name>` (no auth, no gzip rule) runs this, e.g. to change data in a child process. */
  control: ((name: string) => unknown) | null = null;
  private server: Server;
  private failures: Failure[] = [];
  private postDelayMs = 0;
  private postDelays = 0;
  private bucket: number;
  private bucketAt = Date.now();
  private inFlight = 0;
  private clockMs = Date.parse('2026-12-01T09:00:00Z');
  private readonly opts: Required<FakeOptions>;

  constructor(opts: FakeOptions = {}) {
    this.opts = { units: 45, unitCost: 1, parallel: 5, latencyMs: 0, ...opts };
    this.bucket = this.opts.units;
    this.server = createServer((req, res) => void this.handle(req, res));
    for (const type of [
      'product',
      'variant',
      'productfolder',
      'counterparty',
      'organization',
      'store',
      'customerorder',
      'uom',
      'currency',
      'demand',
      'paymentin',
      'invoiceout',
      'salesreturn',
    ]) {
      this.entities.set(type, new Map());
    }
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}/api/remap/1.2`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- test hooks

  /** The next `count` requests (to `path`, at `offset` of a list, when given) answer `status`. */
  fail(count: number, status: number, where: { path?: string; offset?: number } = {}): void {
    this.failures.push({ count, status, ...where });
  }

  /** The next `count` POSTs are carried out at once but answered only after `ms` (a client timeout then retries). */
  delayPosts(ms: number, count = 1): void {
    this.postDelayMs = ms;
    this.postDelays = count;
  }

  /** Counterparty id → its balance in the counterparty report (kopecks, negative while it owes). */
  readonly balances = new Map<string, number>();
  /** The account has no CRM option: the counterparty report answers 403. */
  noCrm = false;

  /** Every write moves the server's clock on, so `updated` always grows. */
  tick(): string {
    // A minute per write: far enough apart for an incremental look (which starts a minute early) to tell them apart.
    this.clockMs += 61_000;
    return mskDate(this.clockMs);
  }

  now(): string {
    return mskDate(this.clockMs);
  }

  put(type: string, fields: Json & { id?: string }): Entity {
    const id = fields.id ?? randomUUID();
    const entity: Entity = { ...meta(type, id), archived: false, ...fields, id, updated: this.tick() };
    this.entities.get(type)?.set(id, entity);
    return entity;
  }

  change(type: string, id: string, fields: Json): Entity {
    const current = this.entities.get(type)?.get(id);
    if (!current) throw new Error(`fake: no ${type} ${id}`);
    const entity: Entity = { ...current, ...fields, id, updated: this.tick() };
    this.entities.get(type)?.set(id, entity);
    return entity;
  }

  all(type: string): Entity[] {
    return [...(this.entities.get(type)?.values() ?? [])];
  }

  /** `at`: when the stock changed (real clock), for data that was there before the portal connected. */
  setStock(assortmentId: string, storeId: string, quantity: number, at = Date.now()): void {
    const byStore = this.stock.get(assortmentId) ?? new Map<string, number>();
    byStore.set(storeId, quantity);
    this.stock.set(assortmentId, byStore);
    this.stockChanged.set(assortmentId, mskDate(at));
    this.stockCache = null;
  }

  /** A picture added in MoySklad: the good's `updated` moves, as MoySklad's does. */
  addImage(type: string, goodId: string, filename: string, data: Buffer): FakeImage {
    const image: FakeImage = { id: randomUUID(), filename, data, updated: this.now() };
    this.images.set(goodId, [...(this.images.get(goodId) ?? []), image]);
    this.change(type, goodId, {});
    return image;
  }

  removeImage(type: string, goodId: string, imageId: string): void {
    this.images.set(
      goodId,
      (this.images.get(goodId) ?? []).filter((i) => i.id !== imageId),
    );
    this.change(type, goodId, {});
  }

  addPriceType(name: string): Json {
    const id = randomUUID();
    const row = {
      ...meta('pricetype', id, 'context/companysettings/pricetype'),
      id,
      name,
      externalCode: `pt-${this.priceTypes.length + 1}`,
    };
    this.priceTypes.push(row);
    return row;
  }

  addState(name: string): Json {
    const id = randomUUID();
    const row = {
      ...meta('state', id, 'entity/customerorder/metadata/states'),
      id,
      name,
      stateType: 'Regular',
      entityType: 'customerorder',
    };
    this.states.push(row);
    return row;
  }

  stateRef(id: string): Json {
    return meta('state', id, 'entity/customerorder/metadata/states');
  }

  ref(type: string, id: string): Json {
    return meta(type, id);
  }

  requests(method: string, pathPart: string): LoggedRequest[] {
    return this.log.filter((r) => r.method === method && r.path.includes(pathPart));
  }

  // ---- the server

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.replace(/^\/api\/remap\/1\.2/, '');
    const body = await readBody(req);
    const entry: LoggedRequest = { method: req.method ?? 'GET', path, query: url.searchParams, status: 0 };
    this.log.push(entry);
    const answer = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      entry.status = status;
      this.respond(req, res, status, payload, extra);
    };

    if (path.startsWith('/__files/')) {
      // The temporary address of a picture: another host in MoySklad, no token, no gzip rule.
      const image = [...this.images.values()].flat().find((i) => i.id === path.slice('/__files/'.length));
      entry.status = image ? 200 : 404;
      res.writeHead(entry.status, { 'Content-Type': 'image/png', 'Content-Length': String(image?.data.length ?? 0) });
      res.end(image?.data ?? Buffer.alloc(0));
      return;
    }
    if (this.control && path.startsWith('/__control/')) return answer(200, this.control(path.slice('/__control/'.length)) ?? {});
    if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      entry.status = 415;
      res.writeHead(415, this.limitHeaders());
      res.end();
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      return answer(401, errors(1056, 'Ошибка аутентификации: Неправильный пароль или имя пользователя или ключ авторизации'), {
        'X-Lognex-Auth': '-1',
      });
    }
    const cost = path.startsWith('/report/stock') ? 5 : this.opts.unitCost;
    this.refill();
    if (this.inFlight >= this.opts.parallel) {
      return answer(429, errors(1073, 'Превышено ограничение на количество параллельных запросов'), {
        'X-Lognex-Retry-After': '500',
      });
    }
    if (this.bucket < cost) {
      const wait = Math.ceil(((cost - this.bucket) * 3000) / this.opts.units);
      return answer(429, errors(1049, 'Превышено ограничение на количество запросов в единицу времени'), {
        'X-Lognex-Retry-After': String(wait),
        'X-RateLimit-Remaining': '0',
      });
    }
    this.bucket -= cost;
    this.inFlight += 1;
    try {
      const failure = this.failures.find(
        (f) =>
          f.count > 0 &&
          (f.path === undefined || path.startsWith(f.path)) &&
          (f.offset === undefined || Number(url.searchParams.get('offset') ?? 0) === f.offset),
      );
      if (failure) {
        failure.count -= 1;
        if (this.opts.latencyMs) await pause(this.opts.latencyMs);
        return answer(failure.status, errors(failure.status >= 500 ? 1999 : 1049, 'Внутренняя ошибка сервера'));
      }
      if (this.opts.latencyMs) await pause(this.opts.latencyMs);
      const [status, payload, headers] = this.route(req.method ?? 'GET', path, url.searchParams, body);
      if (req.method === 'POST' && this.postDelays > 0) {
        this.postDelays -= 1;
        await pause(this.postDelayMs);
      }
      answer(status, payload, headers);
    } finally {
      this.inFlight -= 1;
    }
  }

  private refill(): void {
    const now = Date.now();
    this.bucket = Math.min(this.opts.units, this.bucket + ((now - this.bucketAt) * this.opts.units) / 3000);
    this.bucketAt = now;
  }

  private limitHeaders(): Record<string, string> {
    return {
      'X-RateLimit-Limit': String(Math.floor(this.opts.units / this.opts.unitCost)),
      'X-RateLimit-Remaining': String(Math.max(0, Math.floor(this.bucket / this.opts.unitCost))),
      'X-Lognex-Retry-TimeInterval': '3000',
      'X-Lognex-Reset': '0',
      'X-Lognex-Retry-After': '0',
    };
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    payload: unknown,
    extra: Record<string, string>,
  ): void {
    if (res.destroyed) return;
    const zipped = gzipSync(Buffer.from(JSON.stringify(payload)));
    void req;
    res.writeHead(status, {
      'Content-Type': 'application/json;charset=utf-8',
      'Content-Encoding': 'gzip',
      Vary: 'Accept-Encoding',
      ...this.limitHeaders(),
      ...extra,
    });
    res.end(zipped);
  }

  private route(method: string, path: string, q: URLSearchParams, body: string): [number, unknown, Record<string, string>?] {
    if (method === 'GET' && path === '/context/companysettings/pricetype') return [200, this.priceTypes];
    if (method === 'GET' && path === '/entity/customerorder/metadata') {
      return [
        200,
        {
          meta: { href: `${HOST}/entity/customerorder/metadata`, mediaType: 'application/json' },
          attributes: [],
          states: this.states,
          createShared: false,
        },
      ];
    }
    if (method === 'GET' && path === '/report/stock/bystore') return this.list('stockbystore', this.stockRows(), q, path);
    if (method === 'GET' && path === '/report/counterparty') {
      if (this.noCrm) return [403, errors(1016, 'Нет прав на просмотр показателей контрагентов')];
      const rows = this.all('counterparty').map((c) => ({
        meta: { href: `${HOST}/report/counterparty/${c.id}`, type: 'counterparty', mediaType: 'application/json' },
        counterparty: {
          ...meta('counterparty', c.id),
          id: c.id,
          name: c.name,
          externalCode: c.externalCode ?? c.id,
          companyType: c.companyType ?? 'legal',
        },
        demandsCount: 0,
        demandsSum: 0,
        averageReceipt: 0,
        returnsCount: 0,
        returnsSum: 0,
        discountsSum: 0,
        balance: this.balances.get(c.id) ?? 0,
        profit: 0,
        updated: c.updated,
      }));
      return this.list('counterparty', rows as unknown as Entity[], q, path);
    }
    if (method === 'GET' && path === '/report/stock/bystore/current') {
      // A bare array, no paging; with changedSince only what changed since (at most 24 h back).
      const since = q.get('changedSince');
      const rows: Json[] = [];
      for (const [assortmentId, byStore] of this.stock) {
        if (since && (this.stockChanged.get(assortmentId) ?? '') < since) continue;
        for (const [storeId, stock] of byStore) rows.push({ assortmentId, storeId, stock });
      }
      return [200, rows];
    }
    const download = /^\/download\/([^/]+)$/.exec(path);
    if (method === 'GET' && download) {
      const id = download[1] ?? '';
      if (![...this.images.values()].flat().some((i) => i.id === id)) return [404, notFound('image', id)];
      const origin = this.url.slice(0, this.url.indexOf('/api/remap'));
      return [302, {}, { Location: this.downloadLocation?.(id) ?? `${origin}/__files/${id}` }];
    }
    const m = /^\/entity\/([a-z]+)(?:\/([^/]+))?(?:\/(positions|images))?$/.exec(path);
    if (!m) return [404, errors(1002, `Неизвестный путь: '${path}'`)];
    const [, type = '', id, sub] = m;
    const table = this.entities.get(type);
    if (!table) return [412, errors(1005, `Неизвестный тип: '${type}'`)];
    if (method === 'GET' && !id) return this.list(type, this.filtered(type, q.get('filter') ?? ''), q, path);
    if (method === 'GET' && id) {
      const found = table.get(id);
      if (!found) return [404, notFound(type, id)];
      if (sub === 'positions') return this.list('customerorderposition', (found.positionRows as Entity[]) ?? [], q, path);
      if (sub === 'images') return this.list('image', this.imageRows(type, id), q, path);
      return [200, this.shape(found)];
    }
    if (method === 'POST' && !id && type === 'customerorder') return this.createOrder(body);
    if (method === 'POST' && !id && type === 'counterparty') {
      const fields = JSON.parse(body) as Json;
      const before = fields.syncId ? this.all('counterparty').find((c) => c.syncId === fields.syncId) : undefined;
      if (before) return [200, this.shape(before)];
      if (!fields.name)
        return [412, errors(3000, "Ошибка сохранения объекта: поле 'name' не может быть пустым или отсутствовать", 'name')];
      return [200, this.put('counterparty', { ...fields, companyType: fields.companyType ?? 'legal' })];
    }
    if (method === 'PUT' && id) {
      if (!table.has(id)) return [404, notFound(type, id)];
      return [200, this.shape(this.change(type, id, JSON.parse(body) as Json))];
    }
    return [405, errors(1039, 'Метод не поддерживается')];
  }

  private shape(entity: Entity, expandImages = false): Json {
    const { positionRows, ...rest } = entity;
    const images =
      entity.meta && ['product', 'variant'].includes(String((entity.meta as Json).type))
        ? this.imagesField(entity, expandImages)
        : {};
    return positionRows === undefined
      ? { ...rest, ...images }
      : {
          ...rest,
          positions: {
            meta: {
              href: `${HOST}/entity/customerorder/${entity.id}/positions`,
              type: 'customerorderposition',
              size: (positionRows as unknown[]).length,
            },
          },
        };
  }

  private imagesField(entity: Entity, expand: boolean): Json {
    const type = String((entity.meta as Json).type);
    const rows = this.imageRows(type, entity.id);
    const meta = {
      href: `${HOST}/entity/${type}/${entity.id}/images`,
      type: 'image',
      mediaType: 'application/json',
      size: rows.length,
      limit: 1000,
      offset: 0,
    };
    return { images: expand ? { meta, rows } : { meta } };
  }

  private imageRows(type: string, id: string): Json[] {
    return (this.images.get(id) ?? []).map((i) => ({
      meta: {
        href: `${HOST}/entity/${type}/${id}/images/${i.id}`,
        type: 'image',
        mediaType: 'application/json',
        downloadHref: `${this.url}/download/${i.id}`,
      },
      title: i.filename.replace(/\.[^.]*$/, ''),
      filename: i.filename,
      size: i.data.length,
      updated: i.updated,
      miniature: { href: `${HOST}/download/${i.id}?miniature=true`, type: 'image', mediaType: 'image/png' },
      tiny: { href: `https://online.moysklad.ru/static/tinyimage/${i.id}/t.png`, type: 'image', mediaType: 'image/png' },
    }));
  }

  private list(type: string, rows: Json[], q: URLSearchParams, path: string): [number, unknown] {
    const limit = Number(q.get('limit') ?? 1000);
    const offset = Number(q.get('offset') ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      return [412, errors(1040, "Параметр 'limit' должен быть от 1 до 1000", 'limit')];
    // expand is ignored above 100 rows a page, as MoySklad does.
    const expandImages = limit <= 100 && (q.get('expand') ?? '').split(',').includes('images');
    const page = rows.slice(offset, offset + limit).map((r) => this.shape(r as Entity, expandImages));
    const link = (o: number) => `${HOST}${path}?limit=${limit}&offset=${o}`;
    return [
      200,
      {
        context: { employee: { meta: { href: `${HOST}/context/employee`, type: 'employee', mediaType: 'application/json' } } },
        meta: {
          href: link(offset),
          type,
          mediaType: 'application/json',
          size: rows.length,
          limit,
          offset,
          ...(offset + limit < rows.length ? { nextHref: link(offset + limit) } : {}),
          ...(offset > 0 ? { previousHref: link(Math.max(0, offset - limit)) } : {}),
        },
        rows: page,
      },
    ];
  }

  private filtered(type: string, filter: string): Entity[] {
    const terms = filter
      .split(';')
      .filter(Boolean)
      .map((t) => /^([A-Za-z.]+)(!=|>=|<=|=|>|<)(.*)$/.exec(t))
      .filter((t): t is RegExpExecArray => t !== null)
      .map(([, field = '', op = '', value = '']) => ({ field, op, value }));
    const archivedAsked = terms.filter((t) => t.field === 'archived').map((t) => t.value);
    const equalsOn = new Map<string, string[]>();
    for (const t of terms) if (t.op === '=') equalsOn.set(t.field, [...(equalsOn.get(t.field) ?? []), t.value]);
    return this.all(type)
      .filter((e) => {
        if (!('archived' in e) || archivedAsked.length === 0) return e.archived !== true;
        return archivedAsked.includes(String(e.archived === true));
      })
      .filter((e) =>
        terms.every(({ field, op, value }) => {
          if (field === 'archived') return true;
          // `=` repeated on one field: any of the values.
          if (op === '=' && equalsOn.get(field)?.length !== 1) return (equalsOn.get(field) ?? []).includes(fieldValue(e, field));
          const actual = fieldValue(e, field);
          switch (op) {
            case '=':
              return actual === value;
            case '!=':
              return actual !== value;
            case '>=':
              return actual >= value;
            case '<=':
              return actual <= value;
            case '>':
              return actual > value;
            default:
              return actual < value;
          }
        }),
      )
      .sort((a, b) => (a.updated < b.updated ? -1 : a.updated > b.updated ? 1 : 0));
  }

  private stockRows(): Json[] {
    if (this.stockCache) return this.stockCache;
    const rows: Json[] = [];
    const stores = this.all('store');
    for (const [assortmentId, byStore] of this.stock) {
      const type = this.entities.get('variant')?.has(assortmentId) ? 'variant' : 'product';
      rows.push({
        meta: { href: `${HOST}/entity/${type}/${assortmentId}?expand=supplier`, type, mediaType: 'application/json' },
        stockByStore: stores.map((s) => ({
          ...meta('store', s.id),
          name: s.name,
          stock: byStore.get(s.id) ?? 0,
          reserve: 0,
          inTransit: 0,
        })),
      });
    }
    this.stockCache = rows;
    return rows;
  }

  private createOrder(body: string): [number, unknown] {
    const fields = JSON.parse(body) as Json;
    const syncId = typeof fields.syncId === 'string' ? fields.syncId : undefined;
    if (syncId) {
      const before = this.all('customerorder').find((o) => o.syncId === syncId);
      if (before) return [200, this.shape(before)];
    }
    for (const field of ['organization', 'agent']) {
      if (!fields[field])
        return [412, errors(3000, `Ошибка сохранения объекта: поле '${field}' не может быть пустым или отсутствовать`, field)];
    }
    const refs: [unknown, string][] = [
      [fields.organization, 'organization'],
      [fields.agent, 'counterparty'],
      [fields.store, 'store'],
    ];
    const positions = (fields.positions as Json[] | undefined) ?? [];
    for (const p of positions) refs.push([p.assortment, '']);
    for (const [ref, expected] of refs) {
      if (ref === undefined) continue;
      const href = (ref as { meta?: { href?: string; type?: string } }).meta?.href;
      if (!href) return [400, errors(2010, "Ошибка формата: поле 'meta' не содержит 'href'")];
      const [type = '', id = ''] = href.slice(href.indexOf('/entity/') + '/entity/'.length).split('/');
      if (expected && type !== expected) return [400, errors(2024, `Неверный тип ссылки: '${type}'`)];
      if (!this.entities.get(type)?.has(id)) return [404, notFound(type, id)];
    }
    const id = randomUUID();
    const vatIncluded = fields.vatIncluded !== false;
    let sum = 0;
    let vatSum = 0;
    const positionRows = positions.map((p) => {
      const line = Math.round(Number(p.quantity) * Number(p.price) * (1 - Number(p.discount ?? 0) / 100));
      sum += line;
      const vat = Number(p.vat ?? 0);
      vatSum += vatIncluded ? Math.round((line * vat) / (100 + vat)) : Math.round((line * vat) / 100);
      return { ...meta('customerorderposition', randomUUID(), `entity/customerorder/${id}/positions`), id: randomUUID(), ...p };
    });
    const number = String(this.all('customerorder').length + 1).padStart(5, '0');
    const order = this.put('customerorder', {
      ...fields,
      id,
      name: fields.name ?? number,
      moment: `${String(fields.moment ?? this.now()).slice(0, 16)}:00.000`,
      applicable: fields.applicable ?? true,
      state: fields.state ?? (this.states[0] ? this.stateRef(String(this.states[0].id)) : undefined),
      sum,
      vatSum,
      positionRows,
    });
    return [200, this.shape(order)];
  }
}

function fieldValue(e: Entity, field: string): string {
  if (field === 'state' || field === 'agent')
    return String((e[field] as { meta?: { href?: string } } | undefined)?.meta?.href ?? '');
  return field === 'productid' ? productIdOf(e) : String(e[field] ?? '');
}

function productIdOf(e: Entity): string {
  const href = (e.product as { meta?: { href?: string } } | undefined)?.meta?.href ?? '';
  return href.slice(href.lastIndexOf('/') + 1);
}

function errors(code: number, error: string, parameter?: string): Json {
  return {
    errors: [
      { error, code, ...(parameter ? { parameter } : {}), moreInfo: `https://dev.moysklad.ru/doc/api/remap/1.2/#error_${code}` },
    ],
  };
}

function notFound(type: string, id: string): Json {
  return errors(1021, `Объект с типом '${type}' и идентификатором '${id}' не найден`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
