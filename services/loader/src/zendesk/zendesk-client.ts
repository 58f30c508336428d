import { setTimeout as sleep } from 'node:timers/promises';
import { isMlcError } from '@mlc/common/errors';
import { DEFAULT_MAX_BODY_BYTES } from '@mlc/common/http-client';
import { type Dispatcher, request } from 'undici';
import type { ZendeskAuthorizer } from './zendesk-auth.ts';
import { malformedResponse, parseZendeskError, transportError, ZendeskRequestError } from './zendesk-error.ts';

/** The tenant's share of its Zendesk account's rate limit; every call we make goes through it. */
export interface RequestBudget {
  acquire(): Promise<void>;
  pause(ms: number): void;
  /** The requests per minute this connector may use (plan rpm × share). */
  limits(): { requestsPerMinute: number };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ZendeskRequest {
  method: HttpMethod;
  /** Path below the base URL, e.g. `/api/v2/users/create_or_update_many`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Metric label, e.g. `users/create_or_update_many`. */
  endpoint: string;
  /**
   * Whether the call may be repeated after an ambiguous failure (timeout, 502, 504) where Zendesk may
   * already have acted. Creates are not; 429 and 503 (never processed) are retried either way.
   */
  idempotent: boolean;
}

export interface ZendeskResponseObservation {
  endpoint: string;
  status: number;
  durationMs: number;
}

export interface ZendeskClientOptions {
  baseUrl: string;
  authorizer: ZendeskAuthorizer;
  budget: RequestBudget;
  dispatcher?: Dispatcher;
  maxAttempts?: number;
  timeoutMs?: number;
  /** Largest answer read; a longer one (a runaway or endless body) is cut off and fails as malformed. */
  maxBodyBytes?: number;
  /** Base of exponential backoff with full jitter for 5xx and transport failures. */
  backoffBaseMs?: number;
  /**
   * When `X-Rate-Limit-Remaining` drops to this share of `X-Rate-Limit`, other clients are using the
   * account: we pause until the window resets rather than push it into 429s. Never more than the share
   * leaves the other clients (see `#reserve`).
   */
  reserveFraction?: number;
  onResponse?: (observation: ZendeskResponseObservation) => void;
  onRetry?: (endpoint: string, reason: string, attempt: number) => void;
}

const ALWAYS_RETRIED = new Set([429, 503]);
const RETRIED_WHEN_IDEMPOTENT = new Set([500, 502, 504, 408]);

function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headerValue(headers, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** An answer as read: its JSON (null when empty), its text when it is not JSON, or the limit it went over. */
type ReadBody = { json: unknown } | { text: string } | { tooLarge: number };

async function readBody(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<ReadBody> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      return { tooLarge: maxBytes };
    }
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return { json: null };
  try {
    return { json: JSON.parse(raw) };
  } catch {
    return { text: raw };
  }
}

/** Why a 2xx answer cannot be used: every Zendesk answer with a body is a JSON object. */
function unreadable(read: ReadBody): string | undefined {
  if ('tooLarge' in read) return `a body over ${read.tooLarge} bytes (cut off)`;
  // Never the body itself: it may echo what was sent.
  if ('text' in read) {
    if (read.text.trimStart().startsWith('<')) return 'an HTML page, not JSON';
    return `a body that is not valid JSON (${read.text.length} characters, cut short or garbled)`;
  }
  const { json } = read;
  if (json === null || (typeof json === 'object' && !Array.isArray(json))) return undefined;
  return `JSON that is not an object (${Array.isArray(json) ? 'a list' : `a ${typeof json}`})`;
}

/**
 * One tenant's Zendesk API: auth header, rate budget, Retry-After, bounded retries and error mapping in
 * one place, so targets only say what to send. Every attempt (retries included) takes a budget slot.
 */
export class ZendeskClient {
  readonly #options: Required<Omit<ZendeskClientOptions, 'dispatcher' | 'onResponse' | 'onRetry'>> &
    Pick<ZendeskClientOptions, 'dispatcher' | 'onResponse' | 'onRetry'>;

  constructor(options: ZendeskClientOptions) {
    this.#options = {
      maxAttempts: 6,
      timeoutMs: 30_000,
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
      backoffBaseMs: 250,
      reserveFraction: 0.1,
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  get baseUrl(): string {
    return this.#options.baseUrl;
  }

  async send<T>(call: ZendeskRequest): Promise<T> {
    const { maxAttempts, budget } = this.#options;
    let authRetried = false;
    let credentialsReloaded = false;
    const credentialsReplaced = async (): Promise<boolean> => {
      if (credentialsReloaded || this.#options.authorizer.recover === undefined) return false;
      credentialsReloaded = true;
      return this.#options.authorizer.recover();
    };
    for (let attempt = 1; ; attempt++) {
      // The header first: a token fetch takes a budget slot of its own, and a slot granted before it would
      // be spent only after it, bunching requests up beyond the budget's pace on the wire.
      let authorization: string;
      try {
        authorization = await this.#options.authorizer.authorization();
      } catch (error) {
        if (!isMlcError(error, 'MLC_ZENDESK_AUTH_FAILED') || !(await credentialsReplaced())) {
          throw error;
        }
        this.#options.onRetry?.(call.endpoint, 'credentials', attempt);
        continue;
      }
      await budget.acquire();
      const started = performance.now();
      let status: number;
      let headers: Record<string, string | string[] | undefined>;
      let read: ReadBody;
      try {
        const response = await request(this.#url(call), {
          method: call.method,
          headers: {
            authorization,
            accept: 'application/json',
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: call.body === undefined ? undefined : JSON.stringify(call.body),
          headersTimeout: this.#options.timeoutMs,
          bodyTimeout: this.#options.timeoutMs,
          ...(this.#options.dispatcher ? { dispatcher: this.#options.dispatcher } : {}),
        });
        status = response.statusCode;
        headers = response.headers;
        read = await readBody(response.body, this.#options.maxBodyBytes);
      } catch (error) {
        this.#options.onResponse?.({ endpoint: call.endpoint, status: 0, durationMs: performance.now() - started });
        if (!call.idempotent || attempt >= maxAttempts) throw transportError(call.endpoint, error);
        this.#options.onRetry?.(call.endpoint, 'transport', attempt);
        await sleep(this.#backoff(attempt));
        continue;
      }
      this.#options.onResponse?.({ endpoint: call.endpoint, status, durationMs: performance.now() - started });
      this.#observeRateLimit(headers);
      if (status >= 200 && status < 300) {
        const problem = unreadable(read);
        if (problem === undefined) return (read as { json: unknown }).json as T;
        // Zendesk may have acted on the request: only a call safe to repeat is sent again.
        const malformed = malformedResponse(call.endpoint, status, problem);
        if (!call.idempotent || attempt >= maxAttempts) throw malformed;
        this.#options.onRetry?.(call.endpoint, 'malformed', attempt);
        await sleep(this.#backoff(attempt));
        continue;
      }
      const body = 'json' in read ? read.json : 'text' in read ? read.text : `a body over ${read.tooLarge} bytes`;
      const error = new ZendeskRequestError(call.endpoint, parseZendeskError(status, body));
      if (status === 401 && !authRetried) {
        authRetried = true;
        this.#options.authorizer.invalidate();
        this.#options.onRetry?.(call.endpoint, 'auth', attempt);
        continue;
      }
      if (status === 401 && (await credentialsReplaced())) {
        this.#options.onRetry?.(call.endpoint, 'credentials', attempt);
        continue;
      }
      const retriable = ALWAYS_RETRIED.has(status) || (call.idempotent && RETRIED_WHEN_IDEMPOTENT.has(status));
      if (!retriable || attempt >= maxAttempts) throw error;
      this.#options.onRetry?.(call.endpoint, String(status), attempt);
      if (status === 429) {
        // The whole tenant waits, not only this call: every other request would be refused too.
        budget.pause(retryAfterMs(headers) ?? this.#backoff(attempt));
      } else {
        await sleep(retryAfterMs(headers) ?? this.#backoff(attempt));
      }
    }
  }

  #url(call: ZendeskRequest): string {
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : '';
    return `${this.#options.baseUrl}${call.path}${query}`;
  }

  #backoff(attempt: number): number {
    return Math.random() * this.#options.backoffBaseMs * 2 ** Math.min(attempt - 1, 6);
  }

  /**
   * What the account keeps for its other clients: `reserveFraction` of the limit, capped by what the share
   * leaves them (limit − our rpm). The share already says how much of the account is ours: a fixed 10 %
   * on top would hold a tenant given the whole account (share 1) to 630 of its 700 rpm. At 0 the pause
   * still comes once the account is spent, before the next request would be refused.
   */
  #reserve(limit: number): number {
    const ours = this.#options.budget.limits().requestsPerMinute;
    return Math.max(0, Math.min(limit * this.#options.reserveFraction, limit - ours));
  }

  #observeRateLimit(headers: Record<string, string | string[] | undefined>): void {
    const remaining = Number(
      headerValue(headers, 'x-rate-limit-remaining') ?? headerValue(headers, 'ratelimit-remaining'),
    );
    const limit = Number(headerValue(headers, 'x-rate-limit') ?? headerValue(headers, 'ratelimit-limit'));
    if (!Number.isFinite(remaining) || !Number.isFinite(limit) || limit <= 0) return;
    if (remaining > this.#reserve(limit)) return;
    const resetSeconds = Number(headerValue(headers, 'ratelimit-reset'));
    this.#options.budget.pause(Number.isFinite(resetSeconds) && resetSeconds > 0 ? resetSeconds * 1000 : 1000);
  }
}
