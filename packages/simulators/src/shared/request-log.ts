/**
 * What a simulator saw, for tests to read. Entries carry routing facts only (never query strings,
 * headers or bodies), so no token, secret or credential can end up here.
 */
export interface RequestLogEntry {
  seq: number;
  timestamp: string;
  method: string;
  path: string;
  tenant: string | null;
  status: number;
  durationMs: number;
  /** M3 program or CSI IDO; null for OAuth and gateway-only answers. */
  program: string | null;
  transaction: string | null;
  /** Set when a fault rule or the rate limiter produced the answer. */
  injected: string | null;
}

export interface RequestLogFilter {
  tenant?: string;
  sinceSeq?: number;
  program?: string;
}

export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #capacity: number;
  #seq = 0;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  record(entry: Omit<RequestLogEntry, 'seq' | 'timestamp'> & { timestamp?: string }): RequestLogEntry {
    this.#seq += 1;
    const stored: RequestLogEntry = {
      ...entry,
      seq: this.#seq,
      timestamp: entry.timestamp ?? new Date().toISOString(),
    };
    this.#entries.push(stored);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
    return stored;
  }

  entries(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.#entries.filter(
      (e) =>
        (filter.tenant === undefined || e.tenant === filter.tenant) &&
        (filter.sinceSeq === undefined || e.seq > filter.sinceSeq) &&
        (filter.program === undefined || e.program === filter.program),
    );
  }

  /** The sequence number of the latest entry: pass it as `sinceSeq` to read only what follows. */
  get lastSeq(): number {
    return this.#seq;
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

/** Drops the query string: query parameters may carry data a log must not keep. */
export function pathWithoutQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
