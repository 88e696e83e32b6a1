/**
 * The order desk's list: the orders a person may work — an admin every order, a manager those of
 * the companies assigned to it (checked here, in SQL, whatever the filters say) — filtered by
 * status, company, manager, date, exported or not, paid, shipped; with totals over the whole
 * filtered set, and the same set page by page for the spreadsheet export.
 */
import type { Kysely } from 'kysely';
import { companyScope } from '../../accounts/companies.js';
import type { DB, OrderStatus, UserRow } from '../../db/schema.js';

export interface DeskFilter {
  status?: OrderStatus;
  companyId?: number;
  /** The company's assigned manager. */
  managerId?: number;
  /** Placed at or after / at or before, in milliseconds. */
  from?: number;
  to?: number;
  /** true: accounting has the order as it is now; false: never sent, or changed since. */
  exported?: boolean;
  paid?: boolean;
  shipped?: boolean;
  /** Order number or the buyer's PO number, or a part of one. */
  text?: string;
}

function filtered(db: Kysely<DB>, viewer: UserRow, filter: DeskFilter) {
  const scope = companyScope(viewer);
  let query = db
    .selectFrom('orders as o')
    .innerJoin('companies as c', 'c.id', 'o.company_id')
    .leftJoin('users as m', 'm.id', 'c.manager_id')
    .leftJoin('users as p', 'p.id', 'o.placed_by');
  if ('managerId' in scope) query = query.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) query = query.where('o.company_id', '=', scope.companyId);
  if (filter.status) query = query.where('o.status', '=', filter.status);
  if (filter.companyId !== undefined) query = query.where('o.company_id', '=', filter.companyId);
  if (filter.managerId !== undefined) query = query.where('c.manager_id', '=', filter.managerId);
  if (filter.from !== undefined) query = query.where('o.created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('o.created_at', '<=', filter.to);
  if (filter.paid !== undefined) query = query.where('o.paid_at', filter.paid ? 'is not' : 'is', null);
  if (filter.shipped !== undefined) query = query.where('o.shipped_at', filter.shipped ? 'is not' : 'is', null);
  if (filter.exported === true) query = query.where('o.exported_at', 'is not', null).whereRef('o.updated_at', '<=', 'o.exported_at');
  if (filter.exported === false) query = query.where((eb) => eb.or([eb('o.exported_at', 'is', null), eb('o.updated_at', '>', eb.ref('o.exported_at'))]));
  const text = filter.text?.trim().replace(/[\\%_]/g, '');
  if (text) query = query.where((eb) => eb.or([eb('o.number', 'like', `%${text}%`), eb('o.po_number', 'like', `%${text}%`)]));
  return query;
}

const COLUMNS = [
  'o.id',
  'o.number',
  'o.created_at',
  'o.updated_at',
  'o.status',
  'o.company_id',
  'o.buyer_name',
  'o.buyer_inn',
  'o.po_number',
  'o.origin',
  'o.line_count',
  'o.total',
  'o.vat_total',
  'o.paid_at',
  'o.shipped_at',
  'o.exported_at',
  'o.external_number',
  'c.name as company_name',
  'm.name as manager_name',
  'p.name as placed_by_name',
  'p.role as placed_by_role',
] as const;

export type DeskRow = Awaited<ReturnType<typeof deskOrders>>['rows'][number];

export async function deskOrders(db: Kysely<DB>, viewer: UserRow, filter: DeskFilter, limit: number, offset: number) {
  const rows = await filtered(db, viewer, filter).select(COLUMNS).orderBy('o.created_at', 'desc').orderBy('o.id', 'desc').limit(limit).offset(offset).execute();
  return { rows };
}

export interface DeskTotals {
  orders: number;
  /** Money of the set without cancelled orders (they are not going to be paid). */
  amount: number;
  paid: number;
  cancelled: number;
  cancelledAmount: number;
}

export async function deskTotals(db: Kysely<DB>, viewer: UserRow, filter: DeskFilter): Promise<DeskTotals> {
  const row = await filtered(db, viewer, filter)
    .select((eb) => [
      eb.fn.countAll<number>().as('orders'),
      eb.fn.sum<number>(eb.case().when('o.status', '!=', 'cancelled').then(eb.ref('o.total')).else(0).end()).as('amount'),
      eb.fn
        .sum<number>(
          eb
            .case()
            .when(eb.and([eb('o.status', '!=', 'cancelled'), eb('o.paid_at', 'is not', null)]))
            .then(eb.ref('o.total'))
            .else(0)
            .end(),
        )
        .as('paid'),
      eb.fn.sum<number>(eb.case().when('o.status', '=', 'cancelled').then(1).else(0).end()).as('cancelled'),
      eb.fn.sum<number>(eb.case().when('o.status', '=', 'cancelled').then(eb.ref('o.total')).else(0).end()).as('cancelled_amount'),
    ])
    .executeTakeFirstOrThrow();
  return {
    orders: Number(row.orders ?? 0),
    amount: Number(row.amount ?? 0),
    paid: Number(row.paid ?? 0),
    cancelled: Number(row.cancelled ?? 0),
    cancelledAmount: Number(row.cancelled_amount ?? 0),
  };
}

/** The whole filtered set, newest first, in pages (keyset): the export never holds it all at once. */
export async function* deskOrderPages(db: Kysely<DB>, viewer: UserRow, filter: DeskFilter, pageSize = 500): AsyncGenerator<DeskRow[]> {
  let after: { created_at: number; id: number } | null = null;
  for (;;) {
    const cursor: { created_at: number; id: number } | null = after;
    const rows: DeskRow[] = await filtered(db, viewer, filter)
      .select(COLUMNS)
      .$if(cursor !== null, (q) =>
        q.where((eb) =>
          eb.or([
            eb('o.created_at', '<', cursor?.created_at ?? 0),
            eb.and([eb('o.created_at', '=', cursor?.created_at ?? 0), eb('o.id', '<', cursor?.id ?? 0)]),
          ]),
        ),
      )
      .orderBy('o.created_at', 'desc')
      .orderBy('o.id', 'desc')
      .limit(pageSize)
      .execute();
    if (rows.length > 0) yield rows;
    const last = rows[rows.length - 1];
    if (!last || rows.length < pageSize) return;
    after = { created_at: last.created_at, id: last.id };
  }
}

/** What the filter lists offer: the companies that have orders, and (for admins) the managers. */
export async function deskChoices(db: Kysely<DB>, viewer: UserRow) {
  const scope = companyScope(viewer);
  let companies = db
    .selectFrom('companies as c')
    .select(['c.id', 'c.name'])
    .where((eb) => eb.exists(eb.selectFrom('orders as o').select('o.id').whereRef('o.company_id', '=', 'c.id')))
    .orderBy('c.name')
    .limit(1000);
  if ('managerId' in scope) companies = companies.where('c.manager_id', '=', scope.managerId);
  if ('companyId' in scope) companies = companies.where('c.id', '=', scope.companyId);
  const managers =
    'all' in scope
      ? await db.selectFrom('users').select(['id', 'name']).where('role', '=', 'manager').orderBy('name').limit(1000).execute()
      : [];
  return { companies: await companies.execute(), managers };
}
