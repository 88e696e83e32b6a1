/**
 * Quick order and the buyer's price list:
 *   GET  /quick-order            paste form, upload form, price list links
 *   POST /quick-order/paste      textarea → cart → report
 *   POST /quick-order/upload     the buyer's CSV/XLSX → cart → report (or the column choice)
 *   POST /quick-order/columns    the column choice for a stored upload → cart → report
 *   GET  /price-list.xlsx|.csv   the buyer's own price list, streamed
 * Everything is keyed by companyBuyingFor: a buyer's own company, or the company staff act for
 * (staff who have not chosen one are sent to choose first).
 */
import type { FastifyMultipartBaseOptions, } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StockLevel } from '../../catalog/stock-display.js';
import type { AppContext } from '../../context.js';
import { formatNumber, type MessageKey } from '../../i18n/index.js';
import type { BuyingCompany } from '../../orders/cart.js';
import { applyQuickOrder, needsAttention, type QuickOrderReport, type ReportEntry } from '../../orders/quick-order/apply.js';
import type { OrderInputLine, SkippedLines } from '../../orders/quick-order/input.js';
import { parsePaste } from '../../orders/quick-order/parse-paste.js';
import {
  COLUMN_ROLES,
  type ColumnMap,
  type ColumnRole,
  type Detection,
  HEADER_SCAN_ROWS,
  MAX_TABLE_COLUMNS,
  MAX_TABLE_ROWS,
  previewRows,
  readOrderTable,
  TableError,
  type TableErrorCode,
  type TableRow,
} from '../../orders/quick-order/parse-table.js';
import { deleteUpload, loadUpload, storeUpload, sweepUploads, UploadQuotaError, uploadsDir } from '../../orders/quick-order/upload-store.js';
import { type PriceListLabels, priceListCsv, priceListPages, priceListXlsx } from '../../spreadsheet/price-list.js';
import { currentUser, formString, requireLogin } from '../guards.js';
import { chooseCompanyUrl, companyBuyingFor } from './buying.js';
import { multipartError, pendingUpload, readFieldsBeforeFirstFile } from '../multipart.js';

const MB = 1024 * 1024;
/** Largest file accepted: a 100k-product price list sent back is about 5 MB as XLSX, 10 MB as CSV. */
export const MAX_UPLOAD_MB = 25;
/** Order lines per quick order; more is refused with a message, never cut silently. */
export const MAX_LINES = 20_000;
const PREVIEW_COLUMNS = 30;

const TABLE_ERROR_KEY: Record<TableErrorCode, MessageKey> = {
  old_xls: 'quick.errorOldXls',
  empty: 'quick.errorEmptyFile',
  unreadable: 'quick.errorUnreadable',
  too_many_rows: 'quick.errorTooManyRows',
  too_many_columns: 'limits.tooManyColumns',
  too_large_unpacked: 'limits.tooLargeUnpacked',
};

const ROLE_KEY: Record<ColumnRole, MessageKey> = {
  sku: 'quick.roleSku',
  barcode: 'quick.roleBarcode',
  name: 'quick.roleName',
  quantity: 'quick.roleQuantity',
};

const STOCK_WORD = {
  many: 'catalog.stockMany',
  few: 'catalog.stockFew',
  none: 'catalog.stockNone',
  yes: 'catalog.stockYes',
  no: 'catalog.stockNo',
} as const satisfies Record<Exclude<StockLevel, { kind: 'exact' }>['kind'], MessageKey>;

/** A, B, … Z, AA, AB… for a 0-based column. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = '';
  while (n > 0) {
    const rest = (n - 1) % 26;
    out = String.fromCharCode(65 + rest) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

interface ChooseState {
  token: string;
  filename: string;
  message: string;
  preview: { row: number; cells: string[] }[];
  columns: { index: number; letter: string }[];
  map: ColumnMap;
}

interface Message {
  text: string;
  tone: 'error' | 'warn' | 'muted' | '';
}

interface FormState {
  paste?: string;
  error?: string;
  choose?: ChooseState;
}

export async function quickOrderRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };
  const deps = { db: ctx.db, clock: ctx.clock, stock: stockConfig };
  const dir = uploadsDir(ctx.config.dataDir);

  async function buying(request: FastifyRequest, reply: FastifyReply): Promise<BuyingCompany | null> {
    const company = await companyBuyingFor(ctx, request);
    if (!company) {
      reply.redirect(chooseCompanyUrl(request.method === 'GET' ? request.url : '/quick-order'), request.method === 'GET' ? 302 : 303);
      return null;
    }
    return company;
  }

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

  const n = (request: FastifyRequest, value: number) => formatNumber(value, request.locale);

  function stockText(request: FastifyRequest, level: StockLevel, unit: string): string {
    if (level.kind === 'exact') return `${n(request, level.quantity)} ${unit}`.trim();
    return request.t(STOCK_WORD[level.kind]);
  }

  /** One report line's messages, in the buyer's language, each with how it is shown. */
  function describe(request: FastifyRequest, e: ReportEntry): Message[] {
    const t = request.t;
    const unit = e.product?.unitName ?? '';
    const out: Message[] = [];
    const say = (text: string, tone: Message['tone'] = '') => out.push({ text, tone });
    switch (e.outcome) {
      case 'added': {
        const added = n(request, e.added ?? 0);
        if (e.rounded) {
          const params = { requested: n(request, e.requested ?? 0), added, unit, multiple: n(request, e.rounded.multiple), min: n(request, e.rounded.minQty) };
          const both = e.rounded.multiple > 0 && e.rounded.minQty > 0;
          say(t(both ? 'quick.roundedBoth' : e.rounded.multiple > 0 ? 'quick.roundedMultiple' : 'quick.roundedMinimum', params), 'warn');
        } else {
          say(t('quick.added', { qty: added, unit }));
        }
        if (e.cartQuantity !== null && e.cartQuantity !== e.added) say(t('quick.inCart', { qty: n(request, e.cartQuantity), unit }));
        if (e.short) {
          say(e.short.kind === 'none' || e.short.kind === 'no' ? t('quick.shortNone') : t('quick.short', { stock: stockText(request, e.short, unit) }), 'warn');
          if (!ctx.config.catalog.allowBackorder) say(t('quick.shortNoBackorder'), 'warn');
        }
        break;
      }
      case 'unknown':
        say(t('quick.unknown'), 'error');
        break;
      case 'ambiguous':
        say(t(e.matchedBy === 'barcode' ? 'quick.ambiguousBarcode' : e.matchedBy === 'name' ? 'quick.ambiguousName' : 'quick.ambiguousSku'), 'error');
        break;
      case 'no_code':
        say(t('quick.noCode'), 'error');
        break;
      case 'bad_quantity':
      case 'refused': {
        const qty = e.quantityText;
        if (e.problem === 'missing') say(t('quick.missingQuantity'), 'error');
        else if (e.problem === 'not_a_number') say(t('quick.notANumber', { qty }), 'error');
        else if (e.problem === 'not_positive') say(t('quick.notPositive'), 'error');
        else if (e.problem === 'too_precise')
          say(
            e.precision === 0 ? t('quick.tooPreciseWhole', { qty: n(request, e.requested ?? 0), unit }) : t('quick.tooPrecise', { qty, places: e.precision ?? 0 }),
            'error',
          );
        else say(t('quick.refused'), 'error');
        if (e.suggestion !== null) say(t('quick.suggestion', { qty: n(request, e.suggestion), unit }));
        break;
      }
    }
    if (e.lines.length > 1) say(t('quick.summed', { lines: e.lines.join(', '), quantities: e.quantityText }));
    if (e.outcome === 'added' && e.matchedBy === 'barcode') say(t('quick.matchedByBarcode'), 'muted');
    if (e.outcome === 'added' && e.matchedBy === 'name') say(t('quick.matchedByName'), 'muted');
    return out;
  }

  function resultPage(request: FastifyRequest, reply: FastifyReply, company: BuyingCompany, report: QuickOrderReport) {
    const rows = report.entries.map((e) => ({
      lines: e.lines.join(', '),
      code: e.code,
      quantity: e.quantityText,
      product: e.product,
      candidates: e.candidates,
      added: e.outcome === 'added',
      attention: needsAttention(e),
      messages: describe(request, e),
    }));
    const skipped: SkippedLines = report.skipped;
    return reply.page('orders/quick-order-result', {
      company,
      staff: currentUser(request).role !== 'buyer',
      report,
      attention: rows.filter((r) => r.attention),
      clean: rows.filter((r) => !r.attention),
      skipped,
      seconds: formatNumber(Math.max(0.01, report.elapsedMs / 1000), request.locale, 2),
    });
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
    request.log.info({ lines: lines.length, added: report.addedCount, attention: report.attentionCount, ms: report.elapsedMs }, 'quick order');
    return resultPage(request, reply, company, report);
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
    if (lines.length === 0) return formPage(request, reply, company, { paste: text, error: request.t('quick.errorEmptyPaste') }, 422);
    if (lines.length > MAX_LINES) {
      return formPage(request, reply, company, { paste: text, error: request.t('quick.errorTooManyLines', { max: n(request, MAX_LINES), count: n(request, lines.length) }) }, 413);
    }
    return apply(request, reply, company, lines, { headerLine, withoutQuantity: 0, aboveHeader: 0 }, formString(request.body, 'replace') === '1');
  });

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
      return formPage(request, reply, company, { error: request.t('quick.errorTooManyLines', { max: n(request, MAX_LINES), count: n(request, outcome.lines.length) }) }, 413);
    }
    const result = await apply(request, reply, company, outcome.lines, outcome.skipped, upload.replaceCart);
    if (upload.token) await deleteUpload(dir, upload.token);
    return result;
  }

  function chooseState(request: FastifyRequest, token: string, file: string, preview: TableRow[], detection: Detection): ChooseState {
    const width = Math.min(PREVIEW_COLUMNS, Math.max(1, ...preview.map((r) => r.cells.length)));
    const map: ColumnMap = detection.ok ? detection.map : detection.guess;
    const message =
      !detection.ok && detection.reason === 'ambiguous'
        ? request.t('quick.columnsAmbiguous', { file, roles: detection.conflicts.map((r) => request.t(ROLE_KEY[r])).join(', ') })
        : request.t('quick.columnsNoHeader', { file });
    return {
      token,
      filename: file,
      message,
      preview: preview.slice(0, HEADER_SCAN_ROWS).map((r) => ({
        row: r.row,
        cells: Array.from({ length: width }, (_, i) => {
          const cell = r.cells[i];
          const text = cell === null || cell === undefined ? '' : String(cell);
          return text.length > 60 ? `${text.slice(0, 57)}…` : text;
        }),
      })),
      columns: Array.from({ length: width }, (_, i) => ({ index: i, letter: columnLetter(i) })),
      map,
    };
  }

  app.post('/quick-order/upload', { onRequest: requireLogin, preValidation: readFieldsBeforeFile }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const pending = pendingUpload(request);
    const part = pending?.first ?? null;
    if (part?.fieldname !== 'file') return formPage(request, reply, company, { error: request.t('quick.errorNoFile') }, 422);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of part.file) chunks.push(chunk as Buffer);
    } catch (error) {
      throw multipartError(error);
    }
    const data = Buffer.concat(chunks);
    // Fields after the file (a form laid out differently) still count; there is no second file.
    const fields = request.body as Record<string, string>;
    try {
      for (let next = await pending?.parts.next(); next && !next.done; next = await pending?.parts.next()) {
        if (next.value.type === 'field' && typeof next.value.value === 'string') fields[next.value.fieldname] = next.value.value;
      }
    } catch (error) {
      if ((error as { code?: string }).code !== 'FST_FILES_LIMIT') throw multipartError(error);
    }
    const filename: string = part.filename ?? '';
    if (part.file.truncated) {
      return formPage(request, reply, company, { error: request.t('quick.errorTooLarge', { file: shownName(filename), maxMb: MAX_UPLOAD_MB }) }, 413);
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
    const stored = await loadUpload(dir, token, { userId: currentUser(request).id, companyId: company.companyId }, ctx.clock.now());
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
      const choose = chooseState(request, token, shownName(upload.filename), preview, { ok: false, reason: 'no_header', guess: map, conflicts: [] });
      return formPage(request, reply, company, { choose: { ...choose, message: request.t('quick.errorChooseColumns') } }, 422);
    }
    return processTable(request, reply, company, upload, map);
  });

  // ---------------------------------------------------------------------------------------------
  // The price list

  function labels(request: FastifyRequest): PriceListLabels {
    const t = request.t;
    return {
      sheetName: t('quick.plSheet'),
      category: t('quick.plCategory'),
      sku: t('quick.plSku'),
      name: t('quick.plName'),
      unit: t('quick.plUnit'),
      multiple: t('quick.plMultiple'),
      minQty: t('quick.plMinQty'),
      stock: t('quick.plStock'),
      price: t('quick.plPrice'),
      vat: t('quick.plVat'),
      note: t('quick.plNote'),
      order: t('quick.plOrder'),
      noVat: t('quick.plNoVat'),
      priceOnRequest: t('quick.plPriceOnRequest'),
      stockWord: (level) => t(STOCK_WORD[level.kind]),
    };
  }

  const fileDate = () => new Date(ctx.clock.now()).toISOString().slice(0, 10);

  app.get('/price-list.xlsx', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const stream = priceListXlsx(priceListPages(ctx.db, company, stockConfig), labels(request));
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="price-list-${fileDate()}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });

  app.get('/price-list.csv', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buying(request, reply);
    if (!company) return reply;
    const format = request.locale === 'ru' ? ({ delimiter: ';', decimalComma: true } as const) : ({ delimiter: ',', decimalComma: false } as const);
    const stream = priceListCsv(priceListPages(ctx.db, company, stockConfig), labels(request), format);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="price-list-${fileDate()}.csv"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });
}

/** Long names are cut in messages; the name is only ever text, never a path. */
function shownName(filename: string): string {
  const name = filename.trim() || '—';
  return name.length > 80 ? `${name.slice(0, 77)}…` : name;
}

/** A broken or over-limit multipart body: the parser's own 4xx, or a 400. */
