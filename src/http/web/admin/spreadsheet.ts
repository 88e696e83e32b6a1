import { PassThrough } from 'node:stream';
import type { FastifyMultipartBaseOptions, MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../../context.js';
import type { MessageKey } from '../../../i18n/messages/ru.js';
import { exportCatalog } from '../../../integrations/spreadsheet/export.js';
import { dropPending, findPending, keepPending } from '../../../integrations/spreadsheet/import/pending.js';
import { type ImportReport, importSpreadsheet } from '../../../integrations/spreadsheet/import/run.js';
import { columnLetter, formatProblem, IGNORE, isField } from '../../../integrations/spreadsheet/import/sheet.js';
import { UploadQuotaError } from '../../../orders/quick-order/upload-store.js';
import { checkedXlsx, UnpackError } from '../../../orders/quick-order/xlsx-guard.js';
import { currentUser, formString, requireRole } from '../../guards.js';
import { pendingUpload, readFieldsAfterFile, readFieldsBeforeFirstFile, readFilePart, shownName } from '../../multipart.js';

const MB = 1024 * 1024;
/** A price list of 100,000 rows is ~10 MB as CSV and less as XLSX. */
export const MAX_SPREADSHEET_MB = 40;
/** Problems listed on the page; the rest are counted. */
const SHOWN_PROBLEMS = 500;

const FIXED_FIELDS: ReadonlyArray<[string, MessageKey]> = [
  ['sku', 'sheets.field_sku'],
  ['name', 'sheets.field_name'],
  ['category', 'sheets.field_category'],
  ['unit', 'sheets.field_unit'],
  ['id', 'sheets.field_id'],
  ['visible', 'sheets.field_visible'],
  ['brand', 'sheets.field_brand'],
  ['description', 'sheets.field_description'],
  ['barcodes', 'sheets.field_barcodes'],
  ['multiple', 'sheets.field_multiple'],
  ['min_qty', 'sheets.field_min_qty'],
  ['country', 'sheets.field_country'],
  ['weight', 'sheets.field_weight'],
  ['volume', 'sheets.field_volume'],
  ['vat', 'sheets.field_vat'],
  ['new', 'sheets.field_new'],
  ['sale', 'sheets.field_sale'],
  ['currency', 'sheets.field_currency'],
];

/**
 * "Catalog from a spreadsheet": upload a CSV/XLSX → a dry run (counts, every problem, the column
 * mapping with a select per column) → check again with corrections → apply (full price list or
 * partial update). The file waits server-side between the steps (pending.ts). Admins only.
 */
export async function spreadsheetAdminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const admin = { preHandler: requireRole('admin') };
  const dataDir = ctx.config.dataDir;

  async function readFieldsBeforeFile(request: FastifyRequest) {
    if (!request.isMultipart()) return;
    const options: FastifyMultipartBaseOptions = {
      throwFileSizeLimit: false,
      limits: { fileSize: MAX_SPREADSHEET_MB * MB, files: 1, fields: 10, fieldSize: 1024, parts: 12 },
    };
    await readFieldsBeforeFirstFile(request, options);
  }

  /** Every field a column may be read as: the fixed ones, each price type and warehouse, and what the file's headers named. */
  async function fieldOptions(request: FastifyRequest, report: ImportReport) {
    const types = await ctx.db.selectFrom('price_types').select(['name', 'is_default']).orderBy('id').execute();
    const stores = await ctx.db.selectFrom('warehouses').select('name').orderBy('id').execute();
    const values = new Set<string>([
      ...FIXED_FIELDS.map(([f]) => f),
      'price:',
      ...types.map((t) => `price:${t.name}`),
      'stock:',
      ...stores.map((w) => `stock:${w.name}`),
    ]);
    for (const c of report.columns) if (c.field) values.add(c.field);
    const label = (field: string): string => {
      const fixed = FIXED_FIELDS.find(([f]) => f === field);
      if (fixed) return request.t(fixed[1]);
      if (field === 'price:') return request.t('sheets.field_priceDefault');
      if (field === 'stock:') return request.t('sheets.field_stockTotal');
      if (field.startsWith('price:')) return request.t('sheets.field_price', { name: field.slice(6) });
      if (field.startsWith('characteristic:'))
        return request.t('sheets.field_characteristic', { name: field.slice('characteristic:'.length) });
      return request.t('sheets.field_stock', { name: field.slice(6) });
    };
    return [
      { value: IGNORE, label: request.t('sheets.field_ignore') },
      ...[...values].map((value) => ({ value, label: label(value) })),
    ];
  }

  async function reportPage(
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    report: ImportReport,
    hideAbsent: boolean,
    status = 200,
  ) {
    return reply.page(
      'admin/spreadsheet-report',
      {
        token,
        report,
        hideAbsent,
        problems: report.problems.slice(0, SHOWN_PROBLEMS).map(formatProblem),
        moreProblems: Math.max(0, report.problems.length - SHOWN_PROBLEMS),
        options: await fieldOptions(request, report),
      },
      status,
    );
  }

  function uploadPage(_request: FastifyRequest, reply: FastifyReply, error = '', status = 200) {
    return reply.page(
      'admin/spreadsheet',
      { error, maxMb: MAX_SPREADSHEET_MB, watchDir: ctx.config.integrations.spreadsheet.watchDir, held: ctx.importGate.holder() },
      status,
    );
  }

  app.get('/spreadsheet', admin, async (request, reply) => uploadPage(request, reply));

  // The catalog in the shape the import reads, streamed as it is written.
  for (const format of ['xlsx', 'csv'] as const) {
    app.get(`/spreadsheet/export.${format}`, admin, async (_request, reply) => {
      const out = new PassThrough();
      exportCatalog(ctx, format, out).catch((err: unknown) => {
        ctx.log.error({ err }, 'catalog export');
        out.destroy(err as Error);
      });
      const day = new Date(ctx.clock.now()).toISOString().slice(0, 10);
      return reply
        .header(
          'content-type',
          format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8',
        )
        .header('content-disposition', `attachment; filename="catalog-${day}.${format}"`)
        .send(out);
    });
  }

  app.post(
    '/spreadsheet/upload',
    { onRequest: requireRole('admin'), preValidation: readFieldsBeforeFile },
    async (request, reply) => {
      const user = currentUser(request);
      const pending = pendingUpload(request);
      const part = pending?.first;
      if (!part) return uploadPage(request, reply, request.t('sheets.noFile'), 400);
      const filename = (part as MultipartFile).filename || 'upload';
      const data = await readFilePart(part as MultipartFile);
      const truncated = (part as MultipartFile).file.truncated;
      await readFieldsAfterFile(pending, {});
      const file = shownName(filename);
      if (truncated) return uploadPage(request, reply, request.t('sheets.tooLarge', { file, maxMb: MAX_SPREADSHEET_MB }), 413);
      const lower = filename.toLowerCase();
      let kept = data;
      if (lower.endsWith('.xlsx')) {
        try {
          kept = await checkedXlsx(data);
        } catch (error) {
          if (!(error instanceof UnpackError)) throw error;
          const key = error.kind === 'too_large' ? 'sheets.unpackedTooLarge' : 'sheets.notXlsx';
          return uploadPage(request, reply, request.t(key, { file }), error.kind === 'too_large' ? 413 : 422);
        }
      } else if (!/\.(csv|txt|tsv)$/.test(lower)) {
        return uploadPage(request, reply, request.t('sheets.wrongType', { file }), 415);
      }
      let token: string;
      try {
        token = await keepPending(dataDir, user.id, filename, kept, ctx.clock.now());
      } catch (error) {
        if (!(error instanceof UploadQuotaError)) throw error;
        return uploadPage(request, reply, request.t('limits.uploadsBusy'), 503);
      }
      // The first look: headers found by their names (and config), hidden counted as for a full price list.
      const stored = await findPending(dataDir, user.id, token, ctx.clock.now());
      if (!stored) return uploadPage(request, reply, request.t('sheets.expired'), 410);
      const report = await importSpreadsheet(ctx, stored.path, {
        dryRun: true,
        hideAbsent: true,
        name: filename,
      });
      return reportPage(request, reply, token, report, false, report.problems.length > 0 ? 422 : 200);
    },
  );

  /** The choices of the report form: the header row, a field per column, the mode. */
  function choices(request: FastifyRequest) {
    const body = request.body as Record<string, unknown> | undefined;
    const columns: Record<string, string> = {};
    for (const [key, value] of Object.entries(body ?? {})) {
      const m = /^col_(\d{1,4})$/.exec(key);
      if (!m || typeof value !== 'string') continue;
      if (value === IGNORE || isField(value)) columns[columnLetter(Number(m[1]))] = value.slice(0, 200);
    }
    const row = Number.parseInt(formString(body, 'header_row'), 10);
    return {
      token: formString(body, 'token'),
      columns,
      headerRow: Number.isInteger(row) && row >= 0 && row < 1_000_000 ? row : null,
      hideAbsent: formString(body, 'mode') === 'full',
    };
  }

  for (const step of ['check', 'apply'] as const) {
    app.post(`/spreadsheet/${step}`, admin, async (request, reply) => {
      const user = currentUser(request);
      const chosen = choices(request);
      const stored = await findPending(dataDir, user.id, chosen.token, ctx.clock.now());
      if (!stored) return uploadPage(request, reply, request.t('sheets.expired'), 410);
      const report = await importSpreadsheet(ctx, stored.path, {
        dryRun: step === 'check',
        hideAbsent: step === 'check' ? true : chosen.hideAbsent,
        name: stored.filename,
        columns: chosen.columns,
        headerRow: chosen.headerRow,
        by: user.email,
      });
      if (step === 'apply' && report.applied) {
        await dropPending(dataDir, chosen.token);
        return reply.redirect('/admin/exchange?notice=sheets.applied', 303);
      }
      return reportPage(request, reply, chosen.token, report, chosen.hideAbsent, report.problems.length > 0 ? 422 : 200);
    });
  }
}
