// JWT `limits.rps` (spec §6.5): requests per second per (token name, resource), counted in one-second windows.
// The numbers go out as X-RateLimit-* headers, and a refusal as 429 with Retry-After (spec §1.4).
// Only then: Tinybird sets X-RateLimit-* "when a limiter ran" (spec §1.4, SRV/base), and the other limiters it runs
// are its plans' workspace quotas, which a local server does not have (spec §1.4 REC: never rate-limit). Headers with
// an invented quota would make clients that read them (the Python SDK) throttle themselves for nothing.
export interface RateDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window resets (Retry-After on a refusal). */
  readonly reset: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  hit(key: string, rps: number, nowMs: number): RateDecision {
    const start = Math.floor(nowMs / 1000) * 1000;
    let w = this.windows.get(key);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(key, w);
      if (this.windows.size > 10_000) this.prune(start);
    }
    const allowed = w.count < rps;
    if (allowed) w.count++;
    return { allowed, limit: rps, remaining: Math.max(0, rps - w.count), reset: 1 };
  }

  private prune(current: number): void {
    for (const [k, w] of this.windows) if (w.start !== current) this.windows.delete(k);
  }
}
