/**
 * One tenant's ERP data: the generated base records plus a small override table for what changed
 * since (mutations, deletions, additions). Base records change at times that rise with their index,
 * so "changed since T" over the base is one binary search; only overrides are kept in memory.
 */
import { seededRandom } from '../shared/seeded-random.ts';
import {
  DATASET_ENTITIES,
  type DatasetEntity,
  DistributorRecordFactory,
  type EntityRecords,
  entityCounts,
  keyOf,
  type RecordStamp,
} from './distributor-records.ts';

export interface DistributorDatasetOptions {
  /** Total records across entities, 10..1,000,000 (PO lines come with their PO). */
  records: number;
  seed: number;
  /** The instant the generated history ends (epoch ms); fixed so the same seed gives the same data. */
  anchorMs?: number;
  /** How far back the generated history reaches. */
  historyMs?: number;
  now?: () => number;
}

interface Override {
  version: number;
  changedMs: number;
  createdMs: number;
  deletedMs?: number;
}

export interface DeletedRecord {
  entity: DatasetEntity;
  key: string;
  deletedMs: number;
}

export interface MutationRequest {
  /** Change this many existing records (picked deterministically), or exactly these keys. */
  change?: number;
  changeKeys?: string[];
  delete?: number;
  deleteKeys?: string[];
  add?: number;
}

export interface MutationResult {
  entity: DatasetEntity;
  changed: string[];
  deleted: string[];
  added: string[];
}

export interface ScanOptions {
  /** Only records changed strictly after this instant. */
  changedAfterMs?: number;
  /** Only records whose index is at least this (a key cursor turned into an index). */
  fromIndex?: number;
  /** Include deleted records (never for lists; for diagnostics). */
  includeDeleted?: boolean;
}

export class UnknownKeyError extends Error {
  readonly key: string;
  constructor(entity: DatasetEntity, key: string) {
    super(`no ${entity} with key ${key}`);
    this.name = 'UnknownKeyError';
    this.key = key;
  }
}

const DEFAULT_ANCHOR_MS = Date.UTC(2025, 0, 1);
const DEFAULT_HISTORY_MS = 365 * 86_400_000;
export const MAX_RECORDS = 1_000_000;

export class DistributorDataset {
  readonly seed: number;
  readonly records: number;
  readonly #anchorMs: number;
  readonly #historyMs: number;
  readonly #now: () => number;
  readonly #baseCounts: Record<DatasetEntity, number>;
  readonly #counts: Record<DatasetEntity, number>;
  readonly #overrides = new Map<DatasetEntity, Map<number, Override>>();
  /** Overridden indices per entity, ascending, for merging with base ranges. */
  readonly #overrideOrder = new Map<DatasetEntity, number[]>();
  readonly #deleted: DeletedRecord[] = [];
  readonly #factory: DistributorRecordFactory;
  readonly #random: () => number;
  #lastChangeMs = 0;

  constructor(options: DistributorDatasetOptions) {
    if (!Number.isInteger(options.records) || options.records < 10 || options.records > MAX_RECORDS) {
      throw new RangeError(`records must be an integer between 10 and ${MAX_RECORDS}`);
    }
    this.seed = options.seed;
    this.records = options.records;
    this.#anchorMs = options.anchorMs ?? DEFAULT_ANCHOR_MS;
    this.#historyMs = options.historyMs ?? DEFAULT_HISTORY_MS;
    this.#now = options.now ?? Date.now;
    this.#baseCounts = entityCounts(options.records);
    this.#counts = { ...this.#baseCounts };
    for (const e of DATASET_ENTITIES) {
      this.#overrides.set(e, new Map());
      this.#overrideOrder.set(e, []);
    }
    this.#factory = new DistributorRecordFactory(options.seed, () => this.#counts);
    this.#random = seededRandom(options.seed ^ 0x5eed);
    this.#lastChangeMs = this.#anchorMs;
  }

  count(entity: DatasetEntity): number {
    return this.#counts[entity];
  }

  counts(): Record<DatasetEntity, number> {
    return { ...this.#counts };
  }

  keyOf(entity: DatasetEntity, index: number): string {
    return keyOf(entity, index);
  }

  /** Index of the first record whose key is >= `key` (or > `key` when `exclusive`). */
  lowerBound(entity: DatasetEntity, key: string, exclusive = false): number {
    let lo = 0;
    let hi = this.#counts[entity];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const k = keyOf(entity, mid);
      if (k < key || (exclusive && k === key)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  indexOf(entity: DatasetEntity, key: string): number | null {
    const i = this.lowerBound(entity, key);
    return i < this.#counts[entity] && keyOf(entity, i) === key ? i : null;
  }

  #baseChangedMs(entity: DatasetEntity, index: number): number {
    const n = this.#baseCounts[entity];
    return this.#anchorMs - this.#historyMs + Math.floor((index * this.#historyMs) / n);
  }

  stamp(entity: DatasetEntity, index: number): RecordStamp & { deletedMs?: number } {
    const o = this.#overrides.get(entity)!.get(index);
    if (o) return o;
    const changedMs = this.#baseChangedMs(entity, index);
    return { version: 0, changedMs, createdMs: changedMs };
  }

  isDeleted(entity: DatasetEntity, index: number): boolean {
    return this.#overrides.get(entity)!.get(index)?.deletedMs !== undefined;
  }

  record<E extends DatasetEntity>(entity: E, index: number): EntityRecords[E] {
    return this.#factory.record(entity, index, this.stamp(entity, index));
  }

  /** A live record by key, or null when it never existed or was deleted. */
  find<E extends DatasetEntity>(entity: E, key: string): EntityRecords[E] | null {
    const i = this.indexOf(entity, key);
    if (i === null || this.isDeleted(entity, i)) return null;
    return this.record(entity, i);
  }

  /** Indices in key order matching the options; lazy, so callers stop after a page. */
  *scan(entity: DatasetEntity, options: ScanOptions = {}): Generator<number> {
    const n = this.#counts[entity];
    const fromIndex = Math.max(0, options.fromIndex ?? 0);
    const after = options.changedAfterMs ?? Number.NEGATIVE_INFINITY;
    const overrides = this.#overrides.get(entity)!;
    const order = this.#overrideOrder.get(entity)!;
    // Base records at or beyond `baseStart` changed after `after`; before it only overrides can match.
    const baseStart = Math.max(fromIndex, this.#firstBaseIndexAfter(entity, after));
    const baseEnd = this.#baseCounts[entity];
    let oi = lowerBoundNumber(order, fromIndex);
    let bi = baseStart;
    while (true) {
      const nextOverride = oi < order.length ? order[oi]! : Number.POSITIVE_INFINITY;
      const nextBase = bi < baseEnd ? bi : Number.POSITIVE_INFINITY;
      const i = Math.min(nextOverride, nextBase);
      if (i === Number.POSITIVE_INFINITY || i >= n) return;
      if (i === nextOverride) oi += 1;
      if (i === nextBase) bi += 1;
      const o = overrides.get(i);
      if (o) {
        if (o.deletedMs !== undefined && !options.includeDeleted) continue;
        if (o.changedMs > after) yield i;
      } else if (i >= baseStart) {
        yield i;
      }
    }
  }

  #firstBaseIndexAfter(entity: DatasetEntity, afterMs: number): number {
    let lo = 0;
    let hi = this.#baseCounts[entity];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#baseChangedMs(entity, mid) > afterMs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The largest change instant of any live record (what a client's watermark converges to). */
  maxChangedMs(entity: DatasetEntity): number {
    let max = Number.NEGATIVE_INFINITY;
    for (let i = this.#baseCounts[entity] - 1; i >= 0; i -= 1) {
      if (!this.#overrides.get(entity)!.has(i)) {
        max = this.#baseChangedMs(entity, i);
        break;
      }
    }
    for (const o of this.#overrides.get(entity)!.values()) {
      if (o.deletedMs === undefined && o.changedMs > max) max = o.changedMs;
    }
    return max;
  }

  deletedSince(afterMs: number, entity?: DatasetEntity): DeletedRecord[] {
    return this.#deleted.filter((d) => d.deletedMs > afterMs && (entity === undefined || d.entity === entity));
  }

  /** Every change gets its own millisecond so "changed after the previous maximum" is exact. */
  #nextChangeMs(): number {
    this.#lastChangeMs = Math.max(this.#now(), this.#lastChangeMs + 1);
    return this.#lastChangeMs;
  }

  #setOverride(entity: DatasetEntity, index: number, o: Override): void {
    const map = this.#overrides.get(entity)!;
    if (!map.has(index)) {
      const order = this.#overrideOrder.get(entity)!;
      order.splice(lowerBoundNumber(order, index), 0, index);
    }
    map.set(index, o);
  }

  #pickLive(entity: DatasetEntity, n: number, exclude: Set<number>): number[] {
    const total = this.#counts[entity];
    const picked: number[] = [];
    const seen = new Set<number>(exclude);
    let attempts = 0;
    while (picked.length < n && attempts < n * 50 + 1000) {
      attempts += 1;
      const i = Math.floor(this.#random() * total);
      if (seen.has(i) || this.isDeleted(entity, i)) continue;
      seen.add(i);
      picked.push(i);
    }
    return picked.sort((a, b) => a - b);
  }

  #indicesFor(entity: DatasetEntity, keys: string[]): number[] {
    return keys.map((k) => {
      const i = this.indexOf(entity, k);
      if (i === null || this.isDeleted(entity, i)) throw new UnknownKeyError(entity, k);
      return i;
    });
  }

  mutate(entity: DatasetEntity, request: MutationRequest): MutationResult {
    const result: MutationResult = { entity, changed: [], deleted: [], added: [] };
    const changeIdx = request.changeKeys ? this.#indicesFor(entity, request.changeKeys) : [];
    const deleteIdx = request.deleteKeys ? this.#indicesFor(entity, request.deleteKeys) : [];
    const taken = new Set([...changeIdx, ...deleteIdx]);
    if (request.change) changeIdx.push(...this.#pickLive(entity, request.change, taken));
    for (const i of changeIdx) taken.add(i);
    if (request.delete) deleteIdx.push(...this.#pickLive(entity, request.delete, taken));
    for (const i of changeIdx.sort((a, b) => a - b)) {
      const s = this.stamp(entity, i);
      this.#setOverride(entity, i, { version: s.version + 1, changedMs: this.#nextChangeMs(), createdMs: s.createdMs });
      result.changed.push(keyOf(entity, i));
    }
    for (const i of deleteIdx.sort((a, b) => a - b)) {
      const s = this.stamp(entity, i);
      const at = this.#nextChangeMs();
      this.#setOverride(entity, i, { ...s, deletedMs: at });
      this.#deleted.push({ entity, key: keyOf(entity, i), deletedMs: at });
      result.deleted.push(keyOf(entity, i));
    }
    for (let a = 0; a < (request.add ?? 0); a += 1) {
      const i = this.#counts[entity];
      if (this.#totalCount() >= MAX_RECORDS) break;
      this.#counts[entity] = i + 1;
      const at = this.#nextChangeMs();
      this.#setOverride(entity, i, { version: 0, changedMs: at, createdMs: at });
      result.added.push(keyOf(entity, i));
    }
    return result;
  }

  #totalCount(): number {
    return DATASET_ENTITIES.reduce((sum, e) => sum + this.#counts[e], 0);
  }
}

function lowerBoundNumber(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
