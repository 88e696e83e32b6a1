/**
 * Counterparties → companies: a counterparty with an INN becomes (or is linked to) a company
 * with its legal entity (INN, KPP, OGRN, legal name and address), its price type (MoySklad's
 * price type as price_types maps it) and its personal discount. A company already on the portal
 * with that INN is linked, not doubled. No users are made: the admin invites them. Archived
 * counterparties and those without an INN are left out. All of one sync lands in one transaction.
 */
import type { AppContext } from '../../context.js';
import { transaction } from '../../db/transaction.js';
import type { MoySkladClient } from './client.js';
import type { MsCounterparty } from './wire.js';

export interface CounterpartyCounts {
  counterparties_read: number;
  companies_created: number;
  companies_linked: number;
  companies_updated: number;
}

export async function pullCounterparties(
  ctx: AppContext,
  client: MoySkladClient,
  since: string | null,
): Promise<{ counts: CounterpartyCounts; watermark: string | null }> {
  const counts: CounterpartyCounts = { counterparties_read: 0, companies_created: 0, companies_linked: 0, companies_updated: 0 };
  let watermark = since;
  const rows: MsCounterparty[] = [];
  for await (const page of client.pages<MsCounterparty>('/entity/counterparty', {
    ...(since ? { filter: `updated>=${since}` } : {}),
    order: 'updated,asc',
  })) {
    for (const row of page) {
      counts.counterparties_read++;
      if (row.updated && (watermark === null || row.updated > watermark)) watermark = row.updated;
      if (!row.archived && row.inn) rows.push(row);
    }
  }
  const now = ctx.clock.now();
  await transaction(ctx.database, async ({ db }) => {
    const priceTypes = new Map(
      (await db.selectFrom('price_types').select(['id', 'external_ms_id']).where('external_ms_id', 'is not', null).execute()).map(
        (p) => [p.external_ms_id, p.id],
      ),
    );
    for (const cp of rows) {
      const inn = cp.inn ?? '';
      const priceTypeId = cp.priceType ? (priceTypes.get(cp.priceType.id) ?? null) : null;
      const personal = cp.discounts?.find((d) => typeof d.personalDiscount === 'number')?.personalDiscount;
      const discountBp = personal === undefined ? 0 : Math.max(0, Math.min(10000, Math.round(personal * 100)));
      const legalName = (cp.legalTitle || cp.name).slice(0, 300);
      let company = await db
        .selectFrom('companies')
        .select(['id', 'price_type_id', 'discount_bp'])
        .where('external_ms_id', '=', cp.id)
        .executeTakeFirst();
      if (!company) {
        const byInn = await db
          .selectFrom('legal_entities')
          .innerJoin('companies', 'companies.id', 'legal_entities.company_id')
          .select(['companies.id', 'companies.price_type_id', 'companies.discount_bp'])
          .where('legal_entities.inn', '=', inn)
          .where('companies.external_ms_id', 'is', null)
          .executeTakeFirst();
        if (byInn) {
          await db.updateTable('companies').set({ external_ms_id: cp.id }).where('id', '=', byInn.id).execute();
          counts.companies_linked++;
          company = byInn;
        }
      }
      if (!company) {
        const made = await db
          .insertInto('companies')
          .values({
            name: cp.name.slice(0, 300),
            price_type_id: priceTypeId,
            discount_bp: discountBp,
            manager_id: null,
            email: cp.email ?? '',
            phone: cp.phone ?? '',
            external_1c_id: null,
            external_ms_id: cp.id,
            disabled_at: null,
            created_at: now,
            updated_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('legal_entities')
          .values({
            company_id: made.id,
            name: legalName,
            inn,
            kpp: cp.kpp ?? '',
            ogrn: cp.ogrn ?? '',
            legal_address: cp.legalAddress ?? '',
            is_primary: 1,
            external_1c_id: null,
            created_at: now,
            updated_at: now,
          })
          .execute();
        if (cp.actualAddress)
          await db
            .insertInto('company_addresses')
            .values({ company_id: made.id, address: cp.actualAddress, created_at: now })
            .execute();
        counts.companies_created++;
        continue;
      }
      // MoySklad decides the price type and the discount of a counterparty it knows.
      if ((priceTypeId !== null && company.price_type_id !== priceTypeId) || company.discount_bp !== discountBp) {
        await db
          .updateTable('companies')
          .set({ ...(priceTypeId !== null ? { price_type_id: priceTypeId } : {}), discount_bp: discountBp, updated_at: now })
          .where('id', '=', company.id)
          .execute();
        counts.companies_updated++;
      }
    }
  });
  return { counts, watermark };
}
