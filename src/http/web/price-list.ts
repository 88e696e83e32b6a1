/**
 * GET /price-list.xlsx|.csv: the buyer's own price list (its prices, the stock as config shows
 * it), streamed. For staff, the price list of the company they act for.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { type PriceListLabels, priceListCsv, priceListPages, priceListXlsx } from '../../integrations/spreadsheet/price-list.js';
import { requireLogin } from '../guards.js';
import { buyingOrChoose } from './buying.js';
import { STOCK_WORD } from './stock-text.js';

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

export async function priceListRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  const stockConfig = { stockDisplay: ctx.config.catalog.stockDisplay, stockFewBelow: ctx.config.catalog.stockFewBelow };
  const fileDate = () => new Date(ctx.clock.now()).toISOString().slice(0, 10);

  app.get('/price-list.xlsx', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buyingOrChoose(ctx, request, reply, '/quick-order');
    if (!company) return reply;
    const stream = priceListXlsx(priceListPages(ctx.db, company, stockConfig), labels(request));
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="price-list-${fileDate()}.xlsx"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });

  app.get('/price-list.csv', { preHandler: requireLogin }, async (request, reply) => {
    const company = await buyingOrChoose(ctx, request, reply, '/quick-order');
    if (!company) return reply;
    const format =
      request.locale === 'ru'
        ? ({ delimiter: ';', decimalComma: true } as const)
        : ({ delimiter: ',', decimalComma: false } as const);
    const stream = priceListCsv(priceListPages(ctx.db, company, stockConfig), labels(request), format);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="price-list-${fileDate()}.csv"`)
      .header('cache-control', 'no-store')
      .send(stream);
  });
}
