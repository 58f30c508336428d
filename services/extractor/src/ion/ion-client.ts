import { MlcError } from '@mlc/common/errors';
import type { HttpClient, HttpRateBudget, HttpRetryEvent } from '@mlc/common/http-client';
import { type IonApiFile, ionApiBaseUrl } from '@mlc/common/ionapi-file';
import type { RetryPolicy } from '@mlc/common/retry-policy';
import type { TokenCache } from '@mlc/common/token-cache';
import type { IonCallCounters } from './ion-call-counters.ts';

export interface IonClientOptions {
  file: IonApiFile;
  http: HttpClient;
  /** Reused tokens, refreshed before expiry, one refresh shared by all callers. */
  tokens: Pick<TokenCache, 'getAccessToken' | 'invalidate'>;
  /** The tenant's ION request budget: acquired per attempt, paused after a 429. */
  budget: HttpRateBudget;
  /** Where calls, retries and 429s are counted; the run swaps it per entity. */
  counters: () => IonCallCounters;
  retry?: Partial<RetryPolicy>;
  onRetry?: (event: HttpRetryEvent) => void;
  signal?: AbortSignal;
}

export interface IonClient {
  readonly baseUrl: string;
  getJson(path: string, query: Record<string, string>, headers?: Record<string, string>): Promise<unknown>;
}

/**
 * The application's own message in an error body (an IDO load refused with `Message`), short and without
 * the token; gateway HTML pages and other bodies add nothing.
 */
function upstreamMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const message = (body as { Message?: unknown }).Message;
  return typeof message === 'string' && message.trim() !== '' ? `: ${message.trim().slice(0, 200)}` : '';
}

/** What a 200 answer held instead of JSON, for the error (never the body itself: it may echo the request). */
function notJson(body: string | undefined): string {
  if (body === undefined) return 'an empty body';
  if (body.trimStart().startsWith('<')) return 'an HTML page, not JSON';
  return `a body that is not valid JSON (${body.length} characters, cut short or garbled)`;
}

/**
 * GETs under `iu/ti` with the tenant's token and budget. The shared HTTP client retries 429 (Retry-After,
 * else backoff with jitter, pausing the tenant budget), 502/503/504, timeouts and dropped connections;
 * a 401 here refreshes the token once and retries once. Any other status is an MLC_HTTP_UPSTREAM error.
 */
export function createIonClient(options: IonClientOptions): IonClient {
  const baseUrl = ionApiBaseUrl(options.file);

  async function getJson(
    path: string,
    query: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const url = `${baseUrl}/${path.replace(/^\/+/, '')}`;
    for (let refreshed = false; ; refreshed = true) {
      const token = await options.tokens.getAccessToken();
      const response = await options.http.requestWithRetry(
        {
          url,
          query,
          headers: { ...headers, authorization: `Bearer ${token}` },
          ...(options.signal ? { signal: options.signal } : {}),
        },
        {
          target: 'ion',
          budget: options.budget,
          ...(options.retry ? { policy: options.retry } : {}),
          secrets: [token],
          onAttempt: () => {
            options.counters().calls += 1;
          },
          onRetry: (event) => {
            const counters = options.counters();
            counters.retries += 1;
            if (event.status === 429) counters.throttled += 1;
            options.onRetry?.(event);
          },
        },
      );
      if (response.status === 200) {
        if (typeof response.body === 'string' || response.body === undefined) {
          throw new MlcError('MLC_ION_MALFORMED_RESPONSE', `ION ${path} answered 200 with ${notJson(response.body)}`, {
            details: { status: 200, path },
          });
        }
        return response.body;
      }
      if (response.status === 401 && !refreshed) {
        options.tokens.invalidate(token);
        options.counters().retries += 1;
        continue;
      }
      const said = upstreamMessage(response.body);
      throw new MlcError('MLC_HTTP_UPSTREAM', `ION ${path} answered HTTP ${response.status}${said}`, {
        details: { status: response.status, path },
      });
    }
  }

  return { baseUrl, getJson };
}
