/**
 * What 1C sends back on `type=sale` (`mode=file`, then `mode=import` in the newer variant):
 * order documents with 1C's status, numbers, payment and shipment, and buyers. The whole file
 * is read first — a malformed file throws its XmlError and changes nothing — then every
 * counterparty and every document is applied in a transaction of its own.
 */
import type { AppContext } from '../../../context.js';
import { type OneCCounterparty, defaultPriceTypeId, readCounterparty, upsertCounterparty } from './counterparties.js';
import { applyOrderDocument } from './apply-order-document.js';
import { DocumentProblem, type OneCOrderDocument, readOrderDocument } from './read-order-document.js';
import { readSaleFile } from './read-sale-file.js';
import { statusLookup } from './status-map.js';

export interface SaleApplyResult {
  orders: { updated: number; unchanged: number; unknown: string[] };
  companies: { created: number; updated: number; skipped: number };
  warnings: string[];
}

export async function applySaleFile(
  ctx: AppContext,
  file: string | Uint8Array,
  source: { fileName: string },
): Promise<SaleApplyResult> {
  const parsed = await readSaleFile(file);
  const result: SaleApplyResult = {
    orders: { updated: 0, unchanged: 0, unknown: [] },
    companies: { created: 0, updated: 0, skipped: 0 },
    warnings: [],
  };
  const where = (line: number) => `${source.fileName} line ${line}`;

  const counterparties: OneCCounterparty[] = parsed.counterparties.map(readCounterparty);
  if (counterparties.length > 0) {
    const priceTypeId = await defaultPriceTypeId(ctx);
    for (const cp of counterparties) {
      const label = `"${cp.name || cp.officialName}"${cp.id ? ` (Ид ${cp.id})` : ''}`;
      if (cp.deleted) {
        result.companies.skipped += 1;
        result.warnings.push(
          `${where(cp.line)}: Контрагент ${label} is marked for deletion in 1C; the portal company, if any, was left as it is`,
        );
        continue;
      }
      if (!cp.name) {
        result.companies.skipped += 1;
        result.warnings.push(`${where(cp.line)}: Контрагент ${label} has no Наименование; skipped`);
        continue;
      }
      const outcome = await ctx.db.transaction().execute((trx) => upsertCounterparty(trx, cp, priceTypeId, ctx.clock.now()));
      if (outcome === 'created') result.companies.created += 1;
      else if (outcome === 'updated') result.companies.updated += 1;
    }
  }

  const lookup = statusLookup(ctx.config.integrations.commerceml.statusMap);
  for (const node of parsed.documents) {
    let doc: OneCOrderDocument;
    try {
      doc = readOrderDocument(node);
    } catch (error) {
      if (!(error instanceof DocumentProblem)) throw error;
      result.warnings.push(`${where(error.line)}: ${error.message}; this document was skipped`);
      continue;
    }
    if (!doc.isOrder) {
      result.warnings.push(`${where(doc.line)}: Документ ${doc.label} is not an order (ХозОперация); skipped`);
      continue;
    }
    const outcome = await applyOrderDocument(ctx, doc, lookup, ctx.clock.now());
    if (outcome.kind === 'unknown') {
      // Orders entered in 1C have no portal counterpart; the portal does not create them.
      result.orders.unknown.push(outcome.label);
      continue;
    }
    result.orders[outcome.kind] += 1;
    if (outcome.buyerAttached) result.companies.updated += 1;
    result.warnings.push(...outcome.warnings.map((w) => `${where(doc.line)}: ${w}`));
  }
  return result;
}
