import type { Clock } from '../clock.js';

/**
 * At most `max` events per key in a sliding window, kept in memory (one process; a restart
 * forgetting the counts is an acceptable trade). Keys are cut to a bounded length.
 */
export class RateWindow {
  private readonly events = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may act again; 0 when it may now. */
  retryAfterMs(key: string): number {
    const list = this.recent(key.slice(0, 256));
    if (list.length < this.max) return 0;
    return Math.max(0, (list[list.length - this.max] ?? 0) + this.windowMs - this.clock.now());
  }

  record(key: string): void {
    const bounded = key.slice(0, 256);
    const list = this.recent(bounded);
    list.push(this.clock.now());
    this.events.set(bounded, list);
    if (this.events.size > 10_000) {
      for (const k of [...this.events.keys()]) if (this.recent(k).length === 0) this.events.delete(k);
    }
  }

  private recent(key: string): number[] {
    const since = this.clock.now() - this.windowMs;
    return (this.events.get(key) ?? []).filter((t) => t > since);
  }
}
