/**
 * `POST /tenants/{id}/runs` answers with a request id; the run gets its own id when an extractor starts it,
 * and `GET /run-requests/{id}` links the two.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminApiClient } from './admin-api-client.ts';
import { adminApi } from './admin-api-operations.ts';

/** The extractor claimed the request and will not run it (tenant paused or removed meanwhile). */
export class RunRequestSkipped extends Error {
  override name = 'RunRequestSkipped';
}

/** Statuses of a request whose run is not visible yet (see the admin API's run request view). */
const NOT_STARTED = new Set(['pending', 'claimed', 'starting']);

/**
 * The run id of a request once its run is recorded; undefined when none started within the timeout.
 * A request the extractor will not run (tenant paused or removed meanwhile) is an error with its reason.
 */
export async function waitForRunOfRequest(
  api: AdminApiClient,
  request: Record<string, unknown>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<string | undefined> {
  const { timeoutMs = 60_000, intervalMs = 500 } = options;
  const requestId = String(request.requestId);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await adminApi.showRunRequest(api, requestId);
    if (state.status === 'skipped') {
      throw new RunRequestSkipped(`run request ${requestId} was not run: ${String(state.skippedReason)}`);
    }
    if (typeof state.runId === 'string' && !NOT_STARTED.has(String(state.status))) return state.runId;
    await sleep(intervalMs);
  }
  return undefined;
}
