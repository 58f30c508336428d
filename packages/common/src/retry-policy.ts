/**
 * When and how long to wait before retrying an upstream call (ION API gateway, Zendesk).
 * 429 honours `Retry-After` (Zendesk always sends it in seconds; the ION gateway may not send it at all),
 * otherwise exponential backoff with full jitter; 502/503/504, connection errors and timeouts are transient.
 * Other 4xx are the caller's problem and never retried.
 */

export type RetryReason = 'rate_limited' | 'server_error' | 'timeout' | 'connection';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Backoff of the first retry before jitter; doubles per retry. */
  baseDelayMs: number;
  /** Cap of one backoff delay (before jitter). */
  maxDelayMs: number;
  /** Bound on the sum of all waits of one call; a wait that would pass it ends the retries. */
  maxTotalWaitMs: number;
  /** Statuses retried besides 429. */
  retryStatuses: readonly number[];
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxTotalWaitMs: 120_000,
  retryStatuses: Object.freeze([502, 503, 504]),
});

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1) {
    throw new RangeError('retry policy maxAttempts must be an integer >= 1');
  }
  for (const key of ['baseDelayMs', 'maxDelayMs', 'maxTotalWaitMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) throw new RangeError(`retry policy ${key} must be >= 0`);
  }
  return policy;
}

/**
 * Milliseconds a `Retry-After` value asks for: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * Undefined when absent or unparseable, so the caller falls back to backoff. A date in the past means 0.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
  // Date.parse also accepts odd strings like "5 minutes"; an HTTP-date always names a weekday or month.
  if (!/[A-Za-z]{3}/.test(raw)) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Full-jitter exponential backoff for retry number `retry` (1 for the first retry). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export function retryReasonForStatus(status: number, policy: RetryPolicy): RetryReason | undefined {
  if (status === 429) return 'rate_limited';
  return policy.retryStatuses.includes(status) ? 'server_error' : undefined;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/** Transient transport failures; DNS "not found", TLS and argument errors are not retried. */
export function retryReasonForError(error: unknown): RetryReason | undefined {
  let current: unknown = error;
  // undici wraps the socket error (e.g. ECONNRESET) as the cause of a TypeError('fetch failed')-style error.
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (TIMEOUT_CODES.has(code)) return 'timeout';
      if (CONNECTION_CODES.has(code)) return 'connection';
    }
    if (current.name === 'TimeoutError') return 'timeout';
    current = current.cause;
  }
  return undefined;
}
