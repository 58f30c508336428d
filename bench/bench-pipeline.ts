/**
 * One isolated pipeline per scenario (and per baseline): its own topic prefix, consumer group, PostgreSQL
 * schema, CloudSuite tenants and Zendesk accounts. The extractor and the loader run in this process as
 * library calls (startExtractorService, startLoader, or the per-record baseline wiring); the simulators
 * are separate processes.
 */
import { randomBytes } from 'node:crypto';
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
import { loadExtractorConfig } from '@mlc/extractor/extractor-config';
import { type ExtractorService, startExtractorService } from '@mlc/extractor/extractor-service';
import { LOADER_SERVICE_CONFIG, startLoader } from '@mlc/loader/loader-service';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { provisionDefaultMapping } from '../scripts/start/zendesk-default-provisioning.ts';
import type { BenchSimulators } from './bench-simulators.ts';
import { startPerRecordBaselineLoader } from './per-record-baseline.ts';

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

export interface StoppableService {
  stop(): Promise<void>;
}

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
  readonly #running: StoppableService[] = [];

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
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
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

  async startExtractor(overrides: Record<string, string> = {}): Promise<ExtractorService> {
    const config = loadExtractorConfig({ ...this.env, ...overrides });
    const service = await startExtractorService({ config, logger, topicPrefix: this.prefix, schedule: false });
    this.#running.push(service);
    return service;
  }

  async startLoader(mode: LoaderMode, overrides: Record<string, string> = {}): Promise<StoppableService> {
    const config = loadConfig(LOADER_SERVICE_CONFIG, { ...this.env, ...overrides });
    const loader =
      mode === 'product'
        ? await startLoader({ config, logger })
        : await startPerRecordBaselineLoader({ config, logger });
    const tracked = {
      stop: async () => {
        const index = this.#running.indexOf(tracked);
        if (index !== -1) this.#running.splice(index, 1);
        await loader.stop();
      },
    };
    this.#running.push(tracked);
    return tracked;
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

  async close(): Promise<void> {
    for (const service of [...this.#running].reverse()) await service.stop().catch(() => {});
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
