/**
 * The portal status a 1C document puts an order in. 1C says it in several ways at once — a
 * status text, flags (Отменен, Финальный статус, Проведен), shipment and payment requisites —
 * and they are weighed here, in one place:
 *  - Отменен or a deletion mark cancel; "Финальный статус" completes;
 *  - a shipment moves the order to "shipped" unless it is already further along;
 *  - a posted document confirms a new order when nothing else is said;
 *  - a completed or cancelled order only leaves that state when 1C names another status in words,
 *    never because of a flag (1C keeps sending "Проведен" for closed orders).
 */
import type { OrderStatus } from '../../../db/schema.js';
import type { OneCOrderDocument } from './read-order-document.js';
import { FINAL_STATUSES, type StatusLookup, statusRank } from './status-map.js';

export interface StatusDecision {
  /** The status 1C's words name, if any; null when it said none or we do not know the words. */
  named: OrderStatus | null;
  /** The order's status after the document; equal to the current one when nothing changes. */
  status: OrderStatus;
  /** The status text 1C sent that neither the config nor our labels know. */
  unknownText: string | null;
}

type StatusSignals = Pick<OneCOrderDocument, 'statusText' | 'statusCode' | 'cancelled' | 'final' | 'posted' | 'shipped'>;

export function decideStatus(current: OrderStatus, doc: StatusSignals, lookup: StatusLookup): StatusDecision {
  const fromText = doc.statusText ? lookup(doc.statusText) : null;
  const named = fromText ?? (doc.statusCode ? lookup(`[${doc.statusCode}]`) : null);
  const unknownText = doc.statusText && !named ? doc.statusText : null;

  let target: OrderStatus | null = named;
  if (doc.cancelled) target = 'cancelled';
  else if (doc.final) target = 'completed';
  else {
    if (doc.shipped && statusRank(target ?? current) < statusRank('shipped')) target = 'shipped';
    if (doc.posted && target === null && current === 'new') target = 'confirmed';
  }
  if (target === null) return { named, status: current, unknownText };
  if (FINAL_STATUSES.includes(current) && target !== current && target !== named) return { named, status: current, unknownText };
  return { named, status: target, unknownText };
}
