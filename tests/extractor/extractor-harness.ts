import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnectorCodec } from '@mlc/common/change-event-codec';
import { createCredentialVault } from '@mlc/common/credential-vault';
import { type ChangeEvent, ENTITY_NAMES, type EntityName } from '@mlc/common/entities';
import { createLogger } from '@mlc/common/logger';
import { createSchemaRegistry } from '@mlc/common/schema-registry';
import { createTenant } from '@mlc/common/tenant-repository';
import { changeTopic } from '@mlc/common/topics';
import { loadExtractorConfig } from '@mlc/extractor/extractor-config';
import { type ExtractorService, startExtractorService } from '@mlc/extractor/extractor-service';
import type { TenantRunSummary } from '@mlc/extractor/tenant-extraction';
import { buildCloudSuiteSimulator, type CloudSuiteSimulator } from '@mlc/simulators/cloudsuite/cloudsuite-simulator';
import { Kafka } from 'kafkajs';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';

export interface ExtractorHarness {
  simulator: CloudSuiteSimulator;
  service: ExtractorService;
  topicPrefix: string;
  schema: IsolatedDatabaseSchema;
  /** Registers a simulator tenant in the extractor's database. */
  addTenant(options: {
    tenantId: string;
    product?: 'm3' | 'csi';
    ionRpm?: number;
    erpConfig?: Record<string, unknown>;
  }): Promise<void>;
  /** Every change event on the test's topics, decoded. */
  readEvents(entity: EntityName, expectAtLeast: number): Promise<ChangeEvent[]>;
  /** Runs a tenant now; a run the scheduler does not start fails the test. */
  runTenant(tenantId: string): Promise<TenantRunSummary>;
  /**
   * Changes `perEntity` records of every entity of a simulator tenant, runs the tenant, and returns the
   * keys it changed and the keys the run published (the record part of invoice keys), each sorted.
   */
  changeEachEntityAndRun(
    simulatorTenant: string,
    tenantId: string,
    perEntity: number,
  ): Promise<{ summary: TenantRunSummary; changed: Map<EntityName, string[]>; published: Map<EntityName, string[]> }>;
  close(): Promise<void>;
}

export async function startExtractorHarness(
  options: { pageSize?: number; overlapMs?: number; records?: number } = {},
): Promise<ExtractorHarness> {
  const simulator = buildCloudSuiteSimulator({ records: options.records ?? 300 });
  await simulator.app.listen({ port: 0, host: '127.0.0.1' });
  let schema: IsolatedDatabaseSchema | undefined;
  try {
    schema = await createIsolatedDatabaseSchema('extractor');
    return await startWith(simulator, schema, options);
  } catch (error) {
    await simulator.close();
    await schema?.drop();
    throw error;
  }
}

async function startWith(
  simulator: CloudSuiteSimulator,
  schema: IsolatedDatabaseSchema,
  options: { pageSize?: number; overlapMs?: number },
): Promise<ExtractorHarness> {
  const topicPrefix = `${uniqueName('ex')}.`;
  const masterKeys = `k1:${randomBytes(32).toString('base64')}`;
  const config = loadExtractorConfig({
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    DATABASE_URL: databaseUrl(),
    DATABASE_SCHEMA: schema.schema,
    MLC_MASTER_KEYS: masterKeys,
    TOPIC_PARTITIONS: '3',
    EXTRACTOR_PAGE_SIZE: String(options.pageSize ?? 50),
    EXTRACTOR_WATERMARK_OVERLAP_MS: String(options.overlapMs ?? 300_000),
    STARTUP_RETRY_TIMEOUT_MS: '15000',
  });
  const logger = createLogger({ name: 'extractor-test', level: 'warn' });
  const service = await startExtractorService({ config, logger, topicPrefix, schedule: false });
  const vault = createCredentialVault({ masterKeys, activeKeyId: 'k1' });
  const registry = createSchemaRegistry(schemaRegistryUrl());
  const codec = createConnectorCodec(registry, new Map());
  const kafka = new Kafka({ clientId: 'extractor-test', brokers: kafkaBrokers(), logLevel: 0 });

  async function readEvents(entity: EntityName, expectAtLeast: number): Promise<ChangeEvent[]> {
    const topic = `${topicPrefix}${changeTopic(entity)}`;
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const total = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    if (total < expectAtLeast) throw new Error(`${topic} holds ${total} events, expected at least ${expectAtLeast}`);
    const events: ChangeEvent[] = [];
    if (total === 0) return events;
    const consumer = kafka.consumer({ groupId: uniqueName('exread') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${events.length} of ${total} events from ${topic}`)),
        20_000,
      );
      consumer
        .run({
          eachMessage: async ({ message }) => {
            events.push(await codec.decodeChangeEvent(message.value as Buffer));
            if (events.length >= total) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    return events;
  }

  async function runTenant(tenantId: string): Promise<TenantRunSummary> {
    const result = await service.scheduler.runTenantNow(tenantId);
    assert.equal(result.status, 'ran', JSON.stringify(result));
    if (result.status !== 'ran') throw new Error('not ran');
    return result.summary;
  }

  return {
    simulator,
    service,
    topicPrefix,
    schema,
    async addTenant({ tenantId, product, ionRpm, erpConfig }) {
      await createTenant(service.db, vault, {
        id: tenantId.toLowerCase().replace(/_/g, '-'),
        name: tenantId,
        product: product ?? 'm3',
        ionApiFile: simulator.ionapiFileFor(tenantId),
        ionRpm: ionRpm ?? 500,
        erpConfig: erpConfig ?? {},
      });
    },
    readEvents,
    runTenant,
    async changeEachEntityAndRun(simulatorTenant, tenantId, perEntity) {
      const dataset = simulator.tenant(simulatorTenant).dataset;
      const changed = new Map<EntityName, string[]>();
      for (const entity of ENTITY_NAMES) {
        changed.set(entity, [...dataset.mutate(entity, { change: perEntity }).changed].sort());
      }
      const before = new Map<EntityName, number>();
      for (const entity of ENTITY_NAMES) before.set(entity, (await readEvents(entity, 0)).length);
      const summary = await runTenant(tenantId);
      const published = new Map<EntityName, string[]>();
      for (const entity of ENTITY_NAMES) {
        const events = (await readEvents(entity, (before.get(entity) ?? 0) + perEntity)).slice(before.get(entity));
        published.set(entity, events.map((e) => e.naturalKey.split(':')[entity === 'invoice' ? 1 : 0] ?? '').sort());
      }
      return { summary, changed, published };
    },
    async close() {
      await service.stop();
      await simulator.close();
      await schema.drop();
    },
  };
}
