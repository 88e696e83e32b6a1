/**
 * Staff change the lines of an order nobody has confirmed yet: another quantity, a line removed,
 * a product added. The order is then priced as the buyer's cart would be at this moment — the
 * buyer's price type, discount and special prices through the one quote(), quantities through
 * the one quantity rule — and the change (every line before and after, both totals, who, when)
 * goes into the order's history, where the buyer sees it. The order's document gets a new
 * revision, so its PDF is made anew. Stock is shown to staff but not enforced: the seller knows
 * what it can ship.
 */
import { type QuantityProblem, type QuantityRule, checkQuantity } from '../../catalog/quantity.js';
import { companyPriceViewer } from '../../catalog/viewer.js';
import type { AppContext } from '../../context.js';
import type { DB, OrderLineRow, UserRow } from '../../db/schema.js';
import { transaction } from '../../db/transaction.js';
import { queueExports } from '../export.js';
import { quote } from '../../pricing/quote.js';
import { recordOrderEvent } from '../events.js';
import { lineChanges } from '../line-changes.js';
import { matchLines } from '../quick-order/match.js';
import { assertStaffChangesAllowed } from './policy.js';
import type { Transaction } from 'kysely';

export interface LinesEdit {
  /** Line id → the quantity as typed, for the lines whose field was sent. */
  quantities: ReadonlyMap<number, string>;
  /** Line ids to remove. */
  remove: ReadonlySet<number>;
  /** A product to add (SKU or barcode) with its quantity; added to its line if the order has it. */
  add: { code: string; quantity: string } | null;
  /** For the buyer: why the order was changed. */
  note: string;
}

/** Where a problem is: a line of the order (its id) or the "add a product" row. */
export type LineRef = number | 'add';

export type LineEditProblem =
  | { line: LineRef; problem: QuantityProblem; suggestion?: number; rule: QuantityRule; unit: string }
  /** The product is gone from the catalog or hidden: the line can only be removed. */
  | { line: LineRef; problem: 'unavailable' }
  | { line: LineRef; problem: 'no_price' }
  | { line: 'add'; problem: 'unknown_product' | 'ambiguous' };

export type LinesEditResult =
  | { ok: true; changed: boolean }
  | { ok: false; problem: 'not_found' }
  /** Only a new order's lines change: once confirmed, the buyer was told what it gets. */
  | { ok: false; problem: 'not_new' }
  /** Every line removed: an order with nothing in it is cancelled, not emptied. */
  | { ok: false; problem: 'empty' }
  | { ok: false; problem: 'lines'; lines: LineEditProblem[] };

interface CatalogRow {
  id: number;
  sku: string;
  name: string;
  variant_name: string;
  hidden: number;
  has_variants: number;
  vat_bp: number | null;
  min_qty: number;
  multiple: number;
  external_1c_id: string | null;
  external_ms_id: string | null;
  unit_name: string | null;
  unit_precision: number | null;
  base_price: number | null;
  special_price: number | null;
}

/** The products with what the company pays for them today. */
async function catalogRows(trx: Transaction<DB>, productIds: number[], priceTypeId: number | null, companyId: number): Promise<Map<number, CatalogRow>> {
  if (productIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('products as p')
    .leftJoin('units as u', 'u.id', 'p.unit_id')
    .leftJoin('prices as pr', (join) => join.onRef('pr.product_id', '=', 'p.id').on('pr.price_type_id', '=', priceTypeId ?? -1))
    .leftJoin('special_prices as sp', (join) => join.onRef('sp.product_id', '=', 'p.id').on('sp.company_id', '=', companyId))
    .select([
      'p.id',
      'p.sku',
      'p.name',
      'p.variant_name',
      'p.hidden',
      'p.has_variants',
      'p.vat_bp',
      'p.min_qty',
      'p.multiple',
      'p.external_1c_id',
      'p.external_ms_id',
      'u.name as unit_name',
      'u.precision as unit_precision',
      'pr.price as base_price',
      'sp.price as special_price',
    ])
    .where('p.id', 'in', productIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

const ruleOf = (p: CatalogRow): QuantityRule => ({ precision: p.unit_precision ?? 0, minQty: p.min_qty, multiple: p.multiple });

interface DraftLine {
  /** The order line it was, null for a product added now. */
  from: OrderLineRow | null;
  product: CatalogRow;
  quantity: number;
}

export async function changeOrderLines(ctx: Pick<AppContext, 'db' | 'database' | 'clock' | 'config' | 'outbox' | 'orderExporters'>, actor: UserRow, orderId: number, edit: LinesEdit): Promise<LinesEditResult> {
  assertStaffChangesAllowed(ctx.config);
  return transaction(ctx.database, async (tx): Promise<LinesEditResult> => {
    const trx = tx.db;
    const order = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).executeTakeFirst();
    if (!order) return { ok: false, problem: 'not_found' };
    if (order.status !== 'new') return { ok: false, problem: 'not_new' };
    const buyer = await companyPriceViewer(trx, order.company_id);
    if (!buyer) return { ok: false, problem: 'not_found' };
    const lines = await trx.selectFrom('order_lines').selectAll().where('order_id', '=', orderId).orderBy('line_no').execute();

    const problems: LineEditProblem[] = [];
    let edited = false;
    let added: { product: CatalogRow; quantity: string } | null = null;
    if (edit.add && edit.add.code.trim() !== '') {
      const [match] = await matchLines(trx, [{ line: 1, sku: edit.add.code.trim(), barcode: '', name: '', quantity: edit.add.quantity }]);
      if (match?.kind === 'ambiguous') problems.push({ line: 'add', problem: 'ambiguous' });
      else if (match?.kind !== 'product') problems.push({ line: 'add', problem: 'unknown_product' });
      else {
        const row = (await catalogRows(trx, [match.product.id], buyer.priceTypeId, order.company_id)).get(match.product.id);
        if (row) added = { product: row, quantity: edit.add.quantity };
        else problems.push({ line: 'add', problem: 'unknown_product' });
      }
    }

    const catalog = await catalogRows(
      trx,
      lines.flatMap((l) => (l.product_id === null ? [] : [l.product_id])),
      buyer.priceTypeId,
      order.company_id,
    );
    const draft: DraftLine[] = [];
    for (const line of lines) {
      if (edit.remove.has(line.id)) {
        edited = true;
        continue;
      }
      const product = line.product_id === null ? undefined : catalog.get(line.product_id);
      if (!product || product.hidden === 1 || product.has_variants === 1) {
        problems.push({ line: line.id, problem: 'unavailable' });
        continue;
      }
      let quantity = line.quantity;
      const typed = edit.quantities.get(line.id);
      // The rule is checked on what staff type, not on lines left alone (a pack size changed since is not their problem).
      if (typed !== undefined && typed.trim() !== '') {
        const checked = checkQuantity(typed, ruleOf(product));
        if (!checked.ok) {
          problems.push(quantityProblem(line.id, checked, product));
          continue;
        }
        if (checked.quantity !== line.quantity) edited = true;
        quantity = checked.quantity;
      }
      draft.push({ from: line, product, quantity });
    }
    if (added) {
      const checked = checkQuantity(added.quantity, ruleOf(added.product));
      if (!checked.ok) problems.push(quantityProblem('add', checked, added.product));
      else {
        edited = true;
        const existing = draft.find((d) => d.product.id === added?.product.id);
        if (!existing) draft.push({ from: null, product: added.product, quantity: checked.quantity });
        else {
          // Adding to a line: the sum passes the rule as each part did (see cart.ts).
          const sum = Math.round((existing.quantity + checked.quantity) * 1000) / 1000;
          const again = checkQuantity(sum, ruleOf(added.product));
          if (again.ok) existing.quantity = again.quantity;
          else problems.push(quantityProblem('add', again, added.product));
        }
      }
    }
    if (problems.length > 0) return { ok: false, problem: 'lines', lines: problems };
    if (!edited) return { ok: true, changed: false };
    if (draft.length === 0) return { ok: false, problem: 'empty' };

    const terms = { priceTypeId: buyer.priceTypeId, discountBp: buyer.discountBp };
    const pricesIncludeVat = ctx.config.catalog.pricesIncludeVat;
    const priced = quote(
      terms,
      draft.map((d) => ({ productId: d.product.id, quantity: d.quantity, basePrice: d.product.base_price, specialPrice: d.product.special_price, vatBp: d.product.vat_bp })),
      { pricesIncludeVat },
    );
    const noPrice = draft.flatMap((d, i) => (priced.lines[i]?.unitPrice === null ? [{ line: d.from?.id ?? ('add' as const), problem: 'no_price' as const }] : []));
    if (noPrice.length > 0) return { ok: false, problem: 'lines', lines: noPrice };

    const newLines = draft.map((d, i) => {
      const q = priced.lines[i];
      if (!q || q.unitPrice === null || q.lineTotal === null) throw new Error(`line ${d.product.id} has no price`);
      const p = d.product;
      return {
        order_id: orderId,
        line_no: i + 1,
        product_id: p.id,
        // A line keeps the name and SKU the buyer ordered it under; an added one takes today's.
        sku: d.from?.sku ?? p.sku,
        name: d.from?.name ?? (p.variant_name ? `${p.name} (${p.variant_name})` : p.name),
        unit_name: d.from?.unit_name ?? p.unit_name ?? '',
        product_1c_id: p.external_1c_id,
        product_ms_id: p.external_ms_id,
        quantity: d.quantity,
        list_price: q.listPrice,
        unit_price: q.unitPrice,
        discount_bp: q.discountBp,
        line_total: q.lineTotal,
        vat_bp: p.vat_bp,
        vat_amount: q.vatAmount ?? 0,
      };
    });
    const now = ctx.clock.now();
    await trx.deleteFrom('order_lines').where('order_id', '=', orderId).execute();
    for (let i = 0; i < newLines.length; i += 100) await trx.insertInto('order_lines').values(newLines.slice(i, i + 100)).execute();
    await trx
      .updateTable('orders')
      .set({
        price_type_id: buyer.priceTypeId,
        price_type_name: buyer.priceTypeName ?? '',
        discount_bp: buyer.discountBp,
        prices_include_vat: pricesIncludeVat ? 1 : 0,
        subtotal: priced.subtotal,
        discount_total: priced.discountTotal,
        vat_total: priced.vatTotal,
        total: priced.total,
        line_count: newLines.length,
        revision: order.revision + 1,
        updated_at: now,
      })
      .where('id', '=', orderId)
      .execute();
    await recordOrderEvent(trx, {
      orderId,
      kind: 'lines_changed',
      data: { note: edit.note.trim().slice(0, 500), totalBefore: order.total, totalAfter: priced.total, lines: lineChanges(lines, newLines) },
      source: 'portal',
      actor: { id: actor.id, name: actor.name },
      at: now,
    });
    await queueExports(ctx, tx, orderId);
    return { ok: true, changed: true };
  });
}

function quantityProblem(line: LineRef, checked: { problem: QuantityProblem; suggestion?: number }, product: CatalogRow): LineEditProblem {
  return {
    line,
    problem: checked.problem,
    rule: ruleOf(product),
    unit: product.unit_name ?? '',
    ...(checked.suggestion !== undefined ? { suggestion: checked.suggestion } : {}),
  };
}
