/**
 * The buyer's account with the seller ("взаиморасчёты"), per legal entity: the terms accounting
 * gives (credit limit, payment days, and a stated balance when it has one) and the settlement
 * documents it sends — invoices for payment, shipments (УПД), payments, returns and refunds.
 *
 * Every source writes through the same two functions, recordAccountDocument() and
 * setAccountTerms(): the 1C sale exchange today; a spreadsheet (`balances`, `documents` kinds) or
 * MoySklad reader calls them the same way with its own `source` and ids. Reading is below: the
 * buyer's overview, the document list and the single document, each behind the viewer's scope.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import { companyScope } from '../accounts/companies.js';
import type { AccountDocumentKind, AccountDocumentRow, AccountDocumentStatus, DB, UserRow } from '../db/schema.js';

export const DOCUMENT_KINDS: readonly AccountDocumentKind[] = ['invoice', 'shipment', 'payment', 'return', 'refund'];

/** Kinds that make the buyer owe more (goods shipped, money paid back) and less (paid, goods returned). */
export const DEBIT_KINDS: readonly AccountDocumentKind[] = ['shipment', 'refund'];
export const CREDIT_KINDS: readonly AccountDocumentKind[] = ['payment', 'return'];

/** How a document moves what the buyer owes; an invoice for payment moves nothing. */
export function balanceEffect(kind: AccountDocumentKind, amount: number): number {
  if (DEBIT_KINDS.includes(kind)) return amount;
  if (CREDIT_KINDS.includes(kind)) return -amount;
  return 0;
}

export interface AccountDocumentInput {
  /** Who sent it ('1c', 'moysklad', 'spreadsheet'); with externalId it names the document for good. */
  source: string;
  externalId: string;
  companyId: number;
  legalEntityId: number;
  kind: AccountDocumentKind;
  status: AccountDocumentStatus;
  number: string;
  /** YYYY-MM-DD. */
  date: string;
  dueDate: string | null;
  /** Kopecks, not negative. */
  amount: number;
  orderId: number | null;
  /** The order as the document names it; kept even when no portal order matches. */
  orderRef: string;
  comment: string;
  /** The stored file (see storeDocumentFile); null keeps whatever the document had. */
  file: { path: string; name: string } | null;
}

export type RecordOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates or brings up to date one settlement document, found by (source, externalId): sending
 * the same document again changes nothing; a deletion mark keeps the row but takes it out of
 * every sum.
 */
export async function recordAccountDocument(trx: Transaction<DB>, input: AccountDocumentInput, now: number): Promise<RecordOutcome> {
  if (!Number.isSafeInteger(input.amount) || input.amount < 0) throw new RangeError(`document ${input.number}: amount must be kopecks ≥ 0`);
  const values = {
    company_id: input.companyId,
    legal_entity_id: input.legalEntityId,
    kind: input.kind,
    status: input.status,
    number: input.number,
    date: input.date,
    due_date: input.dueDate,
    amount: input.amount,
    order_id: input.orderId,
    order_ref: input.orderRef,
    comment: input.comment,
    ...(input.file ? { file_path: input.file.path, file_name: input.file.name } : {}),
  };
  const existing = await trx
    .selectFrom('account_documents')
    .selectAll()
    .where('source', '=', input.source)
    .where('external_id', '=', input.externalId)
    .executeTakeFirst();
  if (!existing) {
    await trx
      .insertInto('account_documents')
      .values({ file_path: null, file_name: null, ...values, source: input.source, external_id: input.externalId, created_at: now, updated_at: now })
      .execute();
    return 'created';
  }
  const changed = Object.entries(values).filter(([key, value]) => (existing as unknown as Record<string, unknown>)[key] !== value);
  if (changed.length === 0) return 'unchanged';
  await trx
    .updateTable('account_documents')
    .set({ ...Object.fromEntries(changed), updated_at: now })
    .where('id', '=', existing.id)
    .execute();
  return 'updated';
}

/** What a source knows of an entity's terms; a key left out keeps its stored value, null clears it. */
export interface AccountTermsInput {
  creditLimit?: number | null;
  paymentDays?: number | null;
  balance?: number | null;
  overdue?: number | null;
  /** YYYY-MM-DD the balance and overdue amount are as of. */
  balanceDate?: string | null;
}

const TERM_COLUMNS = {
  creditLimit: 'credit_limit',
  paymentDays: 'payment_days',
  balance: 'balance',
  overdue: 'overdue',
  balanceDate: 'balance_date',
} as const;

/** Sets the terms a source sent for one legal entity; true when anything changed. */
export async function setAccountTerms(
  trx: Transaction<DB>,
  legalEntityId: number,
  input: AccountTermsInput,
  source: string,
  now: number,
): Promise<boolean> {
  const wanted: Record<string, number | string | null> = {};
  for (const [key, column] of Object.entries(TERM_COLUMNS)) {
    const value = input[key as keyof AccountTermsInput];
    if (value !== undefined) wanted[column] = value;
  }
  if (Object.keys(wanted).length === 0) return false;
  const existing = await trx.selectFrom('account_terms').selectAll().where('legal_entity_id', '=', legalEntityId).executeTakeFirst();
  if (!existing) {
    await trx
      .insertInto('account_terms')
      .values({
        legal_entity_id: legalEntityId,
        credit_limit: null,
        payment_days: null,
        balance: null,
        overdue: null,
        balance_date: null,
        ...wanted,
        source,
        updated_at: now,
      })
      .execute();
    return true;
  }
  const changed = Object.entries(wanted).filter(([column, value]) => (existing as unknown as Record<string, unknown>)[column] !== value);
  if (changed.length === 0) return false;
  await trx
    .updateTable('account_terms')
    .set({ ...Object.fromEntries(changed), source, updated_at: now })
    .where('legal_entity_id', '=', legalEntityId)
    .execute();
  return true;
}

/**
 * Keeps a document's file under <data_dir>/documents, named by its content, so sending the same
 * file again stores nothing new. Written before the document's transaction: a file whose
 * transaction then fails is left over, never a document pointing at a missing file.
 */
export async function storeDocumentFile(dataDir: string, name: string, bytes: Uint8Array): Promise<{ path: string; name: string }> {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 20);
  const base = name.split(/[\\/]/).pop() ?? 'document';
  const safe = base.replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(-80) || 'document';
  const relative = `documents/${hash}-${safe}`;
  const dir = join(dataDir, 'documents');
  await mkdir(dir, { recursive: true });
  const target = join(dataDir, relative);
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { path: relative, name: base };
}

// ---------------------------------------------------------------------------------------------
// Reading, always within what the viewer may see: a buyer its company, a manager its companies.

function scopedDocuments(db: Kysely<DB>, viewer: UserRow) {
  const scope = companyScope(viewer);
  let query = db
    .selectFrom('account_documents as d')
    .innerJoin('companies as c', 'c.id', 'd.company_id')
    .innerJoin('legal_entities as e', 'e.id', 'd.legal_entity_id')
    .leftJoin('orders as o', 'o.id', 'd.order_id');
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('d.company_id', '=', scope.companyId);
  return query;
}

export interface DocumentFilter {
  companyId: number;
  legalEntityId?: number;
  kind?: AccountDocumentKind;
  /** YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
}

export type ListedDocument = AccountDocumentRow & { entity_name: string; order_number: string | null };

/** The company's settlement documents the viewer may see, newest first; deleted and draft ones are left out. */
export async function listAccountDocuments(
  db: Kysely<DB>,
  viewer: UserRow,
  filter: DocumentFilter,
  limit: number,
  offset: number,
): Promise<{ rows: ListedDocument[]; total: number }> {
  let query = scopedDocuments(db, viewer).where('d.company_id', '=', filter.companyId).where('d.status', '=', 'active');
  if (filter.legalEntityId !== undefined) query = query.where('d.legal_entity_id', '=', filter.legalEntityId);
  if (filter.kind) query = query.where('d.kind', '=', filter.kind);
  if (filter.from) query = query.where('d.date', '>=', filter.from);
  if (filter.to) query = query.where('d.date', '<=', filter.to);
  const { count } = await query.select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
  const rows = await query
    .selectAll('d')
    .select(['e.name as entity_name', 'o.number as order_number'])
    .orderBy('d.date', 'desc')
    .orderBy('d.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return { rows, total: Number(count) };
}

/** One document if the viewer may see it; undefined otherwise (the page answers 404). */
export async function visibleAccountDocument(db: Kysely<DB>, viewer: UserRow, id: number): Promise<ListedDocument | undefined> {
  return scopedDocuments(db, viewer)
    .selectAll('d')
    .select(['e.name as entity_name', 'o.number as order_number'])
    .where('d.id', '=', id)
    .where('d.status', '=', 'active')
    .executeTakeFirst();
}

/** A legal entity if the viewer may see its company; undefined otherwise. */
export async function visibleLegalEntity(db: Kysely<DB>, viewer: UserRow, id: number) {
  const scope = companyScope(viewer);
  let query = db
    .selectFrom('legal_entities as e')
    .innerJoin('companies as c', 'c.id', 'e.company_id')
    .selectAll('e')
    .select('c.name as company_name')
    .where('e.id', '=', id);
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('e.company_id', '=', scope.companyId);
  return query.executeTakeFirst();
}

/** The documents of an order (its invoice, shipments, payments), for the order page. */
export async function documentsOfOrder(db: Kysely<DB>, orderId: number) {
  return db
    .selectFrom('account_documents')
    .select(['id', 'kind', 'number', 'date', 'amount', 'file_path'])
    .where('order_id', '=', orderId)
    .where('status', '=', 'active')
    .orderBy('date')
    .orderBy('id')
    .execute();
}
