import { setTimeout as delay } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import { MlcError } from './errors.ts';
import { redactedSnippet } from './redact.ts';
import {
  backoffDelayMs,
  parseRetryAfter,
  type RetryPolicy,
  type RetryReason,
  retryPolicy,
  retryReasonForError,
  retryReasonForStatus,
} from './retry-policy.ts';

/**
 * The JSON HTTP client shared by the ION and Zendesk clients: one undici Agent (a keep-alive Pool per origin)
 * reused for every call, a deadline per attempt covering headers and body, a body size limit, lenient body
 * parsing (an HTML error page is returned as text), and a retrying wrapper driven by `retry-policy.ts`.
 *
 * Retries re-send POST/PUT bodies too: the connector's writes are idempotent by design (upserts by external_id,
 * query-first creates), and a 429/503 means the request was not processed.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method?: HttpMethod;
  url: string | URL;
  /** Appended to the URL's query; undefined values are skipped. */
  query?: Readonly<Record<string, string | number | boolean | undefined>>;
  headers?: Readonly<Record<string, string>>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded` (OAuth token requests). */
  form?: Readonly<Record<string, string>> | URLSearchParams;
  body?: string | Uint8Array;
  /** Deadline of one attempt, headers and body together. */
  timeoutMs?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, the text otherwise (e.g. an HTML error page), undefined when empty. */
  body: unknown;
  bodyText: string;
  durationMs: number;
}

export interface RetriedHttpResponse extends HttpResponse {
  /** Attempts made, the successful one included. */
  attempts: number;
  retries: number;
  retryWaitMs: number;
}

export interface HttpRetryEvent {
  target: string;
  method: HttpMethod;
  /** URL without query string or credentials. */
  url: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  reason: RetryReason;
  status: number | undefined;
  waitMs: number;
  retryAfterMs: number | undefined;
}

export interface HttpAttemptEvent {
  target: string;
  method: HttpMethod;
  url: string;
  attempt: number;
  /** HTTP status, or undefined when the attempt failed without a response. */
  status: number | undefined;
  /** Why a failed transport attempt failed ('other' when not retryable). */
  error: RetryReason | 'other' | undefined;
  durationMs: number;
}

/** What the retrying wrapper needs from a rate budget (see `rate-budget.ts`). */
export interface HttpRateBudget {
  acquire(signal?: AbortSignal): Promise<void>;
  pause(ms: number): void;
}

export interface HttpRetryOptions {
  /** Label for hooks and metrics, e.g. `ion` or `zendesk`. */
  target?: string;
  policy?: Partial<RetryPolicy>;
  /**
   * What to do with a non-retryable 4xx/5xx: `return` it for the caller to map (default; needed for 401
   * refresh-and-retry, 422 details, 403 bulk fallback) or `throw` MlcError `MLC_HTTP_UPSTREAM`.
   */
  nonRetryableStatus?: 'return' | 'throw';
  /** Acquired before every attempt, retries included; paused on 429 so concurrent callers hold off too. */
  budget?: HttpRateBudget;
  /** Values masked in error messages besides the well-known secret fields (e.g. the client secret). */
  secrets?: readonly string[];
  onRetry?: (event: HttpRetryEvent) => void;
  onAttempt?: (event: HttpAttemptEvent) => void;
}

export interface HttpClientOptions {
  /** Sockets per origin. */
  connectionsPerOrigin?: number;
  keepAliveTimeoutMs?: number;
  /** Default per-attempt deadline; the ION gateway itself gives up after 60 s. */
  timeoutMs?: number;
  /** Default response size limit. */
  maxBodyBytes?: number;
  userAgent?: string;
  retryPolicy?: Partial<RetryPolicy>;
  /** A dispatcher to use instead of the client's own Agent (not closed by `close`). */
  dispatcher?: Dispatcher;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface HttpClientStats {
  attempts: number;
  retries: number;
  retriesByReason: Record<RetryReason, number>;
}

/** `details` of MLC_HTTP_RETRIES_EXHAUSTED and MLC_HTTP_UPSTREAM errors. */
export interface HttpFailureDetails {
  target: string;
  method: HttpMethod;
  url: string;
  attempts: number;
  status: number | undefined;
  reason: RetryReason | undefined;
  retryAfterMs: number | undefined;
  /** Redacted, length-bounded upstream body. */
  body: string | undefined;
}

export const DEFAULT_TIMEOUT_MS = 65_000;
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

class AttemptTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no complete response within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** URL fit for logs and errors: no query string (ERP filters) and no credentials. */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '[invalid url]';
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  const first = text.trimStart()[0];
  if (contentType?.includes('json') || first === '{' || first === '[') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

export class HttpClient {
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #timeoutMs: number;
  readonly #maxBodyBytes: number;
  readonly #userAgent: string;
  readonly #policy: RetryPolicy;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  readonly #stats: HttpClientStats = {
    attempts: 0,
    retries: 0,
    retriesByReason: { rate_limited: 0, server_error: 0, timeout: 0, connection: 0 },
  };

  constructor(options: HttpClientOptions = {}) {
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connections: options.connectionsPerOrigin ?? 16,
        keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      });
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#userAgent = options.userAgent ?? 'ml-connector';
    this.#policy = retryPolicy(options.retryPolicy);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.#random = options.random ?? Math.random;
  }

  /**
   * One attempt. Resolves with any HTTP status; rejects on transport failure (undici error, or a
   * `TimeoutError` when the deadline passed) and with MlcError `MLC_HTTP_UPSTREAM` when the body is too large.
   */
  async requestJson(request: HttpRequest): Promise<HttpResponse> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.#userAgent };
    let body: string | Uint8Array | undefined = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    } else if (request.form !== undefined) {
      body = new URLSearchParams(request.form as Record<string, string>).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;

    const timeoutMs = request.timeoutMs ?? this.#timeoutMs;
    const maxBodyBytes = request.maxBodyBytes ?? this.#maxBodyBytes;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    const signal = request.signal ? AbortSignal.any([deadline.signal, request.signal]) : deadline.signal;
    const started = this.#now();
    this.#stats.attempts++;
    try {
      const response = await this.#dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers,
        body: body ?? null,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const responseHeaders = flattenHeaders(response.headers);
      const declared = Number(responseHeaders['content-length']);
      if (declared > maxBodyBytes) {
        response.body.destroy();
        throw this.#bodyTooLarge(method, url, response.statusCode, maxBodyBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBodyBytes) {
          response.body.destroy();
          throw this.#bodyTooLarge(method, url, response.statusCode, maxBodyBytes);
        }
        chunks.push(chunk as Buffer);
      }
      const bodyText = Buffer.concat(chunks).toString('utf8');
      return {
        status: response.statusCode,
        headers: responseHeaders,
        body: parseBody(bodyText, responseHeaders['content-type']),
        bodyText,
        durationMs: this.#now() - started,
      };
    } catch (error) {
      // The abort reason surfaces either as such or as undici's RequestAbortedError: report the deadline plainly.
      if (deadline.signal.aborted && !request.signal?.aborted) throw deadline.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * `requestJson` with retries: 429 (honouring Retry-After), 502/503/504, timeouts and connection errors,
   * bounded by `maxAttempts` and `maxTotalWaitMs`. Throws MlcError `MLC_HTTP_RETRIES_EXHAUSTED` (details:
   * `HttpFailureDetails`, redacted body) when retries run out, `MLC_HTTP_UPSTREAM` for a non-retryable
   * transport failure or (with `nonRetryableStatus: 'throw'`) a non-retryable 4xx/5xx. An abort of
   * `request.signal` rejects with the abort reason.
   */
  async requestWithRetry(request: HttpRequest, options: HttpRetryOptions = {}): Promise<RetriedHttpResponse> {
    const policy = options.policy ? retryPolicy({ ...this.#policy, ...options.policy }) : this.#policy;
    const target = options.target ?? 'http';
    const method = request.method ?? 'GET';
    const url = safeUrl(request.url);
    let retryWaitMs = 0;

    for (let attempt = 1; ; attempt++) {
      await options.budget?.acquire(request.signal);
      const started = this.#now();
      let response: HttpResponse | undefined;
      let failure: unknown;
      try {
        response = await this.requestJson(request);
      } catch (error) {
        if (request.signal?.aborted) throw request.signal.reason;
        if (error instanceof MlcError) throw error;
        failure = error;
      }
      const errorReason = failure === undefined ? undefined : retryReasonForError(failure);
      options.onAttempt?.({
        target,
        method,
        url,
        attempt,
        status: response?.status,
        error: failure === undefined ? undefined : (errorReason ?? 'other'),
        durationMs: this.#now() - started,
      });

      const reason = response ? retryReasonForStatus(response.status, policy) : errorReason;
      const details = (retryAfterMs?: number): HttpFailureDetails => ({
        target,
        method,
        url,
        attempts: attempt,
        status: response?.status,
        reason,
        retryAfterMs,
        body: response ? redactedSnippet(response.body, options.secrets) : undefined,
      });

      if (reason === undefined) {
        if (response === undefined) {
          throw new MlcError('MLC_HTTP_UPSTREAM', `${method} ${url} failed: ${describeError(failure)}`, {
            details: details(),
            cause: failure,
          });
        }
        if (response.status >= 400 && options.nonRetryableStatus === 'throw') {
          const d = details();
          throw new MlcError(
            'MLC_HTTP_UPSTREAM',
            `${method} ${url} answered ${response.status}: ${d.body?.slice(0, 300)}`,
            {
              details: d,
            },
          );
        }
        return { ...response, attempts: attempt, retries: attempt - 1, retryWaitMs };
      }

      const retryAfterMs =
        response && (response.status === 429 || response.status === 503)
          ? parseRetryAfter(response.headers['retry-after'], this.#now())
          : undefined;
      const waitMs = retryAfterMs ?? backoffDelayMs(attempt, policy, this.#random);
      if (attempt >= policy.maxAttempts || retryWaitMs + waitMs > policy.maxTotalWaitMs) {
        const d = details(retryAfterMs);
        const last = response ? `last status ${response.status}` : `last error ${describeError(failure)}`;
        const outOf =
          attempt >= policy.maxAttempts
            ? `${attempt} attempts`
            : `${attempt} attempts (next wait ${waitMs} ms exceeds the retry time budget)`;
        throw new MlcError(
          'MLC_HTTP_RETRIES_EXHAUSTED',
          `${method} ${url} failed after ${outOf}, ${last}${d.body ? `: ${d.body.slice(0, 300)}` : ''}`,
          {
            details: d,
            cause: failure,
          },
        );
      }
      if (reason === 'rate_limited') options.budget?.pause(waitMs);
      this.#stats.retries++;
      this.#stats.retriesByReason[reason]++;
      options.onRetry?.({ target, method, url, attempt, reason, status: response?.status, waitMs, retryAfterMs });
      await this.#sleep(waitMs, request.signal);
      retryWaitMs += waitMs;
    }
  }

  /** Cumulative counters since construction (per-call counts are on each response). */
  stats(): HttpClientStats {
    return { ...this.#stats, retriesByReason: { ...this.#stats.retriesByReason } };
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  #bodyTooLarge(method: HttpMethod, url: URL, status: number, limit: number): MlcError {
    return new MlcError(
      'MLC_HTTP_UPSTREAM',
      `${method} ${safeUrl(url)} answered ${status} with a body over ${limit} bytes`,
      {
        details: { method, url: safeUrl(url), status, maxBodyBytes: limit },
      },
    );
  }
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : `${error.name}: ${error.message}`;
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  return new HttpClient(options);
}
