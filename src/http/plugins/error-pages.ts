import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../../context.js';
import { storageAdvice, storageProblem } from '../../db/storage-errors.js';
import type { MessageKey } from '../../i18n/index.js';
import { translator } from '../../i18n/index.js';
import { CsrfError, HttpError } from '../http-error.js';
import { redactedUrl } from '../log-redaction.js';

interface ErrorPage {
  status: number;
  title: MessageKey;
  text: MessageKey;
}

function pageFor(error: FastifyError | Error): ErrorPage {
  if (storageProblem(error)) return { status: 503, title: 'error.titleStorage', text: 'error.textStorage' };
  if (error instanceof CsrfError) return { status: 403, title: 'error.titleCsrf', text: 'error.textCsrf' };
  const status = error instanceof HttpError ? error.statusCode : ((error as FastifyError).statusCode ?? 500);
  switch (status) {
    case 400:
    case 409:
    case 415:
      return { status, title: 'error.title400', text: 'error.text400' };
    case 403:
      return { status, title: 'error.title403', text: 'error.text403' };
    case 404:
      return { status, title: 'error.title404', text: 'error.text404' };
    case 413:
      return { status, title: 'error.title413', text: 'error.text413' };
    case 429:
      return { status, title: 'error.title429', text: 'error.text429' };
    default:
      return { status: 500, title: 'error.title500', text: 'error.text500' };
  }
}

/**
 * One error handler: the full context goes to the log, the person gets a page in the site's
 * layout with no internals on it.
 */
export const errorPages = fp(
  async (app: FastifyInstance, opts: { ctx: AppContext }) => {
    const render = (request: FastifyRequest, reply: FastifyReply, page: ErrorPage) => {
      // The error may have struck before the request context was filled in.
      request.t ??= translator(opts.ctx.config.site.defaultLocale);
      return reply.page('error', { title: request.t(page.title), text: request.t(page.text), status: page.status }, page.status);
    };

    app.setErrorHandler(async (error: FastifyError, request, reply) => {
      const page = pageFor(error);
      const context = { err: error, method: request.method, url: redactedUrl(request.url), userId: request.user?.id ?? null };
      const storage = storageProblem(error);
      if (storage) {
        request.log.error(context, `nothing could be saved: ${storageAdvice(storage, opts.ctx.config.dataDir)}`);
        reply.header('retry-after', '60');
      } else if (page.status >= 500) request.log.error(context, 'request failed');
      else request.log.info({ ...context, err: { message: error.message, code: error.code } }, 'request refused');
      if (reply.sent) return;
      try {
        return await render(request, reply, page);
      } catch (renderError) {
        request.log.error({ err: renderError }, 'error page failed to render');
        return reply.code(page.status).type('text/plain; charset=utf-8').send(`${page.status}`);
      }
    });

    app.setNotFoundHandler(async (request, reply) => render(request, reply, pageFor(new HttpError(404))));
  },
  { name: 'error-pages', dependencies: ['views'] },
);
