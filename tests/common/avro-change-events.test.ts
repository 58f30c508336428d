import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { CHANGE_EVENT_SCHEMAS } from '../../packages/common/src/avro/avro-schemas.ts';
import { sampleChangeEvent } from '../../packages/common/src/avro/sample-change-events.ts';
import { createConnectorCodec } from '../../packages/common/src/change-event-codec.ts';
import { loadConfig } from '../../packages/common/src/config.ts';
import { SHARED_CONFIG } from '../../packages/common/src/config-definitions.ts';
import { ENTITY_NAMES } from '../../packages/common/src/entities.ts';
import { isMlcError } from '../../packages/common/src/errors.ts';
import { connectWithRetry, createKafka } from '../../packages/common/src/kafka-client.ts';
import { createLogger } from '../../packages/common/src/logger.ts';
import {
  type ConnectorSchemas,
  createSchemaRegistry,
  registerConnectorSchemas,
  registerSchema,
  valueSubject,
} from '../../packages/common/src/schema-registry.ts';
import { TenantPartitioner } from '../../packages/common/src/tenant-partitioner.ts';
import { ensureTopics, TOPIC_DECLARATIONS } from '../../packages/common/src/topic-declarations.ts';
import { changeEventKey, changeTopic } from '../../packages/common/src/topics.ts';

const config = loadConfig(SHARED_CONFIG);
const logger = createLogger({ name: 'avro-change-events-test', level: 'silent' });
const prefix = `test-${randomUUID().slice(0, 8)}.`;
const kafka = createKafka({ ...config, kafkaClientId: `avro-test-${prefix}` }, logger);
const subjects = new Set<string>();

let admin: Admin;
let producer: Producer;
let schemas: ConnectorSchemas;

before(async () => {
  admin = kafka.admin();
  producer = kafka.producer({ createPartitioner: TenantPartitioner });
  await connectWithRetry(admin, { timeoutMs: 15_000, brokers: config.kafkaBrokers });
  await connectWithRetry(producer, { timeoutMs: 15_000, brokers: config.kafkaBrokers });
  await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix });
  schemas = await registerConnectorSchemas({ url: config.schemaRegistryUrl, timeoutMs: 15_000, subjectPrefix: prefix });
  for (const declaration of TOPIC_DECLARATIONS) subjects.add(valueSubject(`${prefix}${declaration.name}`));
});

async function deleteSubject(subject: string): Promise<void> {
  const base = `${config.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}`;
  await fetch(base, { method: 'DELETE' }).then((r) => r.body?.cancel());
  await fetch(`${base}?permanent=true`, { method: 'DELETE' }).then((r) => r.body?.cancel());
}

after(async () => {
  await admin?.deleteTopics({ topics: TOPIC_DECLARATIONS.map((d) => `${prefix}${d.name}`) }).catch(() => {});
  await Promise.all([...subjects].map((subject) => deleteSubject(subject).catch(() => {})));
  await producer?.disconnect();
  await admin?.disconnect();
});

async function consumeOne(topic: string): Promise<{ key: string; value: Buffer; partition: number }> {
  const consumer: Consumer = kafka.consumer({ groupId: `${prefix}reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no message on ${topic} within 20 s`)), 20_000);
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            clearTimeout(timer);
            resolve({ key: String(message.key), value: message.value ?? Buffer.alloc(0), partition });
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

test('a change event produced through the real broker and registry is consumed and decoded back equal', async () => {
  const codec = createConnectorCodec(schemas.registry, schemas.schemaIds);
  const event = sampleChangeEvent('purchase-order', `tenant-${randomUUID().slice(0, 6)}`);
  const topic = `${prefix}${changeTopic(event.entity)}`;
  const key = changeEventKey(event.tenantId, event.entity, event.naturalKey);
  await producer.send({ topic, acks: -1, messages: [{ key, value: await codec.encodeChangeEvent(event) }] });

  const received = await consumeOne(topic);
  assert.equal(received.key, key);
  assert.equal(received.value.readUInt8(0), 0, 'Confluent wire format magic byte');
  assert.equal(received.value.readInt32BE(1), schemas.schemaIds.get(changeTopic(event.entity)));
  assert.deepEqual(await codec.decodeChangeEvent(received.value), event);
});

test('every entity has its own registered schema and a value of the wrong shape is refused with the field path', async () => {
  const codec = createConnectorCodec(schemas.registry, schemas.schemaIds);
  const ids = ENTITY_NAMES.map((entity) => schemas.schemaIds.get(changeTopic(entity)));
  assert.equal(new Set(ids).size, ENTITY_NAMES.length);
  for (const entity of ENTITY_NAMES) {
    const event = sampleChangeEvent(entity);
    assert.deepEqual(await codec.decodeMessage(await codec.encodeChangeEvent(event)), event);
  }
  const broken = { ...sampleChangeEvent('invoice'), payload: { ...sampleChangeEvent('invoice').payload, amount: 12 } };
  await assert.rejects(
    codec.encodeChangeEvent(broken as unknown as ReturnType<typeof sampleChangeEvent>),
    (error: unknown) => isMlcError(error, 'MLC_SCHEMA_INVALID') && /payload\.amount/.test(error.message),
  );
});

test('a BACKWARD-compatible schema change registers; removing a default or changing a type is rejected', async () => {
  const registry = createSchemaRegistry(config.schemaRegistryUrl);
  const subject = valueSubject(`${prefix}compat-probe`);
  subjects.add(subject);
  const v1 = CHANGE_EVENT_SCHEMAS.supplier;
  const v1Id = await registerSchema(registry, subject, v1);

  const withOptionalField = {
    ...v1,
    fields: [...v1.fields, { name: 'sourceSystem', type: ['null', 'string'], default: null }],
  };
  const v2Id = await registerSchema(registry, subject, withOptionalField);
  assert.notEqual(v2Id, v1Id);

  const withRequiredField = { ...v1, fields: [...withOptionalField.fields, { name: 'region', type: 'string' }] };
  await assert.rejects(registerSchema(registry, subject, withRequiredField), (error: unknown) => {
    assert.ok(isMlcError(error, 'MLC_SCHEMA_INCOMPATIBLE'), `unexpected ${String(error)}`);
    assert.match(error.message, /SupplierChangeEvent is not BACKWARD-compatible with the latest version of subject/);
    assert.equal(error.field, subject);
    return true;
  });

  const retyped = {
    ...v1,
    fields: withOptionalField.fields.map((field) => (field.name === 'tenantId' ? { ...field, type: 'int' } : field)),
  };
  await assert.rejects(registerSchema(registry, subject, retyped), (error: unknown) =>
    isMlcError(error, 'MLC_SCHEMA_INCOMPATIBLE'),
  );
});
