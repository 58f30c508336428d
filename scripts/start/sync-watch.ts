/**
 * Follows one sync from request to Zendesk: the run's per-entity counts from the admin API (extracted,
 * published, unchanged, failed) and what has landed in Zendesk per entity (from the simulator's state),
 * until the run is finished and Zendesk has stopped changing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminApiClient } from '../../packages/cli/src/admin-api-client.ts';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { type EntityProgress, entityProgressOf, isRunFinished } from '../../packages/cli/src/run-progress.ts';
import { zendeskSim } from './simulator-control.ts';
import { type LoadedCounts, loadedCountsOf } from './zendesk-loaded-counts.ts';

export interface SyncWatchOptions {
  api: AdminApiClient;
  runId: string;
  tenantId: string;
  zendeskUrl: string;
  subdomain: string;
  entities: readonly string[];
  onProgress?: (rows: EntityProgress[], run: Record<string, unknown>) => void;
  timeoutMs?: number;
  /** Zendesk unchanged this long after the run finished = the loader is done. */
  settleMs?: number;
  intervalMs?: number;
}

export interface SyncOutcome {
  run: Record<string, unknown>;
  rows: EntityProgress[];
  loaded: LoadedCounts;
  elapsedMs: number;
  timedOut: boolean;
}

export function progressRows(
  run: Record<string, unknown>,
  loaded: LoadedCounts,
  entities: readonly string[],
): EntityProgress[] {
  const fromRun = new Map(entityProgressOf(run).map((row) => [row.entity, row]));
  return entities.map((entity) => ({
    ...(fromRun.get(entity) ?? { entity, status: 'waiting', extracted: 0, published: 0, unchanged: 0, failed: 0 }),
    loaded: loaded.perEntity[entity] ?? 0,
  }));
}

export async function watchSync(options: SyncWatchOptions): Promise<SyncOutcome> {
  const { api, runId, timeoutMs = 300_000, settleMs = 4000, intervalMs = 1000 } = options;
  const started = Date.now();
  let run: Record<string, unknown> = { id: runId, status: 'requested' };
  let loaded: LoadedCounts = { perEntity: {}, duplicates: 0 };
  let lastSignature = '';
  let stableSince = Date.now();
  let rows: EntityProgress[] = [];
  while (Date.now() - started < timeoutMs) {
    run = await adminApi.showRun(api, runId).catch(() => run);
    const state = await zendeskSim.state(options.zendeskUrl, options.subdomain).catch(() => undefined);
    if (state) loaded = loadedCountsOf(state, options.tenantId, options.entities);
    rows = progressRows(run, loaded, options.entities);
    const signature = JSON.stringify([run.status, rows]);
    if (signature !== lastSignature) {
      lastSignature = signature;
      stableSince = Date.now();
      options.onProgress?.(rows, run);
    } else if (isRunFinished(run) && Date.now() - stableSince >= settleMs) {
      return { run, rows, loaded, elapsedMs: Date.now() - started, timedOut: false };
    }
    await sleep(intervalMs);
  }
  return { run, rows, loaded, elapsedMs: Date.now() - started, timedOut: true };
}
