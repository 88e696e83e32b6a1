/**
 * The demo's order history: a few dozen orders of the demo companies over the last four months,
 * in every status, each with its history — placed by the buyer or by its manager on the phone,
 * some changed by staff before they were confirmed, confirmed, worked, shipped, paid, completed
 * or cancelled, with comments to the buyer. A visitor sees the order desk, histories and
 * statuses on the first start.
 *
 * The seed writes the past, it does not replay it: no mails, PDFs or exports are queued for
 * these orders (that would keep the job worker busy for a minute after `npm start`). Prices come
 * from quote() at each company's prices and quantities pass the one quantity rule, as for a
 * real order. Deterministic: the same catalog gives the same orders.
 */
import type { Transaction } from 'kysely';
import { checkQuantity, type QuantityRule } from '../catalog/quantity.js';
import type { DB, OrderStatus } from '../db/schema.js';
import type { StatementCache } from '../db/statements.js';
import { type EventActor, recordOrderEvent } from '../orders/events.js';
import { lineChanges } from '../orders/line-changes.js';
import { nextOrderNumber } from '../orders/numbering.js';
import { quote } from '../pricing/quote.js';
import { prng } from './prng.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
export const DEMO_ORDERS = 36;

interface DemoCompany {
  id: number;
  name: string;
  priceTypeId: number | null;
  discountBp: number;
  entity: { id: number; name: string; inn: string; kpp: string; legal_address: string };
  address: string;
  /** Who places its orders: its buyer if it has one, and its manager (phone orders). */
  buyer: EventActor | null;
  manager: EventActor;
}

interface PoolProduct {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  unit_name: string | null;
  unit_precision: number | null;
  min_qty: number;
  multiple: number;
  vat_bp: number | null;
  external_1c_id: string | null;
  external_ms_id: string | null;
}

/** The path an order takes, and how far each demo order has come along it. */
const PATH: readonly OrderStatus[] = ['new', 'confirmed', 'in_progress', 'shipped', 'completed'];
/** Hours after placing at which each step of PATH happens. */
const STEP_HOURS = [0, 3, 26, 50, 120];

const COMMENTS = [
  'Отгрузим в четверг, машина до обеда.',
  'Часть позиций со склада в Подольске, привезём одной машиной.',
  'Счёт отправили на почту бухгалтерии.',
  '',
  'Доставка до склада покупателя, выгрузка силами водителя.',
  '',
];
const EDIT_NOTES = [
  'По телефону: поменяли количество, одну позицию убрали — её нет на складе.',
  'Покупатель попросил другое количество и отказался от одной позиции.',
];
const CANCEL_NOTES = ['Покупатель отказался: нашли дешевле.', 'Дубль заказа.'];

/** Where order i ends up: the newest are new, the oldest completed; every seventh is cancelled. */
function targetOf(i: number): OrderStatus {
  if (i >= 5 && i % 7 === 3) return 'cancelled';
  if (i < 4) return 'new';
  if (i < 8) return 'confirmed';
  if (i < 12) return 'in_progress';
  if (i < 17) return 'shipped';
  return 'completed';
}

export async function seedDemoOrders(
  trx: Transaction<DB>,
  statements: StatementCache,
  opts: { now: number; numberPrefix: string; pricesIncludeVat: boolean; admin: EventActor },
) {
  const random = prng(20_260_301);
  const companies = await demoCompanies(trx);
  if (companies.length === 0) return;
  const pool = (await trx
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .select([
      'p.id',
      'p.sku',
      'p.name',
      'p.variant_name',
      'u.name as unit_name',
      'u.precision as unit_precision',
      'p.min_qty',
      'p.multiple',
      'p.vat_bp',
      'p.external_1c_id',
      'p.external_ms_id',
    ])
    .where('p.hidden', '=', 0)
    .where('p.has_variants', '=', 0)
    .where((eb) => eb.exists(eb.selectFrom('prices').select('prices.product_id').whereRef('prices.product_id', '=', 'p.id')))
    .orderBy('p.id')
    .limit(300)
    .execute()) as PoolProduct[];
  if (pool.length < 10) return;

  // Oldest first, so order numbers grow with the dates.
  for (let i = DEMO_ORDERS - 1; i >= 0; i--) {
    const company = companies[i % companies.length] as DemoCompany;
    const placedAt = opts.now - Math.round((2 + i * 3.4) * DAY) + Math.round(random() * 8) * HOUR;
    const target = targetOf(i);
    const edited = i % 5 === 1;
    const byManager = company.buyer === null || i % 4 === 0;
    const placer = byManager ? company.manager : (company.buyer as EventActor);

    const picked = new Set<PoolProduct>();
    const count = 2 + Math.floor(random() * 5);
    while (picked.size < count) picked.add(pool[Math.floor(random() * pool.length)] as PoolProduct);
    const after = [...picked].map((p) => ({ product: p, quantity: demoQuantity(p, 1 + Math.floor(random() * 6)) }));
    // An edited order had one more line and another quantity before staff changed it.
    const before = edited
      ? [
          ...after.map((l, n) => (n === 0 ? { ...l, quantity: demoQuantity(l.product, 1 + Math.floor(random() * 3)) } : l)),
          {
            product: pool[(i * 7) % pool.length] as PoolProduct,
            quantity: demoQuantity(pool[(i * 7) % pool.length] as PoolProduct, 2),
          },
        ].filter((l, n, all) => all.findIndex((o) => o.product.id === l.product.id) === n)
      : after;
    const prices = await companyPrices(
      trx,
      company,
      [...before, ...after].map((l) => l.product.id),
    );
    const placedLines = priceLines(before, prices, company, opts.pricesIncludeVat);
    const finalLines = priceLines(after, prices, company, opts.pricesIncludeVat);
    const totals = finalLines.totals;
    if (finalLines.rows.length === 0) continue;

    const order = await trx
      .insertInto('orders')
      .values({
        number: nextOrderNumber(statements, opts.numberPrefix),
        company_id: company.id,
        legal_entity_id: company.entity.id,
        buyer_name: company.entity.name,
        buyer_inn: company.entity.inn,
        buyer_kpp: company.entity.kpp,
        buyer_address: company.entity.legal_address,
        placed_by: placer.id,
        manager_id: byManager ? placer.id : null,
        delivery_address: company.address,
        desired_date: null,
        po_number: i % 3 === 0 ? `ЗК-${1200 + i}` : '',
        comment: i % 6 === 2 ? 'Позвонить за час до приезда.' : '',
        price_type_id: company.priceTypeId,
        price_type_name: prices.priceTypeName,
        discount_bp: company.discountBp,
        prices_include_vat: opts.pricesIncludeVat ? 1 : 0,
        ...totals,
        line_count: finalLines.rows.length,
        idempotency_key: `demo-order-${i}-${placedAt}`,
        external_1c_id: null,
        external_number: null,
        external_date: null,
        paid_at: null,
        shipped_at: null,
        exported_at: null,
        external_ms_id: null,
        revision: edited ? 1 : 0,
        created_at: placedAt,
        updated_at: placedAt,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('order_lines')
      .values(finalLines.rows.map((row, n) => ({ ...row, order_id: order.id, line_no: n + 1 })))
      .execute();

    const history = new DemoHistory(trx, order.id, opts.now);
    await history.status('new', null, placer, placedAt, '', 'placed', {
      placedTotal: placedLines.totals.total,
      company: company.name,
      byManager,
    });
    if (edited) {
      await recordOrderEvent(trx, {
        orderId: order.id,
        kind: 'lines_changed',
        data: {
          note: EDIT_NOTES[i % EDIT_NOTES.length] ?? '',
          totalBefore: placedLines.totals.total,
          totalAfter: totals.total,
          lines: lineChanges(placedLines.rows, finalLines.rows),
        },
        source: 'portal',
        actor: company.manager,
        at: placedAt + 2 * HOUR,
      });
    }
    const staff = i % 6 === 5 ? opts.admin : company.manager;
    if (target === 'cancelled') {
      await history.status(
        'cancelled',
        'new',
        i % 2 ? staff : placer,
        placedAt + 5 * HOUR,
        CANCEL_NOTES[i % CANCEL_NOTES.length] ?? '',
      );
      continue;
    }
    const reached = PATH.indexOf(target);
    let previous: OrderStatus = 'new';
    for (let step = 1; step <= reached; step++) {
      const status = PATH[step] as OrderStatus;
      const at = placedAt + (STEP_HOURS[step] ?? 0) * HOUR;
      if (at >= opts.now) break;
      await history.status(
        status,
        previous,
        staff,
        at,
        step === 1 || status === 'shipped' ? (COMMENTS[(i + step) % COMMENTS.length] ?? '') : '',
      );
      if (status === 'shipped') await history.mark('shipped', staff, at);
      previous = status;
    }
    // Completed orders are paid; about half of the shipped ones; a prepaid one in work.
    const paid = target === 'completed' || (target === 'shipped' && i % 2 === 0) || (target === 'in_progress' && i % 4 === 0);
    if (paid) await history.mark('paid', staff, Math.min(opts.now - HOUR, placedAt + 60 * HOUR));
  }
}

/** Writes an order's past: status history rows, events and the columns they set, as they happened. */
class DemoHistory {
  constructor(
    private readonly trx: Transaction<DB>,
    private readonly orderId: number,
    private readonly now: number,
  ) {}

  async status(
    to: OrderStatus,
    from: OrderStatus | null,
    actor: EventActor,
    at: number,
    note: string,
    kind: 'placed' | 'status' = 'status',
    placed?: { placedTotal: number; company: string; byManager: boolean },
  ) {
    await this.trx
      .insertInto('order_status_history')
      .values({ order_id: this.orderId, status: to, note, source: 'portal', changed_by: actor.id, created_at: at })
      .execute();
    if (kind === 'placed' && placed) {
      await recordOrderEvent(this.trx, {
        orderId: this.orderId,
        kind: 'placed',
        data: {
          origin: 'web',
          company: placed.company,
          byRole: placed.byManager ? 'manager' : 'buyer',
          total: placed.placedTotal,
        },
        source: 'portal',
        actor,
        at,
      });
      return;
    }
    await recordOrderEvent(this.trx, {
      orderId: this.orderId,
      kind: 'status_changed',
      data: { from: from ?? 'new', to, note },
      source: 'portal',
      actor,
      at,
    });
    await this.trx
      .updateTable('orders')
      .set({ status: to, updated_at: Math.min(at, this.now) })
      .where('id', '=', this.orderId)
      .execute();
  }

  async mark(mark: 'paid' | 'shipped', actor: EventActor, at: number) {
    await this.trx
      .updateTable('orders')
      .set(mark === 'paid' ? { paid_at: at } : { shipped_at: at })
      .where('id', '=', this.orderId)
      .execute();
    await recordOrderEvent(this.trx, {
      orderId: this.orderId,
      kind: 'marked',
      data: { mark, on: true, at },
      source: 'portal',
      actor,
      at,
    });
  }
}

/** A quantity of about `units` that passes the product's quantity rule (rounded up where it must). */
function demoQuantity(p: PoolProduct, units: number): number {
  const rule: QuantityRule = { precision: p.unit_precision ?? 0, minQty: p.min_qty, multiple: p.multiple };
  const wanted = p.multiple > 0 ? p.multiple * units : Math.max(units * (rule.precision > 0 ? 5 : 1), p.min_qty);
  const checked = checkQuantity(wanted, rule);
  return checked.ok ? checked.quantity : (checked.suggestion ?? wanted);
}

async function companyPrices(trx: Transaction<DB>, company: DemoCompany, productIds: number[]) {
  const [base, special, priceType] = await Promise.all([
    trx
      .selectFrom('prices')
      .select(['product_id', 'price'])
      .where('price_type_id', '=', company.priceTypeId ?? -1)
      .where('product_id', 'in', productIds)
      .execute(),
    trx
      .selectFrom('special_prices')
      .select(['product_id', 'price'])
      .where('company_id', '=', company.id)
      .where('product_id', 'in', productIds)
      .execute(),
    trx
      .selectFrom('price_types')
      .select('name')
      .where('id', '=', company.priceTypeId ?? -1)
      .executeTakeFirst(),
  ]);
  return {
    base: new Map(base.map((r) => [r.product_id, r.price])),
    special: new Map(special.map((r) => [r.product_id, r.price])),
    priceTypeName: priceType?.name ?? '',
  };
}

function priceLines(
  lines: { product: PoolProduct; quantity: number }[],
  prices: Awaited<ReturnType<typeof companyPrices>>,
  company: DemoCompany,
  pricesIncludeVat: boolean,
) {
  const priced = quote(
    { priceTypeId: company.priceTypeId, discountBp: company.discountBp },
    lines.map((l) => ({
      productId: l.product.id,
      quantity: l.quantity,
      basePrice: prices.base.get(l.product.id) ?? null,
      specialPrice: prices.special.get(l.product.id) ?? null,
      vatBp: l.product.vat_bp,
    })),
    { pricesIncludeVat },
  );
  const rows = lines.flatMap((l, n) => {
    const q = priced.lines[n];
    if (!q || q.unitPrice === null || q.lineTotal === null) return [];
    const p = l.product;
    return [
      {
        product_id: p.id,
        sku: p.sku,
        name: p.variant_name ? `${p.name} (${p.variant_name})` : p.name,
        unit_name: p.unit_name ?? '',
        product_1c_id: p.external_1c_id,
        product_ms_id: p.external_ms_id,
        quantity: l.quantity,
        list_price: q.listPrice,
        unit_price: q.unitPrice,
        discount_bp: q.discountBp,
        line_total: q.lineTotal,
        vat_bp: p.vat_bp,
        vat_amount: q.vatAmount ?? 0,
      },
    ];
  });
  return {
    rows,
    totals: { subtotal: priced.subtotal, discount_total: priced.discountTotal, vat_total: priced.vatTotal, total: priced.total },
  };
}

async function demoCompanies(trx: Transaction<DB>): Promise<DemoCompany[]> {
  const rows = await trx
    .selectFrom('companies as c')
    .innerJoin('users as m', 'm.id', 'c.manager_id')
    .select(['c.id', 'c.name', 'c.price_type_id', 'c.discount_bp', 'm.id as manager_id', 'm.name as manager_name'])
    .orderBy('c.id')
    .execute();
  const out: DemoCompany[] = [];
  for (const c of rows) {
    const entity = await trx
      .selectFrom('legal_entities')
      .select(['id', 'name', 'inn', 'kpp', 'legal_address'])
      .where('company_id', '=', c.id)
      .orderBy('is_primary', 'desc')
      .orderBy('id')
      .executeTakeFirst();
    if (!entity) continue;
    const buyer = await trx
      .selectFrom('users')
      .select(['id', 'name'])
      .where('company_id', '=', c.id)
      .where('role', '=', 'buyer')
      .orderBy('id')
      .executeTakeFirst();
    const address = await trx
      .selectFrom('company_addresses')
      .select('address')
      .where('company_id', '=', c.id)
      .orderBy('id')
      .executeTakeFirst();
    out.push({
      id: c.id,
      name: c.name,
      priceTypeId: c.price_type_id,
      discountBp: c.discount_bp,
      entity,
      address: address?.address ?? '',
      buyer: buyer ?? null,
      manager: { id: c.manager_id, name: c.manager_name },
    });
  }
  return out;
}
