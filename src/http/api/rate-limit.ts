/**
 * Requests per token per second (api.rate_limit), counted in one-second windows in memory: the
 * portal is one process, and a restart forgiving the current second costs nothing. The answer
 * carries the RateLimit and RateLimit-Policy fields of the IETF draft
 * (draft-ietf-httpapi-ratelimit-headers), so clients can slow down before they are refused.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (at least 1 when refused). */
  resetSeconds: number;
}

const WINDOW_MS = 1000;

export class RateLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private counts = new Map<number, number>();

  constructor(private readonly perSecond: number) {}

  get enabled(): boolean {
    return this.perSecond > 0;
  }

  take(key: number, now: number): RateDecision {
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.counts = new Map();
    }
    const used = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, used);
    const resetSeconds = Math.max(1, Math.ceil((start + WINDOW_MS - now) / 1000));
    return {
      allowed: used <= this.perSecond,
      limit: this.perSecond,
      remaining: Math.max(0, this.perSecond - used),
      resetSeconds,
    };
  }
}

export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'ratelimit-policy': `"per-token";q=${decision.limit};w=1`,
    ratelimit: `"per-token";r=${decision.remaining};t=${decision.resetSeconds}`,
  };
}
