/** Talks to /1c_exchange the way 1C does: Basic auth, the cookie from checkauth, raw chunked posts. */
export class OneCClient {
  private cookie = '';
  fileLimit = 0;
  zip = false;
  readonly log: string[] = [];

  constructor(
    private readonly base: string,
    private readonly login: string,
    private readonly password: string,
    private readonly path = '/1c_exchange',
  ) {}

  url(type: string, mode: string, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams({ type, mode, ...extra });
    return `${this.base}${this.path}?${params}`;
  }

  async request(
    type: string,
    mode: string,
    extra: Record<string, string> = {},
    body?: Uint8Array,
  ): Promise<{ status: number; text: string; bytes: Buffer; headers: Headers }> {
    const headers: Record<string, string> = { 'user-agent': '1C+Enterprise/8.3' };
    if (mode === 'checkauth') headers.authorization = `Basic ${Buffer.from(`${this.login}:${this.password}`).toString('base64')}`;
    else if (this.cookie) headers.cookie = this.cookie;
    const response = await fetch(this.url(type, mode, extra), {
      method: body ? 'POST' : 'GET',
      headers,
      ...(body ? { body } : {}),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    this.log.push(`${mode} ${extra.filename ?? ''} -> ${text.split('\n').slice(0, 2).join(' | ')}`);
    return { status: response.status, text, bytes, headers: response.headers };
  }

  async checkauth(type: string): Promise<string[]> {
    const { text } = await this.request(type, 'checkauth');
    const lines = text.split('\n');
    if (lines[0] === 'success') this.cookie = `${lines[1]}=${lines[2]}`;
    return lines;
  }

  async init(type: string, extra: Record<string, string> = {}): Promise<string[]> {
    const lines = (await this.request(type, 'init', extra)).text.split('\n');
    for (const line of lines) {
      if (line.startsWith('file_limit=')) this.fileLimit = Number(line.slice(11));
      if (line.startsWith('zip=')) this.zip = line === 'zip=yes';
    }
    return lines;
  }

  /** Posts a file in pieces of at most file_limit bytes; returns the last reply's first line. */
  async upload(type: string, name: string, data: Uint8Array, pieceBytes = this.fileLimit): Promise<string> {
    let last = '';
    for (let offset = 0; offset < data.length || (offset === 0 && data.length === 0); offset += pieceBytes) {
      const { text } = await this.request(type, 'file', { filename: name }, data.subarray(offset, offset + pieceBytes));
      last = text;
      if (!text.startsWith('success')) return text;
      if (data.length === 0) break;
    }
    return last;
  }

  /** Repeats mode=import while the answer is progress; returns the final answer. */
  async importUntilDone(type: string, name: string, maxCalls = 1000): Promise<{ final: string; calls: number }> {
    for (let calls = 1; calls <= maxCalls; calls++) {
      const { text } = await this.request(type, 'import', { filename: name });
      if (!text.startsWith('progress')) return { final: text, calls };
    }
    throw new Error(`import of ${name} did not finish in ${maxCalls} calls`);
  }

  /** A whole catalog exchange as 1C runs it: checkauth, init, every file uploaded, then each imported; throws on anything but success. */
  async sendCatalog(files: ReadonlyArray<readonly [string, string | Uint8Array]>): Promise<void> {
    const auth = await this.checkauth('catalog');
    if (auth[0] !== 'success') throw new Error(`checkauth: ${auth.join(' ')}`);
    await this.init('catalog');
    for (const [name, body] of files) {
      const answer = await this.upload('catalog', name, typeof body === 'string' ? Buffer.from(body) : body);
      if (!answer.startsWith('success')) throw new Error(`upload of ${name}: ${answer}`);
    }
    for (const [name] of files) {
      const { final } = await this.importUntilDone('catalog', name);
      if (!final.startsWith('success')) throw new Error(`import of ${name}: ${final}`);
    }
  }
}
