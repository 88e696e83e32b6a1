import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import fastifyView from '@fastify/view';
import { Eta } from 'eta';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AppContext } from '../../context.js';
import { demoLogins } from '../../demo/logins.js';
import type { MessageKey } from '../../i18n/index.js';
import { formattersFor, isLocale, LOCALES } from '../../i18n/index.js';

declare module 'fastify' {
  interface FastifyReply {
    /** Renders a page in the main layout with everything every page needs. */
    page(template: string, data?: Record<string, unknown>, status?: number): FastifyReply;
    /**
     * The same, with bytes rendered before (a cached fragment) where the template writes
     * `it.middle`: they are sent as they are, not decoded and encoded again on every request.
     */
    pageAround(template: string, data: Record<string, unknown>, middle: readonly (Buffer | string)[]): FastifyReply;
  }
}

export const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', '..', 'templates');

/** Where `it.middle` goes in a pageAround; random, so no text on a page can contain it. */
const MIDDLE_PLACE = `middle-${randomUUID()}`;

// One engine for pages and fragments, so each template is compiled once.
const eta = new Eta({ views: TEMPLATES_DIR, cache: true });

/** A partial rendered to a string, for pages that cache parts of themselves. */
export function renderFragment(template: string, data: Record<string, unknown>): string {
  return eta.render(template, data);
}

/** What every template can use: the user, the translator, formatters, the CSRF token. */
export function pageLocals(ctx: AppContext, request: FastifyRequest) {
  const locale = request.locale;
  const notice =
    typeof (request.query as Record<string, unknown> | undefined)?.notice === 'string'
      ? (request.query as Record<string, string>).notice
      : undefined;
  return {
    t: request.t,
    locale,
    locales: LOCALES,
    user: request.user,
    // Staff acting for a company see whose cart and prices these are on every page.
    actingCompany: request.user && request.user.role !== 'buyer' ? request.actingCompanyName : null,
    csrf: request.csrfToken,
    demo: ctx.config.demo,
    demoLogins: ctx.config.demo ? demoLogins : [],
    siteName: ctx.config.site.name,
    path: request.url.split('?')[0],
    notice: notice && isMessageKey(request, notice) ? request.t(notice as MessageKey) : undefined,
    ...formattersFor(locale),
    isLocale,
  };
}

// Only keys of our own catalog become notices: a crafted URL cannot put arbitrary text on a page.
function isMessageKey(request: FastifyRequest, key: string): boolean {
  return /^[a-zA-Z]+\.[a-zA-Z0-9]+$/.test(key) && request.t(key as MessageKey) !== undefined;
}

export const views = fp(
  async (app: FastifyInstance, opts: { ctx: AppContext }) => {
    await app.register(fastifyView, {
      engine: { eta },
      templates: TEMPLATES_DIR,
      viewExt: 'eta',
      production: true,
    });
    app.decorateReply('page', function (this, template: string, data: Record<string, unknown> = {}, status = 200) {
      const locals = pageLocals(opts.ctx, this.request);
      this.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
      return this.view(`pages/${template}`, { ...locals, ...data });
    });
    app.decorateReply(
      'pageAround',
      function (this, template: string, data: Record<string, unknown>, middle: readonly (Buffer | string)[]) {
        const html = eta.render(`/pages/${template}`, { ...pageLocals(opts.ctx, this.request), ...data, middle: MIDDLE_PLACE });
        const at = html.indexOf(MIDDLE_PLACE);
        if (at < 0) throw new Error(`${template} does not show it.middle`);
        const chunks: Buffer[] = [Buffer.from(html.slice(0, at))];
        for (const part of middle) chunks.push(typeof part === 'string' ? Buffer.from(part) : part);
        chunks.push(Buffer.from(html.slice(at + MIDDLE_PLACE.length)));
        this.code(200).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
        return this.send(Buffer.concat(chunks));
      },
    );
  },
  { name: 'views' },
);
