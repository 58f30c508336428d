/**
 * Per-tenant request budget for an upstream (ION API gateway quota, Zendesk account rate limit).
 *
 * Two limits hold at once:
 * - a token bucket (refill `requestsPerMinute / 60` per second, capacity `burst`) spreads requests out, so a
 *   backlog does not go out as one spike;
 * - a sliding log of the last `requestsPerMinute` grant times guarantees that in ANY 61 s window (a minute
 *   and a margin for arrival jitter, `GRANT_WINDOW_MS`) at most `requestsPerMinute` requests are granted. A bucket alone would allow `burst + requestsPerMinute` in the
 *   first minute after idling, which is exactly what trips a per-minute quota. The log holds only what
 *   the window still needs (see `GrantLog`), so its memory follows the grants made, not the rpm.
 * Waiters are served first come, first served by a single timer set to the head's earliest grant time.
 * `pause(ms)` (after a 429's Retry-After) holds every waiter off and stops refilling while paused.
 */

export interface RateBudgetClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RateBudgetLimits {
  /** The most requests granted in any 60 s window; an integer >= 1. */
  requestsPerMinute: number;
  /** Bucket capacity; default two seconds' worth of the rate (at least 1). */
  burst?: number;
}

export interface RateBudgetOptions extends RateBudgetLimits {
  clock?: RateBudgetClock;
}

export interface RateBudgetStats {
  requestsPerMinute: number;
  burst: number;
  granted: number;
  /** Sum over all grants of the time spent waiting for them. */
  waitedMs: number;
  /** Tokens in the bucket now (fractional). */
  tokens: number;
  queued: number;
  /** Epoch ms until which the budget is paused, undefined when not paused. */
  pausedUntil: number | undefined;
  /** Entries the grant log has room for: follows recent grants, not `requestsPerMinute`. */
  grantLogCapacity: number;
}

export const RATE_WINDOW_MS = 60_000;
/**
 * How long a grant holds others off: a minute and a second. The upstream counts its minute by when requests
 * arrive, and two requests granted exactly a minute apart can arrive less than a minute apart (the first was
 * slower on the wire): without the second's margin the full bench saw one ION 429 in a 120 s window.
 */
export const GRANT_WINDOW_MS = RATE_WINDOW_MS + 1_000;
const DEFAULT_BURST_SECONDS = 2;
const EPSILON = 1e-9;
const MIN_LOG_CAPACITY = 8;

export const systemClock: RateBudgetClock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export function defaultBurst(requestsPerMinute: number): number {
  return Math.max(1, Math.ceil((requestsPerMinute / 60) * DEFAULT_BURST_SECONDS));
}

function checkLimits(limits: RateBudgetLimits): Required<RateBudgetLimits> {
  const { requestsPerMinute } = limits;
  if (!Number.isInteger(requestsPerMinute) || requestsPerMinute < 1) {
    throw new RangeError('requestsPerMinute must be an integer >= 1');
  }
  const burst = limits.burst ?? defaultBurst(requestsPerMinute);
  if (!Number.isFinite(burst) || burst < 1) throw new RangeError('burst must be >= 1');
  return { requestsPerMinute, burst: Math.min(burst, requestsPerMinute) };
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  enqueuedAt: number;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The grant times the window guarantee needs, oldest first, as runs of (time, count) in a ring.
 *
 * A Float64Array of `requestsPerMinute` slots cost 8 bytes per rpm for every budget (80 MB at the
 * benchmark's "unthrottled" 10M rpm). Here grants at the same instant share one run, runs that fell out of
 * the window are dropped, and the ring grows by doubling and halves when a quarter full, so memory follows
 * min(rpm, grants in the last minute) and never exceeds one run per distinct instant in the window.
 */
class GrantLog {
  #times = new Float64Array(MIN_LOG_CAPACITY);
  #counts = new Float64Array(MIN_LOG_CAPACITY);
  #head = 0;
  #runs = 0;
  #total = 0;

  /** Grants held. */
  get total(): number {
    return this.#total;
  }

  get capacity(): number {
    return this.#times.length;
  }

  /** Time of the oldest grant held; only meaningful when `total > 0`. */
  get oldest(): number {
    return this.#times[this.#head]!;
  }

  add(time: number): void {
    const newest = (this.#head + this.#runs - 1) % this.capacity;
    if (this.#runs > 0 && this.#times[newest] === time) {
      this.#counts[newest] = this.#counts[newest]! + 1;
    } else {
      if (this.#runs === this.capacity) this.#resize(this.capacity * 2);
      const slot = (this.#head + this.#runs) % this.capacity;
      this.#times[slot] = time;
      this.#counts[slot] = 1;
      this.#runs++;
    }
    this.#total++;
  }

  /** Forgets the `count` oldest grants. */
  dropOldest(count: number): void {
    let left = Math.min(count, this.#total);
    while (left > 0) {
      const head = this.#counts[this.#head]!;
      if (head > left) {
        this.#counts[this.#head] = head - left;
        this.#total -= left;
        break;
      }
      left -= head;
      this.#dropHeadRun();
    }
    this.#shrinkIfSparse();
  }

  /** Forgets the grants from the oldest on, for as long as they are at or before `cutoff`. */
  dropUntil(cutoff: number): void {
    while (this.#runs > 0 && this.#times[this.#head]! <= cutoff) this.#dropHeadRun();
    this.#shrinkIfSparse();
  }

  #dropHeadRun(): void {
    this.#total -= this.#counts[this.#head]!;
    this.#head = (this.#head + 1) % this.capacity;
    this.#runs--;
  }

  #shrinkIfSparse(): void {
    let capacity = this.capacity;
    // Halving only below a quarter full keeps a size that hovers at a boundary from resizing on every grant.
    while (capacity > MIN_LOG_CAPACITY && this.#runs <= capacity / 4) capacity /= 2;
    if (capacity < this.capacity) this.#resize(capacity);
  }

  #resize(capacity: number): void {
    const times = new Float64Array(capacity);
    const counts = new Float64Array(capacity);
    for (let i = 0; i < this.#runs; i++) {
      const slot = (this.#head + i) % this.capacity;
      times[i] = this.#times[slot]!;
      counts[i] = this.#counts[slot]!;
    }
    this.#times = times;
    this.#counts = counts;
    this.#head = 0;
  }
}

export class RateBudget {
  readonly #clock: RateBudgetClock;
  #rpm: number;
  #burst: number;
  #ratePerMs: number;
  #tokens: number;
  #lastRefill: number;
  #pausedUntil = 0;
  /** The last `#rpm` grants, less those already out of the window. */
  readonly #grants = new GrantLog();
  #queue: Waiter[] = [];
  #timer: unknown;
  #timerAt = Number.NaN;
  #granted = 0;
  #waitedMs = 0;

  constructor(options: RateBudgetOptions) {
    const { requestsPerMinute, burst } = checkLimits(options);
    this.#clock = options.clock ?? systemClock;
    this.#rpm = requestsPerMinute;
    this.#burst = burst;
    this.#ratePerMs = requestsPerMinute / RATE_WINDOW_MS;
    this.#tokens = burst;
    this.#lastRefill = this.#clock.now();
  }

  /** Resolves when the caller may send one request; rejects with the signal's reason if aborted first. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const now = this.#clock.now();
    if (this.#queue.length === 0 && this.#canGrant(now)) {
      this.#take(now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, enqueuedAt: now, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#queue.indexOf(waiter);
          if (index >= 0) this.#queue.splice(index, 1);
          reject(signal.reason);
          this.#schedule(this.#clock.now());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#schedule(now);
    });
  }

  /** Takes a token if one is available now and nobody is queued (queued callers keep their turn). */
  tryAcquire(): boolean {
    const now = this.#clock.now();
    if (this.#queue.length > 0 || !this.#canGrant(now)) return false;
    this.#take(now);
    return true;
  }

  /** Holds every grant off for `ms` (the upstream said Retry-After); a longer running pause is kept. */
  pause(ms: number): void {
    if (!(ms > 0)) return;
    const now = this.#clock.now();
    this.#refill(now);
    // Tokens saved up before the 429 must not go out as a burst the moment the pause ends.
    this.#tokens = Math.min(this.#tokens, 1);
    this.#pausedUntil = Math.max(this.#pausedUntil, now + ms);
    this.#schedule(now);
  }

  /** Changes the limits, keeping the recent grant history so the window guarantee carries over. */
  reconfigure(limits: RateBudgetLimits): void {
    const { requestsPerMinute, burst } = checkLimits(limits);
    const now = this.#clock.now();
    this.#refill(now);
    this.#grants.dropOldest(this.#grants.total - requestsPerMinute);
    this.#rpm = requestsPerMinute;
    this.#burst = burst;
    this.#ratePerMs = requestsPerMinute / RATE_WINDOW_MS;
    this.#tokens = Math.min(this.#tokens, burst);
    this.#timerAt = Number.NaN;
    this.#schedule(now);
  }

  limits(): Required<RateBudgetLimits> {
    return { requestsPerMinute: this.#rpm, burst: this.#burst };
  }

  stats(): RateBudgetStats {
    const now = this.#clock.now();
    this.#refill(now);
    this.#forgetExpiredGrants(now);
    return {
      requestsPerMinute: this.#rpm,
      burst: this.#burst,
      granted: this.#granted,
      waitedMs: this.#waitedMs,
      tokens: this.#tokens,
      queued: this.#queue.length,
      pausedUntil: this.#pausedUntil > now ? this.#pausedUntil : undefined,
      grantLogCapacity: this.#grants.capacity,
    };
  }

  /** A grant at or before `now - GRANT_WINDOW_MS` can no longer hold anything off. */
  #forgetExpiredGrants(now: number): void {
    this.#grants.dropUntil(now - GRANT_WINDOW_MS);
  }

  #refill(now: number): void {
    const from = Math.max(this.#lastRefill, this.#pausedUntil);
    if (now > from) this.#tokens = Math.min(this.#burst, this.#tokens + (now - from) * this.#ratePerMs);
    this.#lastRefill = Math.max(this.#lastRefill, now);
  }

  #oldestInWindowFreesAt(): number {
    return this.#grants.total < this.#rpm ? Number.NEGATIVE_INFINITY : this.#grants.oldest + GRANT_WINDOW_MS;
  }

  #canGrant(now: number): boolean {
    this.#refill(now);
    this.#forgetExpiredGrants(now);
    return now >= this.#pausedUntil && this.#tokens >= 1 - EPSILON && now >= this.#oldestInWindowFreesAt();
  }

  #take(now: number): void {
    this.#tokens = Math.max(0, this.#tokens - 1);
    this.#grants.add(now);
    if (this.#grants.total > this.#rpm) this.#grants.dropOldest(1);
    this.#granted++;
  }

  #nextGrantAt(now: number): number {
    const tokensAt =
      this.#tokens >= 1 - EPSILON ? now : Math.max(now, this.#pausedUntil) + (1 - this.#tokens) / this.#ratePerMs;
    return Math.max(now, this.#pausedUntil, tokensAt, this.#oldestInWindowFreesAt());
  }

  #drain(): void {
    const now = this.#clock.now();
    while (this.#queue.length > 0 && this.#canGrant(now)) {
      const waiter = this.#queue.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.#take(now);
      this.#waitedMs += now - waiter.enqueuedAt;
      waiter.resolve();
    }
    this.#schedule(now);
  }

  #schedule(now: number): void {
    if (this.#queue.length === 0) {
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Number.NaN;
      return;
    }
    this.#refill(now);
    const at = Math.ceil(this.#nextGrantAt(now));
    if (this.#timer !== undefined && at === this.#timerAt) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Number.NaN;
      this.#drain();
    }, at - now);
  }
}

/** One budget per key (tenant id, or tenant id + upstream), created on first use. */
export class RateBudgets {
  readonly #clock: RateBudgetClock | undefined;
  readonly #budgets = new Map<string, RateBudget>();

  constructor(options: { clock?: RateBudgetClock } = {}) {
    this.#clock = options.clock;
  }

  /** The key's budget; created with `limits`, or reconfigured when `limits` differ from its current ones. */
  get(key: string, limits: RateBudgetLimits): RateBudget {
    const existing = this.#budgets.get(key);
    if (existing) {
      const current = existing.limits();
      const wanted = checkLimits(limits);
      if (current.requestsPerMinute !== wanted.requestsPerMinute || current.burst !== wanted.burst) {
        existing.reconfigure(wanted);
      }
      return existing;
    }
    const budget = new RateBudget({ ...limits, ...(this.#clock ? { clock: this.#clock } : {}) });
    this.#budgets.set(key, budget);
    return budget;
  }

  peek(key: string): RateBudget | undefined {
    return this.#budgets.get(key);
  }

  delete(key: string): boolean {
    return this.#budgets.delete(key);
  }

  keys(): string[] {
    return [...this.#budgets.keys()];
  }
}
