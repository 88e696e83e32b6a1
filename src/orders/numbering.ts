import type { StatementCache } from '../db/statements.js';

/**
 * The next order number, e.g. W-000123: a counter row bumped inside the order's transaction, so
 * numbers are gap-free for committed orders and never reused. Call it only inside that transaction.
 */
export function nextOrderNumber(statements: StatementCache, prefix: string): string {
  statements.get("insert into settings (key, value) values ('order_counter', '0') on conflict do nothing").run();
  const row = statements.get("update settings set value = cast(value as integer) + 1 where key = 'order_counter' returning value").get() as {
    value: string | number;
  };
  return `${prefix}${String(row.value).padStart(6, '0')}`;
}
