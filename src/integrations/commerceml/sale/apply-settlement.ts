/**
 * Puts one settlement document from 1C into the buyer's account (finance/ledger.ts): whose it is
 * (its buyer counterparty, else the order it names), which order it belongs to, and its file when
 * the package carries one. Applying the same document again changes nothing.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../../context.js';
import type { DB } from '../../../db/schema.js';
import { type RecordOutcome, recordAccountDocument, storeDocumentFile } from '../../../finance/ledger.js';
import { safeRelativePath, UnsafeNameError } from '../exchange/paths.js';
import { findCompany, readCounterparty } from './counterparties.js';
import type { OneCSettlementDocument } from './read-settlement-document.js';

/** Larger files are not taken: a document's PDF is tens of kilobytes. */
const MAX_DOCUMENT_FILE = 20 * 1024 * 1024;

export type SettlementOutcome = { kind: RecordOutcome; warnings: string[] } | { kind: 'skipped'; warnings: string[] };

interface Owner {
  companyId: number;
  legalEntityId: number;
  orderId: number | null;
}

async function primaryEntity(trx: Transaction<DB>, companyId: number): Promise<number | undefined> {
  const row = await trx
    .selectFrom('legal_entities')
    .select('id')
    .where('company_id', '=', companyId)
    .orderBy('is_primary', 'desc')
    .orderBy('id')
    .executeTakeFirst();
  return row?.id;
}

/** An order by the number 1C gives: ours, 1C's own number for it, or 1C's Ид; within one company when known. */
async function orderByRef(trx: Transaction<DB>, ref: string, companyId: number | null) {
  if (!ref) return undefined;
  let query = trx
    .selectFrom('orders')
    .select(['id', 'company_id', 'legal_entity_id'])
    .where((eb) => eb.or([eb('number', '=', ref), eb('external_number', '=', ref), eb('external_1c_id', '=', ref)]));
  if (companyId !== null) query = query.where('company_id', '=', companyId);
  return query.orderBy('id').executeTakeFirst();
}

async function ownerOf(trx: Transaction<DB>, doc: OneCSettlementDocument, warnings: string[]): Promise<Owner | null> {
  const cp = doc.buyer ? readCounterparty(doc.buyer) : null;
  const match = cp ? await findCompany(trx, cp) : undefined;
  if (match) {
    const legalEntityId = match.entity?.id ?? (await primaryEntity(trx, match.companyId));
    if (legalEntityId === undefined) return null;
    const order = await orderByRef(trx, doc.orderRef, match.companyId);
    if (doc.orderRef && !order && (await orderByRef(trx, doc.orderRef, null)))
      warnings.push(`${doc.number}: order "${doc.orderRef}" belongs to another company; the document was not linked to it`);
    return { companyId: match.companyId, legalEntityId, orderId: order?.id ?? null };
  }
  // No counterparty we know: the order it was made for says whose it is.
  const order = await orderByRef(trx, doc.orderRef, null);
  if (!order) return null;
  const legalEntityId = order.legal_entity_id ?? (await primaryEntity(trx, order.company_id));
  return legalEntityId === undefined ? null : { companyId: order.company_id, legalEntityId, orderId: order.id };
}

/** The file the document names, stored under data_dir; null (with a warning) when it cannot be had. */
async function documentFile(ctx: AppContext, doc: OneCSettlementDocument, packageDir: string | null, warnings: string[]) {
  if (!doc.fileRef) return null;
  if (!packageDir) {
    warnings.push(`${doc.number}: file "${doc.fileRef}" is named, but the document did not come in a package with files`);
    return null;
  }
  let relative: string;
  try {
    relative = safeRelativePath(doc.fileRef);
  } catch (error) {
    if (!(error instanceof UnsafeNameError)) throw error;
    warnings.push(`${doc.number}: file "${doc.fileRef}" refused: ${error.message}`);
    return null;
  }
  const path = join(packageDir, relative);
  const info = await stat(path).catch(() => null);
  if (!info?.isFile()) {
    warnings.push(`${doc.number}: file "${doc.fileRef}" is not in the package; the document is shown without it`);
    return null;
  }
  if (info.size > MAX_DOCUMENT_FILE) {
    warnings.push(`${doc.number}: file "${doc.fileRef}" is over ${MAX_DOCUMENT_FILE / 1024 / 1024} MB; not kept`);
    return null;
  }
  return storeDocumentFile(ctx.config.dataDir, relative, await readFile(path));
}

export async function applySettlementDocument(
  ctx: AppContext,
  doc: OneCSettlementDocument,
  packageDir: string | null,
): Promise<SettlementOutcome> {
  const warnings: string[] = [];
  const file = await documentFile(ctx, doc, packageDir, warnings);
  return ctx.db.transaction().execute(async (trx) => {
    const owner = await ownerOf(trx, doc, warnings);
    if (!owner) {
      const who = doc.buyer ? `counterparty "${readCounterparty(doc.buyer).name}"` : 'no counterparty';
      warnings.push(
        `${doc.operation} ${doc.number} of ${doc.date}: ${who}${doc.orderRef ? ` and order "${doc.orderRef}"` : ''} not found on the portal; skipped`,
      );
      return { kind: 'skipped', warnings } as const;
    }
    const kind = await recordAccountDocument(
      trx,
      {
        source: '1c',
        externalId: doc.externalId,
        companyId: owner.companyId,
        legalEntityId: owner.legalEntityId,
        kind: doc.kind,
        status: doc.status,
        number: doc.number,
        date: doc.date,
        dueDate: doc.dueDate,
        amount: doc.amount,
        orderId: owner.orderId,
        orderRef: doc.orderRef,
        comment: doc.comment.slice(0, 1000),
        file,
      },
      ctx.clock.now(),
    );
    return { kind, warnings };
  });
}
