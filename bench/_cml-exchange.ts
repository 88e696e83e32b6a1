// The HTTP side of 1C's "Обмен с сайтом" for type=catalog, driven exactly as 1C drives it: one
// request at a time, checkauth (Basic) → cookie on every later request → init (zip, file_limit)
// → every file posted as raw chunks of at most file_limit bytes → import per XML file, repeated
// while the reply is "progress". Every request is timed; a "failure" stops the run.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { log } from './_support.js';

export interface ExchangeFile {
  /** The name 1C sends as filename= (what the server's import step is asked for). */
  name: string;
  /** Where the bytes are on disk. */
  path: string;
}

export interface ExchangeRun {
  uploadS: number;
  importS: number;
  requests: number;
  importCalls: number;
  maxRequestS: number;
  slowestRequest: string;
  zip: string;
  fileLimit: number;
  chunks: number;
}

export class ExchangeFailure extends Error {}

interface Reply {
  status: number;
  text: string;
  lines: string[];
}

const round = (s: number, digits = 3) => Math.round(s * 10 ** digits) / 10 ** digits;

export class OneCClient {
  private cookie = '';
  private sessid = '';
  private stats = { requests: 0, maxRequestS: 0, slowestRequest: '' };

  constructor(
    private readonly baseUrl: string,
    private readonly login: string,
    private readonly password: string,
    private readonly path = '/1c_exchange',
  ) {}

  private url(query: Record<string, string>): string {
    const params = new URLSearchParams({ type: 'catalog', ...query });
    if (this.sessid) params.set('sessid', this.sessid);
    return `${this.baseUrl}${this.path}?${params.toString()}`;
  }

  private async request(method: 'GET' | 'POST', query: Record<string, string>, body?: Uint8Array): Promise<Reply> {
    const url = this.url(query);
    const headers: Record<string, string> = { 'user-agent': '1C+Enterprise/8.3', accept: '*/*' };
    if (query.mode === 'checkauth')
      headers.authorization = `Basic ${Buffer.from(`${this.login}:${this.password}`).toString('base64')}`;
    else headers.cookie = this.cookie;
    if (body) headers['content-type'] = 'application/octet-stream';
    const started = performance.now();
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    const seconds = (performance.now() - started) / 1000;
    this.stats.requests++;
    if (seconds > this.stats.maxRequestS) {
      this.stats.maxRequestS = seconds;
      this.stats.slowestRequest = `${method} ${url.slice(this.baseUrl.length)}${body ? ` (${body.length} bytes)` : ''}`;
    }
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    if (res.status !== 200) {
      throw new ExchangeFailure(
        `${method} ${url.slice(this.baseUrl.length)} → HTTP ${res.status}: ${JSON.stringify(text.slice(0, 500))}`,
      );
    }
    return { status: res.status, text, lines };
  }

  private static fail(what: string, reply: Reply): never {
    throw new ExchangeFailure(`${what}: ${JSON.stringify(reply.text.slice(0, 500))}`);
  }

  /** checkauth: "success\n<cookie name>\n<cookie value>[\nsessid=…][\ntimestamp=…]". */
  async checkauth(): Promise<void> {
    const reply = await this.request('GET', { mode: 'checkauth' });
    const [word, name, value] = reply.lines;
    if (word !== 'success' || !name || !value) OneCClient.fail('checkauth did not answer success + cookie name + value', reply);
    this.cookie = `${name.trim()}=${value.trim()}`;
    // 1C appends sessid= to later URLs when the server sends it (Bitrix does); we do the same.
    this.sessid =
      reply.lines
        .find((l) => l.startsWith('sessid='))
        ?.slice('sessid='.length)
        .trim() ?? '';
  }

  /** init: "zip=yes|no\nfile_limit=<bytes>". */
  async init(): Promise<{ zip: string; fileLimit: number }> {
    const reply = await this.request('GET', { mode: 'init' });
    const zip =
      reply.lines
        .find((l) => l.startsWith('zip='))
        ?.slice(4)
        .trim() ?? '';
    const fileLimit = Number(
      reply.lines
        .find((l) => l.startsWith('file_limit='))
        ?.slice(11)
        .trim(),
    );
    if ((zip !== 'yes' && zip !== 'no') || !Number.isSafeInteger(fileLimit) || fileLimit <= 0) {
      OneCClient.fail('init did not answer zip=yes|no and file_limit=<bytes>', reply);
    }
    return { zip, fileLimit };
  }

  /** Posts one file as consecutive raw bodies of at most fileLimit bytes; returns the chunk count. */
  async upload(file: ExchangeFile, fileLimit: number): Promise<number> {
    const size = statSync(file.path).size;
    const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(fileLimit, size)));
    const fd = openSync(file.path, 'r');
    let chunks = 0;
    try {
      for (let offset = 0; offset < size || (size === 0 && chunks === 0); ) {
        const length = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        const reply = await this.request('POST', { mode: 'file', filename: file.name }, buffer.subarray(0, length));
        if (reply.lines[0] !== 'success') OneCClient.fail(`file ${file.name} at byte ${offset}`, reply);
        offset += length;
        chunks++;
        if (length === 0) break;
      }
    } finally {
      closeSync(fd);
    }
    return chunks;
  }

  /** Repeats mode=import for one file while the server answers "progress"; returns the call count. */
  async importFile(name: string, deadlineS = 1800): Promise<number> {
    const started = performance.now();
    for (let calls = 1; ; calls++) {
      const callStarted = performance.now();
      const reply = await this.request('GET', { mode: 'import', filename: name });
      const [word = '', ...rest] = reply.lines;
      const message = rest.join(' ').trim();
      const now = performance.now();
      log(`  import ${name} #${calls}: ${round((now - callStarted) / 1000, 2)} s → ${word}${message ? `: ${message}` : ''}`);
      if (word === 'success') return calls;
      if (word === 'failure') throw new ExchangeFailure(`import ${name} failed: ${message || '(no message)'}`);
      if (word !== 'progress') OneCClient.fail(`import ${name} answered neither progress, success nor failure`, reply);
      if ((now - started) / 1000 > deadlineS)
        throw new ExchangeFailure(`import ${name} still in progress after ${deadlineS} s (${calls} calls)`);
    }
  }

  /** One whole catalog exchange: checkauth, init, all uploads, then the imports in `importOrder`; uploadS counts the file posts only. */
  async run(files: ExchangeFile[], importOrder: string[] = files.map((f) => f.name)): Promise<ExchangeRun> {
    this.stats = { requests: 0, maxRequestS: 0, slowestRequest: '' };
    await this.checkauth();
    const { zip, fileLimit } = await this.init();
    const t0 = performance.now();
    let chunks = 0;
    for (const file of files) chunks += await this.upload(file, fileLimit);
    const t1 = performance.now();
    let importCalls = 0;
    for (const name of importOrder) importCalls += await this.importFile(name);
    const t2 = performance.now();
    return {
      uploadS: round((t1 - t0) / 1000),
      importS: round((t2 - t1) / 1000),
      requests: this.stats.requests,
      importCalls,
      maxRequestS: round(this.stats.maxRequestS),
      slowestRequest: this.stats.slowestRequest,
      zip,
      fileLimit,
      chunks,
    };
  }
}
