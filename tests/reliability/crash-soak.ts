/**
 * The crash soak: a tenant syncs N records while the loader and the extractor are SIGKILLed at random points
 * and restarted, and records keep changing in CloudSuite between kills. When the kills are over and the
 * pipeline has caught up, Zendesk must hold exactly the dataset's records (by external id, none missing,
 * none extra, none twice), each in the latest version the extractor published, and the audit (the
 * posting_history table and the keys of the compacted audit topic) must say the same.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { adminApi } from '../../packages/cli/src/admin-api-operations.ts';
import { cloudSuiteSim } from '../../scripts/start/simulator-control.ts';
import { ENTITIES, startKillablePipeline } from './support/killable-pipeline.ts';
import { awaitConvergence, type ConvergenceFigures } from './support/sync-convergence.ts';

export interface CrashSoakOptions {
  records: number;
  killsPerService: number;
  /** Random pause before each kill (ms): the kill lands somewhere in the work in flight. */
  killGapMs: [number, number];
  /** Records changed in CloudSuite before each kill, so there is always work to interrupt. */
  changesPerKill: number;
  convergeTimeoutMs: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface CrashSoakFigures extends ConvergenceFigures {
  records: number;
  kills: { extractor: number; loader: number };
  changedRecords: number;
  elapsedMs: number;
}

function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runCrashSoak(options: CrashSoakOptions): Promise<CrashSoakFigures> {
  const log = options.log ?? (() => undefined);
  const random = seeded(options.seed ?? Date.now());
  const between = ([low, high]: [number, number]) => low + Math.floor(random() * (high - low));
  const started = Date.now();
  // A short session timeout: a killed loader's partitions go to its successor in seconds, not 30 s.
  const pipeline = await startKillablePipeline({
    records: options.records,
    env: { LOADER_SESSION_TIMEOUT_MS: '6000' },
  });
  let failed = true;
  try {
    // A schedule brings a killed extractor's tenant back to work as soon as it restarts.
    // The highest ION budget the admin API allows: PO lines cost one call per PO.
    const tenant = await pipeline.registerTenant({ scheduleCron: '*/5 * * * * *', ionRpm: 500 });
    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    log(`crash soak: tenant ${tenant.tenantId}, ${options.records} records, logs in ${pipeline.logDir}`);

    const order = [
      ...Array.from({ length: options.killsPerService }, () => 'extractor' as const),
      ...Array.from({ length: options.killsPerService }, () => 'loader' as const),
    ].sort(() => random() - 0.5);
    const kills = { extractor: 0, loader: 0 };
    let changedRecords = 0;
    for (const [index, name] of order.entries()) {
      if (options.changesPerKill > 0) {
        const entity = ENTITIES[Math.floor(random() * ENTITIES.length)] ?? 'invoice';
        const result = await cloudSuiteSim.mutate(pipeline.cloudSuiteUrl, tenant.ionTenant, entity, {
          change: options.changesPerKill,
        });
        changedRecords += Array.isArray(result.changed) ? result.changed.length : 0;
      }
      await sleep(between(options.killGapMs));
      await pipeline.kill(name);
      kills[name] += 1;
      await sleep(between([0, 800]));
      await pipeline.restart(name);
      log(`  kill ${index + 1}/${order.length}: ${name} (SIGKILL, restarted)`);
    }

    await adminApi.requestRun(pipeline.api, tenant.tenantId);
    const convergence = await awaitConvergence(pipeline, tenant, { timeoutMs: options.convergeTimeoutMs, log });
    failed = !convergence.converged;
    return {
      ...convergence,
      records: options.records,
      kills,
      changedRecords,
      elapsedMs: Date.now() - started,
    };
  } finally {
    if (failed) log(`process logs (${pipeline.logDir}):\n${pipeline.logTails(30)}`);
    await pipeline.stop();
  }
}
