import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canSeeCompany, getCompany, legalEntitiesOf } from '../../accounts/companies.js';
import type { AppContext } from '../../context.js';
import type { AccountDocumentKind } from '../../db/schema.js';
import { renderStatementHtml, renderStatementPdf, statementFileName } from '../../documents/statement-document.js';
import { type CreditConcern, loadCreditPosition } from '../../finance/credit.js';
import { addDays, isIsoDate, localDate } from '../../finance/dates.js';
import { DOCUMENT_KINDS, listAccountDocuments, visibleAccountDocument, visibleLegalEntity } from '../../finance/ledger.js';
import { formatMoney, type Translate } from '../../i18n/index.js';
import { currentUser, idParam, pageNumber, queryString, requireLogin } from '../guards.js';
import { notFound } from '../http-error.js';
import { chooseCompanyUrl } from './buying.js';

const PAGE_SIZE = 50;

/** What credit control says about an order, in the reader's language, amounts included. */
export function creditMessages(t: Translate, locale: 'ru' | 'en', concern: CreditConcern): string[] {
  const money = (kopecks: number) => formatMoney(kopecks, locale);
  const lines: string[] = [];
  if (concern.overLimitBy > 0) {
    lines.push(
      t('finance.creditOverLimit', {
        amount: money(concern.overLimitBy),
        limit: money(concern.limit ?? 0),
        balance: money(concern.balance),
        open: money(concern.openOrders),
        order: money(concern.orderTotal),
      }),
    );
  }
  if (concern.overdue > 0) lines.push(t('finance.creditOverdue', { amount: money(concern.overdue) }));
  return lines;
}

export async function financeRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const today = () => localDate(ctx.clock.now());

  /**
   * Whose account a request looks at: a buyer its own company, always; staff the company in
   * ?company= (when they may see it) or the one they act for. Null: staff must choose first.
   * Another company's id is "not found", never "forbidden".
   */
  async function companyOf(request: FastifyRequest): Promise<number | null> {
    const user = currentUser(request);
    const raw = queryString(request.query, 'company');
    if (user.role === 'buyer') {
      if (user.company_id === null || (raw !== '' && raw !== String(user.company_id))) throw notFound();
      return user.company_id;
    }
    const wanted = raw ? Number(raw) : request.actingCompanyId;
    if (wanted === null || wanted === undefined) return null;
    if (!Number.isSafeInteger(wanted) || !(await getCompany(ctx.db, wanted)) || !(await canSeeCompany(ctx.db, user, wanted)))
      throw notFound();
    return wanted;
  }

  app.get('/finance', { preHandler: requireLogin }, async (request, reply) => {
    const companyId = await companyOf(request);
    if (companyId === null) return reply.redirect(chooseCompanyUrl('/finance'), 303);
    const user = currentUser(request);
    const company = await getCompany(ctx.db, companyId);
    if (!company) throw notFound();
    const entities = await legalEntitiesOf(ctx.db, companyId);
    const day = today();
    const accounts = await Promise.all(
      entities.map(async (entity) => ({ entity, position: await loadCreditPosition(ctx.database, entity.id, day) })),
    );
    const q = request.query;
    const kind = queryString(q, 'kind') as AccountDocumentKind;
    const entityParam = Number(queryString(q, 'entity'));
    const from = queryString(q, 'from');
    const to = queryString(q, 'to');
    const page = pageNumber(q);
    const filter = {
      companyId,
      ...(DOCUMENT_KINDS.includes(kind) ? { kind } : {}),
      ...(entities.some((e) => e.id === entityParam) ? { legalEntityId: entityParam } : {}),
      ...(isIsoDate(from) ? { from } : {}),
      ...(isIsoDate(to) ? { to } : {}),
    };
    const { rows, total } = await listAccountDocuments(ctx.db, user, filter, PAGE_SIZE, (page - 1) * PAGE_SIZE);
    const params = new URLSearchParams();
    if (user.role !== 'buyer') params.set('company', String(companyId));
    for (const [key, value] of Object.entries({
      kind: filter.kind ?? '',
      entity: filter.legalEntityId ?? '',
      from: filter.from ?? '',
      to: filter.to ?? '',
    }))
      if (value !== '') params.set(key, String(value));
    return reply.page('finance/overview', {
      company,
      companyQuery: user.role === 'buyer' ? '' : `company=${companyId}&`,
      accounts,
      documents: rows,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / PAGE_SIZE)),
      pagerBase: `/finance?${params.toString()}${params.size ? '&' : ''}`,
      filter: { kind: filter.kind ?? '', entity: filter.legalEntityId ?? '', from: filter.from ?? '', to: filter.to ?? '' },
      kinds: DOCUMENT_KINDS,
      statementFrom: `${day.slice(0, 4)}-01-01`,
      statementTo: day,
      today: day,
    });
  });

  // The file accounting sent with a document (an УПД, an invoice): only to whoever may see the document.
  app.get('/finance/documents/:id/file', { preHandler: requireLogin }, async (request, reply) => {
    const document = await visibleAccountDocument(ctx.db, currentUser(request), idParam(request.params));
    if (!document?.file_path) throw notFound();
    const path = join(ctx.config.dataDir, document.file_path);
    if (!existsSync(path)) throw notFound();
    const name = document.file_name ?? 'document';
    const type = /\.pdf$/i.test(name) ? 'application/pdf' : 'application/octet-stream';
    return reply
      .header('content-type', type)
      .header(
        'content-disposition',
        `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      )
      .header('cache-control', 'private, no-store')
      .send(createReadStream(path));
  });

  /** The statement for ?entity=&from=&to=, as the printable page or (/finance/statement.pdf) a PDF. */
  async function statementRequest(request: FastifyRequest) {
    const user = currentUser(request);
    const entity = await visibleLegalEntity(ctx.db, user, Number(queryString(request.query, 'entity')) || -1);
    if (!entity) throw notFound();
    const day = today();
    const to = isIsoDate(queryString(request.query, 'to')) ? queryString(request.query, 'to') : day;
    const fromParam = queryString(request.query, 'from');
    const from = isIsoDate(fromParam) && fromParam <= to ? fromParam : addDays(to, -90);
    return { entity, statement: { legalEntityId: entity.id, from, to } };
  }

  app.get('/finance/statement', { preHandler: requireLogin }, async (request, reply) => {
    const { statement } = await statementRequest(request);
    const html = await renderStatementHtml(ctx, statement, request.locale);
    return reply.header('cache-control', 'no-store').header('content-type', 'text/html; charset=utf-8').send(html);
  });

  app.get('/finance/statement.pdf', { preHandler: requireLogin }, async (request, reply) => {
    const { entity, statement } = await statementRequest(request);
    if (!ctx.pdf.available) {
      const query = new URLSearchParams({ entity: String(entity.id), from: statement.from, to: statement.to });
      return reply.redirect(`/finance/statement?${query.toString()}`, 303);
    }
    const pdf = await renderStatementPdf(ctx, ctx.pdf, statement, request.locale);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${statementFileName(entity.inn, statement)}"`)
      .header('cache-control', 'private, no-store')
      .send(pdf);
  });
}
