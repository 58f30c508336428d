import type { Server } from 'node:http';
import { createConnectorCodec } from '@mlc/common/change-event-codec';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool, waitForDatabase } from '@mlc/common/db-pool';
import { createHttpClient } from '@mlc/common/http-client';
import { connectWithRetry, createKafka } from '@mlc/common/kafka-client';
import type { Logger } from '@mlc/common/logger';
import { createMetrics, type MlcMetrics } from '@mlc/common/metrics';
import { migrate } from '@mlc/common/migrate';
import { registerConnectorSchemas } from '@mlc/common/schema-registry';
import { TenantPartitioner } from '@mlc/common/tenant-partitioner';
import { ensureTopics } from '@mlc/common/topic-declarations';
import type pg from 'pg';
import { ChangePublisher } from './change-publisher.ts';
import { ExtractionScheduler } from './extraction-scheduler.ts';
import type { ExtractorConfig } from './extractor-config.ts';
import { startHealthServer } from './health-server.ts';
import { TenantRuntimes } from './tenant-runtime.ts';

export interface ExtractorServiceOptions {
  config: ExtractorConfig;
  logger: Logger;
  /** Overrides config.topicPrefix (TOPIC_PREFIX), which isolates topics and registry subjects. */
  topicPrefix?: string;
  /** Start the health/metrics server (main does; tests usually do not). */
  serveHealth?: boolean;
  /** Start cron schedules and run-request polling (tests may drive runs with runTenantNow only). */
  schedule?: boolean;
}

export interface ExtractorService {
  scheduler: ExtractionScheduler;
  runtimes: TenantRuntimes;
  db: pg.Pool;
  metrics: MlcMetrics;
  health: Server | undefined;
  /** Graceful: stop scheduling, abandon runs at their next page, flush the producer, close everything. */
  stop(): Promise<void>;
}

/**
 * Wires the extractor: PostgreSQL (migrated), Kafka producer (acks=all, tenant partitioner, not
 * idempotent), registry schemas, topics, per-tenant runtimes and the scheduler.
 */
export async function startExtractorService(options: ExtractorServiceOptions): Promise<ExtractorService> {
  const { config, logger } = options;
  const prefix = options.topicPrefix ?? config.topicPrefix;
  const db = createDbPool(config.databaseUrl, { schema: config.databaseSchema, logger });
  await waitForDatabase(db, { timeoutMs: config.startupRetryTimeoutMs, databaseUrl: config.databaseUrl, logger });
  await migrate(db, { schema: config.databaseSchema, logger });

  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await connectWithRetry(admin, { timeoutMs: config.startupRetryTimeoutMs, brokers: config.kafkaBrokers, logger });
  await ensureTopics(admin, {
    partitions: config.topicPartitions,
    replicationFactor: config.topicReplicationFactor,
    prefix,
  });
  await admin.disconnect();
  const { registry, schemaIds } = await registerConnectorSchemas({
    url: config.schemaRegistryUrl,
    timeoutMs: config.startupRetryTimeoutMs,
    logger,
    subjectPrefix: prefix,
  });
  const producer = kafka.producer({
    createPartitioner: TenantPartitioner,
    idempotent: false,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await connectWithRetry(producer, { timeoutMs: config.startupRetryTimeoutMs, brokers: config.kafkaBrokers, logger });

  const metrics = createMetrics({ defaultLabels: { service: 'extractor' } });
  const abort = new AbortController();
  const masterKeys = config.masterKeys.join(',');
  const vault = createCredentialVault({
    masterKeys,
    activeKeyId: config.activeKeyId ?? (config.masterKeys[0] ?? '').split(':')[0] ?? '',
  });
  const http = createHttpClient();
  const runtimes = new TenantRuntimes({
    db,
    vault,
    http,
    publisher: new ChangePublisher({ producer, codec: createConnectorCodec(registry, schemaIds), topicPrefix: prefix }),
    logger,
    metrics,
    pageSize: config.extractorPageSize,
    overlapMs: config.extractorWatermarkOverlapMs,
    signal: abort.signal,
  });
  const scheduler = new ExtractionScheduler({
    db,
    runtimes,
    logger,
    maxParallelTenants: config.extractorMaxParallelTenants,
  });
  if (options.schedule ?? true) await scheduler.start();
  const health = options.serveHealth
    ? await startHealthServer({
        port: config.metricsPort,
        registry: metrics.registry,
        ready: async () => {
          await db.query('SELECT 1');
          return true;
        },
      })
    : undefined;

  return {
    scheduler,
    runtimes,
    db,
    metrics,
    health,
    async stop() {
      abort.abort();
      await scheduler.stop();
      await producer.disconnect();
      await http.close();
      await db.end();
      await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
    },
  };
}
