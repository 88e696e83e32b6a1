/**
 * Rendered HTML of catalog pages, valid for one catalog generation (catalog/generation.ts): the
 * first write to the catalog empties it. Bounded by characters, least recently used out first, so
 * its memory stays small whatever the buyers browse.
 *
 * What a key must hold is the caller's business (http/web/catalog.ts): every input that changes
 * the fragment, above all whose prices it shows.
 */
export class FragmentCache<V extends { size: number }> {
  private readonly entries = new Map<string, V>();
  private generation: number | undefined;
  private size = 0;

  constructor(private readonly maxSize: number) {}

  get(key: string, generation: number | null): V | undefined {
    if (generation === null) return undefined;
    this.follow(generation);
    const hit = this.entries.get(key);
    if (hit === undefined) return undefined;
    // Re-inserted: a Map keeps insertion order, so the first key is the least recently used.
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit;
  }

  /** `generation` is the one read before the data was: a change since then drops the value. */
  set(key: string, generation: number | null, value: V): void {
    if (generation === null || (this.generation !== undefined && generation < this.generation)) return;
    this.follow(generation);
    if (value.size > this.maxSize / 4) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.size -= old.size;
    }
    while (this.size + value.size > this.maxSize) {
      const first = this.entries.keys().next();
      if (first.done) break;
      this.size -= (this.entries.get(first.value) as V).size;
      this.entries.delete(first.value);
    }
    this.entries.set(key, value);
    this.size += value.size;
  }

  private follow(generation: number): void {
    if (generation === this.generation) return;
    this.entries.clear();
    this.size = 0;
    this.generation = generation;
  }
}
