/**
 * Where a legal entity stands against its credit terms, and whether an order fits them. Read
 * synchronously through prepared statements: placeOrder asks inside its transaction, so the
 * answer and the order cannot drift apart. Pages ask through loadCreditPosition().
 *
 *  - balance: what accounting stated (account_terms.balance), else shipments and refunds minus
 *    payments and returns of the active documents;
 *  - overdue: what accounting stated, else the shipments and refunds past their due date (their
 *    own, or the document date plus the payment days) that the payments and returns, taken oldest
 *    first, do not cover; 0 when neither a due date nor payment days are known;
 *  - open orders: orders of the entity not yet shipped, cancelled or completed — accounting has not
 *    billed them, but the goods are promised.
 */
import type { Database } from '../db/open.js';
import type { StatementCache } from '../db/statements.js';
import { addDays } from './dates.js';

export interface CreditPosition {
  legalEntityId: number;
  /** Kopecks; null = no limit known (then only overdue debt can stop an order). */
  limit: number | null;
  paymentDays: number | null;
  /** Kopecks the buyer owes; negative = prepaid. */
  balance: number;
  /** True when accounting stated the balance, false when it is worked out from the documents. */
  balanceStated: boolean;
  /** YYYY-MM-DD the stated balance is as of. */
  balanceDate: string | null;
  overdue: number;
  /** Orders placed but not yet shipped, kopecks. */
  openOrders: number;
  /** What may still be ordered: limit − balance − open orders; null without a limit. */
  available: number | null;
}

interface TermsRow {
  credit_limit: number | null;
  payment_days: number | null;
  balance: number | null;
  overdue: number | null;
  balance_date: string | null;
}

const TERMS_SQL = 'select credit_limit, payment_days, balance, overdue, balance_date from account_terms where legal_entity_id = ?';

// @days = -1 when the payment days are not known.
const DOCUMENTS_SQL = `
  select
    coalesce(sum(case when kind in ('shipment', 'refund') then amount when kind in ('payment', 'return') then -amount else 0 end), 0) as balance,
    coalesce(sum(case when kind in ('payment', 'return') then amount else 0 end), 0) as credits,
    coalesce(sum(case when kind in ('shipment', 'refund')
      and coalesce(due_date, case when @days >= 0 then date(date, '+' || @days || ' days') end) < @today then amount else 0 end), 0) as due_debits
  from account_documents where legal_entity_id = @entity and status = 'active'`;

const OPEN_ORDERS_SQL = `
  select coalesce(sum(total), 0) as total from orders
  where legal_entity_id = ? and status in ('new', 'confirmed', 'in_progress') and shipped_at is null`;

/** The entity's position today (YYYY-MM-DD, the distributor's calendar). */
export function creditPosition(statements: StatementCache, legalEntityId: number, today: string): CreditPosition {
  const terms = statements.get(TERMS_SQL).get(legalEntityId) as TermsRow | undefined;
  const paymentDays = terms?.payment_days ?? null;
  const docs = statements.get(DOCUMENTS_SQL).get({ entity: legalEntityId, days: paymentDays ?? -1, today }) as {
    balance: number;
    credits: number;
    due_debits: number;
  };
  const { total: openOrders } = statements.get(OPEN_ORDERS_SQL).get(legalEntityId) as { total: number };
  const balance = terms?.balance ?? docs.balance;
  const limit = terms?.credit_limit ?? null;
  return {
    legalEntityId,
    limit,
    paymentDays,
    balance,
    balanceStated: terms?.balance !== null && terms?.balance !== undefined,
    balanceDate: terms?.balance !== null && terms?.balance !== undefined ? (terms.balance_date ?? null) : null,
    overdue: Math.max(0, terms?.overdue ?? docs.due_debits - docs.credits),
    openOrders,
    available: limit === null ? null : limit - balance - openOrders,
  };
}

/** The same, for pages: waits its turn on the shared connection like every other read. */
export async function loadCreditPosition(database: Database, legalEntityId: number, today: string): Promise<CreditPosition> {
  return database.db.connection().execute(async () => creditPosition(database.statements, legalEntityId, today));
}

/**
 * Why an order does not fit the terms: over the limit (by how much), overdue debt, or both.
 * This is the domain's answer; the web checkout and the REST API each word it their own way.
 */
export interface CreditConcern {
  /** Kopecks the order would go over the limit by; 0 when it fits. */
  overLimitBy: number;
  /** Overdue debt, kopecks; 0 when none. */
  overdue: number;
  limit: number | null;
  balance: number;
  openOrders: number;
  orderTotal: number;
}

/** Null when the order fits: within the limit (or none is known) and nothing is overdue. */
export function creditConcern(position: CreditPosition, orderTotal: number): CreditConcern | null {
  // A prepaid (negative) balance leaves room: the goods are already paid for.
  const exposure = position.balance + position.openOrders + orderTotal;
  const overLimitBy = position.limit === null ? 0 : Math.max(0, exposure - position.limit);
  if (overLimitBy === 0 && position.overdue === 0) return null;
  return {
    overLimitBy,
    overdue: position.overdue,
    limit: position.limit,
    balance: position.balance,
    openOrders: position.openOrders,
    orderTotal,
  };
}

/** The due date of a debit document: its own, or its date plus the payment days. */
export function dueDateOf(date: string, dueDate: string | null, paymentDays: number | null): string | null {
  if (dueDate) return dueDate;
  return paymentDays === null ? null : addDays(date, paymentDays);
}
