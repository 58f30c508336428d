/**
 * One isolated pipeline per scenario (and per baseline): its own topic prefix, consumer group, PostgreSQL
 * schema, CloudSuite tenants and Zendesk accounts. The extractor and the loader (or the per-record
 * baseline) run as child processes started from their real entry points, like the simulators, so no two
 * stages share an event loop; runs are requested through run_requests, as the admin API does.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '@mlc/common/config';
import { createCredentialVault, generateMasterKey } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import { ENTITY_NAMES } from '@mlc/common/entities';
import { createKafka } from '@mlc/common/kafka-client';
import { createLogger, type LogLevel } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import { createTenant } from '@mlc/common/tenant-repository';
import { ensureTopics } from '@mlc/common/topic-declarations';
import { changeTopic } from '@mlc/common/topics';
import { requestRun } from '@mlc/extractor/run-requests';
import { LOADER_SERVICE_CONFIG } from '@mlc/loader/loader-service';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { ChildProcessGroup } from '../scripts/start/child-process-group.ts';
import { provisionDefaultMapping } from '../scripts/start/zendesk-default-provisioning.ts';
import type { BenchSimulators } from './bench-simulators.ts';
import { type ServiceProcess, startServiceProcess } from './service-process.ts';

export type LoaderMode = 'product' | 'baseline';

export interface InfraEnv {
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
  DATABASE_URL: string;
}

export interface BenchTenant {
  tenantId: string;
  ionTenant: string;
  subdomain: string;
  counts: Record<string, number>;
}

/** One finished extractor run, as the runs and run_entities tables record it. */
export interface ExtractionRun {
  runId: string;
  status: string;
  started: number;
  finished: number;
  recordsRead: number;
  published: number;
  entities: number;
}

const REPO_ROOT = resolve(import.meta.dirname, '..');
const OAUTH = { identifier: 'bench-client', secret: 'bench-client-secret' };
/** Far above anything the bench reaches: "unthrottled" on both sides. */
export const UNTHROTTLED_RPM = 10_000_000;
const logger = createLogger({ name: 'bench', level: (process.env.BENCH_LOG_LEVEL ?? 'silent') as LogLevel });

function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export interface BenchPipelineOptions {
  name: string;
  infra: InfraEnv;
  sims: BenchSimulators;
  topicPartitions?: number;
  /** Extra loader/extractor variables (LOADER_LINGER_MS…). */
  env?: Record<string, string>;
}

export class BenchPipeline {
  readonly name: string;
  readonly prefix: string;
  readonly groupId: string;
  readonly schema: string;
  readonly env: Record<string, string>;
  readonly sims: BenchSimulators;
  readonly pool: pg.Pool;
  readonly kafka: Kafka;
  readonly #admin: Admin;
  readonly #infra: InfraEnv;
  readonly #running: ServiceProcess[] = [];
  readonly #group: ChildProcessGroup;
  #started = 0;

  private constructor(options: BenchPipelineOptions, schema: string, pool: pg.Pool, kafka: Kafka, admin: Admin) {
    this.name = options.name;
    this.sims = options.sims;
    this.#infra = options.infra;
    this.prefix = `${uniqueName(`bench_${options.name}`)}.`;
    this.groupId = uniqueName(`bench_${options.name}_loader`);
    this.schema = schema;
    this.pool = pool;
    this.kafka = kafka;
    this.#admin = admin;
    this.#group = new ChildProcessGroup({ cwd: REPO_ROOT, logDir: join(options.sims.logDir, schema) });
    this.env = {
      ...options.infra,
      DATABASE_SCHEMA: schema,
      TOPIC_PREFIX: this.prefix,
      TOPIC_PARTITIONS: String(options.topicPartitions ?? 3),
      LOADER_GROUP_ID: this.groupId,
      LOADER_LINGER_MS: '100',
      LOADER_JOB_POLL_INTERVAL_MS: '20',
      LOADER_SESSION_TIMEOUT_MS: '10000',
      METRICS_PORT: '0',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      MLC_MASTER_KEYS: generateMasterKey('bench'),
      STARTUP_RETRY_TIMEOUT_MS: '30000',
      ...options.env,
    };
  }

  static async create(options: BenchPipelineOptions): Promise<BenchPipeline> {
    const schema = uniqueName(`bench_${options.name}`);
    const admin = new pg.Client({ connectionString: options.infra.DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    await admin.end();
    const pool = createDbPool(options.infra.DATABASE_URL, { schema });
    await migrate(pool, { schema });
    const kafka = createKafka(
      loadConfig(LOADER_SERVICE_CONFIG, { ...options.infra, MLC_MASTER_KEYS: generateMasterKey('x') }),
      logger,
    );
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const pipeline = new BenchPipeline(options, schema, pool, kafka, kafkaAdmin);
    // Topics exist before any consumer subscribes (the baseline wiring does not create them).
    await ensureTopics(kafkaAdmin, {
      partitions: options.topicPartitions ?? 3,
      replicationFactor: 1,
      prefix: pipeline.prefix,
    });
    return pipeline;
  }

  /** A CloudSuite tenant (dataset of `records`), a Zendesk account with the default mapping provisioned. */
  async addTenant(options: {
    records: number;
    ionRpm?: number;
    zendeskRpm?: number;
    paused?: boolean;
  }): Promise<BenchTenant> {
    const suffix = randomBytes(4).toString('hex');
    const tenantId = `bench-${suffix}`;
    const ionTenant = `BENCH${suffix.toUpperCase()}_TST`;
    const subdomain = `bench-${suffix}`;
    const ionRpm = options.ionRpm ?? UNTHROTTLED_RPM;
    const zendeskRpm = options.zendeskRpm ?? UNTHROTTLED_RPM;
    const created = await this.sims.addCloudSuiteTenant({
      tenantId: ionTenant,
      records: options.records,
      rpm: ionRpm >= UNTHROTTLED_RPM ? 0 : ionRpm,
    });
    await this.sims.addZendeskAccount({ subdomain, rpm: zendeskRpm, oauth: OAUTH });
    const accountUrl = this.sims.zendeskAccountUrl(subdomain);
    const vault = createCredentialVault({ masterKeys: this.env.MLC_MASTER_KEYS!, activeKeyId: 'bench' });
    await createTenant(this.pool, vault, {
      id: tenantId,
      name: tenantId,
      product: 'm3',
      ...(options.paused ? { status: 'paused' as const } : {}),
      erpConfig: { company: '100' },
      ionApiFile: created.ionapi,
      zendeskSubdomain: subdomain,
      zendeskBaseUrl: accountUrl,
      zendeskCredentials: { kind: 'oauth', clientId: OAUTH.identifier, clientSecret: OAUTH.secret },
      ionRpm,
      zendeskRpm,
      zendeskShare: 1,
    });
    await provisionDefaultMapping(accountUrl, OAUTH);
    return { tenantId, ionTenant, subdomain, counts: created.counts };
  }

  /** The extractor as a child process (cron and run-request polling on); runs are requested through the table. */
  async startExtractor(
    overrides: Record<string, string> = {},
    options: { cpuProfileDir?: string } = {},
  ): Promise<ServiceProcess> {
    const service = await startServiceProcess(this.#group, {
      kind: 'extractor',
      name: `extractor-${++this.#started}`,
      env: { ...this.env, ...overrides },
      ...options,
    });
    this.#running.push(service);
    return service;
  }

  /**
   * The loader (product: services/loader main; baseline: the per-record wiring's main) as a child process;
   * resolves once its consumer group is stable, so the group's first join is outside any measurement.
   */
  async startLoader(
    mode: LoaderMode,
    overrides: Record<string, string> = {},
    options: { cpuProfileDir?: string } = {},
  ): Promise<ServiceProcess> {
    const service = await startServiceProcess(this.#group, {
      kind: mode === 'product' ? 'loader' : 'baseline-loader',
      name: `${mode}-loader-${++this.#started}`,
      env: { ...this.env, ...overrides },
      ...options,
    });
    this.#running.push(service);
    await this.#waitForGroupMember(service);
    return service;
  }

  async #waitForGroupMember(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (service.child.exitInfo !== undefined) {
        throw new Error(`${service.child.name} exited before joining; end of its log:\n${service.child.logTail(25)}`);
      }
      const { groups } = await this.#admin.describeGroups([this.groupId]).catch(() => ({ groups: [] }));
      const group = groups[0];
      if (group?.state === 'Stable' && group.members.length > 0) return;
      await sleep(200);
    }
    throw new Error(`${service.child.name} did not join ${this.groupId} within ${timeoutMs} ms`);
  }

  /** Asks the extractor process for a run (as the admin API does) and waits until it finished. */
  async runExtraction(tenantId: string, options: { fullResync?: boolean; timeoutMs?: number } = {}) {
    const { requestId } = await requestRun(this.pool, {
      tenantId,
      fullResync: options.fullResync ?? false,
      requestedBy: 'bench',
    });
    return this.waitForRun(requestId, options.timeoutMs ?? 900_000);
  }

  async requestExtraction(tenantId: string): Promise<string> {
    return (await requestRun(this.pool, { tenantId, requestedBy: 'bench' })).requestId;
  }

  async waitForRun(requestId: string, timeoutMs: number): Promise<ExtractionRun> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = await this.pool.query<{
        run_id: string | null;
        skipped_reason: string | null;
        status: string | null;
        started_at: Date | null;
        finished_at: Date | null;
      }>(
        `select rr.run_id, rr.skipped_reason, r.status, r.started_at, r.finished_at
         from run_requests rr left join runs r on r.id = rr.run_id where rr.id = $1`,
        [requestId],
      );
      const row = rows[0];
      if (row?.skipped_reason) throw new Error(`extraction request skipped: ${row.skipped_reason}`);
      if (row?.run_id && row.finished_at && row.started_at) {
        const { rows: entities } = await this.pool.query<{ read: string; published: string; n: string }>(
          'select sum(read) as read, sum(published) as published, count(*) as n from run_entities where run_id = $1',
          [row.run_id],
        );
        const totals = entities[0];
        return {
          runId: row.run_id,
          status: row.status ?? 'unknown',
          started: row.started_at.getTime(),
          finished: row.finished_at.getTime(),
          recordsRead: Number(totals?.read ?? 0),
          published: Number(totals?.published ?? 0),
          entities: Number(totals?.n ?? 0),
        };
      }
      await sleep(100);
    }
    throw new Error(`extraction request ${requestId} did not finish within ${timeoutMs} ms`);
  }

  changeTopics(): string[] {
    return ENTITY_NAMES.map((entity) => `${this.prefix}${changeTopic(entity)}`);
  }

  /** Messages on the change topics (sum of high watermarks). */
  async published(): Promise<number> {
    let total = 0;
    for (const topic of this.changeTopics()) {
      const offsets = await this.#admin.fetchTopicOffsets(topic).catch(() => []);
      for (const partition of offsets) total += Number(partition.high);
    }
    return total;
  }

  /** Messages the loader group has not committed yet: the loader commits only after Zendesk confirmed. */
  async lag(): Promise<number> {
    const ends = new Map<string, number>();
    for (const topic of this.changeTopics()) {
      for (const partition of await this.#admin.fetchTopicOffsets(topic).catch(() => [])) {
        ends.set(`${topic}|${partition.partition}`, Number(partition.high));
      }
    }
    const committed = await this.#admin
      .fetchOffsets({ groupId: this.groupId, topics: this.changeTopics() })
      .catch(() => []);
    let lag = 0;
    for (const [key, end] of ends) {
      const [topic, partition] = key.split('|');
      const entry = committed.find((t) => t.topic === topic)?.partitions.find((p) => String(p.partition) === partition);
      const done = entry === undefined || Number(entry.offset) < 0 ? 0 : Number(entry.offset);
      lag += Math.max(0, end - done);
    }
    return lag;
  }

  /** Polls until the loader group has committed every message; the time of the first poll seeing 0. */
  async waitForDrain(timeoutMs: number, pollMs = 100): Promise<{ drainedAt: number; timedOut: boolean }> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.lag()) === 0) return { drainedAt: Date.now(), timedOut: false };
      await sleep(pollMs);
    }
    return { drainedAt: Date.now(), timedOut: true };
  }

  /** Replay: the loader group back to the earliest offsets (the loader must be stopped). */
  async resetLoaderOffsets(): Promise<void> {
    for (const topic of this.changeTopics()) {
      await this.#admin.resetOffsets({ groupId: this.groupId, topic, earliest: true });
    }
  }

  /** Applied postings per Zendesk target, from posting_history. */
  async appliedPerTarget(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ zendesk_target: string; n: string }>(
      // Supplier contacts are audited per contact (`user:supplier-contact:<name>`) but written as users.
      "select case when zendesk_target like 'user:%' then 'user' else zendesk_target end as zendesk_target, count(*) as n from posting_history where status = 'applied' group by 1",
    );
    return Object.fromEntries(rows.map((row) => [row.zendesk_target, Number(row.n)]));
  }

  async postingCounts(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ status: string; n: string }>(
      'select status, count(*) as n from posting_history group by status',
    );
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
  }

  /** The newest posting_history id: postings after it belong to what happens next. */
  async postingMark(): Promise<number> {
    const { rows } = await this.pool.query<{ id: string | null }>('select max(id) as id from posting_history');
    return Number(rows[0]?.id ?? 0);
  }

  /**
   * Postings after `sinceId`, each judged against the record's latest posting before it: a write of a
   * record already applied with the same content hash (a replay must make none), a retry of one that had
   * failed or was dead-lettered (a replay retries by design), a skip of an unchanged one, or other.
   */
  async postingsSince(sinceId: number) {
    const { rows } = await this.pool.query<{ kind: string; n: string }>(
      `select case
         when prior.status is null then 'new'
         when prior.status in ('failed', 'dead_lettered') then 'retryOfFailed'
         when h.status = 'applied' and prior.status in ('applied', 'unchanged') and prior.content_hash = h.content_hash
           then 'rewriteOfApplied'
         when h.status = 'unchanged' then 'skippedUnchanged'
         else 'other' end as kind,
         count(*) as n
       from posting_history h
       left join lateral (
         select p.status, p.content_hash from posting_history p
         where p.tenant_id = h.tenant_id and p.entity = h.entity and p.natural_key = h.natural_key
           and p.zendesk_target = h.zendesk_target and p.id <= $1
         order by p.id desc limit 1) prior on true
       where h.id > $1
       group by 1`,
      [sinceId],
    );
    const counts = { rewriteOfApplied: 0, retryOfFailed: 0, skippedUnchanged: 0, new: 0, other: 0 };
    for (const row of rows) counts[row.kind as keyof typeof counts] = Number(row.n);
    return counts;
  }

  async close(): Promise<void> {
    for (const service of [...this.#running].reverse()) await service.stop().catch(() => {});
    await this.#group.stopAll(5000);
    const topics = (await this.#admin.listTopics().catch(() => [] as string[])).filter((topic) =>
      topic.startsWith(this.prefix),
    );
    if (topics.length > 0) await this.#admin.deleteTopics({ topics }).catch(() => {});
    await this.#admin.deleteGroups([this.groupId]).catch(() => {});
    await this.#admin.disconnect();
    await this.pool.end();
    const client = new pg.Client({ connectionString: this.#infra.DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${this.schema}" cascade`);
    await client.end();
  }
}
