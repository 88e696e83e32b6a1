/**
 * What 1C sends back on `type=sale` (`mode=file`, then `mode=import` in the newer variant):
 * order documents with 1C's status, numbers, payment and shipment; orders entered in 1C for a
 * buyer the portal knows; settlement documents (invoices, shipments, payments, returns) for the
 * buyer's account; and buyers, with their credit terms. The whole file is read first — a
 * malformed file throws its XmlError and changes nothing — then every counterparty and every
 * document is applied in a transaction of its own.
 */

import { listRates, setRates } from '../../../catalog/currency-rates.js';
import type { AppContext } from '../../../context.js';
import { localDate } from '../../../finance/dates.js';
import { setAccountTerms } from '../../../finance/ledger.js';
import { textOf } from '../xml/node.js';
import { applyOrderDocument } from './apply-order-document.js';
import { applySellerOrder } from './apply-seller-order.js';
import { applySettlementDocument } from './apply-settlement.js';
import {
  defaultPriceTypeId,
  findCompany,
  type OneCCounterparty,
  readCounterparty,
  upsertCounterparty,
} from './counterparties.js';
import { applyCompanyFields, readCompanyFields } from './counterparty-fields.js';
import { readCreditTerms } from './credit-terms.js';
import { parseExchangeDate } from './exchange-values.js';
import { DocumentProblem, type OneCOrderDocument, readOrderDocument } from './read-order-document.js';
import { readSaleFile } from './read-sale-file.js';
import { documentRate, readSettlementDocument, settlementKind } from './read-settlement-document.js';
import { statusLookup } from './status-map.js';

export interface SaleApplyResult {
  /** created: orders entered in 1C that joined a buyer's history. */
  orders: { updated: number; unchanged: number; created: number; unknown: string[] };
  companies: { created: number; updated: number; skipped: number };
  /** Legal entities whose credit terms (limit, payment days, stated balance) changed. */
  creditTerms: number;
  /** Settlement documents (invoices, shipments, payments, returns, refunds). */
  documents: { created: number; updated: number; unchanged: number; skipped: number };
  /** Rouble prices re-derived from the currency rates the documents were priced at. */
  ratesChanged: number;
  warnings: string[];
}

export async function applySaleFile(
  ctx: AppContext,
  file: string | Uint8Array,
  /** packageDir: where the run's files are, so a document's file can be found; none for a lone file. */
  source: { fileName: string; packageDir?: string },
): Promise<SaleApplyResult> {
  const parsed = await readSaleFile(file);
  const result: SaleApplyResult = {
    orders: { updated: 0, unchanged: 0, created: 0, unknown: [] },
    companies: { created: 0, updated: 0, skipped: 0 },
    creditTerms: 0,
    documents: { created: 0, updated: 0, unchanged: 0, skipped: 0 },
    ratesChanged: 0,
    warnings: [],
  };
  const madeOn = parseExchangeDate(parsed.madeAt) || localDate(ctx.clock.now());
  const where = (line: number) => `${source.fileName} line ${line}`;

  const counterparties: OneCCounterparty[] = parsed.counterparties.map(readCounterparty);
  if (counterparties.length > 0) {
    const priceTypeId = await defaultPriceTypeId(ctx);
    for (const [index, cp] of counterparties.entries()) {
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
      const node = parsed.counterparties[index];
      const { terms, problems } = node
        ? readCreditTerms(node, madeOn, ctx.config.integrations.commerceml.counterpartyFields)
        : { terms: {}, problems: [] };
      const company = node
        ? await readCompanyFields(ctx.db, node, ctx.config.integrations.commerceml)
        : { fields: {}, problems: [] };
      result.warnings.push(
        ...[...problems, ...company.problems].map((p) => `${where(cp.line)}: Контрагент ${label}: ${p}; left as it was`),
      );
      const outcome = await ctx.db.transaction().execute(async (trx) => {
        let upserted = await upsertCounterparty(trx, cp, company.fields.priceTypeId ?? priceTypeId, ctx.clock.now());
        const needsMatch = Object.keys(terms).length > 0 || Object.keys(company.fields).length > 0;
        const match = needsMatch ? await findCompany(trx, cp) : undefined;
        if (
          match &&
          (await applyCompanyFields(trx, match.companyId, company.fields, ctx.clock.now())) &&
          upserted === 'unchanged'
        )
          upserted = 'updated';
        if (Object.keys(terms).length === 0) return { upserted, terms: false };
        const entityId = match?.entity?.id;
        return {
          upserted,
          terms: entityId !== undefined && (await setAccountTerms(trx, entityId, terms, '1c', ctx.clock.now())),
        };
      });
      if (outcome.upserted === 'created') result.companies.created += 1;
      else if (outcome.upserted === 'updated') result.companies.updated += 1;
      if (outcome.terms) result.creditTerms += 1;
    }
  }

  const lookup = statusLookup(ctx.config.integrations.commerceml.statusMap, ctx.config.integrations.commerceml.outgoingStatuses);
  const rates = new Map<string, { rateMicro: number; date: string }>();
  for (const node of parsed.documents) {
    // The rate 1C priced a document at is the day's rate of that currency (the latest day wins).
    const rate = documentRate(node);
    const day = parseExchangeDate(textOf(node, 'Дата1С') || textOf(node, 'Дата'));
    if (rate !== null && rate !== 'missing' && day && !((rates.get(rate.currency)?.date ?? '') > day))
      rates.set(rate.currency, { rateMicro: rate.rateMicro, date: day });
    const kind = settlementKind(textOf(node, 'ХозОперация'));
    if (kind !== null) {
      try {
        const settled = await applySettlementDocument(ctx, readSettlementDocument(node, kind), source.packageDir ?? null);
        result.documents[settled.kind] += 1;
        result.warnings.push(...settled.warnings.map((w) => `${where(node.line)}: ${w}`));
      } catch (error) {
        if (!(error instanceof DocumentProblem)) throw error;
        result.documents.skipped += 1;
        result.warnings.push(`${where(error.line)}: ${error.message}; this document was skipped`);
      }
      continue;
    }
    let doc: OneCOrderDocument;
    try {
      doc = readOrderDocument(node);
    } catch (error) {
      if (!(error instanceof DocumentProblem)) throw error;
      result.warnings.push(`${where(error.line)}: ${error.message}; this document was skipped`);
      continue;
    }
    if (!doc.isOrder) {
      result.warnings.push(
        `${where(doc.line)}: Документ ${doc.label} ("${textOf(node, 'ХозОперация')}") is neither an order nor a settlement document; skipped`,
      );
      continue;
    }
    const outcome = await applyOrderDocument(ctx, doc, lookup, ctx.clock.now());
    if (outcome.kind === 'unknown') {
      // Not an order of the portal's: entered in 1C. It joins the history of a buyer we know.
      const entered = await applySellerOrder(ctx, doc, node, lookup, ctx.clock.now());
      result.warnings.push(...entered.warnings.map((w) => `${where(doc.line)}: ${w}`));
      if (entered.kind === 'created') result.orders.created += 1;
      else result.orders.unknown.push(outcome.label);
      continue;
    }
    result.orders[outcome.kind] += 1;
    if (outcome.buyerAttached) result.companies.updated += 1;
    result.warnings.push(...outcome.warnings.map((w) => `${where(doc.line)}: ${w}`));
  }
  result.ratesChanged = await applyDocumentRates(ctx, rates);
  return result;
}

/** Rates from 1C's documents re-price the catalog, but never replace a rate of a later day. */
async function applyDocumentRates(
  ctx: AppContext,
  rates: ReadonlyMap<string, { rateMicro: number; date: string }>,
): Promise<number> {
  if (rates.size === 0) return 0;
  const stored = new Map((await listRates(ctx.db)).map((r) => [r.currency, r.date]));
  const newer = [...rates]
    .filter(([currency, r]) => !((stored.get(currency) ?? '') > r.date))
    .map(([currency, r]) => ({ currency, rateMicro: r.rateMicro, date: r.date }));
  return newer.length === 0 ? 0 : setRates(ctx.db, newer, '1c', ctx.clock.now());
}
