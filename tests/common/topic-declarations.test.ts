import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Admin, ConfigResourceTypes } from 'kafkajs';
import { loadConfig } from '../../packages/common/src/config.ts';
import { KAFKA_CONFIG } from '../../packages/common/src/config-definitions.ts';
import { ENTITY_NAMES } from '../../packages/common/src/entities.ts';
import { isMlcError } from '../../packages/common/src/errors.ts';
import { connectWithRetry, createKafka } from '../../packages/common/src/kafka-client.ts';
import { createLogger } from '../../packages/common/src/logger.ts';
import { ensureTopics, TOPIC_DECLARATIONS } from '../../packages/common/src/topic-declarations.ts';
import {
  AUDIT_HISTORY_TOPIC,
  AUDIT_TOPIC,
  CONTROL_TOPIC,
  changeTopic,
  DLQ_TOPIC,
} from '../../packages/common/src/topics.ts';

const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const config = loadConfig(KAFKA_CONFIG);
const kafka = createKafka(config, createLogger({ name: 'topic-declarations-test', level: 'silent' }));
const createdTopics: string[] = [];
let admin: Admin;

/** A fresh prefix per test, so no test sees another's topics; all are deleted at the end. */
function isolatedTopics(): { prefix: string; topicNames: string[] } {
  const prefix = `test-${randomUUID().slice(0, 8)}.`;
  const topicNames = TOPIC_DECLARATIONS.map((declaration) => `${prefix}${declaration.name}`);
  createdTopics.push(...topicNames);
  return { prefix, topicNames };
}

before(async () => {
  admin = kafka.admin();
  await connectWithRetry(admin, { timeoutMs: 15_000, brokers: config.kafkaBrokers });
});

after(async () => {
  await admin?.deleteTopics({ topics: createdTopics }).catch(() => {});
  await admin?.disconnect();
});

async function readBack(topic: string, names: string[]): Promise<Record<string, string>> {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: names }],
  });
  return Object.fromEntries((resources[0]?.configEntries ?? []).map((entry) => [entry.configName, entry.configValue]));
}

async function waitForConfig(topic: string, name: string, value: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await readBack(topic, [name]))[name] !== value) {
    assert.ok(Date.now() < deadline, `${topic} ${name} never became ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('declared topics are created with their configs and partitions, read back through the admin client', async () => {
  const { prefix, topicNames } = isolatedTopics();
  const first = await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix });
  assert.deepEqual(first.created.sort(), [...topicNames].sort());

  for (const entity of ENTITY_NAMES) {
    const configs = await readBack(`${prefix}${changeTopic(entity)}`, ['cleanup.policy', 'min.compaction.lag.ms']);
    assert.deepEqual(configs, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '3600000' });
  }
  assert.equal((await readBack(`${prefix}${AUDIT_TOPIC}`, ['cleanup.policy']))['cleanup.policy'], 'compact');
  assert.deepEqual(await readBack(`${prefix}${AUDIT_HISTORY_TOPIC}`, ['cleanup.policy', 'retention.ms']), {
    'cleanup.policy': 'delete',
    'retention.ms': String(30 * 24 * 3_600_000),
  });
  assert.equal((await readBack(`${prefix}${DLQ_TOPIC}`, ['cleanup.policy']))['cleanup.policy'], 'delete');

  const { topics } = await admin.fetchTopicMetadata({
    topics: [`${prefix}${changeTopic('invoice')}`, `${prefix}${CONTROL_TOPIC}`],
  });
  const partitions = Object.fromEntries(topics.map((topic) => [topic.name, topic.partitions.length]));
  assert.equal(partitions[`${prefix}${changeTopic('invoice')}`], 3);
  assert.equal(partitions[`${prefix}${CONTROL_TOPIC}`], 1);
});

test('ensuring topics again creates nothing; a topic whose configs drifted is refused, or altered on request', async () => {
  const { prefix, topicNames } = isolatedTopics();
  await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix });
  const again = await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix });
  assert.deepEqual(again.created, []);
  assert.deepEqual(again.existing.sort(), [...topicNames].sort());

  const drifted = `${prefix}${AUDIT_TOPIC}`;
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: TOPIC_RESOURCE,
        name: drifted,
        configEntries: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'min.compaction.lag.ms', value: '3600000' },
        ],
      },
    ],
  });
  // The broker applies an altered config when it replays the KRaft metadata log, a moment after the ack.
  await waitForConfig(drifted, 'cleanup.policy', 'delete');
  await assert.rejects(ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix }), (error: unknown) => {
    assert.ok(isMlcError(error, 'MLC_TOPIC_MISCONFIGURED'), `unexpected ${String(error)}`);
    assert.match(
      error.message,
      new RegExp(`${drifted.replaceAll('.', '\\.')}: cleanup\\.policy=delete \\(declared compact\\)`),
    );
    return true;
  });
  const fixed = await ensureTopics(admin, { partitions: 3, replicationFactor: 1, prefix, alterMismatched: true });
  assert.deepEqual(fixed.altered, [drifted]);
  await waitForConfig(drifted, 'cleanup.policy', 'compact');
});
