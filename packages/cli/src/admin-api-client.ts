/**
 * A thin HTTP client of the admin API: bearer auth, JSON in and out, and one error type that carries the
 * API's stable error code, so the CLI (and `npm start`) can report it and choose an exit code.
 */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface AdminApiClientOptions {
  baseUrl: string;
  token: string | undefined;
  fetch?: FetchLike;
  timeoutMs?: number;
}

export type QueryValue = string | number | boolean | undefined;

/** An answer other than 2xx, or no answer at all (status 0, code MLC_ADMIN_API_UNREACHABLE). */
export class AdminApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'AdminApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

/** Reads `{ error: { code, message, field } }` and the flat `{ code|error, message|description }` alike. */
export function apiErrorOf(status: number, body: unknown, fallback: string): AdminApiError {
  const outer = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  // The admin API nests its error (`{ error: { code, message, field } }`); fastify and proxies do not.
  const record =
    typeof outer.error === 'object' && outer.error !== null ? (outer.error as Record<string, unknown>) : outer;
  const code =
    typeof record.code === 'string' ? record.code : typeof record.error === 'string' ? record.error : `HTTP_${status}`;
  const text =
    typeof record.message === 'string'
      ? record.message
      : typeof record.description === 'string'
        ? record.description
        : fallback;
  const field = typeof record.field === 'string' ? record.field : undefined;
  return new AdminApiError(status, code, text, field);
}

export class AdminApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: FetchLike;
  readonly #timeoutMs: number;

  constructor(options: AdminApiClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  url(path: string, query: Record<string, QueryValue> = {}): string {
    const url = new URL(`${this.baseUrl}${path}`);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') url.searchParams.set(key, String(value));
    }
    return url.toString();
  }

  get<T = unknown>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T = unknown>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {} });
  }

  async request<T>(
    method: string,
    path: string,
    options: { query?: Record<string, QueryValue> | undefined; body?: unknown } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token !== undefined && this.#token !== '') headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const url = this.url(path, options.query);
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new AdminApiError(
        0,
        'MLC_ADMIN_API_UNREACHABLE',
        `No answer from the admin API at ${this.baseUrl}: ${reason}`,
      );
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    if (!response.ok) throw apiErrorOf(response.status, body, `${method} ${path} answered ${response.status}`);
    return body as T;
  }
}
