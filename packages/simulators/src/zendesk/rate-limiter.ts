import type { AccountState } from './account-state.ts';
import { zendeskErrors } from './zendesk-errors.ts';

// Account-wide fixed-window request budget (the real API resets its counter every minute) plus the
// endpoint limits, kept as sliding windows of timestamps per key.
export interface RateStanding {
  limit: number;
  remaining: number;
  resetSec: number;
}

interface Window {
  startedAt: number;
  count: number;
}

export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  readonly #endpointHits = new Map<string, number[]>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Counts one request against the account budget; throws the real 429 when it is spent. */
  take(account: AccountState): RateStanding {
    const now = this.#now();
    let window = this.#windows.get(account.subdomain);
    if (!window || now - window.startedAt >= account.rateLimitWindowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(account.subdomain, window);
    }
    const resetMs = window.startedAt + account.rateLimitWindowMs - now;
    const resetSec = Math.max(1, Math.ceil(resetMs / 1000));
    if (window.count >= account.requestsPerMinute) {
      throw Object.assign(zendeskErrors.rateLimited(resetSec), {
        standing: { limit: account.requestsPerMinute, remaining: 0, resetSec },
      });
    }
    window.count += 1;
    return { limit: account.requestsPerMinute, remaining: account.requestsPerMinute - window.count, resetSec };
  }

  /** Applies an endpoint limit of `max` hits per `windowMs` for `key`; `null` disables it. */
  takeEndpoint(key: string, max: number | null, windowMs: number, description: string): void {
    if (max === null) return;
    const now = this.#now();
    const hits = (this.#endpointHits.get(key) ?? []).filter((at) => now - at < windowMs);
    if (hits.length >= max) {
      const oldest = hits[0] ?? now;
      this.#endpointHits.set(key, hits);
      throw zendeskErrors.rateLimited(Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)), description);
    }
    hits.push(now);
    this.#endpointHits.set(key, hits);
  }

  reset(subdomain?: string): void {
    if (subdomain === undefined) {
      this.#windows.clear();
      this.#endpointHits.clear();
      return;
    }
    this.#windows.delete(subdomain);
    for (const key of this.#endpointHits.keys()) {
      if (key.startsWith(`${subdomain}|`)) this.#endpointHits.delete(key);
    }
  }
}
