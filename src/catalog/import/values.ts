/**
 * How a catalog source's text becomes a product field's value, the same for every reader (1C
 * properties and requisites, MoySklad attributes, spreadsheet cells): yes/no words, a VAT rate,
 * an amount with a comma. Each returns null for text that is not such a value, so the reader can
 * say where it was.
 */

/** The words of a yes/no value in 1C and in spreadsheets. */
const YES = new Set(['да', 'истина', 'true', 'yes', '1', '+', 'y', 'д']);
const NO = new Set(['нет', 'ложь', 'false', 'no', '0', '-', 'n', 'н', '']);

export function parseFlag(text: string): boolean | null {
  const word = text.trim().toLowerCase();
  return YES.has(word) ? true : NO.has(word) ? false : null;
}

/** "20", "20%", "НДС 20 %", "10,0" → basis points; "Без НДС" → -1; null when it is not a rate. */
export function parseVat(text: string): number | null {
  if (text.length > 40) return null;
  const words = text.trim().toLowerCase();
  if (/без\s*ндс|^без$|^нет$|not\s+subject/.test(words)) return -1;
  const match = /^(?:ндс\s*)?(\d{1,2}(?:[.,]\d+)?)\s*%?$/.exec(words);
  if (!match) return null;
  const percent = Number((match[1] as string).replace(',', '.'));
  return Number.isFinite(percent) && percent <= 100 ? Math.round(percent * 100) : null;
}

const UNIT_WORDS = ['кг.', 'кг', 'kg', 'м3', 'м³', 'm3', 'шт.', 'шт', 'л.', 'л'];

/** "2,5", "1 200", "0.75 кг" → a number ≥ 0; null otherwise. A unit word after the number is allowed, not read. */
export function parseAmount(text: string): number | null {
  // No amount is longer; a pasted page is not one.
  if (text.length > 40) return null;
  let t = text.trim().toLowerCase();
  const unit = UNIT_WORDS.find((u) => t.endsWith(u));
  if (unit) t = t.slice(0, -unit.length);
  t = t.replace(/[\s\u00a0]/g, '');
  if (!/^\d+(?:[.,]\d+)?$/.test(t)) return null;
  const number = Number(t.replace(',', '.'));
  return Number.isFinite(number) ? number : null;
}
