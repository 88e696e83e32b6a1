import type { OrderLineRow } from '../db/schema.js';
import type { LineChange } from './events.js';

type Line = Pick<OrderLineRow, 'product_id' | 'sku' | 'name' | 'unit_name' | 'quantity' | 'unit_price'>;

/** A line is the same line before and after when it is the same product (or, without one, the same SKU). */
const keyOf = (line: Line) => (line.product_id !== null ? `p${line.product_id}` : `s${line.sku}`);

/**
 * What changed between two versions of an order's lines, for the history and the buyer: lines
 * added, removed, or with another quantity or unit price. Unchanged lines are left out.
 */
export function lineChanges(before: readonly Line[], after: readonly Line[]): LineChange[] {
  const old = new Map<string, Line>();
  for (const line of before) old.set(keyOf(line), line);
  const changes: LineChange[] = [];
  for (const line of after) {
    const key = keyOf(line);
    const was = old.get(key);
    old.delete(key);
    if (was && was.quantity === line.quantity && was.unit_price === line.unit_price) continue;
    changes.push({
      sku: line.sku,
      name: line.name,
      unit: line.unit_name,
      before: was?.quantity ?? null,
      after: line.quantity,
      priceBefore: was?.unit_price ?? null,
      priceAfter: line.unit_price,
    });
  }
  for (const was of old.values()) {
    changes.push({ sku: was.sku, name: was.name, unit: was.unit_name, before: was.quantity, after: null, priceBefore: was.unit_price, priceAfter: null });
  }
  return changes;
}
