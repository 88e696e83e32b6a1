import type { FastifyMultipartBaseOptions, Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { setDefaultPriceType } from '../../../catalog/price-types.js';
import type { AppContext } from '../../../context.js';
import { transaction } from '../../../db/transaction.js';
import {
  type FieldFillReport,
  MAPPED_FIELDS,
  type MappedField,
  unseenNames,
  YAML_NAME,
} from '../../../integrations/commerceml/catalog/field-map.js';
import { uploadPackage } from '../../../integrations/commerceml/exchange/manual-upload.js';
import { recentRuns } from '../../../integrations/commerceml/exchange/runs.js';
import { ordersPendingExport, resendOrder } from '../../../integrations/commerceml/sale/orders-document.js';
import { queueExports } from '../../../orders/export.js';
import { requireRole } from '../../guards.js';
import { notFound } from '../../http-error.js';
import { nextPart, pendingUpload, readFieldsBeforeFirstFile } from '../../multipart.js';

const MB = 1024 * 1024;

/** What the newest catalog run that read products found of the mapped fields. */
function lastFieldFill(runs: ReadonlyArray<{ status: string; fields: FieldFillReport | null }>): FieldFillReport | null {
  return runs.find((r) => r.status === 'success' && r.fields !== null && r.fields.products > 0)?.fields ?? null;
}

/** "Accounting exchange": what 1C did and when, a manual package upload, re-sending an order. */
export async function exchangeAdminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const admin = { preHandler: requireRole('admin') };
  const exchange = ctx.exchange;
  const settings = ctx.config.integrations.commerceml;

  app.get('/exchange', admin, async (request, reply) => {
    const runs = (await recentRuns(ctx.db, 100)).map((r) => {
      const { fields, ...counts } = JSON.parse(r.counts) as Record<string, number> & { fields?: FieldFillReport };
      return { ...r, files: JSON.parse(r.files) as { name: string; bytes: number }[], counts, fields: fields ?? null };
    });
    const pending = (await ordersPendingExport(ctx.db, 10_000)).length;
    const q = request.query as Record<string, string | undefined>;
    const priceTypes = await ctx.db
      .selectFrom('price_types')
      .select(['id', 'name', 'currency', 'is_default'])
      .where('hidden', '=', 0)
      .orderBy('name')
      .execute();
    return reply.page('admin/exchange', {
      runs,
      priceTypes,
      defaultPriceType: priceTypes.find((p) => p.is_default === 1) ?? null,
      pending,
      enabled: exchange.enabled,
      url: `${ctx.config.server.publicUrl}/1c_exchange`,
      login: settings.login,
      resent: typeof q.resent === 'string' ? q.resent.slice(0, 40) : '',
      unknown: typeof q.unknown === 'string' ? q.unknown.slice(0, 40) : '',
      moysklad: ctx.moysklad
        ? { url: ctx.config.integrations.moysklad.baseUrl, seconds: ctx.config.integrations.moysklad.pollSeconds }
        : null,
      fieldMap: effectiveMap(ctx, lastFieldFill(runs)),
    });
  });

  // The buyers' default price type is a person's choice, never the first one a file happened to list.
  app.post('/exchange/default-price-type', admin, async (request, reply) => {
    const id = Number((request.body as Record<string, unknown> | undefined)?.price_type_id);
    const found = Number.isSafeInteger(id)
      ? await ctx.db.selectFrom('price_types').select('id').where('id', '=', id).where('hidden', '=', 0).executeTakeFirst()
      : undefined;
    if (!found) throw notFound();
    await setDefaultPriceType(ctx.db, found.id);
    return reply.redirect('/admin/exchange?notice=exchange.defaultPriceTypeSet', 303);
  });

  // MoySklad's "sync now": one sync through the jobs worker; its run appears in the list above.
  app.post('/exchange/moysklad-sync', admin, async (request, reply) => {
    if (!ctx.moysklad) return reply.redirect('/admin/exchange', 303);
    const full = (request.body as Record<string, unknown> | undefined)?.full === '1';
    await transaction(ctx.database, (tx) => ctx.outbox.enqueue(tx, 'moysklad_sync', { full }));
    return reply.redirect('/admin/exchange?notice=exchange.msSyncQueued', 303);
  });

  async function readFieldsBeforeFiles(request: FastifyRequest) {
    if (!request.isMultipart()) return;
    const options: FastifyMultipartBaseOptions = {
      limits: { fileSize: settings.maxPackageMb * MB, files: 200, fields: 5, fieldSize: 1024, parts: 210 },
    };
    await readFieldsBeforeFirstFile(request, options);
  }

  app.post(
    '/exchange/upload',
    { onRequest: requireRole('admin'), preValidation: readFieldsBeforeFiles },
    async (request, reply) => {
      const pending = pendingUpload(request);
      async function* files() {
        for (let part: Multipart | null = pending?.first ?? null; part; part = await nextPart(pending)) {
          if (part.type === 'file' && part.filename) yield { filename: part.filename, file: part.file };
          else if (part.type === 'file') part.file.resume();
        }
      }
      const result = await uploadPackage(ctx, files());
      const notice = 'error' in result ? 'exchange.uploadBusy' : 'exchange.uploadStarted';
      return reply.redirect(`/admin/exchange?notice=${notice}`, 303);
    },
  );

  app.post('/exchange/resend', admin, async (request, reply) => {
    const number = String((request.body as Record<string, unknown> | undefined)?.number ?? '').trim();
    const order = number
      ? await ctx.db.selectFrom('orders').select(['id', 'number']).where('number', '=', number).executeTakeFirst()
      : undefined;
    if (!order) return reply.redirect(`/admin/exchange?unknown=${encodeURIComponent(number)}`, 303);
    // Pushed systems (MoySklad) get the order again through a job; its syncId keeps it one order there.
    if (ctx.orderExporters.length > 0) await transaction(ctx.database, (tx) => queueExports(ctx, tx, order.id));
    else if (!(await resendOrder(ctx.db, order.id)))
      return reply.redirect(`/admin/exchange?unknown=${encodeURIComponent(number)}`, 303);
    return reply.redirect(`/admin/exchange?resent=${encodeURIComponent(order.number)}`, 303);
  });
}

const COUNTERPARTY_FIELDS = [
  ['priceType', 'price_type'],
  ['discount', 'discount'],
  ['manager', 'manager'],
  ['creditLimit', 'credit_limit'],
  ['paymentDays', 'payment_days'],
] as const;

type MapRow = { field: string; key: string; from: string[]; found?: string; unseen?: string[] };

/**
 * config.yml's map of accounting fields as it is in effect: where each portal field comes from
 * (docs/configuration.md), and for 1C what the last catalog run found of it.
 */
function effectiveMap(ctx: AppContext, lastFill: FieldFillReport | null): { system: string; rows: MapRow[] }[] {
  const maps: { system: string; rows: MapRow[] }[] = [];
  const c = ctx.config.integrations.commerceml;
  const sources = (f: { property: readonly string[]; requisite: readonly string[]; unit?: readonly string[] }) => [
    ...f.property.map((p) => `property «${p}»`),
    ...f.requisite.map((r) => `requisite «${r}»`),
    ...(f.unit ?? []).map((u) => `unit «${u}»`),
  ];
  const unseen = lastFill ? unseenNames(c.fields, lastFill) : [];
  const fieldRow = (field: MappedField): MapRow => ({
    field: YAML_NAME[field],
    key: `integrations.commerceml.fields.${YAML_NAME[field]}`,
    from: sources(c.fields[field]),
    ...(lastFill
      ? {
          found: `${lastFill.filled[field] ?? 0} / ${lastFill.products}`,
          unseen: unseen.filter(([f]) => f === YAML_NAME[field]).map(([, name]) => name),
        }
      : {}),
  });
  const list = (field: string, key: string, from: readonly string[]): MapRow => ({
    field,
    key: `integrations.commerceml.${key}`,
    from: [...from],
  });
  if (c.login !== '')
    maps.push({
      system: '1C',
      rows: [
        ...MAPPED_FIELDS.map(fieldRow),
        { field: 'fractional', key: 'integrations.commerceml.fields.fractional.unit', from: [...c.fields.fractional.unit] },
        list('priceTypes', 'price_types', c.priceTypes),
        list('hiddenPriceTypes', 'hidden_price_types', c.hiddenPriceTypes),
        list('defaultPriceType', 'default_price_type', c.defaultPriceType ? [c.defaultPriceType] : []),
        list('warehouses', 'warehouses', c.warehouses),
        ...COUNTERPARTY_FIELDS.map(([field, yaml]) =>
          list(
            `cp${field[0]?.toUpperCase()}${field.slice(1)}`,
            `counterparty_fields.${yaml}`,
            c.counterpartyFields[field].map((r) => `requisite «${r}»`),
          ),
        ),
        list('statuses', 'status_map', c.statusMap),
        list('outgoingStatuses', 'outgoing_statuses', c.outgoingStatuses),
      ],
    });
  const m = ctx.config.integrations.moysklad;
  if (m.token !== '')
    maps.push({
      system: 'MoySklad',
      rows: [
        { field: 'priceTypes', key: 'integrations.moysklad.price_types', from: [...m.priceTypes] },
        {
          field: 'defaultPriceType',
          key: 'integrations.moysklad.default_price_type',
          from: m.defaultPriceType ? [m.defaultPriceType] : [],
        },
        { field: 'warehouses', key: 'integrations.moysklad.stores', from: [...m.stores] },
        {
          field: 'brand',
          key: 'integrations.moysklad.brand_attribute',
          from: m.brandAttribute ? [`attribute «${m.brandAttribute}»`] : [],
        },
        { field: 'statuses', key: 'integrations.moysklad.order_state_map', from: [...m.orderStateMap] },
        ...(['multiple', 'minQty', 'country', 'new', 'sale', 'visible'] as const).map((field) => {
          const source = m.fields[field];
          return {
            field: YAML_NAME[field],
            key: `integrations.moysklad.fields.${YAML_NAME[field]}`,
            from: [
              ...source.attribute.map((a) => `attribute «${a}»`),
              ...('unit' in source ? source.unit.map((u) => `pack «${u}»`) : []),
            ],
          };
        }),
      ],
    });
  return maps;
}
