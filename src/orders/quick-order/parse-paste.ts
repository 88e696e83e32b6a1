/**
 * The quick order textarea: one `SKU quantity` per line, as copied from Excel or typed.
 *
 * The rule, per line (line breaks split lines; blank lines are ignored):
 *  1. A tab in the line (a copy from Excel): tab-separated cells; the first non-empty cell is
 *     the code, the last non-empty cell the quantity; cells in between (a name copied along)
 *     are ignored.
 *  2. Otherwise a `;` in the line: the same with `;`.
 *  3. Otherwise whitespace: the LAST word is the quantity, everything before it the code (so a
 *     barcode written in groups, "4 600000 123456 10", works). A unit word after the quantity
 *     ("10 шт", "5 pcs") and a separator before it ("BLT-101, 10", "BLT-101 x 10") are dropped.
 *  4. Otherwise commas: the LAST comma separates code and quantity ("BLT-101,10" is 10 pieces
 *     of BLT-101; "ВВГ-3×2,5,100" is 100 of ВВГ-3×2,5).
 * In rules 1-3 the quantity may use a decimal comma: "BLT-101;1,5" and "BLT-101 1,5" mean 1.5;
 * with tabs or `;` spaces may group digits ("1 000"). A decimal comma cannot be written in a
 * comma-only line (rule 4): use a space, `;` or a tab there.
 *
 * The code is looked up as an SKU, then as a barcode. The first non-blank line is taken as a
 * header (and reported so) when its quantity is not a number and it contains a column name
 * ("Артикул", "Количество", "SKU", "Qty"...).
 */
import { checkQuantity } from '../../catalog/quantity.js';
import type { OrderInputLine } from './input.js';
import { boundedCell, headerRole } from './parse-table.js';

export interface PastedLines {
  lines: OrderInputLine[];
  /** The line taken as a header, or null. */
  headerLine: number | null;
}

/** Unit words a quantity may be followed by; they are not part of it. */
const UNIT_WORDS = new Set([
  'шт',
  'шт.',
  'штук',
  'штуки',
  'штука',
  'pcs',
  'pcs.',
  'pc',
  'pc.',
  'м',
  'м.',
  'm',
  'кг',
  'кг.',
  'kg',
  'уп',
  'уп.',
  'упак',
  'упак.',
  'л',
  'л.',
]);
/** Separators people put between the code and the quantity. */
const TRAILING_SEPARATORS = ',:=';
/**
 * Characters of one pasted line that are read. A longer line is no order line: it is reported
 * (cut, with no quantity) instead of being split, so no part of it can be taken for a quantity.
 */
export const MAX_PASTE_LINE_CHARS = 1000;

/** `code` without the separators at its end ("BLT-101:" → "BLT-101"); a loop, as `/[,:=]+$/` is quadratic. */
function withoutTrailingSeparators(code: string): string {
  let end = code.length;
  while (end > 0 && TRAILING_SEPARATORS.includes(code[end - 1] as string)) end -= 1;
  return code.slice(0, end);
}
const LONE_SEPARATOR = new Set(['x', 'х', '×', '*', '-', '—', '–', '=', ':']);

/** Splits one line into code and quantity text (null = no quantity given); see the rule above. */
export function splitPastedLine(text: string): { code: string; quantity: string | null } {
  const line = text.trim();
  for (const separator of ['\t', ';']) {
    if (!line.includes(separator)) continue;
    const cells = line
      .split(separator)
      .map((c) => c.trim())
      .filter((c) => c !== '');
    if (cells.length <= 1) return { code: cells[0] ?? '', quantity: null };
    return { code: cells[0] ?? '', quantity: cells[cells.length - 1] ?? null };
  }
  if (/\s/.test(line)) {
    const words = line.split(/\s+/);
    if (words.length > 2 && UNIT_WORDS.has((words[words.length - 1] ?? '').toLowerCase())) words.pop();
    const quantity = words.pop() ?? '';
    while (words.length > 1 && LONE_SEPARATOR.has((words[words.length - 1] ?? '').toLowerCase())) words.pop();
    const code = withoutTrailingSeparators(words.join(' ')).trim();
    return code === '' ? { code: quantity, quantity: null } : { code, quantity };
  }
  const comma = line.lastIndexOf(',');
  if (comma > 0 && comma < line.length - 1) return { code: line.slice(0, comma).trim(), quantity: line.slice(comma + 1).trim() };
  return { code: line.replace(/,$/, ''), quantity: null };
}

const isNumber = (text: string) => {
  const check = checkQuantity(text, { precision: 3, minQty: 0, multiple: 0 });
  return check.ok || check.problem !== 'not_a_number';
};

function looksLikeHeader(code: string, quantity: string | null): boolean {
  if (quantity !== null && isNumber(quantity)) return false;
  return headerRole(code) !== null || (quantity !== null && headerRole(quantity) !== null);
}

/** Parses the textarea; see the rule at the top. Lines are numbered as in the textarea. */
export function parsePaste(text: string): PastedLines {
  const lines: OrderInputLine[] = [];
  let headerLine: number | null = null;
  let first = true;
  text.split(/\r\n|\n|\r/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    if (raw.length > MAX_PASTE_LINE_CHARS) {
      first = false;
      lines.push({ line: i + 1, sku: boundedCell(raw.trim()), barcode: '', name: '', quantity: null });
      return;
    }
    const { code, quantity } = splitPastedLine(raw);
    if (first) {
      first = false;
      if (looksLikeHeader(code, quantity)) {
        headerLine = i + 1;
        return;
      }
    }
    lines.push({ line: i + 1, sku: code, barcode: '', name: '', quantity });
  });
  return { lines, headerLine };
}
