import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeControlMessage } from '@mlc/common/control-message';
import { createKafka } from '@mlc/common/kafka-client';
import { createLogger } from '@mlc/common/logger';
import { CONTROL_TOPIC } from '@mlc/common/topics';
import { kafkaBrokers } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';
import { sampleTenantBody, startAdminApi } from './admin-api-harness.ts';

test('a replay request becomes a control message on the control topic, keyed by tenant', async (t) => {
  const brokers = kafkaBrokers();
  const prefix = `${uniqueName('admin_replay')}.`;
  const kafka = createKafka(
    {
      kafkaBrokers: brokers,
      kafkaClientId: 'admin-api-test',
      kafkaSsl: false,
      kafkaSaslMechanism: 'none',
      kafkaSaslUsername: undefined,
      kafkaSaslPassword: undefined,
    },
    createLogger({ name: 'kafka-test', level: 'silent' }),
  );
  const admin = kafka.admin();
  await admin.connect();
  const topic = `${prefix}${CONTROL_TOPIC}`;
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] });
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });
  const api = await startAdminApi(t, {
    kafka,
    controlPublisher: null,
    config: { kafkaBrokers: brokers, topicPrefix: prefix },
  });
  await api.call('POST', '/tenants', { body: sampleTenantBody('kafka-tenant') });
  const replay = await api.call('POST', '/tenants/kafka-tenant/replay', {
    body: { from: 'earliest', entity: 'supplier' },
  });
  assert.equal(replay.status, 202, replay.text);
  assert.equal(replay.body.controlTopic.topic, topic);

  const consumer = kafka.consumer({ groupId: uniqueName('admin_replay_reader') });
  t.after(() => consumer.disconnect());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = await new Promise<{ key: string; value: Buffer }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no control message within 20 s')), 20_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        clearTimeout(timer);
        resolve({ key: String(message.key), value: message.value as Buffer });
      },
    });
  });
  assert.equal(received.key, 'kafka-tenant');
  const message = decodeControlMessage(received.value);
  assert.equal(message.type, 'replay');
  assert.equal(message.requestId, replay.body.requestId);
  assert.deepEqual(message.type === 'replay' ? [message.entity, message.from, message.force] : [], [
    'supplier',
    'earliest',
    false,
  ]);
  const ready = await api.call('GET', '/readyz', { token: null });
  assert.equal(ready.body.checks.kafka.ok, true);
});
