/**
 * MoySklad's JSON API 1.2 over HTTP, kept within what MoySklad allows (docs/moysklad.md):
 * gzip on every request, a request budget of its own (so many per 3 s, so many at once), the
 * server's X-RateLimit-* / X-Lognex-* headers believed over it, 429 waited out as they say, 5xx
 * backed off, other 4xx never retried, and a POST retried only when it carries a syncId (MoySklad
 * then returns what the first one made). Errors say what went wrong in words an admin can act on.
 */
import { gunzipSync } from 'node:zlib';
import { withoutTrailingSlashes } from './wire.js';

export interface ClientOptions {
  baseUrl: string;
  token: string;
  /** Requests started in any 3 s. */
  requestBudget: number;
  /** Requests in flight at once. */
  maxParallel: number;
  /** One request's longest wait for an answer. */
  timeoutMs?: number;
  /** Tries of one request on 429, 5xx and network errors (when it may be repeated). */
  maxTries?: number;
  userAgent?: string;
  /** Hosts a picture download may be redirected to (`*.` prefix: any subdomain); base_url's host always. */
  downloadHosts?: readonly string[];
}

/** What a run cost: shown on the admin page and printed by the CLI. */
export interface ClientStats {
  requests: number;
  http429: number;
  retries: number;
}

export type MoySkladProblem = 'auth' | 'forbidden' | 'not_found' | 'invalid' | 'rate' | 'server' | 'network' | 'timeout' | 'gzip';

/** One failed request, with MoySklad's own error (code, parameter) when it gave one. */
export class MoySkladError extends Error {
  constructor(
    message: string,
    readonly problem: MoySkladProblem,
    readonly status: number | null,
    readonly code: number | null = null,
    readonly parameter: string | null = null,
  ) {
    super(message);
    this.name = 'MoySkladError';
  }
}

/** A page of a list as MoySklad sends it. */
export interface Collection<T> {
  meta: { size: number; limit: number; offset: number; nextHref?: string };
  rows: T[];
}

export type Query = Record<string, string | number | undefined>;

const WINDOW_MS = 3000;
const PAGE = 1000;
/** Stock reports cost 5 rate units where another request costs 4 (a user token from 2026-12-01). */
const STOCK_REPORT_WEIGHT = 5 / 4;

interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

export class MoySkladClient {
  readonly stats: ClientStats = { requests: 0, http429: 0, retries: 0 };
  private readonly base: string;
  /** When each request of the last 3 s started, and its weight in requests. */
  private readonly starts: { at: number; weight: number }[] = [];
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  /** No request starts before this moment (the server said the budget is spent). */
  private pausedUntil = 0;

  constructor(private readonly options: ClientOptions) {
    this.base = withoutTrailingSlashes(options.baseUrl);
  }

  async get<T>(path: string, query: Query = {}): Promise<T> {
    return this.json<T>('GET', path, query, undefined, true);
  }

  /** A POST; repeated after a timeout or 5xx only when `idempotent` (the body carries a syncId). */
  async post<T>(path: string, body: unknown, opts: { idempotent: boolean; query?: Query }): Promise<T> {
    return this.json<T>('POST', path, opts.query ?? {}, body, opts.idempotent);
  }

  async put<T>(path: string, body: unknown): Promise<T> {
    // A PUT sets fields to values: sending it twice leaves the same result.
    return this.json<T>('PUT', path, {}, body, true);
  }

  /** Every page of a list, 1,000 rows a page (no expand: MoySklad ignores it above 100 rows). */
  async *pages<T>(path: string, query: Query = {}): AsyncGenerator<T[]> {
    let offset = 0;
    for (;;) {
      const page = await this.get<Collection<T>>(path, { ...query, limit: PAGE, offset });
      yield page.rows;
      offset += page.rows.length;
      if (page.rows.length === 0 || offset >= page.meta.size || !page.meta.nextHref) return;
    }
  }

  async all<T>(path: string, query: Query = {}): Promise<T[]> {
    const rows: T[] = [];
    for await (const page of this.pages<T>(path, query)) rows.push(...page);
    return rows;
  }

  private async json<T>(method: string, path: string, query: Query, body: unknown, repeatable: boolean): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const answer = await this.exchange(method, this.url(path, query), path, payload, repeatable, false);
    return parseJson<T>(answer.body, method, path);
  }

  /**
   * A picture behind MoySklad's `downloadHref`: the API answers 302 to a temporary address that
   * needs no token (none is sent there). Only base_url's own host and `downloadHosts` are
   * fetched, over HTTPS, and at most `maxBytes` of it is read.
   */
  async download(href: string, maxBytes: number): Promise<Buffer> {
    const api = new URL(this.base);
    const first = new URL(href);
    if (first.origin !== api.origin) {
      throw new MoySkladError(`MoySklad named a picture outside its API (${first.host}); not fetched`, 'invalid', null);
    }
    const answer = await this.exchange('GET', first.toString(), first.pathname, undefined, true, true);
    if (answer.status < 300) return limited(answer.body, maxBytes, first.pathname);
    const location = answer.headers.get('location');
    if (!location)
      throw new MoySkladError(`MoySklad answered ${first.pathname} with a redirect to nowhere`, 'server', answer.status);
    const target = new URL(location, first);
    const allowed =
      target.host === api.host ||
      (target.protocol === 'https:' && hostAllowed(target.hostname, this.options.downloadHosts ?? []));
    if (!allowed) {
      throw new MoySkladError(
        `MoySklad sent the picture to ${target.protocol}//${target.host}, which integrations.moysklad.image_hosts does not allow; not fetched`,
        'forbidden',
        null,
      );
    }
    return fetchLimited(target, maxBytes, this.options.timeoutMs ?? 120_000);
  }

  /** One request with the retries it may have: 429 waited out, 5xx and network errors backed off when repeatable. */
  private async exchange(
    method: string,
    url: string,
    path: string,
    payload: string | undefined,
    repeatable: boolean,
    redirects: boolean,
  ): Promise<Answer> {
    const tries = this.options.maxTries ?? 5;
    // A 429 says how long to wait: waited out up to 20 times, apart from the tries on failures.
    let refusals = 0;
    for (let attempt = 1; ; attempt++) {
      let answer: Answer;
      try {
        answer = await this.send(method, url, payload, redirects);
      } catch (error) {
        const failure = networkError(error, method, path, this.options.timeoutMs ?? 120_000);
        // A POST that may have reached MoySklad is never repeated without a syncId.
        if (!repeatable || attempt >= tries) throw failure;
        this.stats.retries += 1;
        await sleep(backoff(attempt));
        continue;
      }
      if (answer.status >= 200 && answer.status < (redirects ? 400 : 300)) return answer;
      if (answer.status === 429 && refusals < 20) {
        refusals += 1;
        attempt -= 1;
        this.stats.retries += 1;
        await sleep(this.pauseFor429(answer.headers));
        continue;
      }
      if (answer.status >= 500 && repeatable && attempt < tries) {
        this.stats.retries += 1;
        await sleep(backoff(attempt));
        continue;
      }
      throw errorOf(answer, method, path);
    }
  }

  private url(path: string, query: Query): string {
    const url = new URL(path.startsWith('http') ? path : `${this.base}${path.startsWith('/') ? '' : '/'}${path}`);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    return url.toString();
  }

  private async send(method: string, url: string, payload: string | undefined, manualRedirect = false): Promise<Answer> {
    await this.acquire(url.includes('/report/stock/') ? STOCK_REPORT_WEIGHT : 1);
    try {
      this.stats.requests += 1;
      const response = await fetch(url, {
        method,
        headers: {
          Authorization: `Bearer ${this.options.token}`,
          'Accept-Encoding': 'gzip',
          Accept: 'application/json;charset=utf-8',
          'User-Agent': this.options.userAgent ?? 'optovik (+https://github.com/optovik)',
          ...(payload === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(payload === undefined ? {} : { body: payload }),
        redirect: manualRedirect ? 'manual' : 'follow',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
      // fetch unpacks gzip itself; a body still gzipped (no Content-Encoding given) is unpacked here.
      let body = Buffer.from(await response.arrayBuffer());
      if (body.length > 2 && body[0] === 0x1f && body[1] === 0x8b) body = gunzipSync(body);
      if (response.status === 429) this.stats.http429 += 1;
      this.heed(response.headers, response.status);
      return { status: response.status, headers: response.headers, body };
    } finally {
      this.release();
    }
  }

  /** Waits for a free slot (max_parallel) and a free place in the 3 s window (request_budget). */
  private async acquire(weight: number): Promise<void> {
    while (this.inFlight >= this.options.maxParallel) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight += 1;
    for (;;) {
      const now = Date.now();
      while (this.starts.length > 0 && (this.starts[0]?.at ?? 0) <= now - WINDOW_MS) this.starts.shift();
      let used = this.starts.reduce((sum, s) => sum + s.weight, 0);
      // Wait until enough of the oldest starts leave the window for this one to fit.
      let waitBudget = 0;
      for (const s of this.starts) {
        if (used + weight <= this.options.requestBudget + 1e-9) break;
        used -= s.weight;
        waitBudget = s.at + WINDOW_MS - now;
      }
      const wait = Math.max(waitBudget, this.pausedUntil - now);
      if (wait <= 0) break;
      await sleep(wait);
    }
    this.starts.push({ at: Date.now(), weight });
  }

  private release(): void {
    this.inFlight -= 1;
    this.waiting.shift()?.();
  }

  /** The server's own count wins: with nothing left, wait until it says the window resets. */
  private heed(headers: Headers, status: number): void {
    if (status === 429) return;
    const remaining = intHeader(headers, 'x-ratelimit-remaining');
    if (remaining !== null && remaining <= 0) {
      const reset = intHeader(headers, 'x-lognex-reset') ?? intHeader(headers, 'x-lognex-retry-timeinterval') ?? WINDOW_MS;
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + Math.max(reset, 50));
    }
  }

  /** max(Retry-After, Reset) in ms; when both are 0 or missing, the interval, or 3 s. */
  private pauseFor429(headers: Headers): number {
    const after = Math.max(intHeader(headers, 'x-lognex-retry-after') ?? 0, intHeader(headers, 'x-lognex-reset') ?? 0);
    const wait = after > 0 ? after : (intHeader(headers, 'x-lognex-retry-timeinterval') ?? WINDOW_MS);
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + wait);
    return wait;
  }
}

function hostAllowed(host: string, patterns: readonly string[]): boolean {
  const name = host.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    return p.startsWith('*.') ? name.endsWith(p.slice(1)) && name.length > p.length - 1 : name === p;
  });
}

function limited(body: Buffer, maxBytes: number, path: string): Buffer {
  if (body.length > maxBytes) throw new MoySkladError(`the picture at ${path} is larger than ${maxBytes} bytes`, 'invalid', 200);
  return body;
}

/** The temporary address of a picture: no token, no redirects, stops reading past maxBytes. */
async function fetchLimited(target: URL, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const where = `${target.host}${target.pathname}`;
  let response: Response;
  try {
    response = await fetch(target, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw networkError(error, 'GET', where, timeoutMs);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new MoySkladError(
      `the picture at ${where} could not be fetched (${response.status}); it is tried again with the next sync`,
      'server',
      response.status,
    );
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new MoySkladError(
      `the picture at ${where} is larger than ${Math.round(maxBytes / 1048576)} MB (photos.max_upload_mb)`,
      'invalid',
      response.status,
    );
  if (declared > maxBytes) {
    await response.body.cancel();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, size);
}

function intHeader(headers: Headers, name: string): number | null {
  const value = headers.get(name);
  if (value === null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function backoff(attempt: number): number {
  return Math.min(30_000, 250 * 2 ** (attempt - 1));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function parseJson<T>(body: Buffer, method: string, path: string): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw new MoySkladError(`MoySklad answered ${method} ${path} with something that is not JSON`, 'server', 200);
  }
}

interface ErrorItem {
  error?: string;
  code?: number;
  parameter?: string;
}

function errorOf(answer: Answer, method: string, path: string): MoySkladError {
  let first: ErrorItem | undefined;
  try {
    const parsed = JSON.parse(answer.body.toString('utf8')) as { errors?: ErrorItem[] } | ErrorItem[];
    const items = Array.isArray(parsed)
      ? parsed.flatMap((p) => (p as { errors?: ErrorItem[] }).errors ?? [])
      : (parsed.errors ?? []);
    first = items[0];
  } catch {
    // an empty body (415) or an HTML page from a proxy
  }
  const said = first?.error ? `: ${first.error}${first.code ? `, code ${first.code}` : ''}` : '';
  const where = `${method} ${path}`;
  const status = answer.status;
  const code = first?.code ?? null;
  const parameter = first?.parameter ?? null;
  switch (true) {
    case status === 401:
      return new MoySkladError(
        `MoySklad did not accept the token (401${said}): check integrations.moysklad.token — it may be mistyped, revoked by a newer token, or the user blocked`,
        'auth',
        status,
        code,
        parameter,
      );
    case status === 403:
      return new MoySkladError(
        `MoySklad's user for the portal may not do this (${where}, 403${said}): give it the rights in MoySklad`,
        'forbidden',
        status,
        code,
        parameter,
      );
    case status === 404:
      return new MoySkladError(`MoySklad has no such object (${where}, 404${said})`, 'not_found', status, code, parameter);
    case status === 415:
      return new MoySkladError(
        `MoySklad refused the request encoding (${where}, 415): gzip is required`,
        'gzip',
        status,
        code,
        parameter,
      );
    case status === 429:
      return new MoySkladError(
        `MoySklad kept refusing for too many requests (${where}, 429${said})`,
        'rate',
        status,
        code,
        parameter,
      );
    case status >= 500:
      return new MoySkladError(
        `MoySklad failed on its side (${where}, ${status}${said}); try again later`,
        'server',
        status,
        code,
        parameter,
      );
    default:
      return new MoySkladError(`MoySklad refused ${where} (${status}${said})`, 'invalid', status, code, parameter);
  }
}

function networkError(error: unknown, method: string, path: string, timeoutMs: number): MoySkladError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new MoySkladError(
      `MoySklad did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)} s`,
      'timeout',
      null,
    );
  }
  const cause =
    error instanceof Error && error.cause instanceof Error
      ? error.cause.message
      : error instanceof Error
        ? error.message
        : String(error);
  return new MoySkladError(
    `cannot reach MoySklad (${method} ${path}): ${cause}; check integrations.moysklad.base_url and the network`,
    'network',
    null,
  );
}
