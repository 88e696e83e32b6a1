import { SMTPServer } from 'smtp-server';

/** A real SMTP server in this process, collecting what it is sent; `refuse` makes it reject a recipient or everything. */
export class Inbox {
  readonly messages: { to: string[]; raw: string }[] = [];
  refuseAll = false;
  readonly refuse = new Set<string>();
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo: (address, _session, callback) => {
        if (this.refuseAll) return callback(new Error('451 try again later'));
        if (this.refuse.has(address.address)) return callback(new Error('550 no such user'));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.messages.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
  }
  async start() {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as { port: number }).port;
  }
  async stop() {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
  to(address: string) {
    return this.messages.filter((m) => m.to.includes(address));
  }
}

/** The attached file named `filename` of a raw MIME message (base64 parts, as nodemailer writes them), or null. */
export function attachment(raw: string, filename: string): Buffer | null {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1] ?? '');
  for (const boundary of boundaries) {
    for (const part of raw.split(`--${boundary}`)) {
      const [head = '', ...body] = part.split(/\r?\n\r?\n/);
      const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
      if (!unfolded.includes(`filename=${filename}`) && !unfolded.includes(`filename="${filename}"`)) continue;
      if (!/content-transfer-encoding: base64/i.test(unfolded)) continue;
      return Buffer.from(body.join('').replace(/\s+/g, ''), 'base64');
    }
  }
  return null;
}

/** The text/plain part of a raw MIME message, decoded (nodemailer picks base64 or quoted-printable). */
export function plainText(raw: string): string {
  const part = /Content-Type: text\/plain; charset=utf-8\r?\nContent-Transfer-Encoding: ([\w-]+)\r?\n\r?\n([\s\S]*?)\r?\n--/i.exec(raw);
  if (!part) return '';
  const [, encoding = '', body = ''] = part;
  if (encoding.toLowerCase() === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  const joined = body.replace(/=\r?\n/g, '');
  return Buffer.from(joined.replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))), 'latin1').toString('utf8');
}
