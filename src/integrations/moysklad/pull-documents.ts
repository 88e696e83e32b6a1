/**
 * The buyer's accounting documents from MoySklad (official docs, documents/*.md): invoices
 * (`invoiceout`, Счёт покупателю), shipments (`demand`, Отгрузка), incoming payments
 * (`paymentin`) and returns (`salesreturn`) of counterparties that are portal companies, with
 * their numbers (`name`), dates (`moment`), sums (kopecks), due dates and the order they belong
 * to (`customerOrder`). Read by `updated>=` like the catalog (one list request a page, never one per
 * document); a document not carried out (`applicable: false`) is a draft and counts in no sum.
 * Everything lands through finance/ledger.ts, the way 1C's and spreadsheets' documents do.
 */

import type { AppContext } from '../../context.js';
import type { AccountDocumentKind } from '../../db/schema.js';
import { recordAccountDocument } from '../../finance/ledger.js';
import type { MoySkladClient } from './client.js';
import { idOf, type Ref } from './wire.js';

export const DOCUMENT_TYPES = ['invoiceout', 'demand', 'paymentin', 'salesreturn'] as const;
export type MsDocumentType = (typeof DOCUMENT_TYPES)[number];

const KIND: Record<MsDocumentType, AccountDocumentKind> = {
  invoiceout: 'invoice',
  demand: 'shipment',
  paymentin: 'payment',
  salesreturn: 'return',
};

interface MsDocument {
  id: string;
  updated: string;
  name: string;
  moment: string;
  sum: number;
  agent?: Ref;
  applicable?: boolean;
  description?: string;
  paymentPlannedMoment?: string;
  customerOrder?: Ref & { name?: string };
}

export interface DocumentCounts {
  documents_read: number;
  documents_created: number;
  documents_updated: number;
}

export async function pullDocuments(
  ctx: AppContext,
  client: MoySkladClient,
  since: Partial<Record<MsDocumentType, string>>,
): Promise<{ counts: DocumentCounts; watermarks: Partial<Record<MsDocumentType, string>> }> {
  const counts: DocumentCounts = { documents_read: 0, documents_created: 0, documents_updated: 0 };
  const watermarks: Partial<Record<MsDocumentType, string>> = {};
  const buyers = new Map(
    (
      await ctx.db
        .selectFrom('companies')
        .innerJoin('legal_entities', 'legal_entities.company_id', 'companies.id')
        .select(['companies.external_ms_id', 'companies.id as company_id', 'legal_entities.id as entity_id'])
        .where('companies.external_ms_id', 'is not', null)
        .where('legal_entities.is_primary', '=', 1)
        .execute()
    ).map((r) => [r.external_ms_id as string, r]),
  );
  if (buyers.size === 0) return { counts, watermarks };
  const now = ctx.clock.now();
  for (const type of DOCUMENT_TYPES) {
    const from = since[type];
    for await (const page of client.pages<MsDocument>(`/entity/${type}`, {
      ...(from ? { filter: `updated>=${from}` } : {}),
      order: 'updated,asc',
    })) {
      await ctx.db.transaction().execute(async (trx) => {
        for (const doc of page) {
          if (watermarks[type] === undefined || doc.updated > (watermarks[type] as string)) watermarks[type] = doc.updated;
          const buyer = buyers.get(idOf(doc.agent) ?? '');
          if (!buyer || !doc.moment || typeof doc.sum !== 'number') continue;
          counts.documents_read++;
          const orderMsId = idOf(doc.customerOrder);
          const order = orderMsId
            ? await trx
                .selectFrom('orders')
                .select(['id', 'number'])
                .where('external_ms_id', '=', orderMsId)
                .where('company_id', '=', buyer.company_id)
                .executeTakeFirst()
            : undefined;
          const outcome = await recordAccountDocument(
            trx,
            {
              source: 'moysklad',
              externalId: doc.id,
              companyId: buyer.company_id,
              legalEntityId: buyer.entity_id,
              kind: KIND[type],
              status: doc.applicable === false ? 'draft' : 'active',
              number: doc.name,
              date: doc.moment.slice(0, 10),
              dueDate: doc.paymentPlannedMoment ? doc.paymentPlannedMoment.slice(0, 10) : null,
              amount: Math.max(0, Math.round(doc.sum)),
              orderId: order?.id ?? null,
              orderRef: order?.number ?? doc.customerOrder?.name ?? '',
              comment: (doc.description ?? '').slice(0, 1000),
              file: null,
            },
            now,
          );
          if (outcome === 'created') counts.documents_created++;
          else if (outcome === 'updated') counts.documents_updated++;
        }
      });
    }
  }
  return { counts, watermarks };
}
