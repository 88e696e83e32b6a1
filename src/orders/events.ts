/**
 * An order's history: one row per thing that happened to it — placed (by whom, for whom),
 * status changed, lines changed, marked paid or shipped, mailed, exported — with who did it and
 * when. Every part that changes an order records its event here, inside the transaction that
 * makes the change, so the history can never claim what did not happen (nor miss what did).
 *
 * Staff see the whole history on the order desk; buyers see the changes made to their order
 * (BUYER_KINDS), never mails to others or exports.
 */
import type { Kysely, Transaction } from 'kysely';
import type { StatementCache } from '../db/statements.js';
import type { DB, OrderOrigin, OrderStatus, Role } from '../db/schema.js';

/** One changed line of an order: quantities and unit prices before and after (null = not there). */
export interface LineChange {
  sku: string;
  name: string;
  unit: string;
  before: number | null;
  after: number | null;
  priceBefore: number | null;
  priceAfter: number | null;
}

/**
 * What each kind of event holds. Add a kind here when a new part of the portal changes orders
 * (the compiler then asks every reader of the history to say how it is shown).
 */
export interface OrderEventData {
  /** The order was placed; `byRole` other than buyer means staff placed it for `company`. */
  placed: { origin: OrderOrigin; company: string; byRole: Role | null; total: number };
  status_changed: { from: OrderStatus; to: OrderStatus; note: string };
  /** Staff (or accounting) changed the lines; totals in kopecks. */
  lines_changed: { note: string; totalBefore: number; totalAfter: number; lines: LineChange[] };
  /** Paid or shipped marked (`on`) or taken back; `at` is the date the mark carries. */
  marked: { mark: 'paid' | 'shipped'; on: boolean; at: number | null };
  /** One mail to one recipient; `revision` is the document's revision when `pdf` went with it. */
  mail_sent: { mail: 'order_placed' | 'status'; to: string; pdf: boolean; status?: OrderStatus; revision?: number };
  /** The accounting system has the order as it was then (1C's success, a MoySklad push, …). */
  exported: { system: string; externalId?: string };
}

export type OrderEventKind = keyof OrderEventData;

/** Where a change came from: a person on the portal, the buyers' API, or an accounting system. */
export type EventSource = 'portal' | 'api' | '1c' | 'moysklad' | 'system';

/** Who did it; null for a system (1C, the job worker). */
export interface EventActor {
  id: number;
  name: string;
}

export interface NewOrderEvent<K extends OrderEventKind> {
  orderId: number;
  kind: K;
  data: OrderEventData[K];
  source: EventSource;
  actor: EventActor | null;
  at: number;
}

/** The kinds a buyer sees on its order page: what was done to its order, not the office's traffic. */
export const BUYER_KINDS: readonly OrderEventKind[] = ['placed', 'status_changed', 'lines_changed', 'marked'];

/** Records an event inside the caller's transaction: it exists exactly when the change does. */
export async function recordOrderEvent<K extends OrderEventKind>(trx: Transaction<DB>, event: NewOrderEvent<K>): Promise<void> {
  await trx
    .insertInto('order_events')
    .values({
      order_id: event.orderId,
      kind: event.kind,
      source: event.source,
      actor_id: event.actor?.id ?? null,
      actor_name: event.actor?.name ?? '',
      data: JSON.stringify(event.data),
      created_at: event.at,
    })
    .execute();
}

const INSERT_EVENT = 'insert into order_events (order_id, kind, source, actor_id, actor_name, data, created_at) values (?, ?, ?, ?, ?, ?, ?)';

/** recordOrderEvent() for writers running plain statements inside their transaction (placeOrder, GroupCommit). */
export function recordOrderEventSync<K extends OrderEventKind>(statements: StatementCache, event: NewOrderEvent<K>): void {
  statements.get(INSERT_EVENT).run(
    event.orderId,
    event.kind,
    event.source,
    event.actor?.id ?? null,
    event.actor?.name ?? '',
    JSON.stringify(event.data),
    event.at,
  );
}

/** A stored event, its data parsed. */
export type OrderEvent = {
  [K in OrderEventKind]: { id: number; kind: K; data: OrderEventData[K]; source: string; actorId: number | null; actorName: string; at: number };
}[OrderEventKind];

/** Every kind, once: the compiler insists a new kind of OrderEventData is listed here too. */
const KNOWN: Record<OrderEventKind, true> = { placed: true, status_changed: true, lines_changed: true, marked: true, mail_sent: true, exported: true };
const isKnown = (kind: string): kind is OrderEventKind => Object.hasOwn(KNOWN, kind);

/** The order's history, oldest first; `buyerView` keeps only what the buyer may see. */
export async function orderEvents(db: Kysely<DB>, orderId: number, opts: { buyerView?: boolean } = {}): Promise<OrderEvent[]> {
  let query = db.selectFrom('order_events').selectAll().where('order_id', '=', orderId);
  if (opts.buyerView) query = query.where('kind', 'in', [...BUYER_KINDS]);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  const events: OrderEvent[] = [];
  for (const row of rows) {
    // A kind written by a newer version (or another integration) is skipped, not shown half-understood.
    if (!isKnown(row.kind)) continue;
    let data: unknown;
    try {
      data = JSON.parse(row.data);
    } catch {
      continue;
    }
    events.push({
      id: row.id,
      kind: row.kind,
      data,
      source: row.source,
      actorId: row.actor_id,
      actorName: row.actor_name,
      at: row.created_at,
    } as OrderEvent);
  }
  return events;
}
