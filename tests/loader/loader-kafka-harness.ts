// A loader against the real Kafka, registry and PostgreSQL, isolated by topic prefix, consumer group and
// PostgreSQL schema, writing to an in-process Zendesk simulator.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ConnectorCodec, createConnectorCodec } from '@mlc/common/change-event-codec';
import { loadConfig } from '@mlc/common/config';
import { contentHash } from '@mlc/common/content-hash';
import { encodeControlMessage, type ReplayControlMessage } from '@mlc/common/control-message';
import { createCredentialVault, generateMasterKey } from '@mlc/common/credential-vault';
import { createDbPool } from '@mlc/common/db-pool';
import {
  type ChangeEvent,
  ENTITY_NAMES,
  type EntityName,
  type EntityPayloads,
  type SupplierPayload,
} from '@mlc/common/entities';
import { createKafka } from '@mlc/common/kafka-client';
import { createLogger } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import { registerConnectorSchemas } from '@mlc/common/schema-registry';
import { TenantPartitioner } from '@mlc/common/tenant-partitioner';
import { createTenant } from '@mlc/common/tenant-repository';
import { ensureTopics } from '@mlc/common/topic-declarations';
import { CONTROL_TOPIC, changeEventKey, changeTopic } from '@mlc/common/topics';
import { LOADER_SERVICE_CONFIG, type RunningLoader, startLoader } from '@mlc/loader/loader-service';
import { TenantZendeskDirectory } from '@mlc/loader/tenant-zendesk-directory';
import type { AddAccountOptions } from '@mlc/simulators/zendesk/account-state';
import type { ZendeskSimulator } from '@mlc/simulators/zendesk/zendesk-simulator';
import type { Kafka, Producer } from 'kafkajs';
import type pg from 'pg';
import { createIsolatedDatabaseSchema, type IsolatedDatabaseSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';
import { provisionDefaultMapping } from './zendesk-provisioning.ts';

export const OAUTH = { identifier: 'mlc-loader', secret: 'loader-test-secret' };
const logger = createLogger({ name: 'loader-test', level: 'silent' });

export interface LoaderStack {
  prefix: string;
  groupId: string;
  schema: IsolatedDatabaseSchema;
  pool: pg.Pool;
  kafka: Kafka;
  producer: Producer;
  codec: ConnectorCodec;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Topics, schemas and tables of one test file; the loader itself is started with `startInProcess`.
 * `kafkaEnv` replaces the KAFKA_* variables (e.g. a private SASL_SSL broker).
 */
export async function createLoaderStack(name: string, kafkaEnv: Record<string, string> = {}): Promise<LoaderStack> {
  const prefix = `${uniqueName(name)}.`;
  const groupId = uniqueName(`${name}_group`);
  const schema = await createIsolatedDatabaseSchema(name);
  const env: Record<string, string> = {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    DATABASE_URL: databaseUrl(),
    DATABASE_SCHEMA: schema.schema,
    TOPIC_PREFIX: prefix,
    TOPIC_PARTITIONS: '3',
    LOADER_GROUP_ID: groupId,
    LOADER_LINGER_MS: '50',
    LOADER_JOB_POLL_INTERVAL_MS: '10',
    LOADER_SESSION_TIMEOUT_MS: '6000',
    LOADER_MAX_ATTEMPTS: '6',
    METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    MLC_MASTER_KEYS: generateMasterKey('test'),
    ...kafkaEnv,
  };
  const pool = createDbPool(databaseUrl(), { schema: schema.schema });
  await migrate(pool, { schema: schema.schema });
  const kafka = createKafka(loadConfig(LOADER_SERVICE_CONFIG, env), logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix });
  await admin.disconnect();
  const schemas = await registerConnectorSchemas({
    url: schemaRegistryUrl(),
    timeoutMs: 10_000,
    subjectPrefix: prefix,
  });
  const codec = createConnectorCodec(schemas.registry, schemas.schemaIds);
  const producer = kafka.producer({ createPartitioner: TenantPartitioner });
  await producer.connect();
  return {
    prefix,
    groupId,
    schema,
    pool,
    kafka,
    producer,
    codec,
    env,
    async close() {
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
      await admin.deleteTopics({ topics }).catch(() => {});
      await admin.disconnect();
      await pool.end();
      await schema.drop();
    },
  };
}

export async function startInProcess(
  stack: LoaderStack,
  overrides: Record<string, string> = {},
): Promise<RunningLoader> {
  return startLoader({ config: loadConfig(LOADER_SERVICE_CONFIG, { ...stack.env, ...overrides }), logger });
}

/** Registers the tenant (sealed OAuth client, plan) and provisions the fields the default mapping writes. */
export async function addTenant(
  stack: LoaderStack,
  simulator: ZendeskSimulator,
  tenantId: string,
  options: { account?: Partial<AddAccountOptions>; zendeskRpm?: number; zendeskShare?: number } = {},
): Promise<void> {
  simulator.addAccount({
    subdomain: tenantId,
    plan: 'enterprise_plus',
    oauthClients: [OAUTH],
    jobQueuedMs: 0,
    jobWorkingMs: 0,
    ...options.account,
  });
  const vault = createCredentialVault({ masterKeys: stack.env.MLC_MASTER_KEYS!, activeKeyId: 'test' });
  await createTenant(stack.pool, vault, {
    id: tenantId,
    name: tenantId,
    product: 'm3',
    zendeskSubdomain: tenantId,
    zendeskBaseUrl: simulator.baseUrl(tenantId),
    zendeskCredentials: { kind: 'oauth', clientId: OAUTH.identifier, clientSecret: OAUTH.secret },
    zendeskRpm: options.zendeskRpm ?? 2500,
    zendeskShare: options.zendeskShare ?? 1,
  });
  const provisioning = new TenantZendeskDirectory({
    jobs: { intervalMs: 5, timeoutMs: 5000, maxQueued: 10 },
    loadTenant: async () => ({
      tenantId,
      subdomain: tenantId,
      baseUrl: simulator.baseUrl(tenantId),
      requestsPerMinute: 2500,
      share: 1,
      credentials: { kind: 'oauth', clientId: OAUTH.identifier, clientSecret: OAUTH.secret },
      mapping: null,
    }),
  });
  await provisionDefaultMapping((await provisioning.get(tenantId)).client);
  simulator.requestLog.clear();
  simulator.rateLimiter.reset(tenantId);
}

function event<E extends EntityName>(
  tenantId: string,
  entity: E,
  naturalKey: string,
  payload: EntityPayloads[E],
): ChangeEvent {
  return {
    eventId: randomUUID(),
    tenantId,
    entity,
    naturalKey,
    op: 'upsert',
    sourceModifiedAt: null,
    extractedAt: new Date().toISOString(),
    runId: randomUUID(),
    contentHash: contentHash(payload),
    payload,
  } as ChangeEvent;
}

export function supplierEvent(tenantId: string, n: number, withContact = true): ChangeEvent {
  return event(tenantId, 'supplier', `S${n}`, supplierPayload(n, withContact));
}

/** Supplier S{n}, with or without its one contact. */
export function supplierPayload(n: number, withContact = true): SupplierPayload {
  return {
    supplierNumber: `S${n}`,
    name: `Supplier ${n}`,
    status: '20',
    currency: 'EUR',
    paymentTerms: '30D',
    country: 'SE',
    division: 'AAA',
    email: null,
    phone: null,
    taxId: null,
    contacts: withContact ? [{ name: `Contact ${n}`, email: `contact${n}@supplier.example`, phone: null }] : [],
  };
}

export function customerEvent(tenantId: string, n: number): ChangeEvent {
  return event(tenantId, 'customer', `C${n}`, {
    customerNumber: `C${n}`,
    name: `Customer ${n}`,
    status: '20',
    currency: 'EUR',
    paymentTerms: '30D',
    country: 'SE',
    division: null,
    email: `customer${n}@example.com`,
    phone: null,
  });
}

export function invoiceEvent(tenantId: string, n: number, supplier: number, amount = '100.00'): ChangeEvent {
  return event(tenantId, 'invoice', `S${supplier}:INV${n}:2026`, {
    invoiceNumber: `INV${n}`,
    supplierNumber: `S${supplier}`,
    division: null,
    invoiceYear: '2026',
    invoiceDate: '2026-01-02',
    dueDate: '2026-02-01',
    currency: 'EUR',
    amount,
    openAmount: '0',
    paymentStatus: 'paid',
    lastPaymentDate: null,
    poNumber: null,
  });
}

export function glAccountEvent(tenantId: string, n: number): ChangeEvent {
  return event(tenantId, 'gl-account', `GL${n}`, {
    accountNumber: `GL${n}`,
    description: `Account ${n}`,
    accountType: null,
    division: null,
    status: null,
  });
}

/** Produces change events as the extractor does (Avro, tenant partitioning, acks=all). */
export async function produceChanges(stack: LoaderStack, events: readonly ChangeEvent[]): Promise<void> {
  const byTopic = new Map<string, { key: string; value: Buffer }[]>();
  for (const change of events) {
    const topic = `${stack.prefix}${changeTopic(change.entity)}`;
    const messages = byTopic.get(topic) ?? [];
    messages.push({
      key: changeEventKey(change.tenantId, change.entity, change.naturalKey),
      value: await stack.codec.encodeChangeEvent(change),
    });
    byTopic.set(topic, messages);
  }
  for (const [topic, messages] of byTopic) {
    for (let start = 0; start < messages.length; start += 2000) {
      await stack.producer.send({ topic, acks: -1, messages: messages.slice(start, start + 2000) });
    }
  }
}

export async function sendReplay(
  stack: LoaderStack,
  request: Pick<ReplayControlMessage, 'tenantId'> & Partial<ReplayControlMessage>,
): Promise<void> {
  const message: ReplayControlMessage = {
    type: 'replay',
    version: 1,
    requestId: randomUUID(),
    requestedBy: 'test',
    requestedAt: new Date().toISOString(),
    entity: null,
    from: 'earliest',
    naturalKeys: null,
    force: false,
    ...request,
  };
  await stack.producer.send({
    topic: `${stack.prefix}${CONTROL_TOPIC}`,
    acks: -1,
    messages: [encodeControlMessage(message)],
  });
}

/** posting_history rows (optionally of one status) for a tenant. */
export async function postingCount(stack: LoaderStack, tenantId: string, status?: string): Promise<number> {
  const { rows } = await stack.pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM posting_history WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)',
    [tenantId, status ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Waits until the loader's group committed every change topic up to its log end. The loader commits only
 * after every sink (posting_history, then the audit topic) is durable, so unlike a posting_history count
 * this means the batch's audit records were produced too.
 */
export async function waitForCommitted(stack: LoaderStack, timeoutMs = 30_000): Promise<void> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    const topics = ENTITY_NAMES.map((entity) => `${stack.prefix}${changeTopic(entity)}`);
    await waitFor(
      'the loader to commit every change topic to its end',
      async () => {
        const committed = await admin.fetchOffsets({ groupId: stack.groupId, topics });
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const partitions = committed.find((entry) => entry.topic === topic)?.partitions ?? [];
          for (const end of ends) {
            if (end.high === end.low) continue;
            const offset = partitions.find((entry) => entry.partition === end.partition)?.offset ?? '-1';
            if (BigInt(offset) < BigInt(end.high)) return false;
          }
        }
        return true;
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Waits until `check` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Reads every message of a topic from the beginning until it is idle. */
export async function readTopic(stack: LoaderStack, topic: string): Promise<{ key: string; value: unknown }[]> {
  const admin = stack.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(`${stack.prefix}${topic}`);
  await admin.disconnect();
  const expected = offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  const messages: { key: string; value: unknown }[] = [];
  if (expected === 0) return messages;
  const consumer = stack.kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: `${stack.prefix}${topic}`, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      messages.push({
        key: message.key?.toString() ?? '',
        value: message.value === null ? null : await stack.codec.decodeMessage(message.value),
      });
    },
  });
  await waitFor(`${expected} messages on ${topic}`, () => messages.length >= expected, 30_000);
  await consumer.disconnect();
  return messages;
}
