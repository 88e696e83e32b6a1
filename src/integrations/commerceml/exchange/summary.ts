/** The one line 1C logs (and the admin page shows) after a catalog run. */

/** Counts that are problems, not changes: "nothing changed" may still come with them. */
const PROBLEM_COUNTS = new Set(['unknown_offers', 'photo_problems', 'warnings']);

export function summarize(counts: Record<string, number | undefined>): string {
  const said = (keys: Array<[string, number | undefined]>) =>
    keys.filter(([, n]) => (n ?? 0) > 0).map(([k, n]) => `${k.replace(/_/g, ' ')}: ${n}`);
  const changes = said(Object.entries(counts).filter(([k]) => !PROBLEM_COUNTS.has(k)));
  const problems = said(Object.entries(counts).filter(([k]) => PROBLEM_COUNTS.has(k)));
  const head = changes.length > 0 ? `Catalog imported (${changes.join(', ')})` : 'Catalog imported: nothing changed';
  return problems.length > 0 ? `${head}; ${problems.join(', ')}` : head;
}
