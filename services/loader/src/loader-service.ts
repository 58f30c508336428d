import { createConnectorCodec } from '@mlc/common/change-event-codec';
import type { ConfigValues } from '@mlc/common/config';
import { CREDENTIAL_VAULT_CONFIG, LOADER_CONFIG, SHARED_CONFIG } from '@mlc/common/config-definitions';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool, waitForDatabase } from '@mlc/common/db-pool';
import { connectWithRetry, createKafka } from '@mlc/common/kafka-client';
import type { Logger } from '@mlc/common/logger';
import { createMetrics } from '@mlc/common/metrics';
import { migrate } from '@mlc/common/migrate';
import { registerConnectorSchemas } from '@mlc/common/schema-registry';
import { TenantPartitioner } from '@mlc/common/tenant-partitioner';
import { ensureTopics } from '@mlc/common/topic-declarations';
import type { Admin, Producer } from 'kafkajs';
import type pg from 'pg';
import type { Dispatcher } from 'undici';
import { ChangeConsumer } from './change-consumer.ts';
import { type HealthServer, startHealthServer } from './health-server.ts';
import { createLoaderMetrics, type LoaderMetrics, loaderMetricHooks } from './loader-metrics.ts';
import { AuditPublisher } from './posting/audit-publisher.ts';
import { PostingHistoryStore } from './posting/posting-history-store.ts';
import { SequentialPostingSink } from './posting/sequential-posting-sink.ts';
import { ReplayController } from './replay/replay-controller.ts';
import { ReplayWindows } from './replay/replay-windows.ts';
import { tenantSettingsLoader } from './tenant-settings.ts';
import { TenantZendeskDirectory } from './tenant-zendesk-directory.ts';
import { TicketEnrichingProcessor } from './tickets/ticket-enrichment-runner.ts';
import { createTicketEnrichment } from './tickets/ticket-enrichment-wiring.ts';

/** Every variable the loader reads; validated at once at start (one message naming every problem). */
export const LOADER_SERVICE_CONFIG = { ...SHARED_CONFIG, ...CREDENTIAL_VAULT_CONFIG, ...LOADER_CONFIG };
export type LoaderServiceConfig = ConfigValues<typeof LOADER_SERVICE_CONFIG>;

export interface StartLoaderOptions {
  config: LoaderServiceConfig;
  logger: Logger;
  /** undici dispatcher for Zendesk (tests, proxies). */
  dispatcher?: Dispatcher;
  /** Called when the consumer stopped for good; main exits non-zero. */
  onCrash?: (error: Error) => void;
}

export interface RunningLoader {
  metricsPort: number;
  metrics: LoaderMetrics;
  consumer: ChangeConsumer;
  replay: ReplayController;
  ready(): boolean;
  /** Drains in-flight batches (committing their offsets) within the shutdown timeout, then disconnects. */
  stop(): Promise<void>;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Start-up in dependency order: PostgreSQL (and migrations), Kafka (topics ensured), the registry (schemas
 * registered), then the consumers and the health endpoints. Any failure stops what was started and throws.
 */
export async function startLoader(options: StartLoaderOptions): Promise<RunningLoader> {
  const { config, logger } = options;
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step().catch((error) => logger.warn({ err: error }, 'cleanup failed'));
  };
  try {
    const pool: pg.Pool = createDbPool(config.databaseUrl, { schema: config.databaseSchema, logger });
    cleanups.push(() => pool.end());
    await waitForDatabase(pool, { timeoutMs: config.startupRetryTimeoutMs, databaseUrl: config.databaseUrl, logger });
    await migrate(pool, { schema: config.databaseSchema, logger });

    const kafka = createKafka(config, logger);
    const admin: Admin = kafka.admin();
    await connectWithRetry(admin, { timeoutMs: config.startupRetryTimeoutMs, brokers: config.kafkaBrokers, logger });
    cleanups.push(() => admin.disconnect());
    const topics = await ensureTopics(admin, {
      partitions: config.topicPartitions,
      replicationFactor: config.topicReplicationFactor,
      prefix: config.topicPrefix,
    });
    if (topics.created.length > 0) logger.info({ topics: topics.created }, 'topics created');

    const schemas = await registerConnectorSchemas({
      url: config.schemaRegistryUrl,
      timeoutMs: config.startupRetryTimeoutMs,
      logger,
      subjectPrefix: config.topicPrefix,
    });
    const codec = createConnectorCodec(schemas.registry, schemas.schemaIds);

    const producer: Producer = kafka.producer({ createPartitioner: TenantPartitioner, allowAutoTopicCreation: false });
    await connectWithRetry(producer, { timeoutMs: config.startupRetryTimeoutMs, brokers: config.kafkaBrokers, logger });
    cleanups.push(() => producer.disconnect());

    const vault = createCredentialVault({
      masterKeys: config.masterKeys.join(','),
      activeKeyId: config.activeKeyId ?? config.masterKeys[0]!.split(':')[0]!,
    });
    const metrics = createLoaderMetrics(createMetrics());
    const hooks = loaderMetricHooks(metrics);
    const directory = new TenantZendeskDirectory({
      loadTenant: tenantSettingsLoader(pool, vault),
      jobs: {
        intervalMs: config.loaderJobPollIntervalMs,
        timeoutMs: config.loaderJobTimeoutMs,
        maxQueued: config.loaderMaxQueuedJobs,
      },
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      clientOptions: { onResponse: hooks.onResponse, onRetry: hooks.onClientRetry },
      onBudgetWait: hooks.onBudgetWait,
      refreshMs: config.loaderTenantRefreshMs,
      onRefreshError: (tenantId, error) =>
        logger.warn({ err: error, tenantId }, 'tenant settings not re-read; the last ones stay in use'),
    });
    const history = new PostingHistoryStore(pool, config.databaseSchema);
    const sink = new SequentialPostingSink([
      history,
      new AuditPublisher(producer, codec, config.topicPrefix),
      hooks.sink,
    ]);
    const tickets = createTicketEnrichment({
      pool,
      schema: config.databaseSchema,
      directory,
      sink,
      logger,
      sweepIntervalMs: config.loaderTicketSweepMs,
    });
    tickets.start();
    cleanups.push(() => tickets.stop());
    const processor = new TicketEnrichingProcessor(
      {
        tenants: directory,
        state: history,
        sink,
        batchSize: config.loaderBatchSize,
        maxAttempts: config.loaderMaxAttempts,
        concurrency: config.loaderConcurrency,
        dependencyWaitMs: config.loaderDependencyWaitMs,
        appliedCacheSize: config.loaderAppliedCacheSize,
        onBatchWritten: hooks.onBatchWritten,
        onRetry: hooks.onWriteRetry,
      },
      tickets,
    );

    const windows = new ReplayWindows();
    const consumer = new ChangeConsumer({
      kafka,
      producer,
      codec,
      processor,
      logger,
      groupId: config.loaderGroupId,
      topicPrefix: config.topicPrefix,
      lingerMs: config.loaderLingerMs,
      sessionTimeoutMs: config.loaderSessionTimeoutMs,
      partitionsConsumedConcurrently: config.loaderPartitionsConcurrently,
      batchesInFlight: config.loaderBatchesInFlight,
      maxRecordsInFlight: config.loaderMaxRecordsInFlight,
      replayWindows: windows,
      onBatch: hooks.onBatch,
      ...(options.onCrash ? { onCrash: options.onCrash } : {}),
    });
    await consumer.start();
    // kafkajs stop() waits for the running batches: in-flight work is drained and its offsets committed.
    cleanups.push(() => withTimeout(consumer.stop(), config.loaderShutdownTimeoutMs, 'draining the consumer'));

    const replay = new ReplayController({
      kafka,
      admin,
      changes: consumer,
      windows,
      logger,
      groupId: config.loaderGroupId,
      topicPrefix: config.topicPrefix,
    });
    await replay.start();
    cleanups.push(() => replay.stop());

    let stopping = false;
    const health: HealthServer = await startHealthServer({
      port: config.metricsPort,
      registry: metrics.common.registry,
      ready: () => !stopping && consumer.ready,
    });
    cleanups.push(() => health.close());
    logger.info(
      { groupId: config.loaderGroupId, topicPrefix: config.topicPrefix, metricsPort: health.port },
      'loader started',
    );

    return {
      metricsPort: health.port,
      metrics,
      consumer,
      replay,
      ready: () => !stopping && consumer.ready,
      async stop() {
        if (stopping) return;
        stopping = true;
        await cleanup();
        logger.info('loader stopped');
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
