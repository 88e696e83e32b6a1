import type { Clock } from '../clock.js';

/**
 * Keys are cut to a length no real address or email exceeds: a 2 MB "email" posted to the login
 * form must not be kept in memory once per attempt (the cut ones are all invalid anyway).
 */
const MAX_KEY_CHARS = 256;

export interface ThrottlePolicy {
  maxFailuresPerAccount: number;
  maxFailuresPerIp: number;
  windowMs: number;
}

/**
 * What is counted. Password-reset requests have counts of their own: asking for reset mails
 * must never lock an account (or an address) out of signing in.
 */
export type ThrottleKind = 'login' | 'reset';

const PREFIX: Record<ThrottleKind, { ip: string; account: string }> = {
  login: { ip: 'ip:', account: 'account:' },
  reset: { ip: 'reset-ip:', account: 'reset-account:' },
};
const ipKey = (kind: ThrottleKind, ip: string) => `${PREFIX[kind].ip}${ip.slice(0, MAX_KEY_CHARS)}`;
const accountKey = (kind: ThrottleKind, email: string) => `${PREFIX[kind].account}${email.slice(0, MAX_KEY_CHARS).toLowerCase()}`;

/**
 * Failed logins (and reset requests) counted per account and per IP in a sliding window. Kept in memory: Optovik is
 * one process, and a restart forgetting the counters is an acceptable trade for no write per
 * failed attempt.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  /** Memory the keys take, in characters (for tests and the curious). */
  keyChars(): number {
    let n = 0;
    for (const key of this.failures.keys()) n += key.length;
    return n;
  }

  constructor(
    private readonly clock: Clock,
    private readonly policy: ThrottlePolicy,
  ) {}

  /** Milliseconds until this IP or account may try again; 0 when it may try now. */
  retryAfterMs(ip: string, email: string, kind: ThrottleKind = 'login'): number {
    return Math.max(
      this.waitFor(ipKey(kind, ip), this.policy.maxFailuresPerIp),
      this.waitFor(accountKey(kind, email), this.policy.maxFailuresPerAccount),
    );
  }

  recordFailure(ip: string, email: string, kind: ThrottleKind = 'login'): void {
    const now = this.clock.now();
    for (const key of [ipKey(kind, ip), accountKey(kind, email)]) {
      const list = this.recent(key);
      list.push(now);
      this.failures.set(key, list);
    }
    if (this.failures.size > 50_000) this.sweep();
  }

  /** Clears the account's count only: a success does not wipe an IP's failures on other accounts. */
  recordSuccess(email: string): void {
    this.failures.delete(accountKey('login', email));
  }

  private waitFor(key: string, max: number): number {
    const list = this.recent(key);
    if (list.length < max) return 0;
    const oldestThatCounts = list[list.length - max] ?? 0;
    return Math.max(0, oldestThatCounts + this.policy.windowMs - this.clock.now());
  }

  private recent(key: string): number[] {
    const since = this.clock.now() - this.policy.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }

  private sweep(): void {
    for (const key of [...this.failures.keys()]) {
      const list = this.recent(key);
      if (list.length === 0) this.failures.delete(key);
      else this.failures.set(key, list);
    }
  }
}
