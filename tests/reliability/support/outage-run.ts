/**
 * One outage: a tenant syncs while one server the pipeline depends on (a private one, never a shared one)
 * crashes mid-run, stays down for a while and is started again on its data. The services run under a
 * supervisor that restarts an exited process as Kubernetes would. The tenant syncs on its schedule, as
 * production tenants do: a run cut short by the outage is resumed by the next one, nobody asks for it.
 * Then the sync must converge as after the crash soak.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { InfraEnv } from '../../../scripts/start/connector-stack.ts';
import { ENTITIES, type KillablePipeline, type PipelineTenant, startKillablePipeline } from './killable-pipeline.ts';
import type { PrivateServer } from './private-server.ts';
import { type ServiceExit, type ServiceSupervisor, superviseServices } from './service-supervisor.ts';
import { awaitConvergence, type ConvergenceFigures, zendeskView } from './sync-convergence.ts';

export interface OutageRunOptions {
  /** Already running; the pipeline reaches it through `infra`. */
  server: PrivateServer;
  infra: Partial<InfraEnv>;
  records: number;
  /** How long the server stays down before it is started again (its start-up time comes on top). */
  downMs: number;
  /** Something else that happens while the server is down (e.g. a service restarting and needing it). */
  whileDown?: (pipeline: KillablePipeline) => Promise<void>;
  /** The crash comes once this share of the tenant's records is in Zendesk: records are flowing. */
  crashAtShare: number;
  /** Bound on waiting for that share. */
  flowTimeoutMs: number;
  convergeTimeoutMs: number;
  log?: (line: string) => void;
}

export interface OutageFigures extends ConvergenceFigures {
  server: string;
  records: number;
  /** Records in Zendesk when the server crashed (of `expected`). */
  inZendeskAtCrash: number;
  /** From the crash until the server answered again. */
  outageMs: number;
  /** From the server's return until the next record landed in Zendesk (null: none was left to land). */
  resumeMs: number | null;
  /** From the server's return until every expected record was in Zendesk (the rest of the sync included). */
  catchUpMs: number | null;
  serviceExits: Omit<ServiceExit, 'lastLog'>[];
  /** Why the services exited, one line each (their last log line). */
  exitReasons: string[];
  failedStarts: number;
  elapsedMs: number;
}

interface Sample {
  at: number;
  inZendesk: number;
}

/** Records in Zendesk over time, sampled until stopped, for the resume and recovery times. */
function sampleZendesk(pipeline: KillablePipeline, tenant: PipelineTenant): { samples: Sample[]; stop(): void } {
  const samples: Sample[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const view = await zendeskView(pipeline, tenant).catch(() => undefined);
      if (view !== undefined) samples.push({ at: Date.now(), inZendesk: view.ids.size });
      await sleep(250);
    }
  })();
  return {
    samples,
    stop: () => {
      running = false;
    },
  };
}

/** The last error a process logged before it exited (a fatal log line, an uncaught error), else its last line. */
function exitReason(logTail: string): string {
  const lines = logTail.trimEnd().split('\n');
  const error = lines.findLast((line) => /"level":"(fatal|error)"|^\w*Error\b/.test(line));
  return (error ?? lines.at(-1) ?? '').slice(0, 300);
}

export async function runOutage(options: OutageRunOptions): Promise<OutageFigures> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  // A short session timeout: a restarted loader's partitions come back in seconds, not 30 s. Small ERP
  // pages at the lowest ION budget the admin API allows: the sync takes tens of seconds instead of two,
  // so the crash lands while records are flowing, and records are still to come after it.
  const pipeline = await startKillablePipeline({
    records: options.records,
    infra: options.infra,
    env: { LOADER_SESSION_TIMEOUT_MS: '6000', EXTRACTOR_PAGE_SIZE: '100' },
  });
  let supervisor: ServiceSupervisor | undefined;
  let failed = true;
  try {
    const tenant = await pipeline.registerTenant({ scheduleCron: '*/5 * * * * *', ionRpm: 100 });
    const expected = ENTITIES.reduce((sum, entity) => sum + (tenant.counts[entity] ?? 0), 0);
    // The extractor re-reads schedules every 30 s; started now, it has the tenant's from the start, as a
    // production extractor has for tenants registered long before. Its first tick starts the sync.
    await pipeline.kill('extractor');
    await pipeline.restart('extractor');
    supervisor = superviseServices(pipeline, { backoffMs: 1000, maxBackoffMs: 8000, log });
    log(`${options.server.name} outage: tenant ${tenant.tenantId}, ${expected} records, logs in ${pipeline.logDir}`);
    const sampler = sampleZendesk(pipeline, tenant);
    try {
      const flowDeadline = Date.now() + options.flowTimeoutMs;
      const threshold = Math.ceil(expected * options.crashAtShare);
      while ((sampler.samples.at(-1)?.inZendesk ?? 0) < threshold) {
        if (Date.now() > flowDeadline)
          throw new Error(`fewer than ${threshold} records in Zendesk after ${options.flowTimeoutMs} ms`);
        await sleep(100);
      }
      const inZendeskAtCrash = sampler.samples.at(-1)?.inZendesk ?? 0;
      const crashedAt = Date.now();
      await options.server.crash();
      log(`  ${options.server.name} crashed with ${inZendeskAtCrash}/${expected} records in Zendesk`);
      await options.whileDown?.(pipeline);
      await sleep(Math.max(0, crashedAt + options.downMs - Date.now()));
      await options.server.start();
      const backAt = Date.now();
      log(`  ${options.server.name} back after ${backAt - crashedAt} ms`);

      const convergence = await awaitConvergence(pipeline, tenant, { timeoutMs: options.convergeTimeoutMs, log });
      const atReturn = [...sampler.samples].reverse().find((sample) => sample.at <= backAt)?.inZendesk ?? 0;
      const after = sampler.samples.filter((sample) => sample.at > backAt);
      const resumed = after.find((sample) => sample.inZendesk > atReturn);
      const complete = sampler.samples.find((sample) => sample.inZendesk >= expected);
      failed = !convergence.converged;
      return {
        ...convergence,
        server: options.server.name,
        records: options.records,
        inZendeskAtCrash,
        outageMs: backAt - crashedAt,
        resumeMs: resumed === undefined ? null : resumed.at - backAt,
        catchUpMs: complete === undefined ? null : Math.max(0, complete.at - backAt),
        serviceExits: supervisor.exits.map(({ lastLog: _lastLog, ...exit }) => exit),
        exitReasons: supervisor.exits.map(
          (exit) => `${exit.service}: ${exit.signal === null ? exitReason(exit.lastLog) : `killed (${exit.signal})`}`,
        ),
        failedStarts: supervisor.failedStarts,
        elapsedMs: Date.now() - started,
      };
    } finally {
      sampler.stop();
    }
  } finally {
    supervisor?.stop();
    if (failed) log(`process logs (${pipeline.logDir}):\n${pipeline.logTails(30)}`);
    await pipeline.stop();
  }
}
