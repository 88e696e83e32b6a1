/**
 * Case- and ё-insensitive form of a text for searching. SQLite's own lower() folds ASCII only,
 * so the same function is registered in SQLite (see open.ts) and used on search terms.
 */
export function fold(text: string): string {
  return text.toLowerCase().replaceAll('ё', 'е');
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A LIKE pattern that finds `term` anywhere, after folding. */
export function containsPattern(term: string): string {
  return `%${escapeLike(fold(term.trim()))}%`;
}
