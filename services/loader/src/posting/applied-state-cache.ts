import type { AppliedState } from './posting.ts';

/**
 * The last applied states this process wrote or read, bounded because a loader sees every record of every
 * tenant: keeping them all (bodies included) grew with the data set, not with the work in flight. A miss
 * costs one primary-key lookup in posting_state, which the loader keeps with posting_history, so
 * skip-unchanged holds whatever was evicted (and after a restart).
 *
 * Two generations of at most half the bound each rather than a strict LRU: a Map used as an LRU (delete the
 * oldest, re-insert on use) leaves deleted slots at its front that every eviction walks again, which showed
 * as one of the loader's hottest functions. Here a full young generation simply becomes the old one and the
 * old one is dropped; a state read from the old generation moves back to the young one.
 */
export class AppliedStateCache {
  readonly #generationSize: number;
  readonly #keepsOld: boolean;
  #young = new Map<string, AppliedState>();
  #old = new Map<string, AppliedState>();

  constructor(maxEntries: number) {
    const max = Math.max(0, Math.floor(maxEntries));
    this.#keepsOld = max >= 2;
    this.#generationSize = this.#keepsOld ? Math.floor(max / 2) : max;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  has(key: string): boolean {
    return this.#young.has(key) || this.#old.has(key);
  }

  get(key: string): AppliedState | undefined {
    const state = this.#young.get(key);
    if (state !== undefined) return state;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.#insert(key, old);
    }
    return old;
  }

  set(key: string, state: AppliedState): void {
    this.#old.delete(key);
    if (this.#young.has(key)) {
      this.#young.set(key, state);
      return;
    }
    this.#insert(key, state);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  #insert(key: string, state: AppliedState): void {
    if (this.#generationSize === 0) return;
    if (this.#young.size >= this.#generationSize) {
      this.#old = this.#keepsOld ? this.#young : new Map();
      this.#young = new Map();
    }
    this.#young.set(key, state);
  }
}
