/**
 * A few seconds of memory for answers that are expensive to count and harmless to show a moment
 * late (how many products a category has, which brands it holds). Prices and stock are never
 * cached: a buyer always sees them as they are.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 2000,
  ) {}

  async get(key: string, compute: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = await compute();
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, { value, until: now + this.ttlMs });
    return value;
  }

  clear(): void {
    this.entries.clear();
  }
}
