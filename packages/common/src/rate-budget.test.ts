import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  defaultBurst,
  GRANT_WINDOW_MS,
  RATE_WINDOW_MS,
  RateBudget,
  type RateBudgetClock,
  RateBudgets,
} from './rate-budget.ts';

/** Simulated time: timers fire only when the test advances the clock. */
class FakeClock implements RateBudgetClock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, { at: number; callback: () => void }>();
  maxActiveTimers = 0;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), callback });
    this.maxActiveTimers = Math.max(this.maxActiveTimers, this.#timers.size);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get activeTimers(): number {
    return this.#timers.size;
  }

  /** Fires due timers in time order up to `until`, letting promise chains settle after each. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await settle();
      let next: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) if (!next || entry[1].at < next[1].at) next = entry;
      if (!next || next[1].at > until) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].callback();
    }
    this.#now = Math.max(this.#now, until);
    await settle();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.#now + ms);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Largest number of grant times inside any half-open window of RATE_WINDOW_MS. */
function maxInAnyWindow(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= RATE_WINDOW_MS) start++;
    max = Math.max(max, end - start + 1);
  }
  return max;
}

test('the default burst is about two seconds of the rate and at least one', () => {
  assert.equal(defaultBurst(300), 10);
  assert.equal(defaultBurst(120), 4);
  assert.equal(defaultBurst(1), 1);
  assert.equal(new RateBudget({ requestsPerMinute: 10, burst: 50 }).limits().burst, 10, 'burst is capped at the rpm');
});

test('a full bucket grants the burst at once, then one request per 60/rpm seconds', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 60, burst: 3, clock });
  const start = clock.now();
  const times: number[] = [];
  const all = Array.from({ length: 6 }, () => budget.acquire().then(() => times.push(clock.now() - start)));
  await clock.advance(10_000);
  await Promise.all(all);
  assert.deepEqual(times, [0, 0, 0, 1000, 2000, 3000]);
  assert.equal(budget.stats().waitedMs, 1000 + 2000 + 3000);
  assert.equal(budget.stats().granted, 6);
});

test('waiters are served first come, first served with a single timer and no polling', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 120, burst: 1, clock });
  const order: number[] = [];
  const waiters = Array.from({ length: 50 }, (_, i) => budget.acquire().then(() => order.push(i)));
  assert.equal(clock.activeTimers, 1);
  await clock.advance(60_000);
  await Promise.all(waiters);
  assert.deepEqual(
    order,
    Array.from({ length: 50 }, (_, i) => i),
  );
  assert.equal(clock.maxActiveTimers, 1);
  assert.equal(clock.activeTimers, 0, 'no timer left once the queue is empty');
});

test('tryAcquire takes a free token but never jumps the queue', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 60, burst: 1, clock });
  assert.equal(budget.tryAcquire(), true);
  assert.equal(budget.tryAcquire(), false);
  const queued = budget.acquire();
  await clock.advance(1000);
  await queued;
  const queuedAgain = budget.acquire();
  await clock.advance(999);
  assert.equal(budget.tryAcquire(), false);
  await clock.advance(1);
  await queuedAgain;
});

test('pause holds every waiter off for the Retry-After time and does not release a burst afterwards', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 600, burst: 10, clock });
  const start = clock.now();
  budget.pause(5000);
  assert.equal(budget.stats().pausedUntil, start + 5000);
  const times: number[] = [];
  const waiters = Array.from({ length: 3 }, () => budget.acquire().then(() => times.push(clock.now() - start)));
  await clock.advance(4999);
  assert.deepEqual(times, []);
  await clock.advance(1000);
  await Promise.all(waiters);
  assert.deepEqual(times, [5000, 5100, 5200]);
  assert.equal(budget.stats().pausedUntil, undefined);
});

test('a shorter pause does not cut a longer running pause short', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 60, clock });
  const start = clock.now();
  budget.pause(10_000);
  budget.pause(1000);
  let grantedAt = 0;
  const waiter = budget.acquire().then(() => {
    grantedAt = clock.now() - start;
  });
  await clock.advance(20_000);
  await waiter;
  assert.equal(grantedAt, 10_000);
});

test('an aborted waiter leaves the queue and the next waiter gets its turn', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 60, burst: 1, clock });
  budget.tryAcquire();
  const controller = new AbortController();
  const aborted = budget.acquire(controller.signal);
  let secondAt = 0;
  const second = budget.acquire().then(() => {
    secondAt = clock.now();
  });
  const start = clock.now();
  controller.abort(new Error('stop'));
  await assert.rejects(aborted, /stop/);
  await clock.advance(5000);
  await second;
  assert.equal(secondAt - start, 1000);
  await assert.rejects(budget.acquire(AbortSignal.abort(new Error('already'))), /already/);
});

test('with demand above the rate, no 60 s window ever sees more than requestsPerMinute grants (property)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        rpm: fc.integer({ min: 1, max: 240 }),
        burstShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
        consumers: fc.integer({ min: 1, max: 8 }),
        thinkMs: fc.array(fc.integer({ min: 0, max: 4000 }), { minLength: 1, maxLength: 10 }),
        pauses: fc.array(
          fc.record({ at: fc.integer({ min: 0, max: 240_000 }), ms: fc.integer({ min: 1, max: 30_000 }) }),
          {
            maxLength: 4,
          },
        ),
      }),
      async ({ rpm, burstShare, consumers, thinkMs, pauses }) => {
        const clock = new FakeClock();
        const burst = burstShare === undefined ? undefined : Math.max(1, Math.round(burstShare * rpm));
        const budget = new RateBudget({ requestsPerMinute: rpm, burst, clock });
        const start = clock.now();
        const end = start + 5 * RATE_WINDOW_MS;
        const grants: number[] = [];
        let stopped = false;
        for (const { at, ms } of pauses) clock.setTimeout(() => budget.pause(ms), at);
        const loops = Array.from({ length: consumers }, async (_, c) => {
          for (let i = 0; !stopped; i++) {
            await budget.acquire();
            if (clock.now() >= end) break;
            grants.push(clock.now());
            const think = thinkMs[(i + c) % thinkMs.length]!;
            if (think > 0) await clock.sleep(think);
          }
        });
        await clock.advanceTo(end + RATE_WINDOW_MS);
        stopped = true;
        await clock.advance(10 * RATE_WINDOW_MS);
        await Promise.all(loops);
        assert.ok(maxInAnyWindow(grants) <= rpm, `max ${maxInAnyWindow(grants)} in a window > rpm ${rpm}`);
        assert.equal(budget.stats().granted, grants.length + consumers);
      },
    ),
    { numRuns: 40 },
  );
});

test('under constant demand the budget delivers the full rate: rpm per grant window (61 s), not less', async () => {
  const clock = new FakeClock();
  const rpm = 300;
  const budget = new RateBudget({ requestsPerMinute: rpm, clock });
  const start = clock.now();
  const grants: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await budget.acquire();
      if (running) grants.push(clock.now());
    }
  })();
  await clock.advanceTo(start + 10 * RATE_WINDOW_MS - 1);
  running = false;
  await clock.advance(RATE_WINDOW_MS);
  await loop;
  assert.equal(maxInAnyWindow(grants), rpm);
  const full = Math.floor(((10 * RATE_WINDOW_MS) / GRANT_WINDOW_MS) * rpm);
  assert.ok(grants.length >= full - defaultBurst(rpm), `only ${grants.length} grants in 10 minutes`);
  assert.ok(grants.length <= 10 * rpm);
});

test('reconfigure to a lower rate keeps the window guarantee across the change', async () => {
  const clock = new FakeClock();
  const budget = new RateBudget({ requestsPerMinute: 120, burst: 120, clock });
  const grants: number[] = [];
  for (let i = 0; i < 100; i++) {
    assert.ok(budget.tryAcquire());
    grants.push(clock.now());
  }
  budget.reconfigure({ requestsPerMinute: 60, burst: 5 });
  const later = budget.acquire().then(() => grants.push(clock.now()));
  await clock.advance(59_999);
  assert.equal(grants.length, 100, 'nothing more within the minute: 100 already exceeds the new 60');
  await clock.advance(RATE_WINDOW_MS);
  await later;
  assert.equal(budget.limits().requestsPerMinute, 60);
});

test('a huge rpm costs a small grant log, and the window still holds exactly at rpm = 50,000,000', async () => {
  const rpm = 50_000_000;
  const clock = new FakeClock();
  const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
  const budgets = Array.from({ length: 10 }, () => new RateBudget({ requestsPerMinute: rpm, burst: rpm, clock }));
  const allocated = process.memoryUsage().arrayBuffers - arrayBuffersBefore;
  assert.ok(allocated < 1024 ** 2, `10 budgets at ${rpm} rpm allocated ${allocated} bytes of array buffers`);
  const budget = budgets[0]!;
  const start = clock.now();
  let granted = 0;
  while (budget.tryAcquire()) granted++;
  assert.equal(granted, rpm, 'a full bucket of rpm grants the whole minute at once, and no more');
  assert.ok(budget.stats().grantLogCapacity < 64, 'grants at one instant share one log entry');
  await clock.advanceTo(start + GRANT_WINDOW_MS - 1);
  assert.equal(budget.tryAcquire(), false, 'the bucket has refilled, but the window is full');
  await clock.advanceTo(start + GRANT_WINDOW_MS);
  assert.equal(budget.tryAcquire(), true);
});

test('the grant log grows to the grants in the window, wraps around exactly, and shrinks once they expire', () => {
  const rpm = 5000;
  const start = 1_700_000_000_000;
  let now = start;
  // tryAcquire never sets a timer, so a plain clock stepped one millisecond at a time is enough.
  const clock: RateBudgetClock = { now: () => now, setTimeout: () => undefined, clearTimeout: () => {} };
  const budget = new RateBudget({ requestsPerMinute: rpm, burst: rpm, clock });
  const initialCapacity = budget.stats().grantLogCapacity;
  const grants: number[] = [];
  let largestCapacity = 0;
  for (; now < start + 2 * RATE_WINDOW_MS; now++) {
    if (budget.tryAcquire()) grants.push(now);
    largestCapacity = Math.max(largestCapacity, budget.stats().grantLogCapacity);
  }
  assert.equal(maxInAnyWindow(grants), rpm);
  assert.equal(grants.length, 2 * rpm, 'one grant per millisecond until the window is full, twice over');
  assert.equal(grants[rpm], start + GRANT_WINDOW_MS, 'the first grant after a full window comes as the oldest expires');
  assert.ok(largestCapacity >= rpm && largestCapacity < 2 * rpm, `capacity ${largestCapacity} for ${rpm} entries`);
  now += RATE_WINDOW_MS;
  assert.equal(budget.stats().grantLogCapacity, initialCapacity, 'an idle minute gives the memory back');
});

test('RateBudgets keeps one independent budget per tenant and applies changed limits', () => {
  const clock = new FakeClock();
  const budgets = new RateBudgets({ clock });
  const a = budgets.get('tenant-a', { requestsPerMinute: 60, burst: 1 });
  const b = budgets.get('tenant-b', { requestsPerMinute: 60, burst: 1 });
  assert.notEqual(a, b);
  assert.equal(budgets.get('tenant-a', { requestsPerMinute: 60, burst: 1 }), a);
  assert.ok(a.tryAcquire());
  assert.ok(!a.tryAcquire());
  assert.ok(b.tryAcquire(), "tenant A's exhaustion does not slow tenant B");
  budgets.get('tenant-a', { requestsPerMinute: 120, burst: 2 });
  assert.deepEqual(a.limits(), { requestsPerMinute: 120, burst: 2 });
  assert.deepEqual(budgets.keys(), ['tenant-a', 'tenant-b']);
  assert.ok(budgets.delete('tenant-b'));
  assert.equal(budgets.peek('tenant-b'), undefined);
});

test('invalid limits are rejected', () => {
  assert.throws(() => new RateBudget({ requestsPerMinute: 0 }), RangeError);
  assert.throws(() => new RateBudget({ requestsPerMinute: 1.5 }), RangeError);
  assert.throws(() => new RateBudget({ requestsPerMinute: 10, burst: 0 }), RangeError);
});

test('the real clock works: a burst of one at 600 rpm spaces two grants by about 100 ms', async () => {
  const budget = new RateBudget({ requestsPerMinute: 600, burst: 1 });
  await budget.acquire();
  const started = performance.now();
  await budget.acquire();
  const elapsed = performance.now() - started;
  assert.ok(elapsed >= 95 && elapsed < 1000, `elapsed ${elapsed} ms`);
});
