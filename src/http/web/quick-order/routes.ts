/**
 * Quick order:
 *   GET  /quick-order            paste form, upload form, price list links
 *   POST /quick-order/paste      textarea → cart → report
 *   POST /quick-order/upload     the buyer's CSV/XLSX → cart → report (or the column choice)
 *   POST /quick-order/columns    the column choice for a stored upload → cart → report
 * Everything is keyed by the company the request buys for: a buyer's own company, or the company
 * staff act for (staff who have not chosen one are sent to choose first). The report's wording is
 * in report.ts, the column choice in columns.ts, the price list in ../price-list.ts.
 */
import type { FastifyMultipartBaseOptions } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import { formatNumber, type MessageKey } from '../../../i18n/index.js';
import type { BuyingCompany } from '../../../orders/cart.js';
import { applyQuickOrder } from '../../../orders/quick-order/apply.js';
import type { OrderInputLine, SkippedLines } from '../../../orders/quick-order/input.js';
import { parsePaste } from '../../../orders/quick-order/parse-paste.js';
import {
  COLUMN_ROLES,
  type ColumnMap,
  type ColumnRole,
  MAX_TABLE_COLUMNS,
  MAX_TABLE_ROWS,
  previewRows,
  readOrderTable,
  TableError,
  type TableErrorCode,
  type TableRow,
} from '../../../orders/quick-order/parse-table.js';
import {
  deleteUpload,
  loadUpload,
  storeUpload,
  sweepUploads,
  UploadQuotaError,
  uploadsDir,
} from '../../../orders/quick-order/upload-store.js';
import { currentUser, formString, requireLogin } from '../../guards.js';
import { pendingUpload, readFieldsAfterFile, readFieldsBeforeFirstFile, readFilePart, shownName } from '../../multipart.js';
import { buyingOrChoose } from '../buying.js';
import { type ChooseState, chooseState, ROLE_KEY } from './columns.js';
import { resultPage } from './report.js';

const MB = 1024 * 1024;
/** Largest file accepted: a 100k-product price list sent back is about 5 MB as XLSX, 10 MB as CSV. */
export const MAX_UPLOAD_MB = 25;
/** Order lines per quick order; more is refused with a message, never cut silently. */
export const MAX_LINES = 20_000;

const TABLE_ERROR_KEY: Record<TableErrorCode, MessageKey> = {
  old_xls: 'quick.errorOldXls',
  empty: 'quick.errorEmptyFile',
  unreadable: 'quick.errorUnreadable',
  too_many_rows: 'quick.errorTooManyRows',
  too_many_columns: 'limits.tooManyColumns',
  too_large_unpacked: 'limits.tooLargeUnpacked',
};

interface FormState {
  paste?: string;
  error?: string;
  choose?: ChooseState;
}

const n = (request: FastifyRequest, value: number) => formatNumber(value, request.locale);

/**
 * Reads the form fields sent before the file (`_csrf` comes first in the form), so the CSRF
 * check finds the token; the file stays in the stream until the handler, after the checks.
 */
async function readFieldsBeforeFile(request: FastifyRequest) {
  if (!request.isMultipart()) return;
  const options: FastifyMultipartBaseOptions = {
    throwFileSizeLimit: false,
    limits: { fileSize: MAX_UPLOAD_MB * MB, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
  };
  await readFieldsBeforeFirstFile(request, options);
}

export async function quickOrderRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };
  const deps = { db: ctx.db, clock: ctx.clock, stock: stockConfig };
  const dir = uploadsDir(ctx.config.dataDir);
  const buying = (request: FastifyRequest, reply: FastifyReply) => buyingOrChoose(ctx, request, reply, '/quick-order');

  function formPage(request: FastifyRequest, reply: FastifyReply, company: BuyingCompany, state: FormState = {}, status = 200) {
    return reply.page(
      'orders/quick-order',
      {
        company,
        staff: currentUser(request).role !== 'buyer',
        paste: state.paste ?? '',
        error: state.error,
        choose: state.choose,
        maxMb: MAX_UPLOAD_MB,
        roles: COLUMN_ROLES.map((role) => ({ role, label: request.t(ROLE_KEY[role]) })),
      },
      status,
    );
  }

  async function apply(
    request: FastifyRequest,
    reply: FastifyReply,
    company: BuyingCompany,
    lines: OrderInputLine[],
    skipped: SkippedLines,
    replaceCart: boolean,
  ) {
    const report = await applyQuickOrder(deps, company, currentUser(request).id, lines, skipped, {
      replaceCart,
      formatNumber: (value) => formatNumber(value, request.locale),
    });
    request.log.info(
      { lines: lines.length, added: report.addedCount, attention: report.attentionCount, ms: report.elapsedMs },
      'quick order',
    );
    return resultPage(request, reply, company, report, ctx.config.catalog.allowBackorder);
  }

  /** Reads, matches and applies an uploaded table; or asks for its columns. */
  async function processTable(
    request: FastifyRequest,
    reply: FastifyReply,
    company: BuyingCompany,
    upload: { data: Buffer; filename: string; replaceCart: boolean; token: string | null },
    chosen?: ColumnMap,
  ) {
    const file = shownName(upload.filename);
    let outcome: Awaited<ReturnType<typeof readOrderTable>>;
    try {
      outcome = await readOrderTable(upload.data, chosen);
    } catch (error) {
      if (!(error instanceof TableError)) throw error;
      const key = TABLE_ERROR_KEY[error.code];
      const status = error.code === 'old_xls' ? 415 : error.code.startsWith('too_') ? 413 : 422;
      const max = formatNumber(error.code === 'too_many_columns' ? MAX_TABLE_COLUMNS : MAX_TABLE_ROWS, request.locale);
      return formPage(request, reply, company, { error: request.t(key, { file, max }) }, status);
    }
    if (outcome.kind === 'choose') {
      let token = upload.token;
      try {
        token ??= await storeUpload(dir, upload.data, {
          userId: currentUser(request).id,
          companyId: company.companyId,
          filename: upload.filename,
          replaceCart: upload.replaceCart,
          createdAt: ctx.clock.now(),
        });
      } catch (error) {
        if (!(error instanceof UploadQuotaError)) throw error;
        request.log.warn({ err: error }, 'quick order: the quota for uploads waiting for their columns is full');
        return formPage(request, reply, company, { error: request.t('limits.uploadsBusy') }, 503);
      }
      return formPage(request, reply, company, { choose: chooseState(request, token, file, outcome.preview, outcome.detection) });
    }
    if (outcome.lines.length === 0) {
      if (upload.token) await deleteUpload(dir, upload.token);
      return formPage(request, reply, company, { error: request.t('quick.errorNoLines', { file }) }, 422);
    }
    if (outcome.lines.length > MAX_LINES) {
      if (upload.token) await deleteUpload(dir, upload.token);
      return formPage(
        request,
        reply,
        company,
        { error: request.t('quick.errorTooManyLines', { max: n(request, MAX_LINES), count: n(request, outcome.lines.length) }) },
        413,
      );
    }
    const result = await apply(request, reply, company, outcome.lines, outcome.skipped, upload.replaceCart);
    if (upload.token) await deleteUpload(dir, upload.token);
    return result;
  }

  app.get('/quick-order', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    return formPage(request, reply, company);
  });

  app.post('/quick-order/paste', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const text = formString(request.body, 'lines');
    const { lines, headerLine } = parsePaste(text);
    if (lines.length === 0)
      return formPage(request, reply, company, { paste: text, error: request.t('quick.errorEmptyPaste') }, 422);
    if (lines.length > MAX_LINES) {
      return formPage(
        request,
        reply,
        company,
        {
          paste: text,
          error: request.t('quick.errorTooManyLines', { max: n(request, MAX_LINES), count: n(request, lines.length) }),
        },
        413,
      );
    }
    return apply(
      request,
      reply,
      company,
      lines,
      { headerLine, withoutQuantity: 0, aboveHeader: 0 },
      formString(request.body, 'replace') === '1',
    );
  });

  app.post('/quick-order/upload', { onRequest: requireLogin, preValidation: readFieldsBeforeFile }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const pending = pendingUpload(request);
    const part = pending?.first ?? null;
    if (part?.fieldname !== 'file') return formPage(request, reply, company, { error: request.t('quick.errorNoFile') }, 422);
    const data = await readFilePart(part);
    await readFieldsAfterFile(pending, request.body as Record<string, string>);
    const filename: string = part.filename ?? '';
    if (part.file.truncated) {
      return formPage(
        request,
        reply,
        company,
        { error: request.t('quick.errorTooLarge', { file: shownName(filename), maxMb: MAX_UPLOAD_MB }) },
        413,
      );
    }
    if (data.length === 0) {
      const error = filename ? request.t('quick.errorEmptyFile', { file: shownName(filename) }) : request.t('quick.errorNoFile');
      return formPage(request, reply, company, { error }, 422);
    }
    await sweepUploads(dir);
    const replaceCart = formString(request.body, 'replace') === '1';
    return processTable(request, reply, company, { data, filename, replaceCart, token: null });
  });

  app.post('/quick-order/columns', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const token = formString(request.body, 'token');
    const stored = await loadUpload(
      dir,
      token,
      { userId: currentUser(request).id, companyId: company.companyId },
      ctx.clock.now(),
    );
    if (!stored) return formPage(request, reply, company, { error: request.t('quick.errorExpired') }, 404);
    const column = (key: ColumnRole) => {
      const raw = formString(request.body, key);
      return /^\d{1,3}$/.test(raw) ? Number(raw) : null;
    };
    const headerRaw = formString(request.body, 'header_row').trim();
    const map: ColumnMap = {
      sku: column('sku'),
      barcode: column('barcode'),
      name: column('name'),
      quantity: column('quantity'),
      headerRow: /^\d{1,7}$/.test(headerRaw) ? Number(headerRaw) : 0,
    };
    const upload = { data: stored.data, filename: stored.meta.filename, replaceCart: stored.meta.replaceCart, token };
    if (map.quantity === null || (map.sku === null && map.barcode === null && map.name === null)) {
      let preview: TableRow[];
      try {
        preview = await previewRows(stored.data);
      } catch {
        preview = [];
      }
      const choose = chooseState(request, token, shownName(upload.filename), preview, {
        ok: false,
        reason: 'no_header',
        guess: map,
        conflicts: [],
      });
      return formPage(request, reply, company, { choose: { ...choose, message: request.t('quick.errorChooseColumns') } }, 422);
    }
    return processTable(request, reply, company, upload, map);
  });
}
