/**
 * `POST /tenants/{id}/runs` answers with a request id; the run gets its own id only when an extractor claims
 * the request. Until the admin API links the two, the run of a request is the tenant's first manual run that
 * started at or after the request (a second request in the same instant could be matched to either).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminApiClient } from './admin-api-client.ts';
import { adminApi } from './admin-api-operations.ts';

/** Clock skew between the admin API's and the extractor's view of PostgreSQL's now() is nil; keep a margin anyway. */
const SKEW_MS = 1000;

export function runOfRequest(
  runs: readonly Record<string, unknown>[],
  requestedAt: string,
): Record<string, unknown> | undefined {
  const requested = Date.parse(requestedAt) - SKEW_MS;
  return runs
    .filter((run) => run.trigger === 'manual' && Date.parse(String(run.startedAt)) >= requested)
    .sort((a, b) => Date.parse(String(a.startedAt)) - Date.parse(String(b.startedAt)))[0];
}

export async function waitForRunOfRequest(
  api: AdminApiClient,
  tenantId: string,
  request: Record<string, unknown>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<string | undefined> {
  const { timeoutMs = 60_000, intervalMs = 500 } = options;
  const requestedAt = typeof request.requestedAt === 'string' ? request.requestedAt : new Date().toISOString();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const run = runOfRequest(await adminApi.listRuns(api, tenantId, 20), requestedAt);
    if (run !== undefined) return String(run.id);
    await sleep(intervalMs);
  }
  return undefined;
}
