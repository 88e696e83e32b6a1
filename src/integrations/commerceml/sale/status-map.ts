/**
 * Which portal status a 1C status text means. 1C writes its own words ("Отгружен",
 * "[N] Принят", "Закрыт  "); the config's status_map says what they mean here, and the portal's
 * own status codes and Russian labels (the list `mode=info` gave 1C) are understood as well.
 */
import type { OrderStatus } from '../../../db/schema.js';
import { translator } from '../../../i18n/index.js';
import { ORDER_STATUSES } from '../../../orders/orders.js';

export type StatusLookup = (text: string) => OrderStatus | null;

/** Case, padding, "ё" and a "[code] " prefix do not matter. */
function fold(text: string): string {
  return text.trim().toLowerCase().replace(/ё/g, 'е').replace(/\s+/g, ' ');
}

function isOrderStatus(value: string): value is OrderStatus {
  return (ORDER_STATUSES as readonly string[]).includes(value);
}

export function portalStatusLabel(status: OrderStatus): string {
  return translator('ru')(`orders.status_${status}`);
}

/** "shipped = Отгружен" items → what 1C reads in Статус заказа: the mapped name, else "[code] label" (the list `mode=info` gave 1C). */
export function outgoingStatusName(outgoing: readonly string[]): (status: OrderStatus) => string {
  const names = outgoingStatusNames(outgoing);
  return (status) => names.get(status) ?? `[${status}] ${portalStatusLabel(status)}`;
}

/** The 1C names config.yml gives portal statuses; the first item for a status wins. */
export function outgoingStatusNames(outgoing: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const item of outgoing) {
    const eq = item.indexOf('=');
    const status = item.slice(0, eq).trim();
    if (eq > 0 && !names.has(status) && item.slice(eq + 1).trim() !== '') names.set(status, item.slice(eq + 1).trim());
  }
  return names;
}

/**
 * `statusMap` is "1C status = portal status"; `outgoing` ("portal status = 1C status") is read
 * backwards too, so a status the portal sent comes back meaning what it meant.
 */
export function statusLookup(statusMap: readonly string[], outgoing: readonly string[] = []): StatusLookup {
  const known = new Map<string, OrderStatus>();
  // The config wins over our own labels: it is what the distributor wrote down.
  for (const item of statusMap) {
    const eq = item.lastIndexOf('=');
    const status = item.slice(eq + 1).trim();
    if (eq > 0 && isOrderStatus(status)) known.set(fold(item.slice(0, eq)), status);
  }
  for (const item of outgoing) {
    const eq = item.indexOf('=');
    const status = item.slice(0, eq).trim();
    const name = fold(item.slice(eq + 1));
    if (eq > 0 && isOrderStatus(status) && !known.has(name)) known.set(name, status);
  }
  for (const status of ORDER_STATUSES) {
    if (!known.has(fold(portalStatusLabel(status)))) known.set(fold(portalStatusLabel(status)), status);
    if (!known.has(status)) known.set(status, status);
  }
  return (text) => {
    const bracketed = splitBracketedCode(text);
    const words = fold(bracketed ? bracketed.rest : text);
    if (words && known.has(words)) return known.get(words) ?? null;
    const code = bracketed?.code.trim() ?? '';
    return isOrderStatus(code) ? code : null;
  };
}

/** How far an order has come; a shipment never moves an order back from where 1C already put it. */
export function statusRank(status: OrderStatus): number {
  return ORDER_STATUSES.indexOf(status);
}

export const FINAL_STATUSES: readonly OrderStatus[] = ['completed', 'cancelled'];

/** "[N] Принят" → { code: "N", rest: " Принят" }; null without a leading "[…]". No pattern: 1C text can be long. */
function splitBracketedCode(text: string): { code: string; rest: string } | null {
  const trimmed = text.trimStart();
  const close = trimmed.indexOf(']');
  if (!trimmed.startsWith('[') || close < 0) return null;
  return { code: trimmed.slice(1, close), rest: trimmed.slice(close + 1) };
}
