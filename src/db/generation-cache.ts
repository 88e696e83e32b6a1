/**
 * Values valid for one generation of a ChangeCounter (db/change-counter.ts): the first look with
 * a newer generation empties it, so nothing read before a write is served after it. Bounded:
 * when full it starts over, which costs a few reads, never a stale answer.
 */
export class GenerationCache<V> {
  private readonly entries = new Map<string, V>();
  private generation: number | null = null;

  constructor(private readonly capacity = 10_000) {}

  get(key: string, generation: number | null): V | undefined {
    if (generation === null || !this.follow(generation)) return undefined;
    return this.entries.get(key);
  }

  /**
   * `generation` is the one read before the value's data was: when a write started a newer one
   * meanwhile, the value may be of the old data and is not kept.
   */
  set(key: string, generation: number | null, value: V): void {
    if (generation === null || !this.follow(generation)) return;
    if (this.entries.size >= this.capacity) this.entries.clear();
    this.entries.set(key, value);
  }

  /** Moves to `generation` if it is newer; false when it is older than the one held. */
  private follow(generation: number): boolean {
    if (this.generation !== null && generation < this.generation) return false;
    if (generation !== this.generation) {
      this.entries.clear();
      this.generation = generation;
    }
    return true;
  }
}

/** A cache and the generation the caller read before any of the data it will cache. */
export interface Cached<V> {
  cache: GenerationCache<V>;
  generation: number | null;
}
