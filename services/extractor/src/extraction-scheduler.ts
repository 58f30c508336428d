import { randomUUID } from 'node:crypto';
import type { EntityName } from '@mlc/common/entities';
import type { Logger } from '@mlc/common/logger';
import { getTenant, listTenants } from '@mlc/common/tenant-repository';
import { Cron } from 'croner';
import type pg from 'pg';
import { createPgPublishedRecordStore, createPgWatermarkStore } from './extraction-pg-stores.ts';
import type { RunTrigger } from './extraction-stores.ts';
import { claimRunRequests, markRunRequestSkipped, markRunRequestStarted, releaseRunRequest } from './run-requests.ts';
import type { TenantRunSummary } from './tenant-extraction.ts';
import { withTenantLock } from './tenant-lock.ts';
import type { TenantRuntimes } from './tenant-runtime.ts';

export interface ExtractionSchedulerOptions {
  db: pg.Pool;
  runtimes: TenantRuntimes;
  logger: Logger;
  maxParallelTenants: number;
  /** How often tenant schedules are re-read (new tenants, changed cron, paused). */
  scheduleRefreshMs?: number;
  /** How often `run_requests` is polled. */
  requestPollMs?: number;
}

export interface RunNowOptions {
  trigger?: RunTrigger;
  entities?: readonly EntityName[];
  /** Reset watermarks and published hashes first: every record is listed and republished. */
  fullResync?: boolean;
  /** Called with the run id once the tenant is locked and the run is about to start. */
  onRunStart?: (runId: string) => Promise<void>;
}

export type RunNowResult =
  | { status: 'ran'; summary: TenantRunSummary }
  | { status: 'skipped'; reason: 'paused' | 'not-found' | 'running-elsewhere' | 'running-here' | 'shutting-down' }
  | { status: 'failed'; error: string };

/**
 * Runs tenants on their cron (in their time zone) and on demand, a bounded number at a time; a tenant
 * runs at most once at a time across replicas (advisory lock); paused tenants are skipped. `stop` stops
 * starting runs and waits for the running ones, which end at their next page boundary when the
 * runtimes' signal is aborted.
 */
export class ExtractionScheduler {
  readonly #options: ExtractionSchedulerOptions;
  readonly #jobs = new Map<string, { spec: string; job: Cron }>();
  readonly #running = new Map<string, Promise<RunNowResult>>();
  readonly #waiting: (() => void)[] = [];
  #active = 0;
  #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(options: ExtractionSchedulerOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    await this.refreshSchedules();
    const refresh = setInterval(() => {
      this.refreshSchedules().catch((error) => this.#options.logger.warn({ err: error }, 'schedule refresh failed'));
    }, this.#options.scheduleRefreshMs ?? 30_000);
    const poll = setInterval(() => {
      this.pollRunRequests().catch((error) => this.#options.logger.warn({ err: error }, 'run request poll failed'));
    }, this.#options.requestPollMs ?? 2000);
    refresh.unref();
    poll.unref();
    this.#timers = [refresh, poll];
  }

  /** Cron jobs for every active tenant with a schedule; removed for paused or deleted ones. */
  async refreshSchedules(): Promise<void> {
    const tenants = await listTenants(this.#options.db, { status: 'active' });
    const wanted = new Map(
      tenants.filter((t) => t.scheduleCron !== null).map((t) => [t.id, `${t.scheduleCron}@${t.scheduleTz}`]),
    );
    for (const [tenantId, entry] of this.#jobs) {
      if (wanted.get(tenantId) !== entry.spec) {
        entry.job.stop();
        this.#jobs.delete(tenantId);
      }
    }
    for (const tenant of tenants) {
      const spec = wanted.get(tenant.id);
      if (spec === undefined || this.#jobs.has(tenant.id) || this.#stopped) continue;
      try {
        const job = new Cron(tenant.scheduleCron as string, { timezone: tenant.scheduleTz, protect: true }, () => {
          void this.runTenantNow(tenant.id, { trigger: 'schedule' });
        });
        this.#jobs.set(tenant.id, { spec, job });
      } catch (error) {
        this.#options.logger.warn(
          { tenantId: tenant.id, err: error },
          'tenant schedule is not a valid cron expression',
        );
      }
    }
  }

  async pollRunRequests(): Promise<void> {
    if (this.#stopped) return;
    const free = this.#options.maxParallelTenants - this.#active;
    const requests = await claimRunRequests(this.#options.db, free, [...this.#running.keys()]);
    for (const request of requests) {
      const { db, logger } = this.#options;
      void this.runTenantNow(request.tenantId, {
        trigger: 'manual',
        ...(request.entities ? { entities: request.entities } : {}),
        fullResync: request.fullResync,
        onRunStart: (runId) => markRunRequestStarted(db, request.id, runId),
      })
        .then(async (result) => {
          if (
            result.status === 'skipped' &&
            (result.reason === 'running-elsewhere' || result.reason === 'running-here')
          )
            await releaseRunRequest(db, request.id);
          else if (result.status === 'skipped') await markRunRequestSkipped(db, request.id, result.reason);
          else if (result.status === 'failed') await markRunRequestSkipped(db, request.id, result.error);
        })
        .catch((error) => logger.warn({ tenantId: request.tenantId, err: error }, 'run request outcome not recorded'));
    }
  }

  /** Runs a tenant now (waiting for a free slot); resolves when the run ends or was skipped. */
  runTenantNow(tenantId: string, options: RunNowOptions = {}): Promise<RunNowResult> {
    if (this.#stopped) return Promise.resolve({ status: 'skipped', reason: 'shutting-down' });
    if (this.#running.has(tenantId)) return Promise.resolve({ status: 'skipped', reason: 'running-here' });
    const run = this.#run(tenantId, options).finally(() => this.#running.delete(tenantId));
    this.#running.set(tenantId, run);
    return run;
  }

  async #run(tenantId: string, options: RunNowOptions): Promise<RunNowResult> {
    await this.#slot();
    try {
      if (this.#stopped) return { status: 'skipped', reason: 'shutting-down' };
      const { db, runtimes, logger } = this.#options;
      const outcome = await withTenantLock(db, tenantId, async (): Promise<RunNowResult> => {
        const tenant = await getTenant(db, tenantId);
        if (tenant === undefined) return { status: 'skipped', reason: 'not-found' };
        if (tenant.status === 'paused') return { status: 'skipped', reason: 'paused' };
        if (options.fullResync) {
          for (const entity of options.entities ?? [undefined]) {
            await createPgWatermarkStore(db).reset(tenantId, entity);
            await createPgPublishedRecordStore(db).forget(tenantId, entity);
          }
        }
        const runId = randomUUID();
        await options.onRunStart?.(runId);
        const summary = await runtimes.run(tenant, {
          runId,
          trigger: options.trigger ?? 'manual',
          ...(options.entities ? { entities: options.entities } : {}),
        });
        return { status: 'ran', summary };
      });
      if (!outcome.locked) {
        logger.info({ tenantId }, 'tenant is running on another replica, skipped');
        return { status: 'skipped', reason: 'running-elsewhere' };
      }
      return outcome.value;
    } catch (error) {
      this.#options.logger.error({ tenantId, err: error }, 'tenant run could not start');
      return { status: 'failed', error: error instanceof Error ? error.message : String(error) };
    } finally {
      this.#release();
    }
  }

  #slot(): Promise<void> {
    if (this.#active < this.#options.maxParallelTenants) {
      this.#active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active -= 1;
  }

  /** Stops cron jobs and polling and waits for running tenants to finish or abandon their run. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const { job } of this.#jobs.values()) job.stop();
    this.#jobs.clear();
    await Promise.allSettled([...this.#running.values()]);
  }
}
