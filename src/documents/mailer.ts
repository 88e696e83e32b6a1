import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Config } from '../config/types.js';

export interface OutgoingMail {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
}

export interface SentMail {
  messageId: string;
  /** Where the .eml landed when no SMTP server is configured. */
  file?: string;
}

/** The one door every message leaves through. */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

function envelope(config: Config, mail: OutgoingMail) {
  return {
    from: config.smtp.from,
    ...(config.smtp.replyTo ? { replyTo: config.smtp.replyTo } : {}),
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    ...(mail.html ? { html: mail.html } : {}),
    ...(mail.attachments ? { attachments: mail.attachments } : {}),
  };
}

class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(private readonly config: Config) {
    const { smtp } = config;
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      ...(smtp.username ? { auth: { user: smtp.username, pass: smtp.password } } : {}),
      // A burst of orders reuses a couple of connections instead of one handshake per mail.
      pool: true,
      maxConnections: 2,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
  }
  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await this.transport.sendMail(envelope(this.config, mail));
    return { messageId: String(info.messageId) };
  }
  close(): void {
    this.transport.close();
  }
}

/** Without SMTP, each message becomes an .eml file an admin can open in any mail client. */
class FileMailer implements Mailer {
  private readonly transport: Transporter;
  private readonly dir: string;
  private counter = 0;
  constructor(private readonly config: Config) {
    this.dir = join(config.dataDir, 'mail');
    this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }
  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = await this.transport.sendMail(envelope(this.config, mail));
    mkdirSync(this.dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    this.counter += 1;
    const file = join(this.dir, `${stamp}-${process.pid}-${this.counter}.eml`);
    writeFileSync(file, info.message as Buffer);
    return { messageId: String(info.messageId), file };
  }
  close(): void {}
}

export function createMailer(config: Config): Mailer {
  return config.smtp.host ? new SmtpMailer(config) : new FileMailer(config);
}
