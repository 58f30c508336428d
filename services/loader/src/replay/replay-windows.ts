/**
 * What a replay asked of one change-topic partition after the loader seeked it back. Seeking replays every
 * tenant on the partition; the window says which records the replay is about and how to treat the rest.
 */
export interface ReplayWindow {
  requestId: string;
  tenantId: string;
  /** `entity|naturalKey` of the records asked for; null = every record of the tenant. */
  keys: ReadonlySet<string> | null;
  force: boolean;
  /**
   * Where the consumer stood when the replay was asked: other records below it were processed already and
   * are skipped while catching up; records from here on are new and processed as usual.
   */
  skipBelow: bigint;
  /** The partition's end when the replay was asked: force applies below it, and the window closes there. */
  endOffset: bigint;
}

/** process: as usual (content hash decides); force: re-post even if unchanged; skip: not processed again. */
export type ReplayDecision = 'process' | 'force' | 'skip';

function partitionKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

/** `tenantId|entity|naturalKey` → its parts (a natural key may itself contain `|`). */
function splitChangeKey(key: string): { tenantId: string; entityAndKey: string } {
  const end = key.indexOf('|');
  return end === -1
    ? { tenantId: key, entityAndKey: '' }
    : { tenantId: key.slice(0, end), entityAndKey: key.slice(end + 1) };
}

/** The open replay windows of the partitions this replica owns; cleared at every rebalance. */
export class ReplayWindows {
  readonly #windows = new Map<string, ReplayWindow[]>();

  open(topic: string, partition: number, window: ReplayWindow): void {
    if (window.endOffset <= 0n) return;
    const key = partitionKey(topic, partition);
    this.#windows.set(key, [...(this.#windows.get(key) ?? []), window]);
  }

  /** Cheap check for the hot path: most partitions have no replay going on. */
  active(topic: string, partition: number): boolean {
    return this.#windows.size > 0 && this.#windows.has(partitionKey(topic, partition));
  }

  /** Decides one message by its key (`tenantId|entity|naturalKey`), without decoding it. */
  decide(topic: string, partition: number, offset: string, messageKey: string): ReplayDecision {
    const key = partitionKey(topic, partition);
    const windows = this.#windows.get(key);
    if (windows === undefined) return 'process';
    const position = BigInt(offset);
    const { tenantId, entityAndKey } = splitChangeKey(messageKey);
    let asked = false;
    let forced = false;
    let skip = false;
    for (const window of windows) {
      if (position >= window.endOffset) continue;
      if (window.tenantId === tenantId && (window.keys === null || window.keys.has(entityAndKey))) {
        asked = true;
        forced ||= window.force;
      } else if (position < window.skipBelow) {
        skip = true;
      }
    }
    const open = windows.filter((window) => position + 1n < window.endOffset);
    if (open.length === 0) this.#windows.delete(key);
    else if (open.length !== windows.length) this.#windows.set(key, open);
    if (forced) return 'force';
    return skip && !asked ? 'skip' : 'process';
  }

  clear(): void {
    this.#windows.clear();
  }

  get size(): number {
    return this.#windows.size;
  }
}
