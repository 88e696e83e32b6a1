/**
 * The buyer's statement for a period, in the shape of an "акт сверки": the balance at the start,
 * every shipment, payment, return and refund in the period as debit (the buyer owes more) or
 * credit (less), the turnover, and the balance at the end. Invoices for payment move nothing
 * and are left out, as in an акт сверки.
 */
import { type Kysely, sql } from 'kysely';
import type { AccountDocumentKind, DB } from '../db/schema.js';
import { balanceEffect, CREDIT_KINDS, DEBIT_KINDS } from './ledger.js';

export interface StatementRow {
  date: string;
  kind: AccountDocumentKind;
  number: string;
  orderNumber: string | null;
  debit: number;
  credit: number;
}

export interface AccountStatement {
  /** YYYY-MM-DD, inclusive. */
  from: string;
  to: string;
  opening: number;
  rows: StatementRow[];
  debitTotal: number;
  creditTotal: number;
  closing: number;
  /** What accounting itself stated, when it did: shown next to the worked-out balance. */
  stated: { balance: number; date: string | null } | null;
}

const MOVING = [...DEBIT_KINDS, ...CREDIT_KINDS];

export async function accountStatement(db: Kysely<DB>, legalEntityId: number, from: string, to: string): Promise<AccountStatement> {
  const before = await db
    .selectFrom('account_documents')
    .select(['kind', sql<number>`sum(amount)`.as('amount')])
    .where('legal_entity_id', '=', legalEntityId)
    .where('status', '=', 'active')
    .where('date', '<', from)
    .where('kind', 'in', MOVING)
    .groupBy('kind')
    .execute();
  const opening = before.reduce((sum, r) => sum + balanceEffect(r.kind, Number(r.amount)), 0);
  const documents = await db
    .selectFrom('account_documents as d')
    .leftJoin('orders as o', 'o.id', 'd.order_id')
    .select(['d.date', 'd.kind', 'd.number', 'd.amount', 'd.order_ref', 'o.number as order_number'])
    .where('d.legal_entity_id', '=', legalEntityId)
    .where('d.status', '=', 'active')
    .where('d.date', '>=', from)
    .where('d.date', '<=', to)
    .where('d.kind', 'in', MOVING)
    .orderBy('d.date')
    .orderBy('d.id')
    .execute();
  const rows: StatementRow[] = documents.map((d) => {
    const effect = balanceEffect(d.kind, d.amount);
    return {
      date: d.date,
      kind: d.kind,
      number: d.number,
      orderNumber: d.order_number ?? (d.order_ref || null),
      debit: Math.max(effect, 0),
      credit: Math.max(-effect, 0),
    };
  });
  const debitTotal = rows.reduce((sum, r) => sum + r.debit, 0);
  const creditTotal = rows.reduce((sum, r) => sum + r.credit, 0);
  const terms = await db
    .selectFrom('account_terms')
    .select(['balance', 'balance_date'])
    .where('legal_entity_id', '=', legalEntityId)
    .executeTakeFirst();
  return {
    from,
    to,
    opening,
    rows,
    debitTotal,
    creditTotal,
    closing: opening + debitTotal - creditTotal,
    stated: terms && terms.balance !== null ? { balance: terms.balance, date: terms.balance_date } : null,
  };
}
