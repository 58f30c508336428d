/**
 * Deterministic pseudo-randomness for simulators: the same seed gives the same data and the same
 * fault sequence on every run, so a failing test can be replayed.
 */

/** A 32-bit integer hash of a few integers (avalanche mix in the style of murmur3's finalizer). */
export function hashInts(...values: number[]): number {
  let h = 0x811c9dc5;
  for (const v of values) {
    h = Math.imul(h ^ (v | 0), 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A float in [0, 1) from the hash of the given integers. */
export function unitFromInts(...values: number[]): number {
  return hashInts(...values) / 0x1_0000_0000;
}

/** mulberry32: a small, fast seeded generator for sequences. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}
