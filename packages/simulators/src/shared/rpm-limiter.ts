/**
 * Requests-per-minute quota per key (a tenant), over a sliding 60 s window, the way an API gateway
 * quota policy behaves. `rpm: 0` switches the limit off.
 */
export interface RpmLimit {
  rpm: number;
  /** Whether a 429 carries Retry-After (the ION gateway does not document it; test both). */
  sendRetryAfter: boolean;
}

export interface RpmDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a slot frees up; present only when refused. */
  retryAfterSec?: number;
}

const WINDOW_MS = 60_000;

export class RpmLimiter {
  readonly #hits = new Map<string, number[]>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  take(key: string, limit: RpmLimit): RpmDecision {
    if (limit.rpm <= 0) return { allowed: true, limit: 0, remaining: Number.POSITIVE_INFINITY };
    const now = this.#now();
    const hits = this.#hits.get(key) ?? [];
    let drop = 0;
    while (drop < hits.length && hits[drop]! <= now - WINDOW_MS) drop += 1;
    if (drop > 0) hits.splice(0, drop);
    if (hits.length >= limit.rpm) {
      this.#hits.set(key, hits);
      const retryAfterSec = Math.max(1, Math.ceil((hits[0]! + WINDOW_MS - now) / 1000));
      return { allowed: false, limit: limit.rpm, remaining: 0, retryAfterSec };
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return { allowed: true, limit: limit.rpm, remaining: limit.rpm - hits.length };
  }

  reset(key?: string): void {
    if (key === undefined) this.#hits.clear();
    else this.#hits.delete(key);
  }
}
