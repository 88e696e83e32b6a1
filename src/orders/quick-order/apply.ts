/**
 * Quick order lines → the cart, with a report of every line. Nothing is dropped without a
 * message:
 *  - lines naming the same product are summed (and the report says which lines);
 *  - a sum that breaks the pack or minimum rule is ROUNDED UP with roundUpToRule and reported
 *    ("requested 7, added 10 (packs of 5)"). This is the one place where quantities are rounded:
 *    everywhere else a wrong quantity is refused with a suggestion. A quantity too precise for
 *    the unit (1.5 pieces) is not rounded: it is a bad quantity, like text or zero;
 *  - a line added beyond the stock is added and flagged, with the stock as the buyer may see it
 *    (catalog.stock_display: an exact number only in `exact` mode);
 *  - unknown and ambiguous codes are listed with what was typed.
 * Quantities go in through changeCartQuantity (mode `add`), the one quantity rule, all in one
 * transaction: a 5,000-line file is one write, and a failure leaves the cart as it was.
 */
import type { Kysely } from 'kysely';
import { checkQuantity, type QuantityProblem, type QuantityRule, roundUpToRule, toThousandths } from '../../catalog/quantity.js';
import { canOrder, type StockDisplayConfig, type StockLevel, stockLevel } from '../../catalog/stock-display.js';
import type { Clock } from '../../clock.js';
import type { DB } from '../../db/schema.js';
import { type BuyingCompany, type CartProblem, changeCartQuantity, clearCart } from '../cart.js';
import type { OrderInputLine, SkippedLines } from './input.js';
import { displayName, type Match, type MatchedProduct, type MatchTier, matchLines } from './match.js';

export interface QuickOrderDeps {
  db: Kysely<DB>;
  clock: Clock;
  stock: StockDisplayConfig;
}

export type EntryOutcome = 'added' | 'unknown' | 'ambiguous' | 'bad_quantity' | 'no_code' | 'refused';

export interface ReportProduct {
  id: number;
  sku: string;
  name: string;
  unitName: string;
}

export interface ReportEntry {
  /** The input lines (rows) this entry stands for; several when duplicates were summed. */
  lines: number[];
  /** What the line named the product by: its SKU (or barcode, or name) as typed. */
  code: string;
  /** The quantity as typed; for summed lines, each one joined with " + ". */
  quantityText: string;
  outcome: EntryOutcome;
  product: ReportProduct | null;
  matchedBy: MatchTier | null;
  /** Ambiguous: the products the code could mean. */
  candidates: ReportProduct[];
  /** What the lines asked for in total; null when a quantity was unreadable. */
  requested: number | null;
  /** Added to the cart by this quick order. */
  added: number | null;
  /** The cart's quantity of the product afterwards (differs from `added` when it was there). */
  cartQuantity: number | null;
  /** Set when `added` was rounded up from `requested`: the product's rule. */
  rounded: { multiple: number; minQty: number } | null;
  /** Set when the cart holds more than the stock: the stock as the buyer may see it. */
  short: StockLevel | null;
  /** Bad quantity, or the cart's refusal. `missing` = the line gave none. */
  problem: QuantityProblem | CartProblem | 'missing' | null;
  /** The nearest quantity that would be accepted, for a bad quantity. */
  suggestion: number | null;
  /** Decimal places the product's unit allows (0 = pieces), for a too-precise quantity. */
  precision: number | null;
}

export interface QuickOrderReport {
  /** Entries needing attention first (not added, then added with a change or a warning), then by line. */
  entries: ReportEntry[];
  /** Products added (or increased) in the cart. */
  addedCount: number;
  /** Entries needing a look: not added, rounded up, or short of stock. */
  attentionCount: number;
  notAddedCount: number;
  /** Order lines read (after skipping blank lines, headers, rows without quantity). */
  linesRead: number;
  skipped: SkippedLines;
  elapsedMs: number;
}

export function needsAttention(entry: ReportEntry): boolean {
  return entry.outcome !== 'added' || entry.rounded !== null || entry.short !== null;
}

const ANY: QuantityRule = { precision: 3, minQty: 0, multiple: 0 };

/** A line's own quantity in thousandths, or what is wrong with it. */
function lineQuantity(quantity: string | number | null): { milli: number } | { problem: QuantityProblem | 'missing' } {
  if (quantity === null || quantity === '') return { problem: 'missing' };
  const check = checkQuantity(quantity, ANY);
  if (!check.ok) return { problem: check.problem };
  return { milli: toThousandths(check.quantity) ?? Math.round(check.quantity * 1000) };
}

/** How a quantity from a spreadsheet cell (a number) is written in the report: the buyer's locale. */
type NumberFormat = (n: number) => string;
const shown = (q: string | number | null, format: NumberFormat) => (q === null ? '' : typeof q === 'number' ? format(q) : q.trim());

function reportProduct(p: MatchedProduct): ReportProduct {
  return { id: p.id, sku: p.sku, name: displayName(p), unitName: p.unitName };
}

function blankEntry(line: OrderInputLine, outcome: EntryOutcome, format: NumberFormat): ReportEntry {
  return {
    lines: [line.line],
    code: line.sku || line.barcode || line.name,
    quantityText: shown(line.quantity, format),
    outcome,
    product: null,
    matchedBy: null,
    candidates: [],
    requested: null,
    added: null,
    cartQuantity: null,
    rounded: null,
    short: null,
    problem: null,
    suggestion: null,
    precision: null,
  };
}

interface Group {
  product: MatchedProduct;
  by: MatchTier;
  lines: OrderInputLine[];
  milli: number;
}

/**
 * Matches the lines, puts the valid ones into `company`'s cart (as added by `userId`) and
 * reports on every line. `replaceCart` empties the cart first, in the same transaction.
 */
export async function applyQuickOrder(
  deps: QuickOrderDeps,
  company: BuyingCompany,
  userId: number,
  lines: readonly OrderInputLine[],
  skipped: SkippedLines,
  options: { replaceCart?: boolean; formatNumber?: NumberFormat } = {},
): Promise<QuickOrderReport> {
  const started = performance.now();
  const format = options.formatNumber ?? String;
  const matches: Match[] = await matchLines(deps.db, lines);
  const entries: ReportEntry[] = [];
  const groups = new Map<number, Group>();

  lines.forEach((line, i) => {
    const match = matches[i] ?? { kind: 'unknown' };
    if (match.kind === 'no_code') {
      entries.push(blankEntry(line, 'no_code', format));
      return;
    }
    if (match.kind === 'unknown') {
      entries.push(blankEntry(line, 'unknown', format));
      return;
    }
    if (match.kind === 'ambiguous') {
      entries.push({ ...blankEntry(line, 'ambiguous', format), matchedBy: match.by, candidates: match.candidates.map(reportProduct) });
      return;
    }
    const quantity = lineQuantity(line.quantity);
    if ('problem' in quantity) {
      entries.push({
        ...blankEntry(line, 'bad_quantity', format),
        product: reportProduct(match.product),
        matchedBy: match.by,
        problem: quantity.problem,
        precision: match.product.precision,
      });
      return;
    }
    const group = groups.get(match.product.id);
    if (group) {
      group.lines.push(line);
      group.milli += quantity.milli;
    } else {
      groups.set(match.product.id, { product: match.product, by: match.by, lines: [line], milli: quantity.milli });
    }
  });

  await deps.db.transaction().execute(async (trx) => {
    if (options.replaceCart) await clearCart(trx, company.companyId);
    for (const group of groups.values()) entries.push(await applyGroup(deps, trx, company, userId, group, format));
  });

  const rank = (e: ReportEntry) => (e.outcome !== 'added' ? 0 : needsAttention(e) ? 1 : 2);
  entries.sort((a, b) => rank(a) - rank(b) || (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
  const addedCount = entries.filter((e) => e.outcome === 'added').length;
  return {
    entries,
    addedCount,
    attentionCount: entries.filter(needsAttention).length,
    notAddedCount: entries.length - addedCount,
    linesRead: lines.length,
    skipped,
    elapsedMs: Math.round(performance.now() - started),
  };
}

async function applyGroup(
  deps: QuickOrderDeps,
  trx: Kysely<DB>,
  company: BuyingCompany,
  userId: number,
  group: Group,
  format: NumberFormat,
): Promise<ReportEntry> {
  const { product } = group;
  const first = group.lines[0] as OrderInputLine;
  const requested = group.milli / 1000;
  const entry: ReportEntry = {
    ...blankEntry(first, 'added', format),
    lines: group.lines.map((l) => l.line),
    quantityText: group.lines.map((l) => shown(l.quantity, format)).join(' + '),
    product: reportProduct(product),
    matchedBy: group.by,
    requested,
    precision: product.precision,
  };
  const rule: QuantityRule = { precision: product.precision, minQty: product.minQty, multiple: product.multiple };
  const check = checkQuantity(requested, rule);
  let quantity = requested;
  if (!check.ok) {
    if (check.problem !== 'below_minimum' && check.problem !== 'not_multiple') {
      return { ...entry, outcome: 'bad_quantity', problem: check.problem, suggestion: check.suggestion ?? null };
    }
    quantity = roundUpToRule(requested, rule);
    entry.rounded = { multiple: product.multiple, minQty: product.minQty };
  }
  const change = await changeCartQuantity(trx, deps.clock, company, userId, product.id, quantity, 'add');
  if (!change.ok) {
    return { ...entry, outcome: 'refused', rounded: null, problem: change.problem, suggestion: change.suggestion ?? null };
  }
  entry.added = quantity;
  entry.cartQuantity = change.quantity;
  if (!canOrder(change.quantity, product.stockTotal, false)) entry.short = stockLevel(product.stockTotal, deps.stock);
  return entry;
}
