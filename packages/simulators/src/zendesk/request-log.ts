// What the simulator saw, for tests and operators: never bodies, headers or credentials.
export interface RequestLogEntry {
  time: string;
  account: string | null;
  method: string;
  path: string;
  route: string;
  status: number;
  durationMs: number;
  fault: string | null;
}

export class RequestLog {
  readonly #entries: RequestLogEntry[] = [];
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  add(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
  }

  entries(filter: { account?: string } = {}): RequestLogEntry[] {
    return this.#entries.filter((entry) => filter.account === undefined || entry.account === filter.account);
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

/** The path without its query string: query values (external ids, search terms) stay out of the log. */
export function pathWithoutQuery(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? url : url.slice(0, index);
}
