/**
 * What each buyer owes, from MoySklad's counterparty report (`GET /report/counterparty`, the
 * "Показатели контрагентов" of MoySklad's CRM; official docs, reports/_report_counterparty.md):
 * its `balance` is the counterparty's, in kopecks, negative while the buyer owes the seller. The
 * portal keeps it as the stated balance of the company's primary legal entity, dated the day of
 * the sync, the way 1C's and a spreadsheet's balances are kept (finance/ledger.ts). Counterparties
 * that are no portal company are skipped; a tariff without CRM (HTTP 403) leaves balances alone.
 */
import type { AppContext } from '../../context.js';
import { localDate } from '../../finance/dates.js';
import { setAccountTerms } from '../../finance/ledger.js';
import { MoySkladError, type MoySkladClient } from './client.js';

interface CounterpartyReportRow {
  counterparty: { id: string };
  /** Kopecks; below zero the counterparty owes. */
  balance: number;
}

export interface BalanceCounts {
  balances_read: number;
  balances_changed: number;
}

export async function pullBalances(ctx: AppContext, client: MoySkladClient): Promise<BalanceCounts> {
  const counts: BalanceCounts = { balances_read: 0, balances_changed: 0 };
  const entities = new Map(
    (
      await ctx.db
        .selectFrom('companies')
        .innerJoin('legal_entities', 'legal_entities.company_id', 'companies.id')
        .select(['companies.external_ms_id', 'legal_entities.id'])
        .where('companies.external_ms_id', 'is not', null)
        .where('legal_entities.is_primary', '=', 1)
        .execute()
    ).map((r) => [r.external_ms_id as string, r.id]),
  );
  if (entities.size === 0) return counts;
  let rows: CounterpartyReportRow[];
  try {
    rows = await client.all<CounterpartyReportRow>('/report/counterparty');
  } catch (error) {
    // The report needs MoySklad's CRM option and the viewCompanyCRM right: without them, no balances, nothing else lost.
    if (error instanceof MoySkladError && error.status === 403) return counts;
    throw error;
  }
  const today = localDate(ctx.clock.now());
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    for (const row of rows) {
      const entityId = entities.get(row.counterparty?.id ?? '');
      if (entityId === undefined || typeof row.balance !== 'number' || !Number.isFinite(row.balance)) continue;
      counts.balances_read++;
      const owed = -Math.round(row.balance);
      if (await setAccountTerms(trx, entityId, { balance: owed, balanceDate: today }, 'moysklad', now)) counts.balances_changed++;
    }
  });
  return counts;
}
