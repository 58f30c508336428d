/**
 * The baseline: the same loader pieces (consumer, mapping, Zendesk client and targets, posting history,
 * audit) wired as a typical iPaaS recipe syncs: one record per request (batch size 1), every record
 * written whatever its content hash (no skip-unchanged), and one search by external id before each write.
 */
import { createConnectorCodec } from '@mlc/common/change-event-codec';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import { connectWithRetry, createKafka } from '@mlc/common/kafka-client';
import type { Logger } from '@mlc/common/logger';
import { registerConnectorSchemas } from '@mlc/common/schema-registry';
import { TenantPartitioner } from '@mlc/common/tenant-partitioner';
import { ChangeConsumer } from '@mlc/loader/change-consumer';
import type { LoaderServiceConfig } from '@mlc/loader/loader-service';
import type { TargetRecord } from '@mlc/loader/mapping/target-record';
import { AuditPublisher } from '@mlc/loader/posting/audit-publisher';
import type { AppliedState } from '@mlc/loader/posting/posting';
import {
  type InboundEvent,
  PostingBatchProcessor,
  type TenantDirectory,
  type TenantZendesk,
} from '@mlc/loader/posting/posting-batch-processor';
import { PostingHistoryStore } from '@mlc/loader/posting/posting-history-store';
import { SequentialPostingSink } from '@mlc/loader/posting/sequential-posting-sink';
import type { ZendeskTarget } from '@mlc/loader/targets/zendesk-target';
import { tenantSettingsLoader } from '@mlc/loader/tenant-settings';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import type { ItemOutcome } from '@mlc/loader/zendesk/job-status';
import type { ZendeskClient } from '@mlc/loader/zendesk/zendesk-client';

/** The lookup a recipe makes before it writes, by the target's kind. */
function searchRequest(
  target: ZendeskTarget,
  record: TargetRecord,
): { path: string; query: Record<string, string>; endpoint: string } {
  if (target.name === 'organization') {
    return {
      path: '/api/v2/organizations/search',
      query: { external_id: record.externalId },
      endpoint: 'organizations/search',
    };
  }
  if (target.name === 'user') {
    return { path: '/api/v2/users/search', query: { external_id: record.externalId }, endpoint: 'users/search' };
  }
  const key = target.name.slice('custom_object_record:'.length);
  return {
    path: `/api/v2/custom_objects/${encodeURIComponent(key)}/records`,
    query: { 'filter[external_ids]': record.externalId },
    endpoint: 'custom_objects/records',
  };
}

/** Wraps a target: a search by external id, then the write, for every single record. */
class SearchFirstTarget implements ZendeskTarget {
  readonly name: string;
  readonly #inner: ZendeskTarget;
  readonly #client: ZendeskClient;

  constructor(inner: ZendeskTarget, client: ZendeskClient) {
    this.#inner = inner;
    this.#client = client;
    this.name = inner.name;
  }

  async upsertBatch(records: readonly TargetRecord[]): Promise<ItemOutcome[]> {
    const outcomes: ItemOutcome[] = [];
    for (const record of records) {
      await this.#client.send({ method: 'GET', idempotent: true, ...searchRequest(this.#inner, record) });
      outcomes.push(...(await this.#inner.upsertBatch([record])));
    }
    return outcomes;
  }
}

class SearchFirstDirectory implements TenantDirectory {
  readonly #inner: TenantZendeskDirectory;

  constructor(inner: TenantZendeskDirectory) {
    this.#inner = inner;
  }

  async get(tenantId: string): Promise<TenantZendesk> {
    const runtime = await this.#inner.get(tenantId);
    const wrapped = new Map<string, ZendeskTarget>();
    return {
      tenantId: runtime.tenantId,
      mapping: runtime.mapping,
      target: (record) => {
        const inner = runtime.target(record);
        let target = wrapped.get(inner.name);
        if (target === undefined) {
          target = new SearchFirstTarget(inner, runtime.client);
          wrapped.set(inner.name, target);
        }
        return target;
      },
    };
  }
}

/**
 * One event at a time, each forced: the recipe has no memory of what it wrote, and each record's outcome
 * is recorded as soon as it is written (a Kafka batch of thousands at three requests a record would
 * otherwise record nothing for minutes, and a budget window would count requests but no records).
 */
class ForcedPostingBatchProcessor extends PostingBatchProcessor {
  override async process(batch: readonly InboundEvent[]) {
    const postings = [];
    for (const inbound of batch) postings.push(...(await super.process([{ ...inbound, force: true }])));
    return postings;
  }
}

export interface RunningBaselineLoader {
  stop(): Promise<void>;
}

export async function startPerRecordBaselineLoader(options: {
  config: LoaderServiceConfig;
  logger: Logger;
}): Promise<RunningBaselineLoader> {
  const { config, logger } = options;
  const pool = createDbPool(config.databaseUrl, { schema: config.databaseSchema, logger });
  const kafka = createKafka(config, logger);
  const schemas = await registerConnectorSchemas({
    url: config.schemaRegistryUrl,
    timeoutMs: config.startupRetryTimeoutMs,
    logger,
    subjectPrefix: config.topicPrefix,
  });
  const codec = createConnectorCodec(schemas.registry, schemas.schemaIds);
  const producer = kafka.producer({ createPartitioner: TenantPartitioner, allowAutoTopicCreation: false });
  await connectWithRetry(producer, { timeoutMs: config.startupRetryTimeoutMs, brokers: config.kafkaBrokers, logger });
  const vault = createCredentialVault({
    masterKeys: config.masterKeys.join(','),
    activeKeyId: config.activeKeyId ?? config.masterKeys[0]!.split(':')[0]!,
  });
  const directory = new TenantZendeskDirectory({
    loadTenant: tenantSettingsLoader(pool, vault),
    jobs: {
      intervalMs: config.loaderJobPollIntervalMs,
      timeoutMs: config.loaderJobTimeoutMs,
      maxQueued: config.loaderMaxQueuedJobs,
    },
  });
  const history = new PostingHistoryStore(pool, config.databaseSchema);
  const processor = new ForcedPostingBatchProcessor({
    tenants: new SearchFirstDirectory(directory),
    state: { load: async () => new Map<string, AppliedState>() },
    sink: new SequentialPostingSink([history, new AuditPublisher(producer, codec, config.topicPrefix)]),
    batchSize: 1,
    maxAttempts: config.loaderMaxAttempts,
    concurrency: 1,
  });
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
    partitionsConsumedConcurrently: 1,
    batchesInFlight: 1,
  });
  await consumer.start();
  return {
    async stop() {
      await consumer.stop();
      await producer.disconnect();
      await pool.end();
    },
  };
}
