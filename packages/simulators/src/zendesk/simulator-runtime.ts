import type { FastifyRequest } from 'fastify';
import type { AccountState } from './account-state.ts';
import type { JobRunner } from './job-runner.ts';
import type { RateLimiter } from './rate-limiter.ts';
import { BULK_LIMIT, zendeskErrors } from './zendesk-errors.ts';

// The shared machinery route modules use: the clock, the job runner and the endpoint limits.
export interface SimulatorRuntime {
  now(): number;
  jobs: JobRunner;
  rateLimiter: RateLimiter;
}

export function bodyObject(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) {
    throw zendeskErrors.invalidParameter('Request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The array under `key`, checked against the 100-item limit of bulk endpoints. */
export function bulkItems(body: Record<string, unknown>, key: string): unknown[] {
  const items = body[key];
  if (!Array.isArray(items)) throw zendeskErrors.invalidParameter(`${key} must be an array`);
  if (items.length > BULK_LIMIT) throw zendeskErrors.tooManyRecords(items.length);
  return items;
}

/** Comma-separated `ids` / `external_ids` of show_many and bulk updates, at most 100. */
export function idList(query: unknown, key: string): string[] | null {
  const value = (query as Record<string, unknown> | undefined)?.[key];
  if (typeof value !== 'string' || value === '') return null;
  const list = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (list.length > BULK_LIMIT) throw zendeskErrors.tooManyRecords(list.length);
  return list;
}

export function numericId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw zendeskErrors.recordNotFound();
  return id;
}

/** Next `updated_at`: strictly later than the previous one, so `safe_update` stamps never collide. */
export function nextStamp(previous: string | null, now: number): string {
  let ms = Math.floor(now / 1000) * 1000;
  if (previous !== null) ms = Math.max(ms, Date.parse(previous) + 1000);
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function countWrite(account: AccountState, routeKey: string): void {
  account.writeCounts.set(routeKey, (account.writeCounts.get(routeKey) ?? 0) + 1);
}
