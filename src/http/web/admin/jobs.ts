import { closeSync, createReadStream, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';
import { retryJob } from '../../../jobs/outbox.js';
import { idParam, requireRole } from '../../guards.js';
import { notFound } from '../../http-error.js';

/** What the portal is doing in the background: pending and failed jobs, and the outgoing mail. */
export async function jobRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const admin = { preHandler: requireRole('admin') };
  const mailDir = join(ctx.config.dataDir, 'mail');

  app.get('/jobs', admin, async (_request, reply) => {
    const open = await ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('done_at', 'is', null)
      .orderBy('failed_at', 'desc')
      .orderBy('id')
      .limit(500)
      .execute();
    const done = await ctx.db
      .selectFrom('jobs')
      .selectAll()
      .where('done_at', 'is not', null)
      .orderBy('done_at', 'desc')
      .limit(50)
      .execute();
    return reply.page('admin/jobs', { open, done, pdf: { available: ctx.pdf.available, reason: ctx.pdf.reason ?? '' } });
  });

  app.post('/jobs/:id/retry', admin, async (request, reply) => {
    const done = await retryJob(ctx, idParam(request.params));
    return reply.redirect(`/admin/jobs?notice=${done ? 'admin.jobRetried' : 'admin.jobNotRetried'}`, 303);
  });

  // Without SMTP every message is an .eml file; admins read them here (demo mode uses this).
  app.get('/mail', admin, async (_request, reply) => {
    const files = existsSync(mailDir)
      ? readdirSync(mailDir)
          .filter((f) => /^[\w.-]+\.eml$/.test(f))
          .sort()
          .reverse()
          .slice(0, 200)
          .map((f) => ({ name: f, bytes: statSync(join(mailDir, f)).size, ...emlHeaders(join(mailDir, f)) }))
      : [];
    return reply.page('admin/mail', { files, smtp: ctx.config.smtp.host !== '' });
  });

  app.get<{ Params: { name: string } }>('/mail/:name', admin, async (request, reply) => {
    const name = request.params.name;
    if (!/^[\w.-]+\.eml$/.test(name) || !existsSync(join(mailDir, name))) throw notFound();
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', `attachment; filename="${name}"`)
      .send(createReadStream(join(mailDir, name)));
  });
}

function emlHeaders(file: string): { to: string; subject: string } {
  const head = readHead(file);
  const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
  const get = (h: string) => new RegExp(`^${h}: (.*)$`, 'im').exec(unfolded)?.[1] ?? '';
  const subject = get('Subject').replace(/=\?utf-8\?B\?([^?]*)\?=\s*/gi, (_, b64: string) =>
    Buffer.from(b64, 'base64').toString('utf8'),
  );
  return { to: get('To'), subject: decodeQ(subject) };
}

function decodeQ(text: string): string {
  return text.replace(/=\?utf-8\?Q\?([^?]*)\?=\s*/gi, (_, q: string) =>
    Buffer.from(
      q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    ).toString('utf8'),
  );
}

function readHead(file: string): string {
  const text = readFileHead(file, 8192);
  return text.split(/\r?\n\r?\n/)[0] ?? '';
}

function readFileHead(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const n = readSync(fd, buffer, 0, bytes, 0);
    return buffer.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
