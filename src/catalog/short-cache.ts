/**
 * A few seconds of memory for answers that are expensive to count (how many products a category
 * has, which brands it holds). Given a generation (catalog/generation.ts), an answer is also
 * dropped as soon as the data changes, so it is never shown late; a null generation means "cannot
 * tell": the answer is computed and not kept.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: V; until: number; generation: number | undefined }>();
  private generation: number | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 2000,
  ) {}

  async get(key: string, compute: () => Promise<V>, generation?: number | null): Promise<V> {
    if (generation === null) return compute();
    if (generation !== undefined && generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    const now = Date.now();
    const hit = this.entries.get(key);
    // Callers that know the generation take only answers made in it.
    if (hit && hit.until > now && (generation === undefined || hit.generation === generation)) return hit.value;
    const value = await compute();
    // The data changed while this was computed: the answer may be of the old data.
    if (generation !== undefined && generation !== this.generation) return value;
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs, generation });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
