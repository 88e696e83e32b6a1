/**
 * The URL 1C's "exchange with site" talks to: /1c_exchange, and /1c_exchange.php as on Bitrix
 * sites. Every mode answers 200 with plain text (`success` / `progress` / `failure` + a line)
 * or an XML document; only a checkauth without credentials gets a 401 challenge.
 */

import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { COOKIE_NAME, type ExchangeType, type Reply } from '../../integrations/commerceml/exchange/service.js';

type Query = Record<string, string | undefined>;

export async function exchangeRoutes(app: FastifyInstance, opts: { ctx: AppContext }): Promise<void> {
  const exchange = opts.ctx.exchange;
  // 1C posts raw bytes with whatever content type; the service streams them to disk itself.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  async function handler(request: FastifyRequest<{ Querystring: Query }>, reply: FastifyReply) {
    const q = request.query;
    const body = request.body as Readable | undefined;
    const type = q.type === 'catalog' || q.type === 'sale' ? (q.type as ExchangeType) : null;
    const mode = q.mode ?? '';
    let answer: Reply;
    if (type === null) {
      body?.resume();
      answer = { kind: 'text', lines: ['failure', 'Unknown exchange type (expected type=catalog or type=sale)'] };
    } else if (mode === 'checkauth') {
      body?.resume();
      answer = await exchange.checkauth(type, request.headers.authorization, request.ip);
    } else {
      const session = exchange.find(type, request.cookies?.[COOKIE_NAME] ?? q.sessid, request.headers.authorization, request.ip);
      if (!session) {
        body?.resume();
        answer = exchange.enabled
          ? { kind: 'text', lines: ['failure', 'Not authorized: the session is unknown or expired; run checkauth first'] }
          : {
              kind: 'text',
              lines: ['failure', 'The 1C exchange is off: set integrations.commerceml.login and password in config.yml'],
            };
      } else {
        answer = await exchange.handle(session, mode, { filename: q.filename, version: q.version }, body);
      }
    }
    return send(reply, answer);
  }

  for (const url of ['/1c_exchange', '/1c_exchange.php']) {
    app.route({ method: ['GET', 'POST'], url, handler });
  }
}

function send(reply: FastifyReply, answer: Reply) {
  reply.header('cache-control', 'no-store');
  switch (answer.kind) {
    case 'challenge':
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="1C exchange"')
        .type('text/plain; charset=utf-8')
        .send('failure\nAuthorization required\n');
    case 'xml':
      return reply.type(answer.contentType).send(answer.body);
    case 'text':
      // ASCII text, LF-separated, no BOM: what 1C's exchange log expects.
      return reply.type('text/plain; charset=utf-8').send(`${answer.lines.join('\n')}\n`);
  }
}
