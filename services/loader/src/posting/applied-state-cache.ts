import type { AppliedState } from './posting.ts';

/**
 * The last applied states this process wrote or read, least recently used first out. Bounded because a
 * loader sees every record of every tenant: keeping them all (bodies included) grew with the data set,
 * not with the work in flight. A miss costs one primary-key lookup in posting_state, which stays the source
 * of truth, so skip-unchanged holds whatever was evicted (and after a restart).
 */
export class AppliedStateCache {
  readonly #maxEntries: number;
  /** Map iteration order is insertion order: re-inserting on use keeps the least recently used first. */
  readonly #states = new Map<string, AppliedState>();

  constructor(maxEntries: number) {
    this.#maxEntries = Math.max(0, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#states.size;
  }

  has(key: string): boolean {
    return this.#states.has(key);
  }

  get(key: string): AppliedState | undefined {
    const state = this.#states.get(key);
    if (state !== undefined) {
      this.#states.delete(key);
      this.#states.set(key, state);
    }
    return state;
  }

  set(key: string, state: AppliedState): void {
    this.#states.delete(key);
    if (this.#maxEntries === 0) return;
    this.#states.set(key, state);
    while (this.#states.size > this.#maxEntries) {
      const oldest = this.#states.keys().next();
      if (oldest.done) break;
      this.#states.delete(oldest.value);
    }
  }

  clear(): void {
    this.#states.clear();
  }
}
